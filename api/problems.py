"""Errors as RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail`` and the stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from billing.attempts import TooManyAttempts
from billing.errors import BillingError, Conflict, NotFound, PermissionDenied

log = logging.getLogger("joanbot.api")

PROBLEM = "application/problem+json"
TYPE_BASE = "https://joanbot.example.com/problems/"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] = []


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
        type=TYPE_BASE + code,
        title=code.replace("_", " ").capitalize(),
        status=status,
        detail=detail,
        code=code,
        errors=errors or [],
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
    field = error.details.get("field")
    errors = [FieldError(field=str(field), message=error.message)] if field else None
    return problem(status_of(error), error.code, error.message, errors=errors)


def _field(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location if part != "body") or "body"


def install(app: FastAPI) -> None:
    # Coroutines: they do no I/O, and a plain function would cost a trip through the thread pool.
    @app.exception_handler(BillingError)
    async def _billing(_request: Request, error: BillingError) -> JSONResponse:
        return billing_problem(error)

    @app.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError) -> JSONResponse:
        return problem(error.status, error.code, error.detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [
            FieldError(field=_field(tuple(e.get("loc", ()))), message=str(e.get("msg", ""))) for e in error.errors()
        ]
        names = ", ".join(sorted({f.field for f in fields}))
        return problem(422, "invalid_request", f"invalid fields: {names}", errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem(error.status_code, code, str(error.detail), headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error in an API request", exc_info=error)
        return problem(500, "internal_error", "something went wrong on our side; it was logged")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error statuses an operation declares, each as problem+json."""
    return {
        status: {"description": "a problem", "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for status in (401, 413, 422, 429, *statuses)
    }
