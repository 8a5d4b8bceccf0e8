"""License cohorts: capacity, the one-level-per-solution rule, renewal candidates (the breakdown: breakdown.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from billing.accounts import find_account
from billing.actors import Actor
from billing.breakdown import Breakdown as Breakdown  # the breakdown's types moved; re-exported for callers
from billing.breakdown import RenewalLine as RenewalLine
from billing.breakdown import SolutionBreakdown as SolutionBreakdown
from billing.breakdown import UpcomingLine as UpcomingLine
from billing.breakdown import build_breakdown
from billing.catalog import find_solution
from billing.db import Database
from billing.models import Account, Assignment, Cohort, PlanLevel
from billing.periods import Period, format_date, local_date
from billing.plan_levels import SUBSCRIBE_REMEDY, refuse_level_clash

RENEWAL_WINDOW_DAYS = 45
# A cohort that lapsed longer ago than this is no longer offered for renewal: a renewal of a lapsed cohort
# starts today, exactly as new licenses would, so the offer would add nothing but a longer list.
RENEWAL_LAPSED_DAYS = 365
# The renewal choices the redeem flow loads (the largest list any screen shows); the rest are only counted.
RENEWAL_CHOICES = 9


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


def cohorts_of(session: Session, account_id: int, *, ending_after: date | None = None) -> list[Cohort]:
    """The account's cohorts by renewal date; only those still running after ``ending_after`` when given
    (active or upcoming: the history stays in the database)."""
    query = select(Cohort).where(Cohort.account_id == account_id)
    if ending_after is not None:
        query = query.where(Cohort.ends_on > ending_after)
    return list(
        session.scalars(
            query.options(joinedload(Cohort.solution), joinedload(Cohort.level)).order_by(Cohort.ends_on, Cohort.id)
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
    """Refuse a new subscription whose period overlaps licenses of another level (``plan_levels``)."""
    held = other_level_cohorts(
        session, account_id=account.id, solution_id=solution_id, plan_level_id=plan_level_id, ending_after=starts_on
    )
    wanted = session.get(PlanLevel, plan_level_id)
    assert wanted is not None
    refuse_level_clash(
        [cohort_view(c) for c in held],
        account_name=account.name,
        account_slug=account.slug,
        wanted=wanted,
        period=Period(starts_on, ends_on),
        remedy=SUBSCRIBE_REMEDY,
    )


def other_level_cohorts(
    session: Session, *, account_id: int, solution_id: int, plan_level_id: int, ending_after: date
) -> list[Cohort]:
    """The account's cohorts of ``solution_id`` at any other level still running after ``ending_after``: the
    facts the one-level rule needs (a new period never starts before today, so older ones cannot clash)."""
    params = {"account_id": account_id, "solution_id": solution_id, "level_id": plan_level_id, "after": ending_after}
    return list(session.scalars(_OTHER_LEVELS, params))


_OTHER_LEVELS = (  # built once: every redemption runs it
    select(Cohort)
    .where(
        Cohort.account_id == bindparam("account_id"),
        Cohort.solution_id == bindparam("solution_id"),
        Cohort.plan_level_id != bindparam("level_id"),
        Cohort.ends_on > bindparam("after"),
    )
    .options(joinedload(Cohort.solution), joinedload(Cohort.level))
    .order_by(Cohort.ends_on.desc(), Cohort.id)
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


class Licenses:
    def __init__(self, db: Database) -> None:
        self._db = db

    def breakdown(self, *, account: str, actor: Actor, now: datetime) -> Breakdown:
        """Per solution: licenses available today, and each renewal date with its licenses, in date order."""
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            today = local_date(now, found.time_zone)
            return build_breakdown(session, found, today=today, in_use=assignments_in_use(session, account_id=found.id))

    def cohorts(self, *, account: str, actor: Actor) -> list[CohortView]:
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            return [cohort_view(c) for c in cohorts_of(session, found.id)]

    def renewal_candidates(self, *, account: str, solution: str, actor: Actor, now: datetime) -> list[CohortView]:
        """Unrenewed, non-auto-renewing cohorts of a solution ending within 45 days or lately lapsed."""
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            today = local_date(now, found.time_zone)
            return [
                cohort_view(c)
                for c in renewal_candidates(
                    session, account=found, solution_id=find_solution(session, solution).id, today=today
                )
            ]


def renewal_window(today: date) -> tuple[date, date]:
    """Renewal dates a code may renew on ``today``: after the lapsed bound, up to 45 days ahead."""
    return today - timedelta(days=RENEWAL_LAPSED_DAYS), today + timedelta(days=RENEWAL_WINDOW_DAYS)


def candidate_conditions(with_level: bool) -> list[ColumnElement[bool]]:
    conditions = [
        Cohort.account_id == bindparam("account_id"),
        Cohort.solution_id == bindparam("solution_id"),
        Cohort.renewed_at.is_(None),
        Cohort.auto_renew.is_(False),
        Cohort.ends_on > bindparam("lapsed_after"),
        Cohort.ends_on <= bindparam("horizon"),
    ]
    if with_level:
        conditions.append(Cohort.plan_level_id == bindparam("plan_level_id"))
    return conditions


# Built once, with and without a level.
_CANDIDATES = {
    with_level: select(Cohort)
    .where(*candidate_conditions(with_level))
    .options(joinedload(Cohort.solution), joinedload(Cohort.level))
    .order_by(Cohort.ends_on, Cohort.id)
    for with_level in (False, True)
}


def _candidate_params(account: Account, solution_id: int, today: date, plan_level_id: int | None) -> dict[str, object]:
    lapsed_after, horizon = renewal_window(today)
    return {
        "account_id": account.id,
        "solution_id": solution_id,
        "plan_level_id": plan_level_id,
        "lapsed_after": lapsed_after,
        "horizon": horizon,
    }


def renewal_candidates(
    session: Session,
    *,
    account: Account,
    solution_id: int,
    today: date,
    plan_level_id: int | None = None,
) -> list[Cohort]:
    """Cohorts a code of this plan may renew: unrenewed, not auto-renewing, ending within 45 days or lapsed
    within ``RENEWAL_LAPSED_DAYS``; soonest first (the redeem flow reads them as rows: ``redemption_rows``)."""
    params = _candidate_params(account, solution_id, today, plan_level_id)
    return list(session.scalars(_CANDIDATES[plan_level_id is not None], params))
