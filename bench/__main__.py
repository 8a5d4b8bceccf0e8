"""Benchmarks: every hot path beside a hand-written DB-API reference measured in the same run, with the ratio.

python -m bench                 # every row at the issue's sizes, on SQLite and (when BENCH_DATABASE_URL or
                                # TEST_DATABASE_URL is set) PostgreSQL; exits 1 if a target is missed
python -m bench --quick         # the same rows at small sizes (a smoke run, well under a minute)
python -m bench --only sweep --rows 200000
python -m bench --only portal --only slack-ack   # the Portal API and the Slack ack beside it
python -m bench --only mail     # reminder emails: planning cost, SMTP connection reuse
python -m bench --only import   # going live: importing 10,000 accounts with 30,000 blocks
python -m bench --only forecast # the renewal forecast of 1,000,000 blocks beside the raw SQL aggregate
python -m bench --only webhooks # 10,000 events delivered to a loopback receiver beside raw signed POSTs
python -m bench --only concurrency  # 8 clients on 2 `joanbot serve` instances (PostgreSQL only): redemptions/s
                                # beside raw psycopg, Slack commands/s at an ack p99 under 3 s (--quick: only
                                # when named, as it starts two servers)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from bench import bolt, book, breakdown, codes, concurrency, forecast, mail, portal, slack_ack, sweep, webhooks
from bench.common import Row, ms, print_table, scratch

BENCHES = (
    "issue",
    "redeem",
    "lapsed",
    "breakdown",
    "sweep",
    "forecast",
    "bolt",
    "import",
    "portal",
    "slack-ack",
    "mail",
    "webhooks",
    "concurrency",
)


@dataclass(frozen=True)
class Sizes:
    codes: int
    redemptions: int
    lapsed: int
    history: int
    rows: int
    rounds: int
    calls: int
    requests: int
    book: int = 10_000  # accounts in the imported book (three blocks each)


FULL = Sizes(
    codes=100_000, redemptions=2_000, lapsed=10_000, history=10_000, rows=1_000_000, rounds=5, calls=200, requests=2_000
)
QUICK = Sizes(
    codes=2_000, redemptions=50, lapsed=200, history=500, rows=20_000, rounds=2, calls=20, requests=50, book=300
)


def run_database(kind: str, postgres: str | None, sizes: Sizes, only: set[str]) -> tuple[list[Row], float | None]:
    rows: list[Row] = _progress([])
    first_sweep: float | None = None

    def step(name: str) -> bool:
        if name in only:
            print(f"[{kind}] {name} ...", flush=True)
            return True
        return False

    if step("issue"):
        with scratch(kind, postgres) as db:
            rows.append(codes.bench_issue(db, kind, sizes.codes, repeat=3))
    if step("redeem"):
        with scratch(kind, postgres) as db:
            rows.append(codes.bench_redeem(db, kind, sizes.redemptions, repeat=3))
    if step("lapsed"):
        with scratch(kind, postgres) as db:
            rows.append(codes.bench_lapsed(db, kind, (10, sizes.lapsed), redemptions=30))
    if step("breakdown"):
        with scratch(kind, postgres) as db:
            rows.append(breakdown.bench_breakdown(db, kind, sizes.history, sizes.calls))
    if step("sweep"):
        with scratch(kind, postgres) as db:
            figures = sweep.bench_sweep(db, kind, sizes.rows, sizes.rounds)
            rows.extend(figures.rows)
            first_sweep = figures.first_sweep_s
            print(f"[{kind}] first sweep ever: {ms(first_sweep)}, {figures.first_sweep_planned:,} reminders")
    if step("forecast"):
        with scratch(kind, postgres) as db:
            rows.append(forecast.bench_forecast(db, kind, sizes.rows, sizes.rounds))
    if step("bolt"):
        with scratch(kind, postgres) as db:
            rows.append(bolt.bench_bolt(db, kind, sizes.requests))
    if step("import"):
        rows.extend(book.bench_import(kind, postgres, sizes.book))
    return rows, first_sweep


def _progress(rows: list[Row]) -> list[Row]:
    """Each row as soon as it is measured (a long run that is stopped still leaves its figures)."""

    class Printing(list[Row]):
        def append(self, row: Row) -> None:
            ratio = "" if row.ratio is None else f" = {row.ratio:.2f}x"
            print(f"[{row.db}] {row.path}: {row.ours} vs {row.reference}{ratio} ({row.note})", flush=True)
            super().append(row)

        def extend(self, more: Iterable[Row]) -> None:
            for row in more:
                self.append(row)

    return Printing(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--rows", type=int, help="cohorts for the sweep (default 1,000,000; --quick 20,000)")
    parser.add_argument("--only", action="append", choices=BENCHES, help="run only these (repeatable)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when a URL is set")
    default_postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    parser.add_argument("--postgres", default=default_postgres, help="PostgreSQL server URL (scratch DBs on it)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.rows:
        sizes = Sizes(**{**sizes.__dict__, "rows": args.rows})
    # Starting two servers takes tens of seconds on a busy machine: --quick runs concurrency only when named.
    only = set(args.only or (name for name in BENCHES if not (args.quick and name == "concurrency")))
    rows, sqlite_first = run_database("sqlite", None, sizes, only)
    if args.postgres and not args.sqlite_only:
        pg_rows, pg_first = run_database("postgresql", args.postgres, sizes, only)
        rows.extend(pg_rows)
        if sqlite_first and pg_first:
            ratio = pg_first / sqlite_first
            path = "first sweep ever, PostgreSQL vs SQLite"
            rows.append(Row(path, "both", ms(pg_first), ms(sqlite_first), ratio, "<= 1.5x", ratio <= 1.5))
    if rows:  # none when only the benchmarks that print their own tables were asked for
        print_table(rows)
    ok = all(row.met for row in rows)
    # The HTTP benchmarks print their own tables (p50 and p99 beside the billing call they make).
    if "slack-ack" in only:
        ok = slack_ack.run(n=sizes.requests // 4) and ok
    if "portal" in only:
        ok = portal.run(n=sizes.requests // 4, postgres_url=None if args.sqlite_only else args.postgres) and ok
    if "mail" in only:
        ok = mail.run() and ok
    if "webhooks" in only:
        ok = webhooks.run(n=1_000 if args.quick else 10_000) and ok
    if "concurrency" in only:
        ok = concurrency.run(postgres_url=None if args.sqlite_only else args.postgres, quick=args.quick) and ok
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
