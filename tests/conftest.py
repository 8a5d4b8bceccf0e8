"""Shared fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

PostgreSQL: each test session creates its own database on the server (so parallel runs never meet),
migrates it once and empties it between tests. SQLite: one migrated template file, copied per test.
Under CI=true an unreachable TEST_DATABASE_URL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

import billing.models
import migrations
from billing import Actor, Billing, BillingSettings, CodeKey, Database, operator
from billing.db import Base, make_engine

TEST_KEY = CodeKey(b"test-key-" + b"0" * 32)
STAFF = operator("tester")
SALES = Actor(ref="slack:THOME/USALES", role="sales")


def pytest_report_header() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return f"databases: sqlite{', ' + make_url(url).render_as_string(hide_password=True) if url else ''}"


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database on the TEST_DATABASE_URL server, dropped at the end of the session."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    server = make_url(base)
    name = f"joanbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"TEST_DATABASE_URL is unreachable under CI: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: once per backend."""
    if request.param == "sqlite":
        target = tmp_path / "joanbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    db = Database.from_url(url)
    _empty_postgres(db)
    db.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    # A pool larger than the race tests' 16 workers, so a barrier never waits on a connection.
    database = Database.from_url(database_url, pool_size=20, max_overflow=10)
    yield database
    database.dispose()


@pytest.fixture
def billing(db: Database) -> Billing:
    """The billing core on an empty database with the shipped catalog loaded."""
    core = Billing(db, key=TEST_KEY, settings=BillingSettings(default_time_zone="UTC", default_currency="USD"))
    core.catalog.ensure_default()
    return core


def at(day: str, hour: int = 12) -> datetime:
    """An aware UTC instant at ``hour`` on an ISO ``day``."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)
