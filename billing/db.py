"""The database: declarative base, engines, transactions, migrations.

SQLite is the embedded default, PostgreSQL the production database. Two SQLite traps are handled here:
pysqlite's own transaction handling is switched off so that SQLAlchemy emits ``BEGIN`` itself (left to
pysqlite, reads could run outside any transaction), and write transactions begin with ``BEGIN IMMEDIATE``
so that check-then-act sequences are serialized (SQLite has no ``SELECT ... FOR UPDATE``, and a deferred
transaction that later writes can fail with "database is locked" instead of waiting).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Enum,
    Integer,
    MetaData,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
POOL_RECYCLE_SECONDS = 1_800


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC instants on both databases (SQLite keeps no offset; it is restored on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC instant is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum], *, name: str, length: int) -> Enum:
    """A StrEnum stored as its values in a VARCHAR with a CHECK constraint named ``ck_<table>_<name>``."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        # Money and ids are 64-bit; SQLite only auto-increments a column declared exactly INTEGER.
        int: BigInteger().with_variant(Integer, "sqlite"),
    }


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # SQLAlchemy's documented recipe: stop pysqlite from issuing BEGIN on its own ...
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # ... and emit it ourselves: IMMEDIATE for writers (takes the write lock up front), DEFERRED for readers.
    # Straight on the driver's connection: a statement through SQLAlchemy costs more than the BEGIN itself.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.connection.driver_connection.execute(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout (two per redemption). Connections are
    # recycled before server or proxy idle timeouts instead, and a connection found dead mid-use is
    # invalidated by SQLAlchemy and the pool refilled, so only that one request fails.
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    return create_engine(parsed, **kwargs)


class Database:
    """Owns the engine and hands out transactions. Each billing use case runs in exactly one."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine
        self._writer = writer
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._read = sessionmaker(engine, expire_on_commit=False)
        # The write transaction open in this context, if any: a use case called inside another one's
        # transaction (an API request claiming its idempotency key) joins it instead of opening a second.
        self._ambient: ContextVar[Session | None] = ContextVar(f"joanbot_db_{id(self)}", default=None)
        self._after: ContextVar[list[Callable[[], None]] | None] = ContextVar(f"joanbot_after_{id(self)}", default=None)
        # The same, begun on a Core connection by ``write_unit`` (no session unless a use case inside asks for one).
        self._ambient_core: ContextVar[Connection | None] = ContextVar(f"joanbot_core_{id(self)}", default=None)

    @classmethod
    def from_url(cls, url: str, **engine_kwargs: Any) -> Database:
        return cls(make_engine(url, **engine_kwargs))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A read-write transaction: committed on success, rolled back on any exception.

        Inside another write transaction of this context it is that transaction (committed or rolled back
        with it), so that several use cases can be one unit of work.
        """
        ambient = self._ambient.get()
        if ambient is not None:
            yield ambient
            return
        core = self._ambient_core.get()
        if core is not None:
            with self._joined(core) as session:
                yield session
            return
        after: list[Callable[[], None]] = []
        try:
            with self._write.begin() as session:
                tokens = self._ambient.set(session), self._after.set(after)
                try:
                    yield session
                finally:
                    self._after.reset(tokens[1])
                    self._ambient.reset(tokens[0])
        finally:
            for task in after:
                task()

    @contextmanager
    def write_core(self) -> Iterator[Connection]:
        """A read-write transaction on a Core connection, without an ORM session: for a hot path that reads
        rows and writes with prebuilt statements. Inside a write transaction of this context it is that
        transaction's connection (committed or rolled back with it)."""
        ambient = self._ambient.get()
        if ambient is not None:
            yield ambient.connection()
            return
        core = self._ambient_core.get()
        if core is not None:
            yield core
            return
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def write_unit(self) -> Iterator[Connection]:
        """A read-write transaction on a Core connection that the use cases called inside join, as they join
        ``write``'s (``write_core`` gets this connection, ``write`` a session bound to it), committed on success,
        rolled back on any exception, with ``after_transaction`` tasks run once it has ended: for a unit of work
        that begins with a Core statement or two, without paying for a session it may not need."""
        if self._ambient.get() is not None or self._ambient_core.get() is not None:
            with self.write_core() as joined:
                yield joined
            return
        after: list[Callable[[], None]] = []
        try:
            with self._writer.begin() as connection:
                tokens = self._ambient_core.set(connection), self._after.set(after)
                try:
                    yield connection
                finally:
                    self._after.reset(tokens[1])
                    self._ambient_core.reset(tokens[0])
        finally:
            for task in after:
                task()

    @contextmanager
    def _joined(self, connection: Connection) -> Iterator[Session]:
        """A session in ``write_unit``'s transaction: committed at the end of its block, which flushes it (and
        runs the session's commit hooks) without committing the transaction itself; a refusal raised through
        it leaves the transaction to ``write_unit``."""
        session = Session(bind=connection, expire_on_commit=False, join_transaction_mode="rollback_only")
        token = self._ambient.set(session)
        try:
            yield session
            session.commit()
        finally:
            self._ambient.reset(token)
            session.close()

    def after_transaction(self, task: Callable[[], None]) -> None:
        """Run ``task`` once the write transaction of this context has ended (at once when none is open):
        for records that must outlive a rollback, such as a refused redemption attempt."""
        pending = self._after.get()
        if pending is None:
            task()
        else:
            pending.append(task)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end)."""
        with self._read() as session, session.begin():
            yield session
            session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
