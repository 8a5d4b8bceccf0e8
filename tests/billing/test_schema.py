"""The migrations and the models describe the same schema, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import migrations
from billing.db import Base


def test_upgrading_an_empty_database_produces_exactly_the_models(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_migrations_have_a_single_head():
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(scripts.get_heads()) == 1


def test_upgrading_twice_is_harmless(db):
    migrations.upgrade(db.engine)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_money_columns_are_integers_on_both_databases(db):
    columns = inspect(db.engine).get_columns("prepaid_codes") + inspect(db.engine).get_columns("prices")
    money = {c["name"]: c["type"] for c in columns if c["name"] in ("amount_minor", "unit_minor")}
    assert money and all(type_.python_type is int for type_ in money.values())


def test_sqlite_write_transactions_begin_immediate(tmp_path):
    from billing.db import Database

    database = Database.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    statements: list[str] = []
    from sqlalchemy import event

    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with database.write() as session:
        session.connection().exec_driver_sql("SELECT 1")
    with database.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous")
        }
    assert "BEGIN IMMEDIATE" in statements
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}
