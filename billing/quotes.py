"""Quotes: what starting, adding to, reducing or cancelling a subscription would do, worked out in a session.

A subscription is one auto-renewing cohort per account and solution, with one renewal date. A quote names
the licenses, the lines its invoice will carry (service period, fraction, unit price, amount), the credit it
spends or gives, and the amount due. The same functions give the quote and, under lock, the commit's
second working-out, which must come out with the same id (``billing.quote_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog import find_level, find_solution
from billing.errors import Conflict, InvalidInput
from billing.invoicing import LineView, charge_line
from billing.licensing import check_single_level
from billing.models import Account, Cohort, Solution
from billing.models.invoicing import ChangeKind
from billing.money import Money
from billing.periods import Period, add_months, format_date, local_date
from billing.proration import Allocation, ProrationPolicy, allocate, fraction
from billing.subscription_facts import BILLED_METHODS as BILLED_METHODS  # renewal, reminders, conditions
from billing.subscription_facts import (
    INTERVAL_MONTHS,
    SubscriptionFacts,
    credit_balance,
    load_facts,
    no_price,
)
from billing.subscription_facts import interval_of as interval_of
from billing.subscription_facts import unit_price as unit_price
from billing.units import InvalidUnits, check_units
from billing.wording import license_line, license_phrase


class AlreadySubscribed(Conflict):
    code = "already_subscribed"


class RenewalDue(Conflict):
    code = "renewal_due"


@dataclass(frozen=True)
class Quote:
    """What a change does: the licenses, the dates and the amount (charged, or credited for ``reduce``)."""

    action: ChangeKind
    account: str
    solution: str
    level: str
    interval: str
    units: int  # licenses started, added or removed (0 to cancel)
    units_after: int
    effective_on: date
    period: Period  # the service period charged or credited
    renews_on: date  # next renewal date (for ``cancel``: the day the licenses lapse)
    unit_price: Money
    fraction: Fraction
    amount: Money
    allocations: tuple[Allocation, ...] = ()
    credit_available: Money | None = None  # the balance the invoice will spend first
    # The names people read (a renamed account does not change what the quote charges): not figures.
    account_name: str = field(default="", compare=False)
    solution_name: str = field(default="", compare=False)
    level_name: str = field(default="", compare=False)
    id: str = field(default="", compare=False)  # given by ``Subscriptions.quote``

    def _licenses(self, units: int) -> str:
        return license_phrase(units, self.solution_name or self.solution, self.level_name or self.level)

    @property
    def charges(self) -> bool:
        return self.action in (ChangeKind.START, ChangeKind.ADD)

    @property
    def lines(self) -> tuple[LineView, ...]:
        """The lines its invoice will carry (none for a reduction or a cancellation)."""
        if not self.charges:
            return ()
        change = "" if self.action == ChangeKind.START else "added"
        text = license_line(self.solution_name or self.solution, self.level_name or self.level, self.units, change)
        line = charge_line(text, period=self.period, quantity=self.units, unit=self.unit_price, fraction=self.fraction)
        return (line,)

    @property
    def credit_applied(self) -> Money:
        """The balance the invoice will spend on itself."""
        available = self.credit_available or Money.zero(self.amount.currency)
        if not self.charges:
            return Money.zero(self.amount.currency)
        return Money(min(available.minor, self.amount.minor), self.amount.currency)

    @property
    def due(self) -> Money:
        return self.amount - self.credit_applied if self.charges else Money.zero(self.amount.currency)

    def describe(self) -> str:
        share = "" if self.fraction == 1 else f" x {self.fraction.numerator}/{self.fraction.denominator}"
        dates = f"{format_date(self.period.start)} to {format_date(self.period.end)}"
        account = self.account_name or self.account
        if self.action == ChangeKind.CANCEL:
            return (
                f"Cancels the renewal of {self._licenses(self.units_after)} of {account}: they "
                f"stay until {format_date(self.renews_on)}; nothing is refunded."
            )
        if self.action == ChangeKind.REDUCE:
            return (
                f"Removes {self._licenses(self.units)} from {account} on "
                f"{format_date(self.effective_on)} ({self.units_after:,} left): {self.amount} credited for "
                f"{dates}. Renews {format_date(self.renews_on)}."
            )
        verb = "Starts" if self.action == ChangeKind.START else "Adds"
        text = (
            f"{verb} {self._licenses(self.units)} for {account} "
            f"({self.units_after:,} in all): {self.units:,} x {self.unit_price}/{self.interval}{share} = "
            f"{self.amount} for {dates}. Renews {format_date(self.renews_on)}."
        )
        if self.credit_available is not None and self.credit_available.minor > 0:
            text += f" Credit available: {self.credit_available}."
        return text


def _start(starts_on: date | None, today: date, interval: str) -> date:
    """A subscription's first day: today or later, and at most one term ahead (it is invoiced today)."""
    starts_on = starts_on or today
    if starts_on < today:
        raise InvalidInput(f"a subscription cannot start in the past ({format_date(starts_on)})")
    if interval not in INTERVAL_MONTHS:
        raise InvalidInput(f"the interval must be month or year, not {interval!r}")
    latest = add_months(today, INTERVAL_MONTHS[interval])
    if starts_on > latest:
        raise InvalidInput(
            f"a {interval}ly subscription can start at most one {interval} ahead (by {format_date(latest)}), "
            f"not on {format_date(starts_on)}: it is invoiced today"
        )
    return starts_on


def plan_start(
    session: Session,
    account: Account,
    solution_slug: str,
    level_slug: str,
    units: int,
    interval: str,
    starts_on: date | None,
    now: datetime,
) -> Quote:
    starts_on = _start(starts_on, local_date(now, account.time_zone), interval)
    solution = find_solution(session, solution_slug)
    level = find_level(solution, level_slug)
    existing = session.scalar(
        select(func.count()).where(
            Cohort.account_id == account.id,
            Cohort.solution_id == solution.id,
            Cohort.auto_renew.is_(True),
            Cohort.origin.in_(BILLED_METHODS),
        )
    )
    if existing:
        raise AlreadySubscribed(
            f"{account.name} already has a renewing {solution.name} subscription; add licenses to it instead"
        )
    period = Period(starts_on, add_months(starts_on, INTERVAL_MONTHS[interval]))
    check_single_level(
        session,
        account=account,
        solution_id=solution.id,
        plan_level_id=level.id,
        starts_on=period.start,
        ends_on=period.end,
    )
    price = unit_price(session, level=level, interval=interval, currency=account.currency)
    units = check_units(units)
    return Quote(
        action=ChangeKind.START,
        account=account.slug,
        solution=solution.slug,
        level=level.slug,
        account_name=account.name,
        solution_name=solution.name,
        level_name=level.name,
        interval=interval,
        units=units,
        units_after=units,
        effective_on=starts_on,
        period=period,
        renews_on=period.end,
        unit_price=price,
        fraction=Fraction(1),
        amount=price.times(units),
        credit_available=credit_balance(session, account),
    )  # ``amount`` is ``lines[0].amount``: the same one rounding


def plan_change(
    session: Session,
    account: Account,
    solution: Solution,
    action: ChangeKind,
    units: int,
    now: datetime,
    *,
    policy: ProrationPolicy,
    lock: bool = False,
) -> Quote:
    """Load the subscription's facts and work the change out from them (``change_quote``)."""
    return change_quote(load_facts(session, account, solution, now, lock=lock), action, units, policy=policy)


def change_quote(facts: SubscriptionFacts, action: ChangeKind, units: int, *, policy: ProrationPolicy) -> Quote:
    """Adding, reducing or cancelling, worked out from the loaded facts alone: added licenses are charged at
    today's price for the rest of the period; removed ones are credited against the lines that charged
    them (``proration.allocate``), at the same fraction; a cancellation charges and credits nothing."""
    if facts.ends_on <= facts.today:
        raise RenewalDue(
            f"the renewal of {facts.account_name}'s {facts.solution_name} licenses on "
            f"{format_date(facts.ends_on)} has not been billed yet; renew first"
        )
    period = facts.period
    on = max(facts.today, period.start)
    zero = Money.zero(facts.credit_available.currency)
    base = Quote(
        action=action,
        account=facts.account,
        solution=facts.solution,
        level=facts.level,
        account_name=facts.account_name,
        solution_name=facts.solution_name,
        level_name=facts.level_name,
        interval=facts.interval,
        units=units,
        units_after=facts.units,
        effective_on=on,
        period=period,
        renews_on=facts.ends_on,
        unit_price=zero,
        fraction=Fraction(0),
        amount=zero,
    )
    if action == ChangeKind.CANCEL:
        return base
    share = fraction(policy, period=period, on=on, anchor=facts.anchor_on)
    base = replace(base, units=check_units(units), fraction=share, period=Period(on, period.end))
    if action == ChangeKind.ADD:
        if facts.price is None:
            raise no_price(facts.solution_name, facts.level_name, facts.interval, zero.currency)
        added = replace(
            base, units_after=facts.units + base.units, unit_price=facts.price, credit_available=facts.credit_available
        )
        return replace(added, amount=added.lines[0].amount)
    if base.units >= facts.units:
        raise InvalidUnits(
            f"{facts.account_name} has {facts.units} {facts.solution_name} licenses; to remove them all, cancel the "
            "subscription"
        )
    allocations = allocate(facts.charged, units=base.units, share=share)
    return replace(
        base,
        units_after=facts.units - base.units,
        unit_price=facts.charged[0].unit if facts.charged else zero,
        amount=Money(sum(a.amount.minor for a in allocations), zero.currency),
        allocations=tuple(allocations),
    )
