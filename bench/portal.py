"""The Portal API's cost over the billing call it makes: PUT a device, POST a redemption.

Each operation runs N times through a real uvicorn server on loopback (``bot.web``, as ``joanbot serve``
serves it), N times through the server it replaced (the same FastAPI app bridged to WSGI by a2wsgi on
waitress: "before") and N times as the direct billing call, interleaved on the same database; p50 and p99 of
each, and the API/billing ratio (target: p50 ratio <= 1.5x).

The requests go over one kept-alive connection per server with the standard library's client
(``bench.keepalive``): the client runs in this process, and httpx's own CPU (about 0.5 ms a request, more
than the API's framework work) would be counted as the API's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

import migrations
from bench.keepalive import KeepAlive
from bench.wsgi_before import bridged, waitress_serving
from billing import Billing, CodeKey, Database, operator
from billing.money import Money
from bot.serving import serving
from bot.web import web_app

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
STAFF = operator("bench")
TARGET = 1.5


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(call: Callable[[int], object], i: int) -> float:
    start = time.perf_counter()
    call(i)
    return (time.perf_counter() - start) * 1000


def _setup(url: str, n: int) -> tuple[Billing, list[str]]:
    db = Database.from_url(url)
    migrations.upgrade(db.engine)
    billing = Billing(db, key=CodeKey(b"p" * 32))
    billing.catalog.ensure_default()
    billing.accounts.create_account(slug="acme", name="Acme", actor=STAFF, now=NOW)
    big = billing.issuing.issue_subscription_codes(
        solution="room", level="professional", units=6 * n + 10, term_months=12, actor=STAFF, now=NOW
    )
    billing.redemptions.redeem(code=big.codes[0].code, account="acme", actor=STAFF, now=NOW)
    credit = billing.issuing.issue_credit_codes(
        amount=Money(1000, "USD"), source="promo", count=3 * n, actor=STAFF, now=NOW
    )
    return billing, [c.code for c in credit.codes]


def _report(name: str, api: list[float], direct: list[float]) -> bool:
    ratio50 = statistics.median(api) / statistics.median(direct)
    ratio99 = _percentile(api, 0.99) / _percentile(direct, 0.99)
    print(
        f"  {name:<22} API p50 {statistics.median(api):6.2f} ms p99 {_percentile(api, 0.99):6.2f} ms | "
        f"billing p50 {statistics.median(direct):6.2f} ms p99 {_percentile(direct, 0.99):6.2f} ms | "
        f"ratio p50 {ratio50:.2f}x p99 {ratio99:.2f}x (target <= {TARGET}x)"
    )
    return ratio50 <= TARGET


def run(*, n: int = 300, postgres_url: str | None = None) -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        print(f"Portal API vs billing call, SQLite, {n} each")
        ok = _run_one(f"sqlite:///{Path(folder) / 'portal.db'}", n)
    if postgres_url:
        print(f"Portal API vs billing call, PostgreSQL, {n} each")
        scratch = _scratch(postgres_url)
        try:
            ok = _run_one(scratch, n) and ok
        finally:
            _drop(postgres_url, scratch)
    return ok


def _run_one(url: str, n: int) -> bool:
    billing, codes = _setup(url, n)
    key = billing.api_keys.create(name="bench", scope="portal", read_only=False, actor=STAFF, now=NOW).key
    web = web_app(billing, now=lambda: NOW)
    with serving(web) as root, waitress_serving(bridged(web.api)) as old:
        samples = _measure(billing, f"{root}/api/v1", f"{old}/api/v1", key, codes, n)
    billing.db.dispose()
    _report("PUT device (before)", samples["put_old"], samples["put"])
    ok = _report("PUT device", samples["put_api"], samples["put"])
    bare_old, bare = statistics.median(samples["bare_old"]), statistics.median(samples["bare_api"])
    print(f"  the server alone (401, no database): before p50 {bare_old:6.2f} ms, now p50 {bare:6.2f} ms")
    _report("POST redemption (before)", samples["redeem_old"], samples["redeem"])
    return _report("POST redemption", samples["redeem_api"], samples["redeem"]) and ok


def _measure(billing: Billing, base: str, old: str, key: str, codes: list[str], n: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"put_api": [], "put_old": [], "put": [], "redeem_api": [], "redeem_old": []}
    samples |= {"redeem": [], "bare_api": [], "bare_old": []}
    auth = {"Authorization": f"Bearer {key}"}
    with KeepAlive(base, headers=auth) as http, KeepAlive(old, headers=auth) as before:
        calls: dict[str, Callable[[int], object]] = {
            "put_api": lambda i: http.ok("PUT", f"/accounts/acme/solutions/room/devices/api-{i}"),
            "put_old": lambda i: before.ok("PUT", f"/accounts/acme/solutions/room/devices/old-{i}"),
            "put": lambda i: billing.assignments.assign(
                account="acme", solution="room", subject=f"direct-{i}", actor=STAFF, now=NOW
            ),
            "redeem_api": lambda i: http.ok("POST", "/accounts/acme/redemptions", json_body={"code": codes[3 * i]}),
            "redeem_old": lambda i: before.ok(
                "POST", "/accounts/acme/redemptions", json_body={"code": codes[3 * i + 2]}
            ),
            # The server alone: a request refused (401, no key) before any database work.
            "bare_api": lambda i: http.request("GET", "/accounts", headers={"Authorization": ""}),
            "bare_old": lambda i: before.request("GET", "/accounts", headers={"Authorization": ""}),
            "redeem": lambda i: billing.redemptions.redeem(
                code=codes[3 * i + 1], account="acme", renews=None, actor=STAFF, now=NOW
            ),
        }
        for i in range(n):
            for name, call in calls.items():
                samples[name].append(_timed(call, i))
    return samples


def _scratch(server_url: str) -> str:
    server = make_url(server_url)
    name = f"joanbot_bench_portal_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def _drop(server_url: str, scratch: str) -> None:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(scratch).database}" WITH (FORCE)'))
    admin.dispose()
