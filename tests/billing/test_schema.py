"""The migrations and the models describe the same schema, on both databases.

Every comparison starts from a fresh, empty database that only the migrations have touched.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.schema import CreateTable

import billing.models  # noqa: F401  (registers every table)
import migrations
from billing.db import Base, Database, make_engine
from tests.conftest import _backends


@pytest.fixture(params=_backends())
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new database with no tables at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"joanbot_schema_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _balanced(text_: str, start: int) -> str:
    """The text inside the parenthesis that opens at ``start``."""
    depth = 0
    for index in range(start, len(text_)):
        depth += {"(": 1, ")": -1}.get(text_[index], 0)
        if depth == 0:
            return text_[start + 1 : index]
    raise AssertionError(f"unbalanced parentheses in {text_!r}")


def _model_checks(engine: Engine) -> dict[str, dict[str, str]]:
    """Per table, the CHECK constraints the models would create (named by the naming convention)."""
    checks: dict[str, dict[str, str]] = {}
    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=engine.dialect))
        checks[table.name] = {
            match.group(1): _balanced(ddl, match.end() - 1) for match in re.finditer(r"CONSTRAINT (\w+) CHECK \(", ddl)
        }
    return checks


def _database_checks(engine: Engine) -> dict[str, dict[str, str]]:
    inspector = inspect(engine)
    return {
        table.name: {check["name"]: check["sqltext"] for check in inspector.get_check_constraints(table.name)}
        for table in Base.metadata.sorted_tables
    }


def _normalized(sql: str) -> str:
    return " ".join(sql.replace("(", " ( ").replace(")", " ) ").split())


def test_a_fresh_database_starts_without_tables(empty_engine):
    assert inspect(empty_engine).get_table_names() == []


def test_upgrading_an_empty_database_produces_exactly_the_models(empty_engine):
    migrations.upgrade(empty_engine)

    assert _differences(empty_engine) == []
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrading_an_empty_database_creates_every_named_check_constraint(empty_engine):
    migrations.upgrade(empty_engine)

    wanted, found = _model_checks(empty_engine), _database_checks(empty_engine)

    assert {t: set(c) for t, c in found.items()} == {t: set(c) for t, c in wanted.items()}
    assert wanted["cohorts"]["ck_cohorts_origin"] and wanted["outbox_messages"]["ck_outbox_messages_failure"]
    if empty_engine.dialect.name == "sqlite":  # PostgreSQL rewrites the text of a CHECK; SQLite keeps it
        assert {t: {n: _normalized(s) for n, s in c.items()} for t, c in found.items()} == {
            t: {n: _normalized(s) for n, s in c.items()} for t, c in wanted.items()
        }


def test_upgrading_an_empty_database_keeps_every_partial_index_partial(empty_engine):
    migrations.upgrade(empty_engine)
    partial = {
        index.name
        for table in Base.metadata.sorted_tables
        for index in table.indexes
        if index.dialect_options["sqlite"]["where"] is not None
    }
    query = {
        "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    }[empty_engine.dialect.name]

    with empty_engine.connect() as connection:
        found = {name for name, sql in connection.exec_driver_sql(query) if " WHERE " in sql.upper()}

    assert partial and found == partial


def test_the_migrations_have_a_single_head():
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(scripts.get_heads()) == 1


def test_upgrading_twice_is_harmless(empty_engine):
    migrations.upgrade(empty_engine)
    migrations.upgrade(empty_engine)

    assert _differences(empty_engine) == []


def test_upgrading_a_database_with_rows_keeps_them_and_classifies_unreachable_failures(empty_engine):
    migrations.upgrade(empty_engine, "0001")
    at = "2024-01-01 00:00:00+00:00"
    rows = [
        "INSERT INTO resellers (id, slug, name, created_at) VALUES (1, 'nw', 'NW', :at)",
        "INSERT INTO accounts (id, slug, name, time_zone, currency, payment_method, created_at)"
        " VALUES (1, 'acme', 'Acme', 'UTC', 'USD', 'card', :at)",
        "INSERT INTO solutions (id, slug, name, license_kind) VALUES (1, 'room', 'Room', 'device')",
        "INSERT INTO plan_levels (id, solution_id, slug, name, rank) VALUES (1, 1, 'std', 'Std', 1)",
        "INSERT INTO prepaid_codes (id, prefix, salt, digest, key_version, kind, status, solution_id, plan_level_id,"
        " units, term_months, batch, issued_by, issued_at)"
        " VALUES (1, 'ABCD', :blob, :blob, 1, 'subscription', 'redeemed', 1, 1, 2, 12, 'b', 's', :at)",
        "INSERT INTO cohorts (id, account_id, solution_id, plan_level_id, license_kind, units, anchor_on,"
        " term_months, starts_on, ends_on, auto_renew, origin, code_id, created_at, created_on)"
        " VALUES (1, 1, 1, 1, 'device', 2, '2024-01-01', 12, '2024-01-01', '2025-01-01', false, 'code', 1, :at,"
        " '2024-01-01')",
        "INSERT INTO reseller_channels (channel_id, reseller_id, linked_by, linked_at, panel_ts)"
        " VALUES ('C1', 1, 's', :at, '123.4')",
        "INSERT INTO outbox_messages (id, dedupe_key, channel_id, payload, state, attempts, outcome_unknown,"
        " next_attempt_at, last_error, created_at)"
        " VALUES (1, 'k1', 'C1', '{}', 'pending', 1, false, :at, 'not_in_channel', :at),"
        " (2, 'k2', 'C1', '{}', 'pending', 1, false, :at, 'ratelimited', :at),"
        " (3, 'k3', 'C1', '{}', 'sent', 1, false, :at, NULL, :at)",
    ]
    with empty_engine.begin() as connection:
        for row in rows:
            connection.execute(text(row), {"at": at, "blob": b"\x00"})

    migrations.upgrade(empty_engine)

    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT code_id FROM cohorts")).scalar() == 1
        assert connection.execute(text("SELECT panel_message FROM reseller_channels")).scalar() == "123.4"
        failures = connection.execute(text("SELECT id, failure FROM outbox_messages ORDER BY id")).all()
    assert [tuple(f) for f in failures] == [(1, "unreachable"), (2, "retryable"), (3, None)]


def test_money_columns_are_integers_on_both_databases(db):
    columns = inspect(db.engine).get_columns("prepaid_codes") + inspect(db.engine).get_columns("prices")
    money = {c["name"]: c["type"] for c in columns if c["name"] in ("amount_minor", "unit_minor")}
    assert money and all(type_.python_type is int for type_ in money.values())


def test_sqlite_write_transactions_begin_immediate(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    statements: list[str] = []  # what SQLite itself was asked to run
    event.listen(database.engine, "connect", lambda dbapi, _: dbapi.set_trace_callback(statements.append))
    with database.write() as session:
        session.connection().exec_driver_sql("SELECT 1")
    with database.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous")
        }
    assert "BEGIN IMMEDIATE" in statements
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}
