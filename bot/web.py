"""One HTTP application on one port: the Portal API under ``/api/`` and everything else (``/slack/events``,
``/healthz``) as before. Served by waitress; the API is an ASGI app, bridged with a2wsgi, so the Slack
endpoint's path through the server is unchanged (Bolt's dispatch runs on waitress' threads, never on the
API's event loop)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from a2wsgi import ASGIMiddleware
from slack_bolt import App
from waitress.server import create_server

from api.app import build_api
from billing import Billing
from bot.server import SlackWSGI

API_PREFIX = "/api/"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Routes:
    def __init__(self, *, slack: WSGIApp, api: WSGIApp) -> None:
        self.slack, self.api = slack, api

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith(API_PREFIX):
            return self.api(environ, start_response)
        return self.slack(environ, start_response)


def web_app(
    app: App | None, billing: Billing, *, now: Callable[[], Any], health: Callable[[], bool] | None = None
) -> Routes:
    """``app`` None serves the API alone (Socket Mode: Slack's events arrive over the socket)."""
    api = cast(WSGIApp, ASGIMiddleware(build_api(billing, now=now)))  # type: ignore[arg-type]
    slack: WSGIApp = SlackWSGI(app, health=health) if app is not None else _no_slack
    return Routes(slack=slack, api=api)


def _no_slack(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    ok = environ.get("PATH_INFO") == "/healthz"
    body = b"ok" if ok else b"not found"
    start_response(
        "200 OK" if ok else "404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    )
    return [body]


@contextmanager
def serving(wsgi: WSGIApp, *, threads: int = 4) -> Iterator[str]:
    """``wsgi`` on a waitress server on a free loopback port while the block runs; yields its base URL."""
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="loopback-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    finally:
        server.task_dispatcher.shutdown(timeout=5)  # let requests in flight finish before the sockets close
        server.close()
        thread.join(timeout=5)
