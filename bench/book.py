"""Going live: importing the vendor's book (10,000 accounts with 30,000 blocks) through ``joanbot import``'s
use case, beside a hand-written DB-API insert of the same rows (resellers, accounts, cohorts, an event per
block and one audit row, in one transaction). Targets: the dry run of that book under 10 s; applying it at
most 3x the raw insert (the use case also reads and checks every row of the three files), the medians of
three of each, interleaved."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import select

from bench.common import Row, ms, placeholders, scratch
from billing import Billing, CodeKey, Database
from billing.actors import Actor
from billing.book_rows import ACCOUNTS, COLUMNS, LICENSES, RESELLERS
from billing.models import PlanLevel, Solution
from billing.periods import add_months

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
ADMIN = Actor(ref="bench:admin", role="admin")
RESELLER_COUNT = 50
BLOCKS = (("room", "professional"), ("desk", "standard"), ("visitor", "standard"))


def book(accounts: int) -> dict[str, bytes | None]:
    """``accounts`` accounts through 50 resellers, each with three blocks (one per solution)."""
    resellers = [f"reseller-{r:03d},Reseller {r},T{r:08d},sales@reseller{r}.example" for r in range(RESELLER_COUNT)]
    rows, blocks = [], []
    for n in range(accounts):
        slug = f"customer-{n:06d}"
        rows.append(
            f"{slug},Customer {n},reseller-{n % RESELLER_COUNT:03d},reseller,USD,Europe/Ljubljana,it@{slug}.example"
        )
        for k, (solution, level) in enumerate(BLOCKS):
            starts = date(2025, 1 + (n + k) % 12, 1 + n % 28)
            blocks.append(f"{slug},{solution},{level},{1 + n % 50},{starts},{add_months(starts, 12)},,PF-{n}-{k}")
    files = {RESELLERS: resellers, ACCOUNTS: rows, LICENSES: blocks}
    return {name: "\n".join([",".join(COLUMNS[name]), *lines, ""]).encode() for name, lines in files.items()}


INSERT_RESELLER = "INSERT INTO resellers (slug, name, slack_team_id, created_at, contact_emails) VALUES (?, ?, ?, ?, ?)"
INSERT_ACCOUNT = (
    "INSERT INTO accounts (slug, name, time_zone, currency, payment_method, reseller_id, created_at, contact_emails)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_COHORT = (
    "INSERT INTO cohorts (account_id, solution_id, plan_level_id, license_kind, units, anchor_on, term_months,"
    " starts_on, ends_on, auto_renew, origin, reference, created_at, created_on)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_AUDIT = (
    "INSERT INTO audit_events (at, actor, action, subject_type, subject_id, details) VALUES (?, ?, ?, ?, ?, ?)"
)


ENDPOINTS = "SELECT id, reseller_id, event_types FROM webhook_endpoints WHERE state = 'active'"
BLOCKS_ADDED = (  # what a licenses.added event says of each new block
    "SELECT c.id, a.id, a.reseller_id, a.slug, a.name, s.slug, l.slug, c.license_kind, c.units, c.starts_on,"
    " c.ends_on FROM cohorts c JOIN accounts a ON a.id = c.account_id JOIN solutions s ON s.id = c.solution_id"
    " JOIN plan_levels l ON l.id = c.plan_level_id ORDER BY c.id"
)
INSERT_EVENT = "INSERT INTO events (type, account_id, reseller_id, data, created_at) VALUES (?, ?, ?, ?, ?)"


def _raw_insert(db: Database, contents: dict[str, bytes | None], plan: dict[str, tuple[int, int, str]]) -> None:
    """The same rows as plain values (already split, as a script holding the data would have them), one
    ``executemany`` per table, a ``licenses.added`` event per block (the Portal learns of every change) and
    one audit row, in one transaction."""
    now: object = NOW.replace(tzinfo=None).isoformat(" ") if db.is_sqlite else NOW
    split = {
        name: [line.split(",") for line in (content or b"").decode().splitlines()[1:]]
        for name, content in contents.items()
    }
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.is_sqlite:
            cursor.execute("BEGIN")  # the engine leaves pysqlite's own transactions off
        cursor.executemany(
            placeholders(db, INSERT_RESELLER), [(r[0], r[1], r[2], now, json.dumps([r[3]])) for r in split[RESELLERS]]
        )
        cursor.execute("SELECT slug, id FROM resellers")
        resellers = dict(cursor.fetchall())
        cursor.executemany(
            placeholders(db, INSERT_ACCOUNT),
            [(a[0], a[1], a[5], a[4], a[3], resellers[a[2]], now, json.dumps([a[6]])) for a in split[ACCOUNTS]],
        )
        cursor.execute("SELECT slug, id FROM accounts")
        accounts = dict(cursor.fetchall())
        today = NOW.date().isoformat() if db.is_sqlite else NOW.date()
        cohorts = []
        for b in split[LICENSES]:
            solution_id, level_id, kind = plan[b[1]]
            starts, renews = (b[4], b[5]) if db.is_sqlite else (date.fromisoformat(b[4]), date.fromisoformat(b[5]))
            cohorts.append(
                (
                    accounts[b[0]],
                    solution_id,
                    level_id,
                    kind,
                    int(b[3]),
                    starts,
                    12,
                    starts,
                    renews,
                    False,
                    "imported",
                    b[7],
                    now,
                    today,
                )
            )
        cursor.executemany(placeholders(db, INSERT_COHORT), cohorts)
        cursor.execute(ENDPOINTS)
        cursor.fetchall()  # none in this run: each event would add one outbox row per endpoint that wants it
        cursor.execute(BLOCKS_ADDED)
        events = [
            (
                "licenses.added",
                account_id,
                reseller_id,
                json.dumps(
                    {
                        "account": slug,
                        "account_name": name,
                        "block": block,
                        "solution": solution,
                        "level": level,
                        "kind": kind,
                        "units": units,
                        "starts_on": str(starts),
                        "renews_on": str(renews),
                        "imported": True,
                    }
                ),
                now,
            )
            for block, account_id, reseller_id, slug, name, solution, level, kind, units, starts, renews in cursor
        ]
        cursor.executemany(placeholders(db, INSERT_EVENT), events)
        cursor.execute(
            placeholders(db, INSERT_AUDIT),
            (now, ADMIN.ref, "book.imported", "book", "raw", json.dumps({"rows": len(cohorts)})),
        )
        connection.commit()
    finally:
        connection.close()


def _plan(db: Database) -> dict[str, tuple[int, int, str]]:
    with db.read() as session:
        found = session.execute(
            select(Solution.slug, PlanLevel.slug, Solution.id, PlanLevel.id, Solution.license_kind).join(
                PlanLevel.solution
            )
        )
        return {s: (sid, lid, str(kind)) for s, lv, sid, lid, kind in found if (s, lv) in BLOCKS}


def bench_import(kind: str, postgres: str | None, accounts: int, rounds: int = 3) -> list[Row]:
    """The dry run once; the apply and the raw insert ``rounds`` times each, interleaved, each on a new
    database: their medians (one apply is a few seconds, which a busy machine moves by a third)."""
    contents = book(accounts)
    blocks = accounts * len(BLOCKS)
    dry, ours, raw = 0.0, [], []
    for n in range(rounds):
        with scratch(kind, postgres) as db:
            billing = Billing(db, key=CodeKey(b"k" * 32))
            billing.catalog.ensure_default()
            if n == 0:
                start = time.perf_counter()
                checked = billing.book_import.check(contents=contents, actor=ADMIN, now=NOW)
                dry = time.perf_counter() - start
                assert checked.ok, checked.problems[:5]
            start = time.perf_counter()
            applied = billing.book_import.apply(contents=contents, actor=ADMIN, now=NOW)
            ours.append(time.perf_counter() - start)
            assert applied.ok and applied.counts[LICENSES].new == blocks, applied.problems[:5]
        with scratch(kind, postgres) as db:
            Billing(db, key=CodeKey(b"k" * 32)).catalog.ensure_default()
            plan = _plan(db)
            start = time.perf_counter()
            _raw_insert(db, contents, plan)
            raw.append(time.perf_counter() - start)
    size = f"{accounts:,} accounts with {blocks:,} blocks"
    apply, reference = statistics.median(ours), statistics.median(raw)
    return [
        Row(f"import dry run, {size}", kind, ms(dry), "10 s", dry / 10, "< 10 s", dry < 10, "checks every row"),
        Row(
            f"import --apply, {size}, vs raw insert",
            kind,
            ms(apply),
            ms(reference),
            apply / reference,
            "<= 3x",
            apply / reference <= 3,
            f"median of {rounds} each, interleaved",
        ),
    ]
