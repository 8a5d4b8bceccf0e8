"""Prepared statements (``billing.prepared``): what they store and read back is what SQLAlchemy's own
statements store and read (dates, aware instants, enums, JSON, booleans), a driver error is SQLAlchemy's,
and a write that fails leaves nothing behind."""

from __future__ import annotations

from datetime import date, timedelta, timezone
from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from billing.models import AuditEvent, OutboxMessage
from billing.models.outbox import OutboxMedium, OutboxState
from billing.prepared import REMEMBER_FROM, Prepared, _remembering
from tests.conftest import at

MESSAGES = cast(Table, OutboxMessage.__table__)
COLUMNS = (
    "dedupe_key",
    "channel_id",
    "medium",
    "payload",
    "state",
    "attempts",
    "outcome_unknown",
    "next_attempt_at",
    "created_at",
)
INSERT = Prepared(insert(MESSAGES).returning(MESSAGES.c.id), keys=COLUMNS)
INSERT_MANY = Prepared(insert(MESSAGES), keys=COLUMNS)
READ = select(*(MESSAGES.c[name] for name in COLUMNS)).where(MESSAGES.c.dedupe_key.startswith(bindparam("prefix")))
PREPARED_READ = Prepared(READ.order_by(MESSAGES.c.id))
FAIL = Prepared(  # a literal in the statement (the state) and a parameter (the key)
    update(MESSAGES)
    .where(MESSAGES.c.dedupe_key == bindparam("key"), MESSAGES.c.state == OutboxState.PENDING)
    .values(state=OutboxState.FAILED)
)


def _row(key: str, n: int) -> dict[str, object]:
    return {
        "dedupe_key": key,
        "channel_id": "C1",
        "medium": OutboxMedium.WEBHOOK,
        "payload": {"event_id": n, "note": None, "ids": [1, 2]},
        "state": OutboxState.PENDING,
        "attempts": n,
        "outcome_unknown": n % 2 == 0,
        "next_attempt_at": at("2026-01-02", hour=9),
        "created_at": at("2026-01-02"),
    }


def test_rows_written_and_read_are_those_sqlalchemys_own_statements_write_and_read(db):
    with db.write_core() as connection:
        (new_id,) = INSERT.rows(connection, _row("p:0", 0))[0]
        INSERT_MANY.many(connection, [_row("p:1", 1), _row("p:2", 2)])
        connection.execute(insert(MESSAGES), [_row("s:0", 0), _row("s:1", 1), _row("s:2", 2)])
    with db.write_core() as connection:
        prepared = PREPARED_READ.rows(connection, {"prefix": "p:"})
        own = connection.execute(READ.order_by(MESSAGES.c.id), {"prefix": "s:"}).all()
    assert isinstance(new_id, int)
    assert [row[1:] for row in prepared] == [tuple(row)[1:] for row in own]  # all but the key
    first = prepared[0]
    assert first.medium is OutboxMedium.WEBHOOK and first.state is OutboxState.PENDING
    assert first.payload == {"event_id": 0, "note": None, "ids": [1, 2]} and first.outcome_unknown is True
    assert first.created_at == at("2026-01-02") and first.created_at.tzinfo is not None


def test_a_stream_gives_the_rows_as_plain_tuples_with_the_same_values_batch_by_batch(db):
    with db.write_core() as connection:
        INSERT_MANY.many(connection, [_row(f"t:{n:02d}", n) for n in range(25)])
    with db.write_core() as connection:
        streamed = list(PREPARED_READ.stream(connection, {"prefix": "t:"}, batch=10))
        named = PREPARED_READ.rows(connection, {"prefix": "t:"})
    assert [type(row) for row in streamed] == [tuple] * 25  # not Rows nor named tuples
    assert streamed == [tuple(row) for row in named]
    assert streamed[3][4] is OutboxState.PENDING and streamed[3][7] == at("2026-01-02", hour=9)


def test_many_rows_repeating_values_are_stored_as_sqlalchemys_own_statement_stores_them(db):
    # From REMEMBER_FROM rows on, a processor's result for a value seen before is reused: every column here
    # repeats values (enums, booleans, instants, some given in another zone) among 100 rows.
    rows = []
    for n in range(REMEMBER_FROM + 36):
        row = _row("", n % 3) | {"state": list(OutboxState)[n % 3], "outcome_unknown": n % 5 == 0}
        row["next_attempt_at"] = at("2026-01-02", hour=n % 4).astimezone(timezone(timedelta(hours=2 * (n % 2))))
        rows.append(row)
    with db.write_core() as connection:
        INSERT_MANY.many(connection, [row | {"dedupe_key": f"m:{n:03d}"} for n, row in enumerate(rows)])
        connection.execute(insert(MESSAGES), [row | {"dedupe_key": f"n:{n:03d}"} for n, row in enumerate(rows)])
    with db.write_core() as connection:
        prepared = PREPARED_READ.rows(connection, {"prefix": "m:"})
        own = PREPARED_READ.rows(connection, {"prefix": "n:"})
    assert [row[1:] for row in prepared] == [row[1:] for row in own]
    states = list(OutboxState)
    assert [row.state for row in prepared[:4]] == [states[n % 3] for n in range(4)]
    assert [row.next_attempt_at for row in prepared[:4]] == [at("2026-01-02", hour=h) for h in range(4)]
    assert [row.outcome_unknown for row in prepared[:6]] == [True, False, False, False, False, True]


def test_a_value_is_processed_once_per_call_only_where_equal_values_are_stored_alike():
    calls: list[object] = []

    def process(value: object) -> str:
        calls.append(value)
        return repr(value)

    ((_, remembered),) = _remembering(((0, process),))
    utc, plus_two = at("2026-01-02"), at("2026-01-02").astimezone(timezone(timedelta(hours=2)))
    given = [date(2026, 1, 2), date(2026, 1, 2), True, 1, True, "a", "a", OutboxState.PENDING, OutboxState.PENDING]
    given += [utc, utc, plus_two, Decimal("1.5"), Decimal("1.50"), 0.0, -0.0, {"a": 1}, {"a": 1}]
    assert [remembered(value) for value in given] == [repr(value) for value in given]
    assert calls == [date(2026, 1, 2), True, 1, "a", OutboxState.PENDING, utc, plus_two, *given[-6:]]


def test_an_expanding_in_is_refused_when_compiled(db):
    statement = Prepared(select(MESSAGES.c.id).where(MESSAGES.c.state.in_([OutboxState.SENT, OutboxState.FAILED])))
    with pytest.raises(ValueError, match="expanding IN"), db.write_core() as connection:
        statement.rows(connection, {})


def test_a_write_counts_its_rows_and_a_literal_in_the_statement_takes_effect(db):
    with db.write_core() as connection:
        assert INSERT_MANY.many(connection, [_row("c:0", 0)]) == 1
        assert INSERT_MANY.many(connection, [_row(f"c:few{n}", n) for n in range(3)]) == 3  # one INSERT on PostgreSQL
        assert INSERT_MANY.many(connection, [_row(f"c:many{n}", n) for n in range(40)]) == 40  # executemany
        assert FAIL.run(connection, {"key": "c:0"}) == 1
        assert FAIL.run(connection, {"key": "c:0"}) == 0  # no longer pending
        assert FAIL.run(connection, {"key": "c:missing"}) == 0
    with db.read() as session:
        assert session.scalar(select(MESSAGES.c.state).where(MESSAGES.c.dedupe_key == "c:0")) == OutboxState.FAILED
        written = session.scalars(select(MESSAGES.c.attempts).where(MESSAGES.c.dedupe_key.startswith("c:few"))).all()
        assert sorted(written) == [0, 1, 2]


def test_a_taken_key_is_sqlalchemys_integrity_error_and_the_transaction_leaves_nothing(db):
    with db.write_core() as connection:
        INSERT_MANY.many(connection, [_row("k:0", 0)])
    with pytest.raises(IntegrityError), db.write_core() as connection:
        INSERT_MANY.many(connection, [_row("k:1", 1)])
        INSERT.rows(connection, _row("k:0", 0))
    with db.read() as session:
        keys = session.scalars(select(MESSAGES.c.dedupe_key).where(MESSAGES.c.dedupe_key.startswith("k:"))).all()
    assert keys == ["k:0"]


def test_a_connection_the_server_dropped_is_invalidated_and_the_next_unit_of_work_gets_a_new_one(db):
    if db.is_sqlite:
        pytest.skip("a server-side disconnect is PostgreSQL's")
    with db.write_core() as connection:
        INSERT_MANY.many(connection, [_row("d:0", 0)])
    seen = []
    with pytest.raises(DBAPIError) as raised, db.write_core() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:  # as a server restart or a proxy's idle cut would
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        try:
            PREPARED_READ.rows(connection, {"prefix": "d:"})
        finally:
            seen.append(connection.invalidated)
    assert seen == [True]  # at once, not only once the rollback failed too
    assert raised.value.connection_invalidated
    with db.write_core() as connection:  # the pool replaced the dead connection
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert [row.dedupe_key for row in PREPARED_READ.rows(connection, {"prefix": "d:"})] == ["d:0"]


def test_an_insert_leaving_a_python_default_to_sqlalchemy_is_refused_when_built():
    audit = cast(Table, AuditEvent.__table__)
    with pytest.raises(ValueError, match="details"):
        Prepared(insert(audit), keys=("actor", "action", "subject_type", "subject_id", "at"))
