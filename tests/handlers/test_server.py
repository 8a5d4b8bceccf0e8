"""The production server: waitress over real HTTP, and the choice between HTTP and Socket Mode."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot import server
from bot.server import SlackWSGI
from bot.settings import SettingsError
from tests.handlers.harness import ADMIN, HOME, SECRET


@pytest.fixture
def http(world):
    wsgi = world.slack.wsgi
    running = create_server(wsgi, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.effective_port}"
    running.close()


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_waitress_serves_healthz_and_signed_commands_and_refuses_bad_ones(world, http):
    with urllib.request.urlopen(f"{http}/healthz", timeout=10) as response:
        assert response.status == 200
    body = urlencode(world.slack.command_body("help", user_id=ADMIN, team=HOME))
    ts = str(int(time.time()))
    signed = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    assert _post(f"{http}/slack/events", body, signed)[0] == 200
    assert world.standin.calls_to("response_url")
    assert _post(f"{http}/slack/events", body, {**signed, "X-Slack-Request-Timestamp": "abc"})[0] == 401
    assert _post(f"{http}/slack/events", body + "x", signed)[0] == 401


def test_serve_picks_socket_mode_when_an_app_token_is_set_else_http(monkeypatch, tmp_path, standin):
    chosen: list[str] = []
    monkeypatch.setattr(server, "serve_socket_mode", lambda app, settings: chosen.append("socket"))
    monkeypatch.setattr(server, "serve_http", lambda app, settings: chosen.append(f"http:{settings.port}"))
    monkeypatch.setattr(server, "serve_api_in_background", lambda app, settings: chosen.append("api"))
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
    server.run()
    assert chosen == ["api", "socket", "http:3999"]
    assert len(standin.calls_to("auth.test")) == 2  # the home team, learned from the bot token


def test_the_wsgi_app_refuses_oversized_bodies_and_reports_unhealthy():
    wsgi = SlackWSGI(app=None, health=lambda: False)  # type: ignore[arg-type]
    statuses: list[str] = []
    body = b"".join(wsgi({"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz"}, lambda s, h: statuses.append(s)))
    assert statuses == ["503 Service Unavailable"] and body == b"unhealthy"
    wsgi(
        {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "CONTENT_LENGTH": str(10**9)},
        lambda s, h: statuses.append(s),
    )
    assert statuses[-1].startswith("413")
    assert json.dumps(statuses)
