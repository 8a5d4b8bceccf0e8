"""Idempotent requests with Stripe's semantics: the first response to a key is kept and given again.

The record is claimed in the same transaction as the work it guards (the request's, when the API began
one), so two identical requests racing with one key do the work once: on SQLite the write transaction
begins IMMEDIATE (one runs after the other and finds the record); on PostgreSQL the second insert waits on
``UNIQUE(api_key_id, key)`` and fails once the first commits (in a savepoint, so the transaction goes on),
and the second request then reads the first's response. A refused request (a billing error) keeps
nothing, as a request that failed validation keeps nothing at Stripe: it changed nothing, so running it
again cannot do anything twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.db import Database
from billing.errors import InvalidInput
from billing.models import IdempotencyRecord

KEPT_FOR = timedelta(hours=24)
MAX_KEY = 255


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join((method.upper().encode(), path.encode(), body))).hexdigest()


class IdempotentRequests:
    def __init__(self, db: Database) -> None:
        self._db = db

    def run(
        self,
        *,
        api_key_id: int,
        key: str,
        fingerprint: str,
        now: datetime,
        work: Callable[[], tuple[int, dict[str, Any]]],
    ) -> Outcome:
        """The kept response for ``key``, or ``work()``'s, kept in the same transaction as the work."""
        if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
            raise InvalidIdempotencyKey(f"an Idempotency-Key is 1 to {MAX_KEY} printable ASCII characters")
        with self._db.write() as session:
            kept = self._kept(session, api_key_id, key, fingerprint, now)
            if kept is not None:
                return kept
            session.execute(  # a key reused after its record expired is a new request
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.api_key_id == api_key_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.created_at <= now - KEPT_FOR,
                )
            )
            record = IdempotencyRecord(
                api_key_id=api_key_id, key=key, fingerprint=fingerprint, status_code=0, body={}, created_at=now
            )
            try:
                # Claims the key. A savepoint: the transaction may be the request's, begun before this.
                with session.begin_nested():
                    session.add(record)
            except IntegrityError:  # PostgreSQL: a racing claim committed first; its response is the answer
                kept = self._kept(session, api_key_id, key, fingerprint, now)
                if kept is None:
                    raise
                return kept
            status, body = work()
            record.status_code, record.body = status, body
            return Outcome(status=status, body=body, replayed=False)

    def _kept(self, session: Session, api_key_id: int, key: str, fingerprint: str, now: datetime) -> Outcome | None:
        record = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.created_at > now - KEPT_FOR,
            )
        )
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was used with another request")
        return Outcome(status=record.status_code, body=record.body, replayed=True)

    def prune(self, *, now: datetime) -> int:
        """Forget records older than 24 hours (the daily sweep's housekeeping)."""
        with self._db.write() as session:
            result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - KEPT_FOR))
            return int(result.rowcount)  # type: ignore[attr-defined]
