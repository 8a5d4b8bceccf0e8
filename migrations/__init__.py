"""The schema's migrations, and running them from code (``joanbot db upgrade``, first start, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine

MIGRATION_LOCK_ID = 0x6A6F616E  # "joan"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def current(engine: Engine) -> str | None:
    """The database's schema revision, or None for a database without one (new, or empty)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the newest schema. Safe to run on every start."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations recreate tables that other rows point at. SQLite only honours this pragma
            # outside a transaction, so it is set on the driver connection before the migration begins.
            _driver_pragma(connection, "foreign_keys", "OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Several instances may start at once: one migrates, the others wait and find nothing to do.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                _driver_pragma(connection, "foreign_keys", "ON")


def _driver_pragma(connection: Connection, name: str, value: str) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA {name}={value}")
