"""Prepared statements for the hottest path (a redemption): a Core statement SQLAlchemy compiles once.

On SQLite a redemption's cost is CPU, and most of it was SQLAlchemy's per-execution work around each of
its statements (an execution context, a result object, events), several times what sqlite3 itself spends
running them. A ``Prepared`` statement is compiled by SQLAlchemy once per dialect, with SQLAlchemy's own
type processing for every parameter and every result column (dates, aware instants, enums, JSON,
booleans), and it runs on the DB-API cursor of the caller's SQLAlchemy connection, in that connection's
transaction. A driver error is raised as SQLAlchemy's (``IntegrityError``, ...), as ``Connection.execute``
would; one that means the connection is gone (a PostgreSQL server restarted, a proxy's idle cut) also
invalidates the connection, so the pool replaces it and only that one unit of work fails, as
SQLAlchemy's own handling does. On PostgreSQL a redemption's dozen statements through
``Connection.execute`` cost the serving process more CPU than psycopg's own work for them (issue 24's
concurrency row); psycopg still prepares each statement on the server after a few executions.

A few rows given to ``many`` on PostgreSQL (a redemption's two events) are one multi-row INSERT, not
psycopg's executemany: that runs in pipeline mode, whose machinery costs more CPU than the round trip it
saves for so few rows (80 us more per call, measured; issue 24).

Only statements whose every value is given are accepted: a column filled by a Python-side default needs
SQLAlchemy's execution context, and building such an INSERT here fails at once; so does compiling an
expanding ``IN``, which SQLAlchemy renders anew per execution. ``stream`` gives a SELECT's rows as plain
tuples, batch by batch, for the reads of tens of thousands of rows (the sweep's due selection).
"""

from __future__ import annotations

import operator
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, bindparam, exc
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
FEW = 16  # up to this many rows, ``many`` on PostgreSQL is one multi-row INSERT
REMEMBER_FROM = 64  # from this many parameter sets on, a processor's result for a value seen before is reused


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in placeholder order
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # their values, in that order
    named: bool  # values passed by name (PostgreSQL's pyformat), not in order (SQLite's qmark)
    constants: Mapping[str, Any]  # values the statement itself carries (literals in its WHERE or SET)
    binds: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor) for the parameters that have one
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the same for the result columns
    row: type[tuple[Any, ...]] | None  # rows with attribute access by column key


class Prepared:
    """One Core statement, compiled once per dialect. ``rows`` for a SELECT or RETURNING, ``run`` for a
    write (its row count), ``many`` for the same write with many parameter sets."""

    def __init__(self, statement: Executable, *, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self._keys = list(keys) if keys is not None else None  # an INSERT's columns, as given
        self._compiled: dict[str, _Compiled] = {}
        self._few: dict[int, Prepared] = {}  # an INSERT of n rows in one statement, by n
        if isinstance(statement, Insert):  # refused on every database, as soon as it is built
            defaulted = [c.key for c in statement.table.c if c.default is not None and c.key not in (keys or ())]
            if defaulted:
                raise ValueError(f"a prepared INSERT needs every value given; Python defaults for {defaulted}")

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        compiled = self._for(connection.dialect)
        cursor = _cursor(connection, compiled, [params])
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        return [_row(compiled, raw) for raw in fetched]

    def stream(self, connection: Connection, params: Mapping[str, Any], *, batch: int) -> Iterator[tuple[Any, ...]]:
        """A SELECT's rows as plain tuples, fetched ``batch`` at a time (bounded memory): for tens of
        thousands of rows, where an object per row costs the garbage collector most (a tuple of plain values
        is untracked at its first collection; a Row or a named tuple is traversed by every full one)."""
        compiled = self._for(connection.dialect)
        cursor = _cursor(connection, compiled, [params])
        try:
            while fetched := cursor.fetchmany(batch):
                if compiled.results:
                    yield from (tuple(_processed(compiled, raw)) for raw in fetched)
                else:
                    yield from fetched
        finally:
            cursor.close()

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        cursor = _cursor(connection, self._for(connection.dialect), [params])
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def many(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> int:
        """Returns how many rows the statement changed (inserted, for an INSERT that skips a taken key)."""
        if 1 < len(params) <= FEW and connection.dialect.name == "postgresql" and self._keys is not None:
            keys, together = self._keys, self._rows_at_once(len(params))
            return together.run(connection, {f"{key}__{n}": row[key] for n, row in enumerate(params) for key in keys})
        cursor = _cursor(connection, self._for(connection.dialect), params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _rows_at_once(self, count: int) -> Prepared:
        """This INSERT (of ``keys``) as one statement of ``count`` rows, the n-th row's values named ``key__n``."""
        found = self._few.get(count)
        if found is None:
            assert isinstance(self.statement, Insert) and self._keys is not None
            table = self.statement.table
            rows = [
                {key: bindparam(f"{key}__{n}", type_=table.c[key].type) for key in self._keys} for n in range(count)
            ]
            found = self._few[count] = Prepared(self.statement.values(rows), keys=self._keys)
        return found

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect, self._keys)
        return compiled


def _compile(statement: Executable, dialect: Dialect, keys: list[str] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=keys)  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string:  # an expanding IN: SQLAlchemy renders it per execution
        raise ValueError("a prepared statement cannot hold an expanding IN; compare with each value instead")
    if compiled.update_prefetch:  # an UPDATE's Python ``onupdate``: SQLAlchemy's execution context fills it
        missing = [column.key for column in compiled.update_prefetch]
        raise ValueError(f"a prepared statement needs every value given; Python defaults for {missing}")
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    # SQLite's qmark style lists the placeholders in order; PostgreSQL's pyformat names them (values by name).
    named = compiled.positiontup is None
    names = tuple(by_name) if named else tuple(compiled.positiontup or ())
    constants = {name: bind.value for name, bind in by_name.items() if not bind.required}
    binds = _processing(by_name[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    columns = list(statement.exported_columns) if hasattr(statement, "exported_columns") else []
    results = _processing(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    row = namedtuple("Row", [column.key for column in columns], rename=True) if columns else None
    return _Compiled(compiled.string, names, _picker(names), named, constants, binds, results, row)


def _picker(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``operator.itemgetter`` of the names, always giving a tuple (thousands of rows go through it)."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    return lambda given: tuple(given[name] for name in names)


def _cursor(connection: Connection, compiled: _Compiled, params: Sequence[Mapping[str, Any]]) -> Any:
    binds = _remembering(compiled.binds) if len(params) >= REMEMBER_FROM else compiled.binds
    values: list[Any] = [_values(compiled, one, binds) for one in params]  # all tuples (SQLite) or all dicts
    cursor = connection.connection.cursor()
    try:
        if len(values) == 1:
            cursor.execute(compiled.sql, values[0])
        else:
            cursor.executemany(compiled.sql, values)
    except connection.dialect.loaded_dbapi.Error as error:
        dialect = connection.dialect
        gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        with suppress(dialect.loaded_dbapi.Error):
            cursor.close()
        if gone:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(
            compiled.sql, values, error, dialect.loaded_dbapi.Error, dialect=dialect, connection_invalidated=gone
        ) from error
    return cursor


def _remembering(binds: tuple[tuple[int, Callable[[Any], Any]], ...]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The processors, each reusing its result for a value it has processed before in this call: thousands of
    rows repeat a few dates, instants and enum members (30,000 imported blocks: five dates and an instant
    each, 180,000 conversions of a few hundred distinct values; 197 ms of bind processing become 77 ms)."""
    return tuple((position, _remembered(process)) for position, process in binds)


# Values whose equality means the same stored form. Not Decimal (1.5 == 1.50) nor float (0.0 == -0.0), nor
# anything unhashable (a JSON document): those are processed every time. A value is told apart by its type
# (``True == 1``), an instant by its zone too (equal instants in two zones are two wall times).
_SAME_WHEN_EQUAL = frozenset({str, int, bool, date})


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[tuple[Any, ...], Any] = {}

    def remembered(value: Any) -> Any:
        kind = type(value)
        if kind is datetime:
            key: tuple[Any, ...] = (kind, value, value.tzinfo)
        elif kind in _SAME_WHEN_EQUAL or issubclass(kind, Enum):
            key = (kind, value)
        else:
            return process(value)
        found = seen.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = seen[key] = process(value)
        return found

    return remembered


_UNSEEN = object()


def _values(
    compiled: _Compiled, params: Mapping[str, Any], binds: tuple[tuple[int, Callable[[Any], Any]], ...]
) -> tuple[Any, ...] | dict[str, Any]:
    given = {**compiled.constants, **params} if compiled.constants else params
    try:
        picked = compiled.pick(given)
    except KeyError as missing:
        raise exc.ArgumentError(f"a value is required for the parameter {missing}") from None
    if binds:
        values = list(picked)
        for position, process in binds:
            values[position] = process(values[position])
        picked = tuple(values)
    return dict(zip(compiled.names, picked, strict=True)) if compiled.named else picked


def _row(compiled: _Compiled, raw: Sequence[Any]) -> Any:
    assert compiled.row is not None
    return compiled.row._make(_processed(compiled, raw))  # type: ignore[attr-defined]


def _processed(compiled: _Compiled, raw: Sequence[Any]) -> list[Any]:
    values = list(raw)
    for position, process in compiled.results:
        values[position] = process(values[position])
    return values


def _processing(processors: Iterable[Processor]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    return tuple((position, process) for position, process in enumerate(processors) if process is not None)
