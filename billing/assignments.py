"""Devices and users assigned to licenses: assign within capacity, unassign, activity, idle release."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from billing import audit
from billing.accounts import ensure_open, find_account
from billing.actors import Actor
from billing.catalog import find_solution
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.licensing import assignments_in_use, capacity
from billing.models import Account, Assignment, AuditEvent
from billing.models.catalog import LicenseKind, Solution
from billing.models.licensing import ReleaseReason
from billing.periods import local_date

IDLE_USER_DAYS = 60
MAX_SUBJECT = 200


class CapacityExceeded(Conflict):
    code = "over_capacity"


class AlreadyAssigned(Conflict):
    code = "already_assigned"


class WrongLicenseKind(InvalidInput):
    code = "wrong_license_kind"


def _pool(
    session: Session, account: str, solution: str, actor: Actor, kind: LicenseKind | None
) -> tuple[Account, Solution]:
    """The account (locked) and the solution whose licenses a device or user takes or frees."""
    found = find_account(session, slug=account, actor=actor, for_update=True)
    target = find_solution(session, solution)
    if kind is not None and target.license_kind != kind:
        raise WrongLicenseKind(f"{target.name} is licensed per {target.license_kind}, not per {kind}")
    return found, target


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


def _subject(text: str) -> str:
    subject = text.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"a device or user id must be 1 to {MAX_SUBJECT} characters")
    return subject


def _holding(session: Session, account_id: int, solution_id: int, subject: str) -> Assignment | None:
    """The license ``subject`` holds now in that account and solution, if any."""
    return session.scalar(
        select(Assignment).where(
            Assignment.account_id == account_id,
            Assignment.solution_id == solution_id,
            Assignment.subject == subject,
            Assignment.released_at.is_(None),
        )
    )


class Assignments:
    def __init__(self, db: Database) -> None:
        self._db = db

    def assign(
        self,
        *,
        account: str,
        solution: str,
        subject: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
        kind: LicenseKind | None = None,
    ) -> int:
        """Put a device or user on one license; refused beyond capacity. Returns the licenses left."""
        subject = _subject(subject)
        with self._db.write() as session:
            found, target = _pool(session, account, solution, actor, kind)
            ensure_open(found, "take on devices or users")
            today = local_date(now, found.time_zone)
            total = capacity(session, account_id=found.id, solution_id=target.id, day=today)
            used = assignments_in_use(session, account_id=found.id).get(target.id, 0)
            if _holding(session, found.id, target.id, subject) is not None:
                raise AlreadyAssigned(f"{subject} already holds a {target.name} license")
            if used >= total:
                raise CapacityExceeded(
                    f"{found.name} has no free {target.name} license: all {total} are in use",
                    capacity=total,
                    in_use=used,
                )
            session.add(
                Assignment(
                    account_id=found.id,
                    solution_id=target.id,
                    license_kind=target.license_kind,
                    subject=subject,
                    assigned_by=actor.ref,
                    assigned_at=now,
                    last_active_at=now,
                )
            )
            audit.record(
                session,
                actor=actor,
                action="assignment.added",
                subject_type=target.license_kind,
                subject_id=subject,
                account_id=found.id,
                at=now,
                details={"solution": target.slug},
                request_ref=request_ref,
            )
            return total - used - 1

    def unassign(
        self,
        *,
        account: str,
        solution: str,
        subject: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
        kind: LicenseKind | None = None,
    ) -> None:
        """Free the license a device or user holds."""
        subject = _subject(subject)
        with self._db.write() as session:
            found, target = _pool(session, account, solution, actor, kind)
            assignment = _holding(session, found.id, target.id, subject)
            if assignment is None:
                raise AssignmentNotFound(f"{subject} holds no {target.name} license")
            assignment.released_at, assignment.release_reason = now, ReleaseReason.REMOVED
            audit.record(
                session,
                actor=actor,
                action="assignment.removed",
                subject_type=target.license_kind,
                subject_id=subject,
                account_id=found.id,
                at=now,
                details={"solution": target.slug},
                request_ref=request_ref,
            )

    def record_activity(self, *, account: str, solution: str, subject: str, actor: Actor, now: datetime) -> None:
        """A device or user was seen: their license stays theirs for another 60 days."""
        with self._db.write() as session:
            found = find_account(session, slug=account, actor=actor)
            target = find_solution(session, solution)
            result = session.execute(
                update(Assignment)
                .where(
                    Assignment.account_id == found.id,
                    Assignment.solution_id == target.id,
                    Assignment.subject == _subject(subject),
                    Assignment.released_at.is_(None),
                )
                .values(last_active_at=now)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise AssignmentNotFound(f"{subject} holds no {target.name} license")

    def record_activities(
        self, *, account: str, events: list[tuple[str, str, datetime]], actor: Actor, now: datetime
    ) -> list[tuple[str, str]]:
        """Each (user, solution, at): the user was active then (never later than ``now``). Returns the
        (user, solution) pairs that hold no license, released or never assigned, so they can be assigned."""
        unlicensed: list[tuple[str, str]] = []
        with self._db.write() as session:
            found = find_account(session, slug=account, actor=actor)
            latest: dict[tuple[str, str], datetime] = {}
            for user, solution, at in events:
                pair = (_subject(user), find_solution(session, solution).slug)
                latest[pair] = max(latest.get(pair, at), min(at, now))
            for (user, solution), at in sorted(latest.items()):
                target = find_solution(session, solution)
                active = session.scalar(
                    select(Assignment).where(
                        Assignment.account_id == found.id,
                        Assignment.solution_id == target.id,
                        Assignment.subject == user,
                        Assignment.released_at.is_(None),
                    )
                )
                if active is None:
                    unlicensed.append((user, solution))
                elif active.last_active_at < at:
                    active.last_active_at = at
        return unlicensed

    def release_idle_users(self, *, actor: Actor, now: datetime) -> int:
        """Unassign every user idle for more than 60 days (the daily sweep calls this). Returns how many."""
        cutoff = now - timedelta(days=IDLE_USER_DAYS)
        with self._db.write() as session:
            idle = session.execute(
                select(Assignment.id, Assignment.account_id, Assignment.subject, Assignment.last_active_at).where(
                    Assignment.license_kind == LicenseKind.USER,
                    Assignment.released_at.is_(None),
                    Assignment.last_active_at < cutoff,
                )
            ).all()
            if not idle:
                return 0
            session.execute(
                update(Assignment)
                .where(Assignment.id.in_([row.id for row in idle]))
                .values(released_at=now, release_reason=ReleaseReason.IDLE_60_DAYS)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now,
                        "actor": actor.ref,
                        "action": "assignment.released_idle",
                        "subject_type": LicenseKind.USER,
                        "subject_id": row.subject,
                        "account_id": row.account_id,
                        "details": {
                            "last_active_at": row.last_active_at.isoformat(),
                            "reason": ReleaseReason.IDLE_60_DAYS,
                        },
                        "request_ref": None,
                    }
                    for row in idle
                ],
            )
            return len(idle)
