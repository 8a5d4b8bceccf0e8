"""Many new rows at once, a unique key deciding which are new: the first sweep writes tens of thousands.

On PostgreSQL, from ``STAGE_FROM`` rows on, the rows go by COPY: no statement text for psycopg to parse
again per thousand rows (a multi-row INSERT is a new 200 kB text each time) and no statement for the
server to run per row (executemany). Usually no key is taken yet (a sweep reads what is recorded before
it writes), so they are copied straight into the table, in a savepoint; should a key be taken after all
(a race), the savepoint is rolled back and they go again by COPY into a temporary table and from there
into the table by one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. Below ``STAGE_FROM``, SQLAlchemy's
own: executemany of one short statement, or its multi-row ``INSERT ... RETURNING`` when the new rows are
wanted back. On SQLite (in process: nothing to parse again nor a round trip to save) the executemany is a
prepared statement (``billing.prepared``), and the new rows, when wanted back, are read back by id: the
rows give no id, the writer holds SQLite's one write lock, so the new rows are those past the largest id
before the insert, in their order (SQLAlchemy's ``RETURNING`` of 30,000 imported blocks cost twice the
insert). Values pass through each column type's bind processing whichever path a row takes, so it is
stored the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy import Column, Enum, MetaData, String, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from billing.prepared import Prepared

STAGE_FROM = 200  # rows: fewer go by SQLAlchemy's statements (a temporary table costs a few statements)
BATCH = 1_000  # rows per statement (or per executemany) on SQLAlchemy's path: bounded memory
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)")


def insert_new(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: Sequence[str]) -> int:
    """Insert each row whose ``key`` is not taken yet; returns how many went in."""
    if len(rows) >= STAGE_FROM and connection.dialect.name == "postgresql":
        if _copied(connection, table, rows):
            return len(rows)
        with _staged(connection, table, rows) as staged:
            statement = _from(table, staged, key).execution_options(preserve_rowcount=True)
            return int(connection.execute(statement).rowcount)
    if not rows:
        return 0
    if connection.dialect.name == "sqlite":  # SQLAlchemy's per-row parameter work cost more than sqlite3's
        prepared = _prepared(table, key, list(rows[0]))
        return sum(prepared.many(connection, rows[i : i + BATCH]) for i in range(0, len(rows), BATCH))
    counting = _insert(connection, table, key).execution_options(preserve_rowcount=True)
    return sum(int(connection.execute(counting, rows[i : i + BATCH]).rowcount) for i in range(0, len(rows), BATCH))


_PREPARED: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Prepared] = {}


def _prepared(table: Table, key: Sequence[str], names: list[str]) -> Prepared:
    """SQLite's ``INSERT ... ON CONFLICT DO NOTHING`` of these columns, prepared once (``billing.prepared``)."""
    found = _PREPARED.get(cache := (table.name, tuple(key), tuple(names)))
    if found is None:
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
        found = _PREPARED[cache] = Prepared(statement, keys=names)
    return found


def insert_new_returning(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    returning: Sequence[Column[Any]],
) -> list[tuple[Any, ...]]:
    """Insert each row whose ``key`` is not taken yet; returns ``returning`` of the rows that went in, in
    their order. ``returning``: columns of ``table``, its key column (``id``) or columns the rows give."""
    if not rows:
        return []
    if connection.dialect.name == "sqlite" and not any(column.name in rows[0] for column in table.primary_key):
        (id_column,) = table.primary_key.columns
        before = connection.execute(select(func.coalesce(func.max(id_column), 0))).scalar_one()
        insert_new(connection, table, rows, key=key)
        new = select(*returning).where(id_column > before).order_by(id_column)
        return [tuple(row) for row in connection.execute(new)]
    if len(rows) >= STAGE_FROM and connection.dialect.name == "postgresql":
        numbered = _numbered(connection, table, rows)
        if _copied(connection, table, numbered):
            return [tuple(row[column.name] for column in returning) for row in numbered]
        with _staged(connection, table, rows) as staged:
            return [tuple(row) for row in connection.execute(_from(table, staged, key).returning(*returning))]
    statement = _insert(connection, table, key).returning(*returning)
    batches = (connection.execute(statement, rows[i : i + BATCH]) for i in range(0, len(rows), BATCH))
    return [tuple(row) for batch in batches for row in batch]


def _numbered(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows with ids drawn from the table's sequence, in their order: copied straight in, what they
    return is known without reading them back."""
    (id_column,) = table.primary_key.columns
    name = connection.dialect.identifier_preparer.format_table(table)
    drawn = connection.execute(_NEXT_IDS, {"table": name, "column": id_column.name, "n": len(rows)})
    return [{**row, id_column.name: int(i)} for row, i in zip(rows, drawn.scalars(), strict=True)]


def _insert(connection: Connection, table: Table, key: Sequence[str]) -> Insert:
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
    return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))


def _from(table: Table, staged: Table, key: Sequence[str]) -> Insert:
    names = [column.name for column in staged.c]
    return postgresql.insert(table).from_select(names, select(staged)).on_conflict_do_nothing(index_elements=list(key))


def _copied(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """COPY the rows straight into ``table``, all or none: False (nothing written) when a key was taken or
    the rows repeat one (or another constraint refused a row: the staged path then raises what it always
    did). A key another transaction has inserted but not committed yet is waited for, as ``ON CONFLICT``
    waits for it."""
    try:
        with connection.begin_nested():
            _copy(connection, table, rows, like=table)
    except psycopg.IntegrityError:
        return False
    return True


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
    _copy(connection, staged, rows, like=table)
    yield staged
    staged.drop(connection)  # not on an error: the transaction is aborted, and its rollback takes the table too


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, like: Table) -> None:
    """COPY the rows into ``table`` (the columns the first row gives), each value bind-processed as
    SQLAlchemy would for a statement on ``like`` (the table itself, or the one it stages rows for)."""
    names = list(rows[0])
    dialect, quoting = connection.dialect, connection.dialect.identifier_preparer
    processors = [like.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    into = f"{quoting.format_table(table)} ({', '.join(map(quoting.quote, names))})"
    cursor = cast("psycopg.Cursor[Any]", connection.connection.cursor())
    with cursor, cursor.copy(f"COPY {into} FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[n] if p is None else p(row[n]) for n, p in zip(names, processors, strict=True)])
