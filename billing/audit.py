"""Writing and reading the audit log. Every change is recorded in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.db import Database
from billing.errors import InvalidInput
from billing.models import AuditEvent, PrepaidCode

MAX_ENTRIES = 1_000
LIST_SHOWN = 5  # a list in the details (a batch's prefixes) shows this many, then "(+N more)"


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    at: datetime,
    account_id: int | None = None,
    details: dict[str, Any] | None = None,
    request_ref: str | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=at,
            actor=actor.ref,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            account_id=account_id,
            details=_with_principal(actor, details),
            request_ref=request_ref,
        )
    )


def _with_principal(actor: Actor, details: dict[str, Any] | None) -> dict[str, Any]:
    if actor.on_behalf_of is None:
        return details or {}
    return {**(details or {}), "on_behalf_of": actor.on_behalf_of}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    request_ref: str | None

    def details_text(self) -> str:
        """The details as people read them: ``count: 5,000, kind: credit, prefixes: AB12, CD34, … (+4,998 more)``."""
        return ", ".join(f"{key.replace('_', ' ')}: {_value_text(value)}" for key, value in self.details.items())


def _value_text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "-"}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        shown = ", ".join(_value_text(v) for v in value[:LIST_SHOWN])
        more = len(value) - LIST_SHOWN
        return f"{shown}, … (+{more:,} more)" if more > 0 else shown or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v)}" for k, v in value.items()) or "none"
    return str(value)


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def entries(
        self,
        *,
        actor: Actor,
        account_id: int | None = None,
        subject: tuple[str, str] | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """The newest entries first, optionally for one account or one subject. Admins only.

        A code's entries include the one row of the batch it was issued in."""
        actor.require_admin("read the audit log")
        if not 1 <= limit <= MAX_ENTRIES:
            raise InvalidInput(f"the limit must be between 1 and {MAX_ENTRIES:,}", limit=limit)
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if account_id is not None:
            query = query.where(AuditEvent.account_id == account_id)
        if subject is not None:
            query = query.where(_about(*subject))
        with self._db.read() as session:
            return [
                AuditEntry(e.at, e.actor, e.action, e.subject_type, e.subject_id, e.details, e.request_ref)
                for e in session.scalars(query)
            ]


def _about(subject_type: str, subject_id: str) -> Any:
    own = and_(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
    if subject_type != "code":
        return own
    batches = select(PrepaidCode.batch).where(PrepaidCode.prefix == subject_id)
    return or_(own, and_(AuditEvent.subject_type == "batch", AuditEvent.subject_id.in_(batches)))
