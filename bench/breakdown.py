"""The renewal breakdown of an account with 10,000 cohorts (mostly history), beside the raw query.

Ours: ``Licenses.breakdown`` (its transaction, the queries, the grouping). Reference: the raw query for the
account's active and upcoming cohorts with their solution and level, fetched on a DB-API cursor. Both p99
over repeated calls; target p99 <= 300 ms and <= 3x raw.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from sqlalchemy import insert

from bench.codes import ADMIN, NOW, TODAY, _account, _plan_ids, _value, setup
from bench.common import Row, analyze, ms, percentile, placeholders
from billing import Database
from billing.models import Cohort

RAW = (
    "SELECT c.id, c.units, c.starts_on, c.ends_on, c.renewed_at, c.auto_renew, c.renews_cohort_id, c.license_kind,"
    " s.slug, s.name, l.slug, l.name FROM cohorts c JOIN solutions s ON s.id = c.solution_id"
    " JOIN plan_levels l ON l.id = c.plan_level_id WHERE c.account_id = ? AND c.ends_on > ?"
    " ORDER BY c.ends_on, c.id"
)


def _history(db: Database, account_id: int, count: int, plan: tuple[int, int]) -> None:
    """``count`` cohorts: one in ten active or upcoming, the rest renewed history of the last ten years."""
    rng, rows = random.Random(3), []
    for n in range(count):
        current = n % 10 == 0
        ends = TODAY + timedelta(days=rng.randint(1, 365)) if current else TODAY - timedelta(days=rng.randint(1, 3650))
        starts = ends - timedelta(days=365)
        rows.append(
            {
                "account_id": account_id,
                "solution_id": plan[0],
                "plan_level_id": plan[1],
                "license_kind": "device",
                "units": 1 + n % 7,
                "anchor_on": starts,
                "term_months": 12,
                "starts_on": starts,
                "ends_on": ends,
                "auto_renew": False,
                "origin": "code",
                "renewed_at": None if current else NOW - timedelta(days=1),
                "created_at": NOW - timedelta(days=4000),
                "created_on": starts,
            }
        )
    with db.write() as session:
        session.execute(insert(Cohort), rows)
    analyze(db)


def _raw(db: Database, account_id: int) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(placeholders(db, RAW), (account_id, _value(db, TODAY)))
        cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()


def bench_breakdown(db: Database, label: str, cohorts: int, calls: int) -> Row:
    billing = setup(db)
    account_id = _account(billing, "history")
    _history(db, account_id, cohorts, _plan_ids(db))
    ours, raw = [], []
    for _ in range(3):  # warm-up: statement compilation and caches
        billing.licenses.breakdown(account="history", actor=ADMIN, now=NOW)
    for _ in range(calls):
        start = time.perf_counter()
        billing.licenses.breakdown(account="history", actor=ADMIN, now=NOW)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        _raw(db, account_id)
        raw.append(time.perf_counter() - start)
    ours_p99, raw_p99 = percentile(ours, 0.99), percentile(raw, 0.99)
    ratio = ours_p99 / raw_p99
    met = ours_p99 <= 0.3 and ratio <= 3
    path = f"breakdown, account with {cohorts:,} cohorts, p99"
    return Row(path, label, ms(ours_p99), ms(raw_p99), ratio, "<= 300 ms and <= 3x", met, f"{calls} calls")
