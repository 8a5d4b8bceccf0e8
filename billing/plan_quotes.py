"""Plan-change quotes: what changing a subscription's level or interval would do, worked out in a session.

An upgrade (a higher level) and a switch from monthly to yearly take effect at once: the unused part of
the current period is credited (the same fraction and allocation as a reduction) and the new plan is
billed, for the rest of the period (an upgrade) or a full year from today (to yearly). A downgrade and a
switch to monthly wait for the next renewal. The same function gives the quote and, under lock, the
commit's second working-out (``billing.quote_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.catalog import find_level
from billing.errors import InvalidInput, NotFound
from billing.invoicing import LineView, charge_line, line_text
from billing.licensing import cohort_view, other_level_cohorts
from billing.models import Account, Cohort, PlanChange, PlanLevel, Solution
from billing.models.catalog import BillingInterval
from billing.models.licensing import PlanChangeStatus
from billing.money import Money
from billing.periods import Period, add_months, format_date, local_date
from billing.plan_levels import SUBSCRIBE_REMEDY, refuse_level_clash
from billing.plan_schedule import plan_words, schedule_words
from billing.proration import Allocation, ProrationPolicy, fraction, month_index
from billing.quotes import RenewalDue
from billing.subscription_facts import (
    INTERVAL_MONTHS,
    allocate_credit,
    credit_balance,
    current_period,
    find_subscription,
    interval_of,
    unit_price,
)
from billing.wording import license_line, plural


class Timing(StrEnum):
    NOW = "now"
    RENEWAL = "renewal"


class SamePlan(InvalidInput):
    code = "same_plan"


class DowngradeAtRenewal(InvalidInput):
    code = "downgrade_at_renewal"


class MixedChange(InvalidInput):
    code = "mixed_plan_change"


class NothingScheduled(NotFound):
    code = "no_scheduled_change"


@dataclass(frozen=True)
class PlanRequest:
    """What was asked for: the account, the solution and the plan wanted (resolved, never ``None``)."""

    account: str
    solution: str
    level: str
    interval: str


@dataclass(frozen=True)
class PlanQuote:
    request: PlanRequest
    solution_name: str
    units: int
    from_level: str  # level names, for people
    from_interval: str
    to_level: str
    to_interval: str
    timing: Timing
    effective_on: date
    renews_on: date  # the renewal date after the change
    unit_price: Money  # of the new plan, per license and interval
    credit: Money  # credited now, as an adjustment (zero when scheduled)
    credit_period: Period | None
    credit_fraction: Fraction
    charge: Money  # billed now (zero when scheduled)
    charge_period: Period | None
    charge_fraction: Fraction
    allocations: tuple[Allocation, ...] = ()
    replaces: str | None = None  # the scheduled change this one takes the place of, in words
    credit_available: Money | None = None  # the balance before the change; the invoice spends it first
    id: str = field(default="", compare=False)  # given by ``PlanChanges.quote``

    @property
    def lines(self) -> tuple[LineView, ...]:
        """The new plan's line its invoice will carry (none when the change waits for the renewal)."""
        if self.timing == Timing.RENEWAL or self.charge_period is None:
            return ()
        text = f"{license_line(self.solution_name, self.to_level, self.units)} ({self.to_interval}ly)"
        line = charge_line(
            text, period=self.charge_period, quantity=self.units, unit=self.unit_price, fraction=self.charge_fraction
        )
        return (line,)

    @property
    def due(self) -> Money:
        """What the invoice will leave owed after the credit (this one and the balance) is applied."""
        available = self.credit + (self.credit_available or Money.zero(self.charge.currency))
        return Money(max(0, self.charge.minor - available.minor), self.charge.currency)

    @property
    def credit_text(self) -> str:
        assert self.credit_period is not None
        return (
            f"Credit for the unused part of {self.solution_name} {self.from_level}, "
            f"{format_date(self.credit_period.start)} – {format_date(self.credit_period.end)}"
        )

    @property
    def schedule_text(self) -> str:
        """How every breakdown shows a scheduled change: "changes to Standard on 1 Jan 2026"."""
        return f"changes to {plan_words(self.from_level, self.from_interval, self.to_level, self.to_interval)} on " + (
            format_date(self.effective_on)
        )

    def sheet(self) -> list[str]:
        head = (
            f"{self.solution_name} for {self.request.account}: {plural(self.units, 'license')}, {self.from_level} "
            f"{self.from_interval}ly -> {self.to_level} {self.to_interval}ly"
        )
        if self.timing == Timing.RENEWAL:
            out = [
                f"{head}, at the renewal on {format_date(self.effective_on)}.",
                f"From then: {self.units:,} x {self.unit_price}/{self.to_interval}, renewing "
                f"{format_date(self.renews_on)}. Nothing is billed or refunded now.",
            ]
        else:
            out = [
                f"{head}, at once ({format_date(self.effective_on)}).",
                f"{self.credit_text}: {self.credit} (adjustment credit)",
                *(line_text(line) for line in self.lines),
                f"Credit applied: {self.charge - self.due}",
                f"Amount due: {self.due}. Renews {format_date(self.renews_on)}.",
            ]
        if self.replaces:
            out.append(f"Replaces the scheduled change: {self.replaces}.")
        return out

    def describe(self) -> str:
        return "\n".join(self.sheet())


def scheduled_change(session: Session, cohort: Cohort, *, lock: bool = False) -> PlanChange | None:
    query = select(PlanChange).where(PlanChange.cohort_id == cohort.id, PlanChange.status == PlanChangeStatus.SCHEDULED)
    return session.scalar(query.with_for_update() if lock else query)


def _is_undo(session: Session, cohort: Cohort, target: PlanLevel, today: date) -> bool:
    """A return, on the day of an upgrade, to the level it came from (same interval): taken at once."""
    applied = session.scalar(
        select(PlanChange)
        .where(PlanChange.cohort_id == cohort.id, PlanChange.status == PlanChangeStatus.APPLIED)
        .order_by(PlanChange.id.desc())
        .limit(1)
    )
    return (
        applied is not None
        and applied.effective_on == today
        and applied.to_level_id == cohort.plan_level_id
        and applied.from_level_id == target.id
        and applied.from_term_months == applied.to_term_months == cohort.term_months
    )


def _timing(
    session: Session, cohort: Cohort, target: PlanLevel, to_interval: str, today: date, at_once: bool
) -> Timing:
    from_interval = interval_of(cohort)
    up, down = target.rank > cohort.level.rank, target.rank < cohort.level.rank
    to_year = from_interval == BillingInterval.MONTH and to_interval == BillingInterval.YEAR
    to_month = from_interval == BillingInterval.YEAR and to_interval == BillingInterval.MONTH
    if (up or to_year) and (down or to_month):
        raise MixedChange(
            "an upgrade or a switch to yearly takes effect at once, a downgrade or a switch to monthly at the "
            "renewal: make the two changes one after the other"
        )
    if not (down or to_month) or (down and _is_undo(session, cohort, target, today)):
        return Timing.NOW
    if at_once:
        raise DowngradeAtRenewal(
            f"a lower level or a switch to monthly takes effect at the renewal on {format_date(cohort.ends_on)}, "
            "not at once; ask again without 'at once' to schedule it"
        )
    return Timing.RENEWAL


def plan_quote(
    session: Session,
    account: Account,
    solution: Solution,
    *,
    level: str | None,
    interval: str | None,
    now: datetime,
    policy: ProrationPolicy,
    at_once: bool = False,
    lock: bool = False,
) -> PlanQuote:
    if level is None and interval is None:
        raise InvalidInput("say what to change: a level, an interval (month or year), or both")
    if interval is not None and interval not in INTERVAL_MONTHS:
        raise InvalidInput(f"the interval must be month or year, not {interval!r}")
    cohort = find_subscription(session, account, solution, lock=lock)
    today = local_date(now, account.time_zone)
    if cohort.ends_on <= today:
        raise RenewalDue(
            f"the renewal of {account.name}'s {solution.name} licenses on {format_date(cohort.ends_on)} has not "
            "been billed yet; renew first"
        )
    target = find_level(solution, level) if level is not None else cohort.level
    to_interval, from_interval = str(interval or interval_of(cohort)), str(interval_of(cohort))
    pending = scheduled_change(session, cohort, lock=lock)
    if target.id == cohort.plan_level_id and to_interval == from_interval:
        hint = f"; to drop the scheduled change ({schedule_words(pending, cohort)}), withdraw it" if pending else ""
        raise SamePlan(f"{account.name} is already on {solution.name} {target.name}, {to_interval}ly{hint}")
    timing = _timing(session, cohort, target, to_interval, today, at_once)
    base = PlanQuote(
        request=PlanRequest(account.slug, solution.slug, target.slug, to_interval),
        solution_name=solution.name,
        units=cohort.units,
        from_level=cohort.level.name,
        from_interval=from_interval,
        to_level=target.name,
        to_interval=to_interval,
        timing=timing,
        effective_on=cohort.ends_on,
        renews_on=cohort.ends_on,
        unit_price=unit_price(session, level=target, interval=to_interval, currency=account.currency),
        credit=Money.zero(account.currency),
        credit_period=None,
        credit_fraction=Fraction(0),
        charge=Money.zero(account.currency),
        charge_period=None,
        charge_fraction=Fraction(0),
        replaces=schedule_words(pending, cohort) if pending else None,
        credit_available=credit_balance(session, account),
    )
    if timing == Timing.RENEWAL:
        return _scheduled(session, account, cohort, target, base)
    return _at_once(session, account, cohort, target, base, today, policy)


def _scheduled(session: Session, account: Account, cohort: Cohort, target: PlanLevel, base: PlanQuote) -> PlanQuote:
    term = INTERVAL_MONTHS[base.to_interval]
    if term == cohort.term_months:
        renews_on = add_months(cohort.anchor_on, month_index(cohort.anchor_on, cohort.ends_on) + term)
    else:
        renews_on = add_months(cohort.ends_on, term)
    check_other_levels(session, account, cohort, target, Period(cohort.ends_on, renews_on))
    return replace(base, renews_on=renews_on)


def _at_once(
    session: Session,
    account: Account,
    cohort: Cohort,
    target: PlanLevel,
    base: PlanQuote,
    today: date,
    policy: ProrationPolicy,
) -> PlanQuote:
    """The unused part of the current period credited; the new plan billed from today."""
    period = current_period(cohort)
    on = max(today, period.start)
    share = fraction(policy, period=period, on=on, anchor=cohort.anchor_on)
    allocations = allocate_credit(session, cohort, period, cohort.units, share, account.currency)
    if base.to_interval == base.from_interval:
        charged, charge_share = Period(on, period.end), share
    else:  # to yearly: a full year from today, which becomes the anchor
        charged, charge_share = Period(on, add_months(on, INTERVAL_MONTHS[base.to_interval])), Fraction(1)
    check_other_levels(session, account, cohort, target, charged)
    return replace(
        base,
        effective_on=on,
        renews_on=charged.end,
        credit=Money(sum(a.amount.minor for a in allocations), account.currency),
        credit_period=Period(on, period.end),
        credit_fraction=share,
        charge=charge_line(
            "", period=charged, quantity=cohort.units, unit=base.unit_price, fraction=charge_share
        ).amount,
        charge_period=charged,
        charge_fraction=charge_share,
        allocations=tuple(allocations),
    )


def check_other_levels(session: Session, account: Account, cohort: Cohort, target: PlanLevel, period: Period) -> None:
    """One level per solution (``plan_levels``): no other block of another level may overlap the new plan."""
    held = other_level_cohorts(
        session,
        account_id=account.id,
        solution_id=cohort.solution_id,
        plan_level_id=target.id,
        ending_after=period.start,
    )
    refuse_level_clash(
        [cohort_view(c) for c in held],
        account_name=account.name,
        account_slug=account.slug,
        wanted=target,
        period=period,
        ignore=cohort.id,
        remedy=SUBSCRIBE_REMEDY,
    )
