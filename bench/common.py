"""What every benchmark shares: result rows, scratch databases, repeated timing."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

import migrations
from billing import Database


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure beside its same-run reference."""

    path: str
    db: str
    ours: str
    reference: str
    ratio: float | None
    target: str
    met: bool
    note: str = ""


@dataclass(frozen=True)
class Target:
    """A scratch database of one kind: ``label`` is ``sqlite`` or ``postgresql``."""

    label: str
    url: str


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def scratch(kind: str, postgres_url: str | None) -> Iterator[Database]:
    """A new, migrated, empty database of ``kind``; dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            db = Database.from_url(f"sqlite:///{Path(folder) / 'bench.db'}")
            migrations.upgrade(db.engine)
            try:
                yield db
            finally:
                db.dispose()
        return
    assert postgres_url is not None
    server = make_url(postgres_url)
    name = f"joanbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database.from_url(server.set(database=name).render_as_string(hide_password=False))
    try:
        migrations.upgrade(db.engine)
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze(db: Database) -> None:
    """Planner statistics after a bulk load, as autovacuum (or a DBA's ANALYZE) would have them within a
    minute: without them PostgreSQL takes a 10,000-row table for one row and sorts it all under a LIMIT."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def vacuum(db: Database) -> None:
    """What autovacuum does after a bulk load (PostgreSQL 13+ vacuums on inserts too): the visibility map
    (the forecast's aggregate reads ``ix_cohorts_forecast`` alone), the tuples' hint bits set once (not by
    whichever measured read comes first, writing pages back as it goes), no autovacuum of a million rows
    running beside the measurements, and the planner's statistics."""
    if db.is_sqlite:
        analyze(db)
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def placeholders(db: Database, sql: str) -> str:
    """``?`` for sqlite3, ``%s`` for psycopg."""
    return sql if db.is_sqlite else sql.replace("?", "%s")


def print_table(rows: list[Row]) -> None:
    headers = ("path", "db", "ours", "reference", "ratio", "target", "met")
    cells = [
        (
            r.path,
            r.db,
            r.ours,
            r.reference,
            "" if r.ratio is None else f"{r.ratio:.2f}x",
            r.target,
            "yes" if r.met else "NO",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row, cell in zip(rows, cells, strict=True):
        print(
            " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + (f"  ({row.note})" if row.note else "")
        )
