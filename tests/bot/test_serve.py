"""``joanbot serve`` through a real uvicorn server on loopback: readiness, a start while Slack is down, slow
clients, and SIGTERM with requests in flight."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, text

from bot.assembly import assemble
from bot.sandbox.standin import SlackStandIn
from bot.server import SlackEndpoint
from bot.serving import serving
from bot.web import web_app
from tests.bot import serve_harness as harness


def _break_sqlite(url: str) -> None:
    """The database file gone, and nothing that could be opened in its place."""
    path = Path(make_url(url).database or "")
    os.replace(path, path.with_suffix(".gone"))
    path.mkdir()


@pytest.fixture
def served_database(database_url: str):
    """A database this test may break: a copy of the SQLite file, or a PostgreSQL database of its own."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    with harness.scratch_postgres(os.environ["TEST_DATABASE_URL"]) as url:
        yield url


def test_readyz_is_200_then_503_naming_what_fails_and_healthz_stays_200(served_database):
    with SlackStandIn() as standin:
        runtime, server = harness.runtime(served_database, standin.url)
        with serving(assemble(runtime, server)) as base:
            harness.wait_for(f"{base}/readyz")
            ready = httpx.get(f"{base}/readyz")
            assert ready.json() == {"database": "ok", "schema": "ok", "code_key": "ok", "slack": "ok"}

            # Written as the product writes (BEGIN IMMEDIATE on SQLite): a deferred transaction that read first
            # is refused at once ("database is locked") if the server's background work committed meanwhile.
            with runtime.billing.db.write_core() as connection:
                head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
                connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
            behind = httpx.get(f"{base}/readyz")
            assert (behind.status_code, behind.json()["schema"]) == (503, "behind")
            with runtime.billing.db.write_core() as connection:
                connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
                connection.execute(text("UPDATE deployment_facts SET value = 'another key'"))
            other_key = httpx.get(f"{base}/readyz")
            assert (other_key.status_code, other_key.json()["code_key"]) == (503, "mismatch")

            if served_database.startswith("sqlite"):
                _break_sqlite(served_database)
            else:
                harness.drop_postgres(served_database)
            runtime.billing.db.dispose()
            gone = httpx.get(f"{base}/readyz")
            assert gone.status_code == 503
            assert gone.json()["database"] == "unreachable"
            assert httpx.get(f"{base}/healthz").status_code == 200


def test_a_start_while_slack_is_down_serves_the_api_and_gives_slack_503_until_slack_answers(database_url):
    port = harness.free_port()
    slack_url = f"http://127.0.0.1:{port}/api/"
    runtime, server = harness.runtime(database_url, slack_url)
    key = runtime.billing.api_keys.create(
        name="portal", scope="portal", read_only=False, actor=harness_actor(), now=runtime.clock()
    ).key
    with serving(assemble(runtime, server)) as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        ready = httpx.get(f"{base}/readyz")
        assert (ready.status_code, ready.json()["slack"]) == (200, "unreachable")
        listed = httpx.get(f"{base}/api/v1/accounts", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200
        body, headers = harness.signed_help(f"http://127.0.0.1:{port}/response/x")
        assert httpx.post(f"{base}/slack/events", content=body, headers=headers).status_code == 503

        standin = SlackStandIn().start(port=port)
        try:
            deadline = time.monotonic() + 20
            while httpx.get(f"{base}/readyz").json()["slack"] != "ok":
                assert time.monotonic() < deadline, "the identity was never learned"
                time.sleep(0.2)
            body, headers = harness.signed_help(standin.response_url("after"), 2)
            assert httpx.post(f"{base}/slack/events", content=body, headers=headers).status_code == 200
            assert httpx.get(f"{base}/healthz").status_code == 200
        finally:
            standin.stop()


def harness_actor():
    from tests.conftest import STAFF

    return STAFF


def test_a_hundred_and_fifty_clients_trickling_headers_do_not_stop_others_and_are_cut_off(billing):
    web = web_app(billing, now=lambda: None)
    with serving(web, header_seconds=6) as base:
        host, port = base.removeprefix("http://").split(":")
        slow = []
        for _ in range(150):
            connection = socket.create_connection((host, int(port)))
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHo")
            slow.append(connection)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        for connection in slow:  # answered while every slow client was still connected
            connection.setblocking(False)
            with pytest.raises(BlockingIOError):
                connection.recv(100)
        time.sleep(7)
        for connection in slow:
            connection.settimeout(5)
            assert connection.recv(100) == b""  # closed by the server: the headers were too slow
            connection.close()


def test_a_body_that_trickles_gets_408_and_the_connection_closed(billing):
    never_reached = SlackEndpoint(None, signing_secret="s")  # type: ignore[arg-type]
    web = web_app(billing, now=lambda: None, slack=never_reached)
    web.body_seconds = 1.0
    with serving(web) as base:
        host, port = base.removeprefix("http://").split(":")
        for path in ("/api/v1/accounts/acme/activity", "/slack/events"):
            with socket.create_connection((host, int(port)), timeout=5) as connection:
                connection.sendall(
                    f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 100\r\n\r\n{".encode()
                )
                received = b""
                while chunk := connection.recv(65536):
                    received += chunk
            assert received.startswith(b"HTTP/1.1 408"), (path, received[:200])
            assert b"connection: close" in received.lower()


def test_sigterm_with_thirty_requests_in_flight_answers_them_all_and_exits_0(database_url, tmp_path):
    with SlackStandIn() as standin:
        port = harness.free_port()
        env = harness.environment(database_url, standin.url, PORT=str(port), JOANBOT_SHUTDOWN_SECONDS="15")
        process = harness.serve_process(env, str(tmp_path))
        try:
            base = f"http://127.0.0.1:{port}"
            harness.wait_for(f"{base}/readyz", seconds=60)
            deadline = time.monotonic() + 20
            while httpx.get(f"{base}/readyz").json()["slack"] != "ok":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            in_flight = []
            for n in range(30):
                body, headers = harness.signed_help(standin.response_url(f"r{n}"), n)
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                connection = socket.create_connection(("127.0.0.1", port), timeout=20)
                connection.sendall(
                    f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
                    + body[:10]
                )
                in_flight.append((connection, body[10:]))
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            for connection, rest in in_flight:
                connection.sendall(rest)
            statuses = []
            for connection, _ in in_flight:
                statuses.append(connection.recv(65536).split(b"\r\n", 1)[0])
                connection.close()
            assert statuses == [b"HTTP/1.1 200 OK"] * 30
            assert process.wait(timeout=30) == 0
            err = process.stderr.read().decode() if process.stderr else ""
            assert "Traceback" not in err
        finally:
            if process.poll() is None:
                process.kill()
