"""Serving the app: HTTP (a WSGI app on waitress, ``/slack/events``, ``/healthz`` and the Portal API of
``bot.web``) or Socket Mode (the API still on HTTP).

Bolt parses a request before it checks the signature, so the WSGI app hands the raw bytes to
``bot.slack_edge`` first: unsigned requests get 401 and odd signed ones 400 before Bolt sees them.
"""

from __future__ import annotations

import http
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App, BoltResponse

from bot import slack_edge
from bot.settings import SlackSettings

log = logging.getLogger("joanbot.server")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000  # Slack's payloads are a few kilobytes; refuse anything absurd before reading it

StartResponse = Callable[..., Any]


def _status(code: int) -> str:
    return f"{code} {http.HTTPStatus(code).phrase}"


def _headers(environ: dict[str, Any]) -> dict[str, str | Sequence[str]]:
    headers: dict[str, str | Sequence[str]] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = [str(value)]
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = [str(environ["CONTENT_TYPE"])]
    return headers


class SlackWSGI:
    """``/slack/events`` for commands, interactivity, options and events; ``/healthz`` for load balancers."""

    def __init__(self, app: App, *, health: Callable[[], bool] | None = None) -> None:
        self.app = app
        self.health = health or (lambda: True)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            ok = self.health()
            return self._reply(start_response, 200 if ok else 503, b"ok" if ok else b"unhealthy", "text/plain")
        if path != EVENTS_PATH:
            return self._reply(start_response, 404, b"not found", "text/plain")
        if method != "POST":
            return self._reply(start_response, 405, b"method not allowed", "text/plain")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._reply(start_response, 413, b"too large", "text/plain")
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = _headers(environ)
        return self._bolt_reply(start_response, dispatch(self.app, raw, headers, environ.get("QUERY_STRING", "")))

    @staticmethod
    def _reply(start_response: StartResponse, status: int, body: bytes, content_type: str) -> list[bytes]:
        start_response(_status(status), [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _bolt_reply(start_response: StartResponse, response: BoltResponse) -> list[bytes]:
        body = (response.body or "").encode("utf-8")
        headers = [(k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(_status(response.status), headers)
        return [body]


def dispatch(app: App, raw: bytes, headers: dict[str, str | Sequence[str]], query: str = "") -> BoltResponse:
    """Hand one HTTP request to Bolt once ``slack_edge`` has verified it (with Bolt's own signing secret)."""
    verified = slack_edge.verify(raw, headers, secret=app._signing_secret, query=query)
    if isinstance(verified, slack_edge.Refusal):
        return BoltResponse(
            status=verified.status, body=verified.body, headers={"content-type": "application/json;charset=utf-8"}
        )
    return app.dispatch(verified)


def serve_http(
    wsgi: Callable[..., Iterable[bytes]],
    settings: SlackSettings,
    *,
    host: str = "0.0.0.0",  # noqa: S104
    threads: int = 16,
) -> None:
    """Serve on all interfaces (a container or a host behind a load balancer) until interrupted."""
    import waitress

    log.info("serving HTTP on %s:%s (%s, /api/v1)", host, settings.port, EVENTS_PATH)
    waitress.serve(wsgi, host=host, port=settings.port, threads=threads, ident="joanbot")


def serve_api_in_background(wsgi: Callable[..., Iterable[bytes]], settings: SlackSettings) -> None:
    """Socket Mode: Slack's events come over the socket, the Portal API still over HTTP on ``PORT``."""
    threading.Thread(target=serve_http, args=(wsgi, settings), name="portal-api", daemon=True).start()


def serve_socket_mode(app: App, settings: SlackSettings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.app_token is not None
    log.info("connecting in Socket Mode")
    SocketModeHandler(app, settings.app_token).start()  # type: ignore[no-untyped-call]


def run() -> None:
    """``joanbot serve``: settings from the environment (failing fast by name), then serve until stopped."""
    from bot import logsafe
    from bot.runtime import Runtime
    from bot.settings import SettingsError
    from bot.web import web_app

    logsafe.install()
    runtime = Runtime()
    slack = runtime.slack
    if slack.sales_channel is None:
        raise SettingsError(
            "JOANBOT_SALES_CHANNEL is not set: the channel id (C...) where reminders and alerts of direct accounts go"
        )
    app = runtime.app
    runtime.background.start()
    try:
        if slack.socket_mode:
            serve_api_in_background(web_app(None, runtime.billing, now=runtime.clock), slack)
            serve_socket_mode(app, slack)
        else:
            serve_http(web_app(app, runtime.billing, now=runtime.clock), slack)
    finally:
        runtime.background.stop()
