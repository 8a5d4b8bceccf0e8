"""``joanbot serve`` as the tests run it: the assembled web app on a real uvicorn server on loopback, or the
real process; signed Slack requests; a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, make_url, text

from bot.runtime import Runtime
from bot.settings import ServerSettings, Settings, SlackSettings

SECRET = "serve-signing-secret"
KEY = "serve-test-code-key-" + "s" * 32
ADMIN = "UADMIN"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, slack_api_url: str, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "JOANBOT_CODE_KEY": KEY,
        "SLACK_BOT_TOKEN": "xoxb-serve-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack_api_url,
        "JOANBOT_SALES_CHANNEL": "CSALES",
        "JOANBOT_ADMINS": ADMIN,
        "JOANBOT_BIND": "127.0.0.1",
        **more,
    }


def runtime(database_url: str, slack_api_url: str, **more: str) -> tuple[Runtime, ServerSettings]:
    env = environment(database_url, slack_api_url, **more)
    return Runtime(settings=Settings.from_env(env), slack=SlackSettings.from_env(env)), ServerSettings.from_env(env)


def signed_help(response_url: str, n: int = 1) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "command": "/joan",
            "text": "help",
            "user_id": ADMIN,
            "team_id": "THOME",
            "channel_id": "CSALES",
            "response_url": response_url,
            "trigger_id": f"t-{n}",
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


def wait_for(url: str, *, status: int = 200, seconds: float = 20, method: str = "GET", **kwargs: object) -> None:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = httpx.request(method, url, timeout=2, **kwargs).status_code  # type: ignore[arg-type]
            if last == status:
                return
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered {status} (last: {last})")


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server (so that a test may drop it), dropped at the end."""
    server = make_url(server_url)
    name = f"joanbot_serve_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def drop_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def serve_process(env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env={**os.environ, **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
