"""Many new rows at once: by COPY through a temporary table (PostgreSQL, from ``STAGE_FROM`` rows) or by
SQLAlchemy's statements, stored alike, a taken key skipped and not counted."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, select

from billing import bulk
from billing.bulk import insert_new, insert_new_returning
from billing.models import OutboxMessage
from billing.models.outbox import OutboxMedium, OutboxState
from tests.conftest import at

MESSAGES = cast(Table, OutboxMessage.__table__)
KEY = ["dedupe_key"]


def _rows(prefix: str, n: int) -> list[dict[str, object]]:
    return [
        {
            "dedupe_key": f"{prefix}:{i}",
            "channel_id": "C1",
            "medium": OutboxMedium.WEBHOOK,
            "payload": {"event_id": i, "note": None, "ids": [1, 2]},
            "state": OutboxState.PENDING,
            "attempts": 0,
            "outcome_unknown": i % 2 == 0,
            "next_attempt_at": at("2026-01-02", hour=9),
            "created_at": at("2026-01-02"),
        }
        for i in range(n)
    ]


def _stored(db, prefix: str) -> list[dict[str, object]]:
    """Each stored row but its id and key, in the order they went in."""
    with db.read() as session:
        rows = session.execute(select(MESSAGES).where(MESSAGES.c.dedupe_key.startswith(prefix)).order_by(MESSAGES.c.id))
        return [{k: v for k, v in row._mapping.items() if k not in ("id", "dedupe_key")} for row in rows]


@pytest.mark.parametrize("staged", [False, True], ids=["by statements", "staged"])
def test_new_rows_go_in_once_each_and_a_taken_key_is_skipped_and_not_counted(db, monkeypatch, staged):
    monkeypatch.setattr(bulk, "STAGE_FROM", 1 if staged else 10**9)
    with db.write() as session:
        assert insert_new(session.connection(), MESSAGES, _rows("a", 5), key=KEY) == 5
        assert insert_new(session.connection(), MESSAGES, _rows("a", 7), key=KEY) == 2  # a:5 and a:6 are new
        new = insert_new_returning(
            session.connection(), MESSAGES, _rows("a", 9), key=KEY, returning=[MESSAGES.c.dedupe_key]
        )
        assert sorted(key for (key,) in new) == ["a:7", "a:8"]
        assert insert_new_returning(session.connection(), MESSAGES, [], key=KEY, returning=[MESSAGES.c.id]) == []
    assert len(_stored(db, "a:")) == 9


def test_rows_staged_by_copy_are_stored_as_sqlalchemys_statements_store_them(db, monkeypatch):
    with db.write() as session:
        monkeypatch.setattr(bulk, "STAGE_FROM", 10**9)
        insert_new(session.connection(), MESSAGES, _rows("plain", 3), key=KEY)
        monkeypatch.setattr(bulk, "STAGE_FROM", 1)
        insert_new(session.connection(), MESSAGES, _rows("staged", 3), key=KEY)
    plain, staged = _stored(db, "plain:"), _stored(db, "staged:")
    assert staged == plain and len(plain) == 3
    first = plain[0]
    assert first["payload"] == {"event_id": 0, "note": None, "ids": [1, 2]}  # JSON, not its text
    assert (first["medium"], first["created_at"]) == (OutboxMedium.WEBHOOK, at("2026-01-02"))  # enum, aware UTC


def test_rows_that_meet_a_taken_key_are_stored_as_sqlalchemys_statements_store_them(db, monkeypatch):
    """Straight in by COPY when no key is taken, else (all of them again) by the staged path: alike either way."""
    with db.write() as session:
        monkeypatch.setattr(bulk, "STAGE_FROM", 10**9)
        insert_new(session.connection(), MESSAGES, _rows("plain", 3), key=KEY)
        monkeypatch.setattr(bulk, "STAGE_FROM", 1)
        insert_new(session.connection(), MESSAGES, _rows("again", 1), key=KEY)
        assert insert_new(session.connection(), MESSAGES, _rows("again", 3), key=KEY) == 2  # again:0 is taken
    assert _stored(db, "again:") == _stored(db, "plain:")


def test_new_rows_return_their_stored_ids_and_values_in_their_order(db, monkeypatch):
    monkeypatch.setattr(bulk, "STAGE_FROM", 1)
    returning = [MESSAGES.c.id, MESSAGES.c.dedupe_key]
    with db.write() as session:
        new = insert_new_returning(session.connection(), MESSAGES, _rows("r", 4), key=KEY, returning=returning)
        taken = insert_new_returning(session.connection(), MESSAGES, _rows("r", 6), key=KEY, returning=returning)
    with db.read() as session:
        stored = session.execute(
            select(MESSAGES.c.id, MESSAGES.c.dedupe_key).where(MESSAGES.c.dedupe_key.startswith("r:"))
        ).all()
    assert [key for _, key in new] == ["r:0", "r:1", "r:2", "r:3"]
    assert [i for i, _ in new] == sorted(i for i, _ in new)
    assert sorted(key for _, key in taken) == ["r:4", "r:5"]
    assert sorted(new + taken) == sorted(tuple(row) for row in stored)
