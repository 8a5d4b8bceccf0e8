"""Many new rows at once, a unique key deciding which are new: the first sweep writes tens of thousands.

On PostgreSQL, from ``STAGE_FROM`` rows on, the rows go by COPY into a temporary table and from there
into the table by one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``: no statement text for psycopg to
parse again per thousand rows (a multi-row INSERT is a new 200 kB text each time) and no statement for
the server to run per row (executemany). Below that, and on SQLite (in process: nothing to parse again
nor a round trip to save), SQLAlchemy's own: executemany of one short statement, or its multi-row
``INSERT ... RETURNING`` when the new rows are wanted back. Values pass through each column type's bind
processing either way, so a row is stored the same whichever path it took.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Column, Enum, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

if TYPE_CHECKING:
    import psycopg

STAGE_FROM = 200  # rows: fewer go by SQLAlchemy's statements (a temporary table costs a few statements)
BATCH = 1_000  # rows per statement (or per executemany) on SQLAlchemy's path: bounded memory


def insert_new(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str]) -> int:
    """Insert each row whose ``key`` is not taken yet; returns how many went in."""
    if len(rows) >= STAGE_FROM and connection.dialect.name == "postgresql":
        with _staged(connection, table, rows) as staged:
            statement = _from(table, staged, key).execution_options(preserve_rowcount=True)
            return int(connection.execute(statement).rowcount)
    statement = _insert(connection, table, key).execution_options(preserve_rowcount=True)
    return sum(int(connection.execute(statement, rows[i : i + BATCH]).rowcount) for i in range(0, len(rows), BATCH))


def insert_new_returning(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    returning: Sequence[ColumnElement[Any]],
) -> list[tuple[Any, ...]]:
    """Insert each row whose ``key`` is not taken yet; returns ``returning`` of the rows that went in."""
    if not rows:
        return []
    if len(rows) >= STAGE_FROM and connection.dialect.name == "postgresql":
        with _staged(connection, table, rows) as staged:
            return [tuple(row) for row in connection.execute(_from(table, staged, key).returning(*returning))]
    statement = _insert(connection, table, key).returning(*returning)
    batches = (connection.execute(statement, rows[i : i + BATCH]) for i in range(0, len(rows), BATCH))
    return [tuple(row) for batch in batches for row in batch]


def _insert(connection: Connection, table: Table, key: Sequence[str]) -> Insert:
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
    return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))


def _from(table: Table, staged: Table, key: Sequence[str]) -> Insert:
    names = [column.name for column in staged.c]
    return postgresql.insert(table).from_select(names, select(staged)).on_conflict_do_nothing(index_elements=list(key))


@contextmanager
def _staged(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> Iterator[Table]:
    """The rows in a temporary table of the columns they give (typed like the table's), for one statement."""
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    # No constraints here (an Enum's CHECK is a String): the table's own apply as the rows go on into it.
    staged = Table(
        f"new_{table.name}",
        MetaData(),
        *(Column(c.name, String(c.type.length) if isinstance(c.type, Enum) else c.type) for c in columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    staged.create(connection)
    dialect, quoting = connection.dialect, connection.dialect.identifier_preparer
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    into = f"{quoting.format_table(staged)} ({', '.join(map(quoting.quote, names))})"
    cursor = cast("psycopg.Cursor[Any]", connection.connection.cursor())
    with cursor, cursor.copy(f"COPY {into} FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] if p is None else p(row[n]) for n, p in zip(names, processors, strict=True)])
    yield staged
    staged.drop(connection)  # not on an error: the transaction is aborted, and its rollback takes the table too
