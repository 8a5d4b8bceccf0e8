"""The renewal breakdown of an account: per solution, today's licenses and each renewal date with its licenses.

An account keeps its whole history (every renewed and lapsed cohort), so the breakdown reads only the
cohorts still running, as plain columns (Core rows, not ORM entities): it is the screen an account with
thousands of cohorts opens most, and nothing on it is written back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Row, String, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from billing.accounts import AccountView, account_view
from billing.models import Account, Cohort, PlanChange, PlanLevel, Price, Solution
from billing.models.catalog import BillingInterval, LicenseKind
from billing.models.licensing import PlanChangeStatus
from billing.money import Money
from billing.plan_schedule import scheduled_notes_by_level


@dataclass(frozen=True)
class RenewalLine:
    renews_on: date
    units: int
    renewed: bool  # a successor cohort is already in place (no reminders, no action needed)
    auto_renew: bool
    cohort_ids: tuple[int, ...]
    change: str | None = None  # a scheduled plan change ("changes to Standard on 1 Jan 2026")


@dataclass(frozen=True)
class UpcomingLine:
    starts_on: date
    renews_on: date
    units: int
    renews_cohort_id: int | None


@dataclass(frozen=True)
class ScheduledChange:
    """A plan change waiting for the subscription's renewal."""

    level: str
    level_name: str
    interval: BillingInterval
    effective_on: date
    words: str  # "changes to Standard on 1 Jan 2026"


@dataclass(frozen=True)
class Subscription:
    """The auto-renewing licenses of a solution (card, invoice and credits accounts): how they renew."""

    interval: BillingInterval
    unit_price: Money | None  # the catalog's, per license and interval, in the account's currency
    scheduled: ScheduledChange | None


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
    subscription: Subscription | None = None

    @property
    def over_capacity(self) -> int:
        return max(0, self.in_use - self.total)


@dataclass(frozen=True)
class Breakdown:
    account: AccountView
    today: date
    solutions: tuple[SolutionBreakdown, ...]


_Running = Row[*tuple[Any, ...]]  # one of the rows below

# Built once: the account's cohorts still running after ``today`` (active or upcoming), by renewal date.
_RUNNING = (
    select(
        Cohort.id,
        Cohort.solution_id,
        Cohort.units,
        Cohort.starts_on,
        Cohort.ends_on,
        Cohort.renewed_at.is_not(None).label("renewed"),
        Cohort.auto_renew,
        Cohort.renews_cohort_id,
        type_coerce(Cohort.license_kind, String).label("license_kind"),  # the text: only one row's is shown
        Solution.slug.label("solution"),
        Solution.name.label("solution_name"),
        PlanLevel.slug.label("level"),
        PlanLevel.name.label("level_name"),
        Cohort.plan_level_id,
        Cohort.term_months,
    )
    .join(Solution, Solution.id == Cohort.solution_id)
    .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
    .where(Cohort.account_id == bindparam("account_id"), Cohort.ends_on > bindparam("today"))
    .order_by(Cohort.ends_on, Cohort.id)
)
_LEVEL_NAME = list(_RUNNING.selected_columns.keys()).index("level_name")


def build_breakdown(session: Session, account: Account, *, today: date, in_use: dict[int, int]) -> Breakdown:
    """The breakdown on ``today`` (the account's calendar date); ``in_use`` holds assignments by solution id."""
    # On the session's connection: plain rows, without the ORM's result machinery.
    rows = session.connection().execute(_RUNNING, {"account_id": account.id, "today": today}).all()
    # One pass, by position: a Row's field by name costs ten times its field by index, for each of 1,000s.
    by_solution: dict[int, list[_Running]] = defaultdict(list)
    level_names: dict[int, str] = {}  # the auto-renewing cohorts' level names, by cohort id
    active_renewing: list[_Running] = []
    for row in rows:
        cohort_id, solution_id, _, starts_on, _, _, auto_renew = row[:7]
        by_solution[solution_id].append(row)
        if auto_renew:
            level_names[cohort_id] = str(row[_LEVEL_NAME])
            if starts_on <= today:
                active_renewing.append(row)
    changes = scheduled_notes_by_level(session, level_names)
    renewing = _subscriptions(session, active_renewing, account.currency, changes)
    solutions = [
        replace(_solution(group, today, in_use.get(solution_id, 0), changes), subscription=renewing.get(solution_id))
        for solution_id, group in by_solution.items()
    ]
    # Devices or users still assigned where every license lapsed: over capacity by all of them, and shown.
    solutions += [
        _unlicensed(session, account.id, solution_id, count)
        for solution_id, count in in_use.items()
        if count and solution_id not in by_solution
    ]
    solutions.sort(key=lambda s: s.solution)
    return Breakdown(account=account_view(account), today=today, solutions=tuple(solutions))


def _subscriptions(
    session: Session, running: list[_Running], currency: str, words: dict[int, str]
) -> dict[int, Subscription]:
    """By solution id: the interval, the catalog price and the scheduled change of the running auto-renewing
    licenses (two small queries, and none for accounts that pay with codes)."""
    if not running:
        return {}
    newest = {row.solution_id: row for row in running}  # by renewal date: the last one is the newest
    interval = {solution_id: _interval(row.term_months) for solution_id, row in newest.items()}
    prices: dict[tuple[int, str], Money] = {
        (level_id, every): Money(minor, currency)
        for level_id, every, minor in session.execute(
            select(Price.plan_level_id, Price.interval, Price.unit_minor).where(
                Price.plan_level_id.in_({r.plan_level_id for r in newest.values()}), Price.currency == currency
            )
        )
    }
    scheduled = {
        cohort_id: ScheduledChange(level, name, _interval(months), effective_on, words.get(cohort_id, ""))
        for cohort_id, level, name, months, effective_on in session.execute(
            select(
                PlanChange.cohort_id, PlanLevel.slug, PlanLevel.name, PlanChange.to_term_months, PlanChange.effective_on
            )
            .join(PlanLevel, PlanLevel.id == PlanChange.to_level_id)
            .where(
                PlanChange.cohort_id.in_({row.id for row in newest.values()}),
                PlanChange.status == PlanChangeStatus.SCHEDULED,
            )
        )
    }
    return {
        solution_id: Subscription(
            interval=interval[solution_id],
            unit_price=prices.get((row.plan_level_id, interval[solution_id])),
            scheduled=scheduled.get(row.id),
        )
        for solution_id, row in newest.items()
    }


def _interval(term_months: int) -> BillingInterval:
    return BillingInterval.YEAR if term_months == 12 else BillingInterval.MONTH


def _unlicensed(session: Session, account_id: int, solution_id: int, in_use: int) -> SolutionBreakdown:
    """A solution with no license running but ``in_use`` assignments, at the level it last had."""
    last = session.execute(
        select(Solution.slug, Solution.name, PlanLevel.slug, PlanLevel.name, Solution.license_kind)
        .select_from(Solution)
        .outerjoin(Cohort, (Cohort.solution_id == Solution.id) & (Cohort.account_id == account_id))
        .outerjoin(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(Solution.id == solution_id)
        .order_by(Cohort.ends_on.desc())
        .limit(1)
    ).one()
    slug, name, level, level_name, kind = last
    return SolutionBreakdown(
        solution=slug,
        solution_name=name,
        level=level or "",
        level_name=level_name or "",
        license_kind=kind,
        total=0,
        in_use=in_use,
        lines=(),
        upcoming=(),
    )


def _solution(group: list[_Running], today: date, in_use: int, changes: dict[int, str]) -> SolutionBreakdown:
    """One solution's part: its rows come by renewal date, and every one of them ends after ``today``."""
    lines: dict[tuple[date, bool, bool], list[int]] = {}  # (renews on, renewed, auto-renew) -> cohort ids
    units: dict[tuple[date, bool, bool], int] = defaultdict(int)
    upcoming, newest_active = [], None
    for row in group:
        cohort_id, _, count, starts_on, ends_on, renewed, auto_renew, renews_cohort_id = row[:8]
        if starts_on > today:
            upcoming.append((starts_on, cohort_id, UpcomingLine(starts_on, ends_on, count, renews_cohort_id)))
            continue
        newest_active, key = row, (ends_on, renewed, auto_renew)
        lines.setdefault(key, []).append(cohort_id)
        units[key] += count
    newest = newest_active or group[-1]
    upcoming.sort(key=lambda entry: entry[:2])
    return SolutionBreakdown(
        solution=newest.solution,
        solution_name=newest.solution_name,
        level=newest.level,
        level_name=newest.level_name,
        license_kind=LicenseKind(newest.license_kind),
        total=sum(units.values()),
        in_use=in_use,
        lines=tuple(
            RenewalLine(
                renews_on=ends_on,
                units=units[(ends_on, renewed, auto)],
                renewed=renewed,
                auto_renew=auto,
                cohort_ids=tuple(ids),
                change=next((changes[i] for i in ids if i in changes), None) if changes else None,
            )
            for (ends_on, renewed, auto), ids in sorted(lines.items())
        ),
        upcoming=tuple(line for _, _, line in upcoming),
    )
