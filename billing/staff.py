"""Staff: users of the vendor's own workspace with a role (admin or sales)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from billing import audit
from billing.actors import Actor
from billing.db import Database
from billing.errors import InvalidInput, NotFound
from billing.models import Staff
from billing.models.parties import STAFF_ROLES, StaffRole


class InvalidRole(InvalidInput):
    code = "invalid_role"


class StaffNotFound(NotFound):
    code = "staff_not_found"


class StaffRoles:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add_staff(
        self, *, slack_user_id: str, role: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> None:
        actor.require_admin("change staff roles")
        cleaned = role.strip().lower()
        if cleaned not in STAFF_ROLES:
            raise InvalidRole(f"role must be one of {', '.join(STAFF_ROLES)}", role=cleaned)
        role = StaffRole(cleaned)
        user = slack_user_id.strip()
        if not re.fullmatch(r"[UW][A-Z0-9]{2,30}", user):
            raise InvalidInput(f"{slack_user_id!r} is not a Slack user id like U012ABCDEF")
        with self._db.write() as session:
            staff = session.get(Staff, user)
            before = staff.role if staff else None
            if staff is None:
                session.add(Staff(slack_user_id=user, role=role, added_by=actor.ref, added_at=now))
            else:
                staff.role = role
            audit.record(
                session,
                actor=actor,
                action="staff.added",
                subject_type="staff",
                subject_id=user,
                at=now,
                details={"role": role, "before": before},
                request_ref=request_ref,
            )

    def remove_staff(self, *, slack_user_id: str, actor: Actor, now: datetime, request_ref: str | None = None) -> None:
        actor.require_admin("change staff roles")
        with self._db.write() as session:
            staff = session.get(Staff, slack_user_id)
            if staff is None:
                raise StaffNotFound(f"{slack_user_id} has no staff role", user=slack_user_id)
            session.delete(staff)
            audit.record(
                session,
                actor=actor,
                action="staff.removed",
                subject_type="staff",
                subject_id=slack_user_id,
                at=now,
                details={"role": staff.role},
                request_ref=request_ref,
            )

    def staff_role(self, slack_user_id: str) -> str | None:
        with self._db.read() as session:
            return session.scalar(select(Staff.role).where(Staff.slack_user_id == slack_user_id))

    def list_staff(self) -> list[tuple[str, str]]:
        with self._db.read() as session:
            return [(s.slack_user_id, s.role) for s in session.scalars(select(Staff).order_by(Staff.slack_user_id))]
