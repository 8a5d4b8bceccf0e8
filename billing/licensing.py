"""License cohorts, capacity, the renewal breakdown, and devices/users assigned to licenses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session, joinedload

from billing import audit
from billing.accounts import AccountView, account_view, find_account
from billing.actors import Actor
from billing.catalog import UnknownSolution
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.models import Account, Assignment, AuditEvent, Cohort, PlanLevel, Solution
from billing.periods import format_date, local_date

IDLE_USER_DAYS = 60
RENEWAL_WINDOW_DAYS = 45
MAX_SUBJECT = 200


class LevelConflict(Conflict):
    """One plan level per solution per account."""

    code = "level_conflict"


class CapacityExceeded(Conflict):
    code = "capacity_exceeded"


class AlreadyAssigned(Conflict):
    code = "already_assigned"


class AssignmentNotFound(NotFound):
    code = "assignment_not_found"


@dataclass(frozen=True)
class CohortView:
    id: int
    solution: str
    solution_name: str
    level: str
    level_name: str
    license_kind: str
    units: int
    starts_on: date
    ends_on: date
    term_months: int
    auto_renew: bool
    renewed: bool
    renews_cohort_id: int | None

    def describe(self) -> str:
        return (
            f"{self.units} {self.solution_name} {self.level_name} {self.license_kind} licenses "
            f"renewing {format_date(self.ends_on)}"
        )


def cohort_view(cohort: Cohort) -> CohortView:
    return CohortView(
        id=cohort.id,
        solution=cohort.solution.slug,
        solution_name=cohort.solution.name,
        level=cohort.level.slug,
        level_name=cohort.level.name,
        license_kind=cohort.license_kind,
        units=cohort.units,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        term_months=cohort.term_months,
        auto_renew=cohort.auto_renew,
        renewed=cohort.renewed_at is not None,
        renews_cohort_id=cohort.renews_cohort_id,
    )


@dataclass(frozen=True)
class RenewalLine:
    renews_on: date
    units: int
    renewed: bool  # a successor cohort is already in place (no reminders, no action needed)
    auto_renew: bool
    cohort_ids: tuple[int, ...]


@dataclass(frozen=True)
class UpcomingLine:
    starts_on: date
    renews_on: date
    units: int
    renews_cohort_id: int | None


@dataclass(frozen=True)
class SolutionBreakdown:
    solution: str
    solution_name: str
    level: str
    level_name: str
    license_kind: str
    total: int
    in_use: int
    lines: tuple[RenewalLine, ...]
    upcoming: tuple[UpcomingLine, ...]

    @property
    def over_capacity(self) -> int:
        return max(0, self.in_use - self.total)


@dataclass(frozen=True)
class Breakdown:
    account: AccountView
    today: date
    solutions: tuple[SolutionBreakdown, ...]


def cohorts_of(session: Session, account_id: int) -> list[Cohort]:
    return list(
        session.scalars(
            select(Cohort)
            .where(Cohort.account_id == account_id)
            .options(joinedload(Cohort.solution), joinedload(Cohort.level))
            .order_by(Cohort.ends_on, Cohort.id)
        )
    )


def check_single_level(
    session: Session,
    *,
    account: Account,
    solution_id: int,
    plan_level_id: int,
    starts_on: date,
    ends_on: date,
) -> None:
    """Refuse a cohort whose period overlaps licenses of another level of the same solution."""
    clash = session.scalar(
        select(Cohort)
        .where(
            Cohort.account_id == account.id,
            Cohort.solution_id == solution_id,
            Cohort.plan_level_id != plan_level_id,
            Cohort.starts_on < ends_on,
            Cohort.ends_on > starts_on,
        )
        .options(joinedload(Cohort.solution), joinedload(Cohort.level))
        .order_by(Cohort.ends_on.desc())
        .limit(1)
    )
    if clash is None:
        return
    wanted = session.get(PlanLevel, plan_level_id)
    assert wanted is not None
    raise LevelConflict(
        f"{account.name} already has {clash.solution.name} {clash.level.name} licenses "
        f"(until {format_date(clash.ends_on)}), and an account can hold only one plan level per solution. "
        f"Issue a {clash.solution.name} {clash.level.name} code instead, or redeem this "
        f"{wanted.name} code into a separate account.",
        account=account.slug,
        solution=clash.solution.slug,
        existing_level=clash.level.slug,
        wanted_level=wanted.slug,
        until=clash.ends_on.isoformat(),
    )


def capacity(session: Session, *, account_id: int, solution_id: int, day: date) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Cohort.units), 0)).where(
            Cohort.account_id == account_id,
            Cohort.solution_id == solution_id,
            Cohort.starts_on <= day,
            Cohort.ends_on > day,
        )
    )
    return int(total or 0)


def assignments_in_use(session: Session, *, account_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Assignment.solution_id, func.count())
        .where(Assignment.account_id == account_id, Assignment.released_at.is_(None))
        .group_by(Assignment.solution_id)
    )
    return {solution_id: int(count) for solution_id, count in rows}


def build_breakdown(session: Session, account: Account, today: date) -> Breakdown:
    cohorts = cohorts_of(session, account.id)
    in_use = assignments_in_use(session, account_id=account.id)
    by_solution: dict[int, list[Cohort]] = defaultdict(list)
    for cohort in cohorts:
        by_solution[cohort.solution_id].append(cohort)
    solutions = []
    for solution_id, group in by_solution.items():
        active = [c for c in group if c.active_on(today)]
        upcoming = [c for c in group if c.starts_on > today]
        if not active and not upcoming:
            continue
        lines: dict[tuple[date, bool, bool], list[Cohort]] = defaultdict(list)
        for cohort in active:
            lines[(cohort.ends_on, cohort.renewed_at is not None, cohort.auto_renew)].append(cohort)
        newest = (active or upcoming)[-1]
        solutions.append(
            SolutionBreakdown(
                solution=newest.solution.slug,
                solution_name=newest.solution.name,
                level=newest.level.slug,
                level_name=newest.level.name,
                license_kind=newest.license_kind,
                total=sum(c.units for c in active),
                in_use=in_use.get(solution_id, 0),
                lines=tuple(
                    RenewalLine(
                        renews_on=ends_on,
                        units=sum(c.units for c in members),
                        renewed=renewed,
                        auto_renew=auto,
                        cohort_ids=tuple(c.id for c in members),
                    )
                    for (ends_on, renewed, auto), members in sorted(lines.items())
                ),
                upcoming=tuple(
                    UpcomingLine(c.starts_on, c.ends_on, c.units, c.renews_cohort_id)
                    for c in sorted(upcoming, key=lambda c: (c.starts_on, c.id))
                ),
            )
        )
    solutions.sort(key=lambda s: s.solution)
    return Breakdown(account=account_view(account), today=today, solutions=tuple(solutions))


def _subject(text: str) -> str:
    subject = text.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"a device or user id must be 1 to {MAX_SUBJECT} characters")
    return subject


def _solution(session: Session, slug: str) -> Solution:
    solution = session.scalar(select(Solution).where(Solution.slug == slug.strip().lower()))
    if solution is None:
        raise UnknownSolution(f"unknown solution {slug!r}", solution=slug)
    return solution


class Licenses:
    def __init__(self, db: Database) -> None:
        self._db = db

    def breakdown(self, *, account: str, actor: Actor, now: datetime) -> Breakdown:
        """Per solution: licenses available today, and each renewal date with its licenses, in date order."""
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            return build_breakdown(session, found, local_date(now, found.time_zone))

    def cohorts(self, *, account: str, actor: Actor) -> list[CohortView]:
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            return [cohort_view(c) for c in cohorts_of(session, found.id)]

    def renewal_candidates(self, *, account: str, solution: str, actor: Actor, now: datetime) -> list[CohortView]:
        """Unrenewed, non-auto-renewing cohorts of a solution ending within 45 days or already lapsed."""
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            today = local_date(now, found.time_zone)
            return [
                cohort_view(c)
                for c in renewal_candidates(
                    session, account=found, solution_id=_solution(session, solution).id, today=today
                )
            ]

    def assign(
        self,
        *,
        account: str,
        solution: str,
        subject: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
    ) -> int:
        """Put a device or user on one license; refused beyond capacity. Returns the licenses left."""
        subject = _subject(subject)
        with self._db.write() as session:
            found = find_account(session, slug=account, actor=actor, for_update=True)
            target = _solution(session, solution)
            today = local_date(now, found.time_zone)
            total = capacity(session, account_id=found.id, solution_id=target.id, day=today)
            used = assignments_in_use(session, account_id=found.id).get(target.id, 0)
            active = session.scalar(
                select(Assignment.id).where(
                    Assignment.account_id == found.id,
                    Assignment.solution_id == target.id,
                    Assignment.subject == subject,
                    Assignment.released_at.is_(None),
                )
            )
            if active is not None:
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
    ) -> None:
        """Free the license a device or user holds."""
        subject = _subject(subject)
        with self._db.write() as session:
            found = find_account(session, slug=account, actor=actor, for_update=True)
            target = _solution(session, solution)
            assignment = session.scalar(
                select(Assignment).where(
                    Assignment.account_id == found.id,
                    Assignment.solution_id == target.id,
                    Assignment.subject == subject,
                    Assignment.released_at.is_(None),
                )
            )
            if assignment is None:
                raise AssignmentNotFound(f"{subject} holds no {target.name} license")
            assignment.released_at, assignment.release_reason = now, "removed"
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
            target = _solution(session, solution)
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

    def release_idle_users(self, *, actor: Actor, now: datetime) -> int:
        """Unassign every user idle for more than 60 days (the daily sweep calls this). Returns how many."""
        cutoff = now - timedelta(days=IDLE_USER_DAYS)
        with self._db.write() as session:
            idle = session.execute(
                select(Assignment.id, Assignment.account_id, Assignment.subject, Assignment.last_active_at).where(
                    Assignment.license_kind == "user",
                    Assignment.released_at.is_(None),
                    Assignment.last_active_at < cutoff,
                )
            ).all()
            if not idle:
                return 0
            session.execute(
                update(Assignment)
                .where(Assignment.id.in_([row.id for row in idle]))
                .values(released_at=now, release_reason="idle_60_days")
                .execution_options(synchronize_session=False)
            )
            session.execute(
                insert(AuditEvent),
                [
                    {
                        "at": now,
                        "actor": actor.ref,
                        "action": "assignment.released_idle",
                        "subject_type": "user",
                        "subject_id": row.subject,
                        "account_id": row.account_id,
                        "details": {
                            "last_active_at": row.last_active_at.isoformat(),
                            "reason": "idle_60_days",
                        },
                        "request_ref": None,
                    }
                    for row in idle
                ],
            )
            return len(idle)


def renewal_candidates(
    session: Session, *, account: Account, solution_id: int, today: date, plan_level_id: int | None = None
) -> list[Cohort]:
    """Cohorts a code of this plan may renew: unrenewed, not auto-renewing, ending within 45 days or
    lapsed."""
    horizon = today + timedelta(days=RENEWAL_WINDOW_DAYS)
    conditions = [
        Cohort.account_id == account.id,
        Cohort.solution_id == solution_id,
        Cohort.renewed_at.is_(None),
        Cohort.auto_renew.is_(False),
        Cohort.ends_on <= horizon,
    ]
    if plan_level_id is not None:
        conditions.append(Cohort.plan_level_id == plan_level_id)
    return list(
        session.scalars(
            select(Cohort)
            .where(and_(*conditions))
            .options(joinedload(Cohort.solution), joinedload(Cohort.level))
            .order_by(Cohort.ends_on, Cohort.id)
        )
    )
