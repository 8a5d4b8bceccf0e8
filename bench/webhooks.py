"""Webhook delivery: 10,000 events drained from the outbox to a loopback receiver, in events per second,
beside a raw loop of the same signed POSTs over one connection (httpx, the deliverer's client) in the same
run. The target is at least half the raw loop's rate: the outbox's claims and records cost the rest."""

from __future__ import annotations

import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

import migrations
from billing import Billing, BillingSettings, CodeKey, Database, event_records, operator
from billing.models import Account
from billing.models.events import EventType
from handlers.outbound.webhooks import Deliverer, signature

STAFF = operator("bench")
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.end_headers()


def _billing(path: Path) -> Billing:
    db = Database.from_url(f"sqlite:///{path}")
    migrations.upgrade(db.engine)
    billing = Billing(db, key=CodeKey(b"bench-key-" + b"0" * 32), settings=BillingSettings(webhooks_allow_http=True))
    billing.catalog.ensure_default()
    return billing


def _events(billing: Billing, n: int) -> None:
    billing.accounts.create_account(slug="acme", name="Acme", actor=STAFF, now=NOW)
    with billing.db.write() as session:
        acme = session.query(Account).one()
        for i in range(n):
            event_records.record(session, EventType.LICENSES_RELEASED, acme, {"device": f"d{i}"}, now=NOW)


def _raw(url: str, secret: str, n: int) -> float:
    body = '{"id":"evt_1","type":"licenses.released","created_at":"2026-03-02T12:00:00+00:00","data":{}}'
    with httpx.Client(timeout=10) as client:
        began = time.perf_counter()
        for i in range(n):
            at = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": f"evt_{i}",
                "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": signature([secret], f"evt_{i}", at, body),
            }
            client.post(url, content=body.encode(), headers=headers).raise_for_status()
        return n / (time.perf_counter() - began)


def run(*, n: int = 10_000) -> bool:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        with tempfile.TemporaryDirectory() as home:
            billing = _billing(Path(home) / "hooks.db")
            _view, secret = billing.webhooks.add(
                name="bench", url=url, event_types=None, reseller=None, actor=STAFF, now=NOW
            )
            _events(billing, n)
            _raw(url, secret, min(n, 500))  # warm both ends up first: the machine is shared and noisy
            before = _raw(url, secret, n)
            deliverer = Deliverer(billing, clock=lambda: NOW + timedelta(seconds=time.monotonic() % 1))
            began = time.perf_counter()
            delivered = deliverer.drain(sleep=time.sleep)
            rate = delivered / (time.perf_counter() - began)
            deliverer.close()
            raw = (before + _raw(url, secret, n)) / 2  # the raw loop before and after, averaged
    finally:
        server.shutdown()
        server.server_close()
    met = delivered == n and rate >= raw / 2
    print(f"\nwebhooks, SQLite, {n:,} events to a loopback receiver:")
    print(f"  delivered from the outbox: {rate:,.0f} events/s; raw signed POSTs on one connection: {raw:,.0f}/s;")
    print(f"  ratio {rate / raw:.2f} (target >= 0.5) {'met' if met else 'MISSED'}")
    return met
