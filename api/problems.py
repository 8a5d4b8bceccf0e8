"""Errors as RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail`` and the stable ``code``."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.request_id import REQUEST_ID
from billing import BillingError, Conflict, NotFound, PermissionDenied, TooManyAttempts

log = logging.getLogger("joanbot.api")

PROBLEM = "application/problem+json"
# RFC 9457 §4.2.1: no page documents each problem type, so ``type`` is about:blank, ``title`` the status's
# phrase, and the stable ``code`` tells refusals apart.
TYPE = "about:blank"
RETRY_AFTER = "Retry-After"


class FieldError(BaseModel):
    """One offending field: ``events.3.solution``, ``body``."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: ``code`` is the stable code of the refusal; ``errors`` name the fields of a 422."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = []
    request_id: str | None = None


class ApiError(Exception):
    """A refusal the HTTP layer makes itself (authentication, read-only keys, body size)."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE,
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        errors=errors or [],
        request_id=REQUEST_ID.get(),
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM, headers=headers)


def status_of(error: BillingError) -> int:
    if isinstance(error, TooManyAttempts):
        return 429
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, Conflict):
        return 409
    return 422


def billing_problem(error: BillingError) -> JSONResponse:
    """A billing error's ``field`` detail (the argument it refuses, e.g. ``events.3.solution``) is named in
    ``errors``; its ``retry_after`` (seconds) is the ``Retry-After`` header, and its message says it too."""
    field = error.details.get("field")
    errors = [FieldError(field=str(field), message=error.message)] if field else None
    retry_after = error.details.get("retry_after")
    headers = {RETRY_AFTER: str(retry_after)} if retry_after is not None else None
    return problem(status_of(error), error.code, error.message, errors=errors, headers=headers)


def _field_error(error: Any) -> FieldError:
    """``("body", "events", 1, "at")`` -> ``events.1.at``; a body that is not JSON is the ``body`` itself
    (FastAPI locates it by character offset)."""
    if error.get("type") == "json_invalid":
        return FieldError(field="body", message=f"not valid JSON ({error.get('ctx', {}).get('error', 'unreadable')})")
    location = tuple(error.get("loc", ()))
    field = ".".join(str(part) for part in location if part != "body") or "body"
    return FieldError(field=field, message=str(error.get("msg", "")))


def install(app: FastAPI, *, refusal: Callable[[Request], Awaitable[ApiError | None]] | None = None) -> None:
    """``refusal``: the 401 or 403 an invalid request gets instead of its 422 (``api.auth.refusal``)."""

    # Coroutines: they do no I/O, and a plain function would cost a trip through the thread pool.
    @app.exception_handler(BillingError)
    async def _billing(_request: Request, error: BillingError) -> JSONResponse:
        return billing_problem(error)

    @app.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError) -> JSONResponse:
        return problem(error.status, error.code, error.detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        refused = await refusal(request) if refusal is not None else None
        if refused is not None:
            return problem(refused.status, refused.code, refused.detail, headers=refused.headers)
        fields = [_field_error(e) for e in error.errors()]
        names = ", ".join(sorted({f.field for f in fields}))
        return problem(422, "invalid_request", f"invalid fields: {names}", errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI could not read the body (not UTF-8, not JSON): an invalid request
            return unreadable("body", "the body is not JSON in UTF-8")
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        headers = getattr(error, "headers", None)
        if error.status_code == 405:
            headers = {"Allow": ", ".join(allowed_methods(request))}
        return problem(error.status_code, code, str(error.detail), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error in an API request", exc_info=error)
        return problem(500, "internal_error", "something went wrong on our side; it was logged")


MethodTable = list[tuple[re.Pattern[str], frozenset[str]]]
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def allowed_methods(request: Request) -> list[str]:
    """Every method the document lists at this path: Starlette's 405 names only the first matching route's,
    and a path such as a device's has one route per method."""
    app = request.app
    table: MethodTable | None = getattr(app.state, "methods", None)
    if table is None:  # once: each path template of the document as a pattern, with its methods
        paths = app.openapi()["paths"]
        table = [
            (compile_path(path)[0], frozenset(m.upper() for m in item if m in HTTP_METHODS))
            for path, item in paths.items()
        ]
        app.state.methods = table
    path = request.scope["path"]
    return sorted({method for pattern, methods in table if pattern.match(path) for method in methods})


def unreadable(field: str, message: str) -> JSONResponse:
    """A request that cannot be read (bytes that are not UTF-8 in its path or body) is invalid: 422."""
    return problem(
        422, "invalid_request", f"invalid fields: {field}", errors=[FieldError(field=field, message=message)]
    )


HEADERS: dict[int, dict[str, dict[str, Any]]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {RETRY_AFTER: {"description": "seconds until an attempt is allowed again", "schema": {"type": "integer"}}},
}
DESCRIPTIONS = {
    401: "no valid API key",
    403: "a read-only key writing, or an action this key may not take",
    404: "no such account (or one the key may not see), or no such thing in it",
    405: "a method this path does not serve (`Allow` lists those it does)",
    409: "a billing rule refuses it as things stand",
    413: "a body over 256 KB",
    422: "an invalid request (its `errors` name the fields), or a refusal of valid data by a business rule",
    429: "too many failed redemption attempts: `Retry-After` seconds",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error statuses an operation declares, each as problem+json."""
    return {
        status: {
            "description": DESCRIPTIONS.get(status, "a problem"),
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            **({"headers": HEADERS[status]} if status in HEADERS else {}),
        }
        for status in (401, 413, 422, 429, *statuses)
    }
