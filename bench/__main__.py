"""Benchmarks. Each prints its figure next to a reference measured in the same run, and the ratio.

python -m bench                 # every benchmark, SQLite and (when BENCH_DATABASE_URL or
                                # TEST_DATABASE_URL is set) PostgreSQL
python -m bench sweep --rows 200000
python -m bench mail            # reminder emails: planning cost, SMTP connection reuse
"""

from __future__ import annotations

import argparse
import os
import sys

from bench import mail, sweep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("which", nargs="?", default="all", choices=["all", "sweep", "mail"])
    parser.add_argument("--rows", type=int, default=1_000_000, help="cohorts to generate (default 1,000,000)")
    default_postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    parser.add_argument(
        "--postgres", default=default_postgres, help="PostgreSQL server URL (a scratch database is created on it)"
    )
    args = parser.parse_args(argv)
    ok = True
    if args.which in ("all", "sweep"):
        ok = sweep.run(rows=args.rows, postgres_url=args.postgres) and ok
    if args.which in ("all", "mail"):
        ok = mail.run() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
