"""The production server: the web app on uvicorn over real HTTP, Slack's door through it, and its edges."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from billing.models import Assignment
from bot.serving import serving
from bot.web import web_app
from tests.handlers.harness import ADMIN, HOME, SECRET


@pytest.fixture
def http(world) -> Iterator[str]:
    with serving(web_app(world.billing, now=lambda: world.now, slack=world.slack.endpoint)) as base:
        yield base


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }


def test_uvicorn_serves_healthz_and_signed_commands_and_refuses_bad_ones(world, http):
    assert httpx.get(f"{http}/healthz").status_code == 200
    body = urlencode(world.slack.command_body("help", user_id=ADMIN, team=HOME))
    signed = _signed(body)
    assert httpx.post(f"{http}/slack/events", content=body, headers=signed).status_code == 200
    assert world.standin.calls_to("response_url")
    stale = {**signed, "X-Slack-Request-Timestamp": "abc"}
    assert httpx.post(f"{http}/slack/events", content=body, headers=stale).status_code == 401
    assert httpx.post(f"{http}/slack/events", content=body + "x", headers=signed).status_code == 401


def test_other_paths_are_404_a_get_on_the_slack_path_405_and_a_huge_body_413(http):
    assert httpx.get(f"{http}/nope").status_code == 404
    assert httpx.get(f"{http}/slack/events").status_code == 405
    assert httpx.post(f"{http}/slack/events", content=b"x" * 1_000_001).status_code == 413


def test_every_answer_carries_the_callers_request_id_or_a_new_one(http):
    assert httpx.get(f"{http}/healthz", headers={"X-Request-Id": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = httpx.get(f"{http}/nope").headers["x-request-id"]
    assert len(made) == 32
    assert httpx.get(f"{http}/healthz", headers={"X-Request-Id": "bad id\twith spaces"}).headers["x-request-id"] != (
        "bad id\twith spaces"
    )


def _raw(base: str, data: bytes, *, wait: float = 5.0) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as connection:
        connection.sendall(data)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def test_a_request_with_both_content_length_and_chunked_is_refused_400_and_the_pipelined_put_never_runs(billing, http):
    # What smuggling looks like: a front end reading Content-Length sees one request, a back end reading
    # the chunks sees a second one, a PUT that assigns a device.
    from tests.api.conftest import new_key
    from tests.billing.builders import account, licenses
    from tests.conftest import at

    account(billing, "smuggled", now=at("2026-03-01"))
    licenses(billing, solution="room", units=2, account_slug="smuggled", now=at("2026-03-01"))
    key = new_key(billing, "smuggler")
    put = (
        f"PUT /api/v1/accounts/smuggled/solutions/room/devices/panel-1 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    smuggling = (
        b"POST /api/v1/accounts/smuggled/activity HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + put
    )
    answer = _raw(http, smuggling)
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.count(b"HTTP/1.1 ") == 1  # the connection was closed: no answer to a second request
    with billing.db.read() as session:
        assert session.scalars(select(Assignment).where(Assignment.subject == "panel-1")).all() == []


def test_the_openapi_document_is_served_and_the_cdn_docs_page_is_not(http):
    assert httpx.get(f"{http}/api/v1/openapi.json").status_code == 200
    assert httpx.get(f"{http}/api/v1/docs").status_code == 404


def test_serve_takes_slack_over_the_socket_when_an_app_token_is_set_else_over_http(monkeypatch, tmp_path, standin):
    from bot import logsafe, server, serving
    from bot.settings import LogSettings, SettingsError

    chosen: list[tuple[str, str, int, int]] = []

    def serve_forever(web, *, host, port, shutdown_seconds):
        chosen.append(("http" if web.slack is not None else "socket", host, port, shutdown_seconds))

    monkeypatch.setattr(serving, "serve_forever", serve_forever)
    monkeypatch.setenv("JOANBOT_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", standin.url)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    with pytest.raises(SettingsError, match="JOANBOT_SALES_CHANNEL"):
        server.run()
    monkeypatch.setenv("JOANBOT_SALES_CHANNEL", "CSALES")
    server.run()
    monkeypatch.delenv("SLACK_APP_TOKEN")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("PORT", "3999")
    monkeypatch.setenv("JOANBOT_BIND", "127.0.0.1")
    monkeypatch.setenv("JOANBOT_SHUTDOWN_SECONDS", "7")
    server.run()
    assert chosen == [("socket", "0.0.0.0", 3000, 20), ("http", "127.0.0.1", 3999, 7)]
    assert standin.calls_to("auth.test") == []  # nothing asks Slack before the server runs
    logsafe.configure(LogSettings())  # serve set INFO on the root logger; back to the CLI's default
