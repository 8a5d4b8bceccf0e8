"""Devices and users assigned to licenses: assign within capacity, unassign, activity, idle release."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from billing import audit
from billing.accounts import find_account
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
MAX_SUBJECT = 100  # a device or user id: what the audit log's subject column holds


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


def _full(account: str, solution: str, total: int) -> str:
    if total == 0:
        return f"{account} has no {solution} licenses"
    return f"{account} has no free {solution} license: all {total} are in use"


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


class UnknownEventSolution(InvalidInput):
    """An activity event names no solution: the batch is refused, naming the entry (``field``)."""

    code = "unknown_solution"


def _subject(text: str, *, field: str | None = None) -> str:
    subject = text.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"a device or user id must be 1 to {MAX_SUBJECT} characters", field=field)
    return subject


def _holding(session: Session, account_id: int, solution_id: int, subject: str) -> int | None:
    """The assignment by which ``subject`` holds a license now in that account and solution, if any."""
    return session.scalar(
        select(Assignment.id).where(
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
        """Put a device or user on one license; refused beyond capacity. Returns the licenses left (a device
        or user already holding one is refused with ``licenses_free`` in the error's details)."""
        subject = _subject(subject)
        with self._db.write() as session:
            found, target = _pool(session, account, solution, actor, kind)
            today = local_date(now, found.time_zone)
            total = capacity(session, account_id=found.id, solution_id=target.id, day=today)
            used = assignments_in_use(session, account_id=found.id).get(target.id, 0)
            if _holding(session, found.id, target.id, subject) is not None:
                raise AlreadyAssigned(
                    f"{subject} already holds a {target.name} license", licenses_free=max(0, total - used)
                )
            if used >= total:
                raise CapacityExceeded(_full(found.name, target.name, total), capacity=total, in_use=used)
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
            # Conditional: the 60-day release may have ended this assignment meanwhile, and an assignment
            # is ended once, by one of them.
            ended = session.execute(
                update(Assignment)
                .where(
                    Assignment.id == _holding(session, found.id, target.id, subject), Assignment.released_at.is_(None)
                )
                .values(released_at=now, release_reason=ReleaseReason.REMOVED)
                .execution_options(synchronize_session=False)
            )
            if ended.rowcount == 0:  # type: ignore[attr-defined]
                raise AssignmentNotFound(f"{subject} holds no {target.name} license")
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
        """Each (user, solution, at): the user was active then; a time later than ``now`` counts as ``now``.
        A last activity only moves forward, whatever order concurrent batches commit in. Returns the (user,
        solution) pairs that hold no license, released or never assigned, so they can be assigned again."""
        with self._db.write() as session:
            found = find_account(session, slug=account, actor=actor)
            solutions = _event_solutions(session, [solution for _, solution, _ in events])
            latest: dict[tuple[str, int], datetime] = {}
            for index, (user, solution, at) in enumerate(events):
                pair, seen = (_subject(user, field=f"events.{index}.user"), solutions[solution].id), min(at, now)
                latest[pair] = max(latest.get(pair, seen), seen)
            held = {
                (row.subject, row.solution_id): row.id
                for row in session.execute(
                    select(Assignment.id, Assignment.subject, Assignment.solution_id).where(
                        Assignment.account_id == found.id,
                        Assignment.subject.in_({user for user, _ in latest}),
                        Assignment.released_at.is_(None),
                    )
                )
            }
            # By id: concurrent batches naming the same users lock their rows in one order, so never deadlock.
            moved = sorted(
                ({"held": held[pair], "seen": at} for pair, at in latest.items() if pair in held),
                key=lambda m: m["held"],
            )
            if moved:
                session.connection().execute(_MOVE_FORWARD, moved)
            slugs = {target.id: target.slug for target in solutions.values()}
            return sorted((user, slugs[solution_id]) for user, solution_id in latest if (user, solution_id) not in held)

    def release_idle_users(self, *, actor: Actor, now: datetime) -> int:
        """Unassign every user idle for more than 60 days (the daily sweep calls this). Returns how many.
        One statement that re-checks each row as it updates it: a user removed (or seen) meanwhile by a
        concurrent request is left as that request made it, never released as well."""
        cutoff = now - timedelta(days=IDLE_USER_DAYS)
        with self._db.write() as session:
            released = session.execute(
                update(Assignment)
                .where(
                    Assignment.license_kind == LicenseKind.USER,
                    Assignment.released_at.is_(None),
                    Assignment.last_active_at < cutoff,
                )
                .values(released_at=now, release_reason=ReleaseReason.IDLE_60_DAYS)
                .returning(Assignment.account_id, Assignment.subject, Assignment.last_active_at)
                .execution_options(synchronize_session=False)
            ).all()
            if not released:
                return 0
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
                    for row in released
                ],
            )
            return len(released)


# A conditional update: of two batches committing out of order, the earlier time never overwrites the later.
_MOVE_FORWARD = (
    update(Assignment)
    .where(
        Assignment.id == bindparam("held"),
        Assignment.released_at.is_(None),
        Assignment.last_active_at < bindparam("seen"),
    )
    .values(last_active_at=bindparam("seen"))
)


def _event_solutions(session: Session, typed: list[str]) -> dict[str, Solution]:
    """Each solution an activity batch names, by the text it was given; an unknown one is refused naming its
    entry (``events.3.solution``), so a client can find it among a thousand."""
    found = {solution.slug: solution for solution in session.scalars(select(Solution))}
    known: dict[str, Solution] = {}
    for index, text in enumerate(typed):
        solution = found.get(text.strip().lower())
        if solution is None:
            raise UnknownEventSolution(f"events.{index}: unknown solution {text!r}", field=f"events.{index}.solution")
        known[text] = solution
    return known
