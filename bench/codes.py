"""Issuing and redeeming codes through the billing API, beside hand-written DB-API code doing the same work.

Issue: ``issue_subscription_codes(count=N)`` vs generating the same rows (random code, salt, HMAC) and one
``executemany`` plus one audit row, committed once; target <= 2x. Redeem: codes one by one, each in its own
transaction, vs the minimal correct work as raw statements (see ``_raw_redeem``); target <= 2x. Lapsed: one
redemption into an account holding N lapsed, unrenewed cohorts, N = 10 and N = 10,000; target flat (<= 2x).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.common import Row, analyze, median_time, ms, placeholders
from billing import Billing, CodeKey, Database, codeformat
from billing.actors import Actor
from billing.models import Cohort, PlanLevel, Solution
from billing.periods import add_months

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
KEY = CodeKey(b"k" * 32)
ADMIN = Actor(ref="bench:admin", role="admin")
TODAY = NOW.date()


def _value(db: Database, value: object) -> object:
    """What sqlite3 is given for a value SQLAlchemy would store: ISO text for dates and instants."""
    if db.is_sqlite and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if db.is_sqlite and isinstance(value, date):
        return value.isoformat()
    return value


def _plan_ids(db: Database) -> tuple[int, int]:
    with db.read() as session:
        solution_id = session.scalars(select(Solution.id).where(Solution.slug == "room")).one()
        level_id = session.scalars(
            select(PlanLevel.id).where(PlanLevel.solution_id == solution_id, PlanLevel.slug == "professional")
        ).one()
    return solution_id, level_id


def setup(db: Database) -> Billing:
    billing = Billing(db, key=KEY)
    billing.catalog.ensure_default()
    return billing


def _issue(billing: Billing, count: int) -> list[str]:
    batch = billing.issuing.issue_subscription_codes(
        solution="room", level="professional", units=5, term_months=12, actor=ADMIN, now=NOW, count=count
    )
    return [issued.code for issued in batch.codes]


INSERT_CODE = (
    "INSERT INTO prepaid_codes (prefix, salt, digest, key_version, kind, status, solution_id, plan_level_id,"
    " units, term_months, batch, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_AUDIT = (
    "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, account_id, details, request_ref)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _raw_issue(db: Database, count: int, plan: tuple[int, int]) -> None:
    batch, now = uuid.uuid4().hex, _value(db, NOW)
    rows = []
    for _ in range(count):
        canonical = secrets.token_bytes(16).hex()[:25].upper()
        salt = secrets.token_bytes(16)
        digest = hmac.new(KEY.secret, salt + canonical.encode(), hashlib.sha256).digest()
        rows.append((canonical[:4], salt, digest, 1, "subscription", "issued", *plan, 5, 12, batch, "raw", now))
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(placeholders(db, INSERT_CODE), rows)
        details = json.dumps({"batch": batch, "count": count})
        cursor.execute(placeholders(db, INSERT_AUDIT), (now, "raw", "code.issued", "batch", batch, None, details, None))
        raw.commit()
    finally:
        raw.close()


def bench_issue(db: Database, label: str, count: int, repeat: int) -> Row:
    billing, plan = setup(db), _plan_ids(db)
    ours = median_time(lambda: _issue(billing, count), repeat)
    raw = median_time(lambda: _raw_issue(db, count, plan), repeat)
    ratio = ours / raw
    return Row(f"issue {count:,} codes vs raw executemany", label, ms(ours), ms(raw), ratio, "<= 2x", ratio <= 2)


# The raw redemption: the minimal correct work, in one transaction. The account row locked; both rate-limit
# counts (the person's and the account's refused attempts in the window, one statement); the code by prefix
# and keyed hash; the renewal candidates and the one-level check; the conditional claim; the cohort,
# redemption and audit inserts; and, since the Portal learns of every change, the active webhook endpoints
# and the two events a subscription redemption records (``code.redeemed``, ``licenses.added``).
RATE = (
    "SELECT coalesce(sum(CASE WHEN actor = ? THEN 1 ELSE 0 END), 0),"
    " coalesce(sum(CASE WHEN account_id = ? THEN 1 ELSE 0 END), 0) FROM redeem_attempts"
    " WHERE at >= ? AND reason NOT IN ('lost_race') AND (actor = ? OR account_id = ?)"
)
ACCOUNT = "SELECT id, reseller_id, time_zone, name FROM accounts WHERE slug = ?"
CODE = (
    "SELECT id, salt, digest, key_version, status, kind, solution_id, plan_level_id, units, term_months,"
    " redeem_by, account_id, reseller_id FROM prepaid_codes WHERE prefix = ?"
)
CANDIDATES = (
    "SELECT id, ends_on FROM cohorts WHERE account_id = ? AND solution_id = ? AND plan_level_id = ?"
    " AND renewed_at IS NULL AND auto_renew = ? AND ends_on <= ? AND ends_on > ? ORDER BY ends_on, id LIMIT 10"
)
CLASH = "SELECT id FROM cohorts WHERE account_id = ? AND solution_id = ? AND plan_level_id <> ? AND ends_on > ? LIMIT 1"
CLAIM = "UPDATE prepaid_codes SET status = 'redeemed' WHERE id = ? AND status = 'issued'"
COHORT = (
    "INSERT INTO cohorts (account_id, solution_id, plan_level_id, license_kind, units, anchor_on, term_months,"
    " starts_on, ends_on, auto_renew, origin, code_id, created_at, created_on)"
    " VALUES (?, ?, ?, 'device', ?, ?, ?, ?, ?, ?, 'code', ?, ?, ?) RETURNING id"
)
REDEMPTION = (
    "INSERT INTO redemptions (code_id, account_id, redeemed_by, on_behalf, redeemed_at, cohort_id)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
ENDPOINTS = "SELECT id, reseller_id, event_types FROM webhook_endpoints WHERE state = 'active'"
EVENT = (
    "INSERT INTO events (type, account_id, reseller_id, data, amounts, dedupe_key, created_at)"
    " VALUES (?, ?, ?, ?, NULL, NULL, ?) RETURNING id"
)


def _raw_redeem(db: Database, cursor: Any, canonical: str, account: str) -> None:
    v = lambda value: _value(db, value)  # noqa: E731
    sql = lambda text: placeholders(db, text)  # noqa: E731
    if db.is_sqlite:
        cursor.execute("BEGIN IMMEDIATE")
    cursor.execute(sql(ACCOUNT + ("" if db.is_sqlite else " FOR UPDATE")), (account,))
    account_id, reseller_id = cursor.fetchone()[:2]
    cursor.execute(sql(RATE), ("raw", account_id, v(NOW - timedelta(minutes=15)), "raw", account_id))
    cursor.fetchone()
    cursor.execute(sql(CODE), (canonical[:4],))
    row = next(r for r in cursor.fetchall() if hmac.compare_digest(KEY.digest(canonical, bytes(r[1])), bytes(r[2])))
    code_id, solution_id, level_id, units, months = row[0], row[6], row[7], row[8], row[9]
    horizon, floor = v(TODAY + timedelta(days=45)), v(TODAY - timedelta(days=365))
    cursor.execute(sql(CANDIDATES), (account_id, solution_id, level_id, False, horizon, floor))
    cursor.fetchall()
    cursor.execute(sql(CLASH), (account_id, solution_id, level_id, v(TODAY)))
    cursor.fetchall()
    cursor.execute(sql(CLAIM), (code_id,))
    ends = add_months(TODAY, months)
    cohort = (account_id, solution_id, level_id, units, v(TODAY), months, v(TODAY), v(ends), False, code_id)
    cursor.execute(sql(COHORT), (*cohort, v(NOW), v(TODAY)))
    cohort_id = cursor.fetchone()[0]
    cursor.execute(sql(REDEMPTION), (code_id, account_id, "raw", True, v(NOW), cohort_id))
    details = json.dumps({"account": account, "cohort": cohort_id, "ends_on": ends.isoformat()})
    cursor.execute(
        sql(INSERT_AUDIT), (v(NOW), "raw", "code.redeemed", "code", canonical[:4], account_id, details, None)
    )
    cursor.execute(sql(ENDPOINTS))
    cursor.fetchall()  # none in this run: each event would add one outbox row per endpoint that wants it
    for type_, data in (
        ("code.redeemed", {"account": account, "code": canonical[:4], "code_kind": "subscription", "block": cohort_id}),
        ("licenses.added", {"account": account, "block": cohort_id, "units": units, "renews_on": ends.isoformat()}),
    ):
        cursor.execute(sql(EVENT), (type_, account_id, reseller_id, json.dumps(data), v(NOW)))
        cursor.fetchone()
    cursor.connection.commit()


def _redeem_all(billing: Billing, codes: list[str], account: str) -> None:
    for text in codes:
        billing.redemptions.redeem(code=text, account=account, renews=None, actor=ADMIN, now=NOW)


def _raw_redeem_all(db: Database, codes: list[str], account: str) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for text in codes:
            _raw_redeem(db, cursor, codeformat.normalize(text), account)
    finally:
        raw.close()


def _account(billing: Billing, slug: str) -> int:
    return billing.accounts.create_account(slug=slug, name=slug.title(), actor=ADMIN, now=NOW - timedelta(days=400)).id


REDEEM_BLOCK = 50  # redemptions per timed block; ours and the reference alternate block by block


def bench_redeem(db: Database, label: str, count: int, repeat: int) -> Row:
    """``count`` redemptions each way, ``repeat`` times, in alternating blocks of ``REDEEM_BLOCK`` (ours, then
    the reference, into accounts of their own): the machine's drift (another process's fsyncs, a busy
    core) hits both alike. The figures are the median run's totals; the ratio is the median of the
    block-by-block ratios, so one slow block on either side does not decide it."""
    billing = setup(db)
    ours_runs, raw_runs, ratios = [], [], []
    for n in range(repeat):
        _account(billing, f"ours{n}")
        _account(billing, f"raw{n}")
        ours_codes, raw_codes = _issue(billing, count), _issue(billing, count)
        ours_total = raw_total = 0.0
        for first in range(0, count, REDEEM_BLOCK):
            start = time.perf_counter()
            _redeem_all(billing, ours_codes[first : first + REDEEM_BLOCK], f"ours{n}")
            ours = time.perf_counter() - start
            start = time.perf_counter()
            _raw_redeem_all(db, raw_codes[first : first + REDEEM_BLOCK], f"raw{n}")
            raw = time.perf_counter() - start
            ours_total, raw_total = ours_total + ours, raw_total + raw
            ratios.append(ours / raw)
        ours_runs.append(ours_total)
        raw_runs.append(raw_total)
    ratio = statistics.median(ratios)
    path = f"redeem {count:,} codes one by one vs the minimal work in raw SQL"
    note = f"median of {len(ratios)} alternating blocks of {REDEEM_BLOCK}"
    return Row(
        path, label, ms(statistics.median(ours_runs)), ms(statistics.median(raw_runs)), ratio, "<= 2x", ratio <= 2, note
    )


def _lapsed(db: Database, account_id: int, count: int, plan: tuple[int, int]) -> None:
    """``count`` lapsed, unrenewed cohorts of the code's own plan (all renewal candidates) in the last 300 days."""
    rows = []
    for n in range(count):
        ends = TODAY - timedelta(days=1 + n % 300)
        starts = ends - timedelta(days=365)
        rows.append(
            {
                "account_id": account_id,
                "solution_id": plan[0],
                "plan_level_id": plan[1],
                "license_kind": "device",
                "units": 1,
                "anchor_on": starts,
                "term_months": 12,
                "starts_on": starts,
                "ends_on": ends,
                "auto_renew": False,
                "origin": "code",
                "created_at": NOW - timedelta(days=800),
                "created_on": starts,
            }
        )
    with db.write() as session:
        session.execute(insert(Cohort), rows)
    analyze(db)


def bench_lapsed(db: Database, label: str, sizes: tuple[int, int], redemptions: int) -> Row:
    billing, plan = setup(db), _plan_ids(db)
    seconds = {}
    for size in sizes:
        slug = f"lapsed{size}"
        account_id = _account(billing, slug)
        _lapsed(db, account_id, size, plan)
        codes = _issue(billing, redemptions + 3)
        _redeem_all(billing, codes[:3], slug)  # warm-up
        times = []
        for text in codes[3:]:
            start = time.perf_counter()
            billing.redemptions.redeem(code=text, account=slug, renews=None, actor=ADMIN, now=NOW)
            times.append(time.perf_counter() - start)
        seconds[size] = statistics.median(times)
    small, large = (seconds[s] for s in sizes)
    ratio = large / small
    path = f"one redemption, N lapsed cohorts, N = {sizes[0]:,} -> {sizes[1]:,}"
    return Row(path, label, ms(large), ms(small), ratio, "flat (<= 2x)", ratio <= 2, "median of each")
