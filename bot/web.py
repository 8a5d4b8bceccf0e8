"""One ASGI application for ``joanbot serve``: ``/slack/events``, ``/api/v1/...`` (the Portal API's FastAPI
app), ``/healthz`` (liveness) and ``/readyz`` (readiness).

Every request gets an id (the caller's ``X-Request-Id``, or a new one), echoed in the response, in problem
bodies and in log lines; one access line and the request metrics are written when it is answered. Bolt is
synchronous: its dispatch runs on a worker thread, never on the event loop. The background work (sweep,
poster, mailer), the bot's identity and the metrics port start and stop with the app's lifespan.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
from slack_bolt import BoltResponse
from starlette.exceptions import HTTPException

from api.app import PREFIX, ASGIApp, Message, Receive, Scope, Send, build_api
from api.request_id import REQUEST_ID
from billing import Billing
from bot.health import Readiness
from bot.metrics import CountedRedemptions, Metrics
from bot.server import EVENTS_PATH, MAX_BODY, SlackEndpoint

log = logging.getLogger("joanbot.access")

HEALTH_PATH, READY_PATH = "/healthz", "/readyz"
API_PREFIX = "/api/"
BODY_SECONDS = 30.0  # a request body must arrive within this, however slowly it trickles
READY_SECONDS = 5.0
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class Lifespan:
    """What starts with the server and stops with it, in reverse order."""

    starts: list[Callable[[], Callable[[], None] | None]] = field(default_factory=list)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def start(self) -> None:
        for begin in self.starts:
            stop = begin()
            if stop is not None:
                self._stops.append(stop)

    def stop(self) -> None:
        while self._stops:
            self._stops.pop()()


class Web:
    def __init__(
        self,
        *,
        api: ASGIApp,
        slack: SlackEndpoint | None = None,
        readiness: Readiness | None = None,
        metrics: Metrics | None = None,
        lifespan: Lifespan | None = None,
        body_seconds: float = BODY_SECONDS,
    ) -> None:
        self.api, self.slack, self.readiness, self.metrics = api, slack, readiness, metrics
        self.lifespan = lifespan or Lifespan()
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await anyio.to_thread.run_sync(self.lifespan.start)
                except Exception as error:
                    log.exception("could not start")
                    await send({"type": "lifespan.startup.failed", "message": type(error).__name__})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await anyio.to_thread.run_sync(self.lifespan.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers") or []:
            headers[name.lower()] = value
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        answer = _Answer(send, request_id)
        path, method = str(scope.get("path", "")), str(scope.get("method", "GET"))
        surface, route = "api", "unmatched"
        try:
            if b"transfer-encoding" in headers and b"content-length" in headers:
                # Two framings: a proxy in front may read the other one (request smuggling). Refuse and close.
                await answer.plain(400, b"both Content-Length and Transfer-Encoding", close=True)
            elif path.startswith(API_PREFIX):
                await self.api(scope, self._timed(receive, answer), answer)
                route = _api_route(scope)
            elif path in (HEALTH_PATH, READY_PATH):
                surface, route = "health", path
                await (self._health(answer) if path == HEALTH_PATH else self._ready(answer))
            elif path == EVENTS_PATH and self.slack is not None:
                surface, route = "slack", path
                await self._slack(scope, self._timed(receive, answer), answer, method)
            else:
                await answer.plain(404, b"not found")
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.request(surface=surface, route=route, method=method, status=answer.status, seconds=seconds)
            log.info(
                "%s %s %s",
                method,
                route,
                answer.status,
                extra={
                    "surface": surface,
                    "route": route,
                    "method": method,
                    "status": answer.status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            REQUEST_ID.reset(token)

    def _timed(self, receive: Receive, answer: _Answer) -> Receive:
        """``receive`` with a deadline on the body: a client that trickles it gets 408 and the connection closed."""
        done = False

        async def timed() -> Message:
            nonlocal done
            if done:
                return await receive()
            try:
                async with asyncio.timeout(self.body_seconds):  # cheaper than anyio's cancel scope
                    message = await receive()
            except TimeoutError:
                answer.close = True
                raise BodyTimeout(408, "the request body did not arrive in time") from None
            done = not message.get("more_body", False)
            return message

        return timed

    async def _health(self, answer: _Answer) -> None:
        await answer.plain(200, b"ok")

    async def _ready(self, answer: _Answer) -> None:
        if self.readiness is None:
            await answer.json(200, {"database": "ok", "schema": "ok", "code_key": "ok", "slack": "ok"})
            return
        ready, found = False, {"database": "unreachable", "schema": "unknown", "code_key": "unknown"}
        with anyio.move_on_after(READY_SECONDS):
            ready, found = await anyio.to_thread.run_sync(self.readiness.check, abandon_on_cancel=True)
        await answer.json(200 if ready else 503, found)

    async def _slack(self, scope: Scope, receive: Receive, answer: _Answer, method: str) -> None:
        assert self.slack is not None
        if method != "POST":
            await answer.plain(405, b"method not allowed", extra=[(b"allow", b"POST")])
            return
        raw = bytearray()
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                raw += message.get("body", b"")
                if len(raw) > MAX_BODY:
                    await answer.plain(413, b"too large", close=True)
                    return
                if not message.get("more_body", False):
                    break
        except BodyTimeout:
            await answer.plain(408, b"the request body did not arrive in time", close=True)
            return
        headers: dict[str, list[str]] = {}
        for name, value in scope.get("headers") or []:
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        query = scope.get("query_string", b"").decode("latin-1")
        response = await anyio.to_thread.run_sync(self.slack.handle, bytes(raw), headers, query)
        await answer.bolt(response)


def _api_route(scope: Scope) -> str:
    """The template of the API route that answered (FastAPI keeps an included route's path without the
    router's prefix; every router is included under ``PREFIX``), or ``unmatched``."""
    matched = getattr(scope.get("route"), "path", None)
    if not isinstance(matched, str):
        return "unmatched"
    return matched if matched.startswith(PREFIX) else PREFIX + matched


class BodyTimeout(HTTPException):
    """Raised from ``receive``: the API answers it as a 408 problem, the Slack route with plain text."""


class _Answer:
    """``send`` that remembers the status and adds ``X-Request-Id`` (and ``Connection: close`` when asked)."""

    def __init__(self, send: Send, request_id: str) -> None:
        self._send, self.request_id = send, request_id
        self.status, self.close = 500, False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            extra = [(b"x-request-id", self.request_id.encode())]
            if self.close:
                extra.append((b"connection", b"close"))
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await self._send(message)

    async def plain(
        self, status: int, body: bytes, *, close: bool = False, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.close = self.close or close
        await self._full(status, body, b"text/plain; charset=utf-8", extra or [])

    async def json(self, status: int, body: Any) -> None:
        await self._full(status, json.dumps(body).encode(), b"application/json", [])

    async def bolt(self, response: BoltResponse) -> None:
        body = (response.body or "").encode("utf-8")
        headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, values in response.headers.items()
            if name.lower() != "content-length"
            for value in values
        ]
        await self._full(response.status, body, None, headers)

    async def _full(
        self, status: int, body: bytes, content_type: bytes | None, extra: list[tuple[bytes, bytes]]
    ) -> None:
        headers = [(b"content-length", str(len(body)).encode()), *extra]
        if content_type is not None:
            headers.append((b"content-type", content_type))
        await self({"type": "http.response.start", "status": status, "headers": headers})
        await self({"type": "http.response.body", "body": body})


def counted(billing: Billing, metrics: Metrics | None, door: str) -> Billing:
    """``billing`` as one door sees it: the same core, its redemptions counted under ``door``."""
    if metrics is None:
        return billing
    view = copy.copy(billing)
    view.redemptions = CountedRedemptions(billing.redemptions, door=door, metrics=metrics)  # type: ignore[assignment]
    return view


def web_app(
    billing: Billing,
    *,
    now: Callable[[], Any],
    slack: SlackEndpoint | None = None,
    readiness: Readiness | None = None,
    metrics: Metrics | None = None,
    lifespan: Lifespan | None = None,
) -> Web:
    """``slack`` None serves no ``/slack/events`` (Socket Mode: Slack's events arrive over the socket)."""
    api = build_api(counted(billing, metrics, "api"), now=now)
    return Web(api=api, slack=slack, readiness=readiness, metrics=metrics, lifespan=lifespan)
