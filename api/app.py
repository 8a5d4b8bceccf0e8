"""The Portal API application: ``/api/v1``, its OpenAPI 3.1 document at ``/api/v1/openapi.json``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI

from api import auth, document, problems
from api.context import ApiContext
from api.routes import (
    account_edits,
    accounts,
    assignments,
    events,
    forecast,
    money,
    plans,
    redemptions,
    webhooks,
)
from billing import Billing

PREFIX = "/api/v1"
MAX_BODY = 256 * 1024  # 1,000 activity events fit; anything larger is refused before it is read

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """413 problem+json for a declared or streamed body over ``MAX_BODY``."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise problems.ApiError(413, "body_too_large", f"the body may be at most {self.limit} bytes")
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problems.problem(413, "body_too_large", f"the body may be at most {self.limit} bytes")
        await response(scope, receive, send)


class ReadablePath:
    """422 problem+json for a path whose percent-escapes are not UTF-8 (``/accounts/%FF``): servers decode
    it with a replacement character, or fail on it, and no slug or id holds such bytes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _utf8(scope.get("raw_path") or scope["path"].encode()):
            await problems.unreadable("path", "the path is not UTF-8 once its %-escapes are decoded")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build_api(billing: Billing, *, now: Callable[[], Any]) -> FastAPI:
    app = FastAPI(
        title="Joan billing: the Portal API",
        version="1",
        description="The billing core for the Joan Portal and resellers' own systems. Bearer keys from "
        "`joanbot api-keys create`; errors are application/problem+json. A closed account refuses "
        "redemptions, license purchases, plan changes and assignments with 409 `account_closed`.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN: blank offline. The document itself is served.
        redoc_url=None,
        generate_unique_id_function=document.operation_id,
        # FastAPI's OpenTelemetry hooks: nothing here sets up a provider (the access line and bot.metrics observe
        # requests), and each request would still pay for looking for one.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.context = ApiContext(billing=billing, now=now)
    problems.install(app, refusal=auth.refusal)
    routers = (accounts, account_edits, redemptions, assignments, money, plans, forecast, webhooks, events)
    for module in routers:
        app.include_router(module.router, prefix=PREFIX)
    app.openapi = document.build(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit)
    app.add_middleware(ReadablePath)
    return app
