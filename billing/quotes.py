"""Quotes: what starting, adding to, reducing or cancelling a subscription would do, worked out in a session.

A subscription is one auto-renewing cohort per account and solution, with one renewal date. A quote names
the licenses, the service period, the proration fraction and the amount charged (or credited, for a
reduction). The same functions produce the preview and, under lock, the commit, which must come out equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from billing.accounts import find_account
from billing.actors import Actor
from billing.catalog import find_level, find_solution
from billing.errors import Conflict, InvalidInput, NotFound
from billing.ledger import lots_with_remaining
from billing.licensing import check_single_level
from billing.models import Account, Cohort, InvoiceLine, LineCredit, PlanLevel, Price, Solution
from billing.models.catalog import BillingInterval
from billing.models.invoicing import ChangeKind
from billing.models.parties import PaymentMethod
from billing.money import Money
from billing.periods import Period, add_months, format_date, local_date
from billing.proration import ProrationPolicy, fraction, month_index
from billing.units import InvalidUnits, check_units
from billing.wording import license_line, license_phrase

# The payment methods we bill ourselves; a cohort they pay for has the same word as its origin.
BILLED_METHODS = (PaymentMethod.CARD, PaymentMethod.INVOICE, PaymentMethod.CREDITS)
INTERVAL_MONTHS: dict[str, int] = {BillingInterval.MONTH: 1, BillingInterval.YEAR: 12}


class NotBilledDirectly(Conflict):
    code = "not_billed_directly"


class NoPrice(NotFound):
    code = "no_price"


class NoSubscription(NotFound):
    code = "no_subscription"


class AlreadySubscribed(Conflict):
    code = "already_subscribed"


class RenewalDue(Conflict):
    code = "renewal_due"


class QuoteChanged(Conflict):
    code = "quote_changed"


@dataclass(frozen=True)
class Allocation:
    """Part of a reduction's credit, against the charge line that paid for those licenses."""

    line_id: int
    quantity: int
    amount: Money


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
    # For display only (not part of what the commit must reproduce): the credit the invoice will take.
    credit_available: Money | None = field(default=None, compare=False)
    # For display only: the names people read (a renamed account does not change what the quote charges).
    account_name: str = field(default="", compare=False)
    solution_name: str = field(default="", compare=False)
    level_name: str = field(default="", compare=False)

    def _licenses(self, units: int) -> str:
        return license_phrase(units, self.solution_name or self.solution, self.level_name or self.level)

    @property
    def line_text(self) -> str:
        """The quote's line, named as the invoice's line will be (``wording.license_line``)."""
        change = {ChangeKind.ADD: "added", ChangeKind.REDUCE: "removed"}.get(self.action, "")
        return license_line(self.solution_name or self.solution, self.level_name or self.level, self.units, change)

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


def current_period(cohort: Cohort) -> Period:
    """The term ending on the cohort's renewal date, from the anchor (never chained)."""
    ends = month_index(cohort.anchor_on, cohort.ends_on)
    return Period(add_months(cohort.anchor_on, ends - cohort.term_months), cohort.ends_on)


def interval_of(cohort: Cohort) -> str:
    return BillingInterval.YEAR if cohort.term_months == 12 else BillingInterval.MONTH


def unit_price(session: Session, *, level: PlanLevel, interval: str, currency: str) -> Money:
    price = session.scalar(
        select(Price).where(Price.plan_level_id == level.id, Price.interval == interval, Price.currency == currency)
    )
    if price is None:
        raise NoPrice(f"the catalog has no {interval}ly {currency} price for {level.solution.name} {level.name}")
    return Money(price.unit_minor, currency)


def billed_account(session: Session, slug: str, actor: Actor, *, lock: bool) -> Account:
    account = find_account(session, slug=slug, actor=actor, for_update=lock)
    if account.payment_method not in BILLED_METHODS:
        raise NotBilledDirectly(
            f"{account.name} pays through a reseller with pre-paid codes; only card, invoice and credits "
            "accounts have subscriptions"
        )
    return account


def find_subscription(session: Session, account: Account, solution: Solution, *, lock: bool = False) -> Cohort:
    query = (
        select(Cohort)
        .where(
            Cohort.account_id == account.id,
            Cohort.solution_id == solution.id,
            Cohort.auto_renew.is_(True),
            Cohort.origin.in_(BILLED_METHODS),
        )
        .options(joinedload(Cohort.solution), joinedload(Cohort.level).joinedload(PlanLevel.solution))
    )
    cohort = session.scalar(query.with_for_update(of=Cohort) if lock else query)
    if cohort is None:
        raise NoSubscription(f"{account.name} has no renewing {solution.name} subscription")
    return cohort


def credit_balance(session: Session, account: Account) -> Money:
    left = lots_with_remaining(session, account_id=account.id, currency=account.currency)
    return Money(sum(amount for _, amount in left), account.currency)


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
    )


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
    cohort = find_subscription(session, account, solution, lock=lock)
    today = local_date(now, account.time_zone)
    if cohort.ends_on <= today:
        raise RenewalDue(
            f"the renewal of {account.name}'s {solution.name} licenses on "
            f"{format_date(cohort.ends_on)} has not been billed yet; renew first"
        )
    period = current_period(cohort)
    on = max(today, period.start)
    base = Quote(
        action=action,
        account=account.slug,
        solution=solution.slug,
        level=cohort.level.slug,
        account_name=account.name,
        solution_name=solution.name,
        level_name=cohort.level.name,
        interval=interval_of(cohort),
        units=units,
        units_after=cohort.units,
        effective_on=on,
        period=period,
        renews_on=cohort.ends_on,
        unit_price=Money.zero(account.currency),
        fraction=Fraction(0),
        amount=Money.zero(account.currency),
    )
    if action == ChangeKind.CANCEL:
        return base
    base = replace(
        base, units=check_units(units), fraction=fraction(policy, period=period, on=on, anchor=cohort.anchor_on)
    )
    if action == ChangeKind.ADD:
        return _plan_add(session, account, cohort, base)
    return _plan_reduce(session, account, solution, cohort, base)


def _plan_add(session: Session, account: Account, cohort: Cohort, base: Quote) -> Quote:
    """Added licenses are charged at today's price for the rest of the period."""
    price = unit_price(session, level=cohort.level, interval=base.interval, currency=account.currency)
    return replace(
        base,
        units_after=cohort.units + base.units,
        period=Period(base.effective_on, base.period.end),
        unit_price=price,
        amount=price.times(base.units * base.fraction),
        credit_available=credit_balance(session, account),
    )


def _plan_reduce(session: Session, account: Account, solution: Solution, cohort: Cohort, base: Quote) -> Quote:
    """Removed licenses are credited against the lines that charged them; removing all is a cancellation."""
    if base.units >= cohort.units:
        raise InvalidUnits(
            f"{account.name} has {cohort.units} {solution.name} licenses; to remove them all, cancel the subscription"
        )
    period = base.period
    allocations = allocate_credit(session, cohort, period, base.units, base.fraction, account.currency)
    return replace(
        base,
        units_after=cohort.units - base.units,
        period=Period(base.effective_on, period.end),
        unit_price=_newest_unit_price(session, cohort, period, account.currency),
        amount=Money(sum(a.amount.minor for a in allocations), account.currency),
        allocations=tuple(allocations),
    )


def _charge_lines(session: Session, cohort: Cohort, period: Period) -> list[tuple[InvoiceLine, int, int]]:
    """The cohort's charge lines for ``period``, newest first, each with the quantity and amount already
    credited against it."""
    credited = (
        select(
            LineCredit.invoice_line_id,
            func.sum(LineCredit.quantity).label("q"),
            func.sum(LineCredit.amount_minor).label("a"),
        )
        .group_by(LineCredit.invoice_line_id)
        .subquery()
    )
    rows = session.execute(
        select(InvoiceLine, func.coalesce(credited.c.q, 0), func.coalesce(credited.c.a, 0))
        .outerjoin(credited, credited.c.invoice_line_id == InvoiceLine.id)
        .where(
            InvoiceLine.cohort_id == cohort.id,
            InvoiceLine.service_start >= period.start,
            InvoiceLine.service_end == period.end,
        )
        .order_by(InvoiceLine.id.desc())
    ).all()
    return [(line, int(quantity), int(amount)) for line, quantity, amount in rows]


def allocate_credit(
    session: Session, cohort: Cohort, period: Period, units: int, share: Fraction, currency: str
) -> list[Allocation]:
    """Credit for removing ``units``: the newest charged licenses first, each at its own unit price and the
    change's fraction, never more than is left uncredited on the line that charged them."""
    allocations: list[Allocation] = []
    needed = units
    for line, credited_quantity, credited_amount in _charge_lines(session, cohort, period):
        take = min(needed, line.quantity - credited_quantity)
        if take <= 0:
            continue
        owed = Money(line.unit_minor, currency).times(take * share)
        amount = min(owed.minor, line.amount_minor - credited_amount)
        if amount > 0:
            allocations.append(Allocation(line.id, take, Money(amount, currency)))
        needed -= take
        if needed == 0:
            break
    return allocations


def _newest_unit_price(session: Session, cohort: Cohort, period: Period, currency: str) -> Money:
    lines = _charge_lines(session, cohort, period)
    return Money(lines[0][0].unit_minor, currency) if lines else Money.zero(currency)
