"""The renewal forecast of a large book, against the raw SQL aggregate giving the same figures.

Ours: ``billing.forecasts.forecast`` for 12 months, as staff (values included). The reference: the same
aggregate written by hand (each dialect's own month expression) on a raw DB-API cursor, with the catalog's
prices, folded into the same figures by a few lines written separately (so the run also checks that the two
agree). Targets: at most 2x the reference, and under 1 s on PostgreSQL.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from bench.common import Row, median_time, ms, vacuum
from billing import Billing, CodeKey, Database, operator
from billing.models import Account, Cohort, PlanLevel, Reseller, Solution

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCOUNTS = 50_000
METHODS = ("reseller", "reseller", "reseller", "card", "invoice")  # 60% pay through a reseller
CURRENCIES = ("USD", "USD", "EUR", "GBP")
MONTH = {"sqlite": "date(c.ends_on, 'start of month')", "postgresql": "date_trunc('month', c.ends_on)::date"}
RAW_SQL = """
SELECT {month} AS m, c.solution_id, c.plan_level_id, a.currency, a.payment_method <> 'reseller' AS direct,
       c.auto_renew, c.term_months, SUM(c.units), SUM(CASE WHEN c.renewed_at IS NOT NULL THEN c.units ELSE 0 END)
FROM cohorts c JOIN accounts a ON a.id = c.account_id
WHERE c.ends_on >= {p} AND c.ends_on < {p}
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""


def _populate(db: Database, rows: int) -> None:
    rng = random.Random(11)
    Billing(db, key=CodeKey(b"b" * 32)).catalog.ensure_default()
    with db.write() as session:
        levels = session.execute(select(PlanLevel.id, PlanLevel.solution_id)).all()
        kinds = dict(session.execute(select(Solution.id, Solution.license_kind)).all())
        session.execute(insert(Reseller), [{"slug": f"r{i}", "name": f"R {i}", "created_at": NOW} for i in range(200)])
        session.execute(
            insert(Account),
            [
                {
                    "slug": f"a{i}",
                    "name": f"A {i}",
                    "time_zone": "UTC",
                    "currency": CURRENCIES[i % len(CURRENCIES)],
                    "payment_method": METHODS[i % len(METHODS)],
                    "reseller_id": 1 + i % 200 if METHODS[i % len(METHODS)] == "reseller" else None,
                    "created_at": NOW,
                }
                for i in range(ACCOUNTS)
            ],
        )
    for start in range(0, rows, 20_000):
        chunk = [_cohort(rng, levels, kinds) for _ in range(min(20_000, rows - start))]
        with db.write() as session:
            session.execute(insert(Cohort), chunk)
    vacuum(db)


def _cohort(rng: random.Random, levels: list[tuple[int, int]], kinds: dict[int, str]) -> dict[str, object]:
    """Blocks renewing from a year ago to three years ahead; a fifth of those on direct accounts renew by
    themselves (monthly or yearly); a tenth are already renewed."""
    account = rng.randint(1, ACCOUNTS)
    direct = METHODS[(account - 1) % len(METHODS)] != "reseller"
    auto = direct and rng.random() < 0.2
    term = rng.choice((1, 12)) if auto else rng.choice((12, 12, 24, 36, 6))
    ends = TODAY + timedelta(days=rng.randint(-365, 3 * 365))
    starts = ends - timedelta(days=30 * term)
    level_id, solution_id = rng.choice(levels)
    return {
        "account_id": account,
        "solution_id": solution_id,
        "plan_level_id": level_id,
        "license_kind": kinds[solution_id],
        "units": rng.randint(1, 50),
        "anchor_on": starts,
        "term_months": term,
        "starts_on": starts,
        "ends_on": ends,
        "auto_renew": auto,
        "origin": "card" if auto else "code",
        "renewed_at": NOW if not auto and rng.random() < 0.1 else None,
        "created_at": datetime.combine(starts, datetime.min.time(), UTC),
        "created_on": starts,
    }


Figures = dict[tuple[int, int], tuple[int, int, dict[str, int]]]  # (month index, solution id) -> figures


def _raw(db: Database, months: int = 12) -> Figures:
    """The reference: the aggregate by hand, then the same figures in a separate, plain fold."""
    first = TODAY.year * 12 + TODAY.month - 1
    end = date((first + months) // 12, (first + months) % 12 + 1, 1)
    kind = "sqlite" if db.is_sqlite else "postgresql"
    sql = RAW_SQL.format(month=MONTH[kind], p="?" if db.is_sqlite else "%s")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, (TODAY.isoformat(), end.isoformat()) if db.is_sqlite else (TODAY, end))
        groups = cursor.fetchall()
        cursor.execute("SELECT plan_level_id, interval, currency, unit_minor FROM prices")
        prices = {(level, interval, currency): unit for level, interval, currency, unit in cursor.fetchall()}
    finally:
        raw.close()
    out: dict[tuple[int, int], list[object]] = {}
    for month, solution, level, currency, direct, auto, term, units, renewed in groups:
        start = date.fromisoformat(month) if isinstance(month, str) else month
        index = start.year * 12 + start.month - 1 - first
        price = prices.get((level, "month" if term == 1 else "year", currency))
        for at in range(index, months, term if auto else months):
            cell = out.setdefault((at, solution), [0, 0, defaultdict(int)])
            left = units - renewed if at == index else units
            cell[0] += units  # type: ignore[operator]
            cell[1] += renewed if at == index else 0  # type: ignore[operator]
            if direct and left and price is not None:
                cell[2][currency] += left * price * (12 if term == 1 else term)  # type: ignore[index]
    return {
        key: (int(u), int(r), {c: (2 * v + 12) // 24 for c, v in values.items()})  # type: ignore[union-attr]
        for key, (u, r, values) in out.items()
    }


def _ours(billing: Billing, ids: dict[str, int]) -> Figures:
    forecast = billing.forecasts.forecast(actor=operator("bench"), now=NOW, months=12)
    first = forecast.months[0]
    return {
        ((row.month.year - first.year) * 12 + row.month.month - first.month, ids[row.solution]): (
            row.renewing,
            row.renewed,
            {m.currency: m.minor for m in row.value},
        )
        for row in forecast.rows
    }


def bench_forecast(db: Database, label: str, rows: int, rounds: int) -> Row:
    t0 = time.perf_counter()
    _populate(db, rows)
    print(f"[{label}] built {rows:,} cohorts in {time.perf_counter() - t0:.1f}s", flush=True)
    billing = Billing(db, key=CodeKey(b"b" * 32))
    with db.read() as session:
        ids = {slug: solution_id for solution_id, slug in session.execute(select(Solution.id, Solution.slug))}
    assert _ours(billing, ids) == _raw(db), "the forecast and the raw aggregate disagree"
    pairs = [
        (
            min(median_time(lambda: _ours(billing, ids), 1) for _ in range(3)),
            min(median_time(lambda: _raw(db), 1) for _ in range(3)),
        )
        for _ in range(max(rounds, 1))
    ]
    ours_s, raw_s = statistics.median(o for o, _ in pairs), statistics.median(r for _, r in pairs)
    ratios = [o / r for o, r in pairs]
    limit = "" if db.is_sqlite else " and < 1 s"
    return Row(
        f"forecast, 12 months, {rows:,} blocks, vs the raw SQL aggregate",
        label,
        ms(ours_s),
        ms(raw_s),
        statistics.median(ratios),
        f"<= 2x{limit}",
        max(ratios) <= 2 and (db.is_sqlite or ours_s < 1.0),
        f"runs {min(ratios):.2f}-{max(ratios):.2f}x; figures equal",
    )
