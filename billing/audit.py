"""Writing and reading the audit log. Every change is recorded in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.db import Database
from billing.models import AuditEvent


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
        """The newest entries first, optionally for one account or one subject. Admins only."""
        actor.require_admin("read the audit log")
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if account_id is not None:
            query = query.where(AuditEvent.account_id == account_id)
        if subject is not None:
            query = query.where(AuditEvent.subject_type == subject[0], AuditEvent.subject_id == subject[1])
        with self._db.read() as session:
            return [
                AuditEntry(e.at, e.actor, e.action, e.subject_type, e.subject_id, e.details, e.request_ref)
                for e in session.scalars(query)
            ]
