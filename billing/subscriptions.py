"""Card, invoice and credits subscriptions: start, add licenses, reduce (staff), cancel.

A subscription is one auto-renewing cohort per account and solution, with one renewal date. Its license
count changes in place, and every change is an immutable ``LicenseChange`` with its charge line (or its
credits). Each use case has a preview that returns a ``Quote`` (amount and dates, changing nothing) and a
commit that takes the quote back, works it out again, and refuses with ``QuoteChanged`` unless it comes
out the same: what is charged is exactly what was shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fractions import Fraction
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from billing import audit
from billing.accounts import find_account
from billing.actors import Actor
from billing.catalog import UnknownPlanLevel, UnknownSolution
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.invoicing import InvoiceView, LineSpec, invoice_view, issue_invoice
from billing.ledger import add_credit, lots_with_remaining
from billing.licensing import check_single_level
from billing.models import Account, Cohort, InvoiceLine, LicenseChange, LineCredit, PlanLevel, Price, Solution
from billing.money import Money
from billing.periods import Period, add_months, format_date, local_date
from billing.proration import DEFAULT_POLICY, ProrationPolicy, fraction, month_index

BILLED_METHODS = ("card", "invoice", "credits")
INTERVAL_MONTHS = {"month": 1, "year": 12}
MAX_UNITS = 100_000
Action = Literal["start", "add", "reduce", "cancel"]


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


class InvalidUnits(InvalidInput):
    code = "invalid_units"


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

    action: Action
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

    def describe(self) -> str:
        share = "" if self.fraction == 1 else f" x {self.fraction.numerator}/{self.fraction.denominator}"
        dates = f"{format_date(self.period.start)} to {format_date(self.period.end)}"
        if self.action == "cancel":
            return (f"Cancels the renewal of {self.units_after} {self.solution} licenses of {self.account}: they "
                    f"stay until {format_date(self.renews_on)}; nothing is refunded.")  # fmt: skip
        if self.action == "reduce":
            return (f"Removes {self.units} {self.solution} licenses from {self.account} on "
                    f"{format_date(self.effective_on)} ({self.units_after} left): {self.amount} credited for "
                    f"{dates}. Renews {format_date(self.renews_on)}.")  # fmt: skip
        verb = "Starts" if self.action == "start" else "Adds"
        text = (f"{verb} {self.units} {self.solution} {self.level} licenses for {self.account} "
                f"({self.units_after} in all): {self.units} x {self.unit_price}/{self.interval}{share} = "
                f"{self.amount} for {dates}. Renews {format_date(self.renews_on)}.")  # fmt: skip
        if self.credit_available is not None and self.credit_available.minor > 0:
            text += f" Credit available: {self.credit_available}."
        return text


@dataclass(frozen=True)
class ChangeReceipt:
    quote: Quote
    cohort_id: int
    invoice: InvoiceView | None


def current_period(cohort: Cohort) -> Period:
    """The term ending on the cohort's renewal date, from the anchor (never chained)."""
    ends = month_index(cohort.anchor_on, cohort.ends_on)
    return Period(add_months(cohort.anchor_on, ends - cohort.term_months), cohort.ends_on)


def interval_of(cohort: Cohort) -> str:
    return "year" if cohort.term_months == 12 else "month"


def unit_price(session: Session, *, level: PlanLevel, interval: str, currency: str) -> Money:
    price = session.scalar(
        select(Price).where(Price.plan_level_id == level.id, Price.interval == interval, Price.currency == currency)
    )
    if price is None:
        raise NoPrice(f"the catalog has no {interval}ly {currency} price for {level.solution.name} {level.name}")
    return Money(price.unit_minor, currency)


def _units(units: int) -> int:
    if not 1 <= units <= MAX_UNITS:
        raise InvalidUnits(f"the number of licenses must be 1 to {MAX_UNITS:,}", units=units)
    return units


def _billed_account(session: Session, slug: str, actor: Actor, *, lock: bool) -> Account:
    account = find_account(session, slug=slug, actor=actor, for_update=lock)
    if account.payment_method not in BILLED_METHODS:
        raise NotBilledDirectly(
            f"{account.name} pays through a reseller with pre-paid codes; only card, invoice and credits "
            "accounts have subscriptions"
        )
    return account


def _solution(session: Session, slug: str) -> Solution:
    found = session.scalar(select(Solution).where(Solution.slug == slug.strip().lower()))
    if found is None:
        raise UnknownSolution(f"unknown solution {slug!r}", solution=slug)
    return found


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


def _credit(session: Session, account: Account) -> Money:
    left = lots_with_remaining(session, account_id=account.id, currency=account.currency)
    return Money(sum(amount for _, amount in left), account.currency)


class Subscriptions:
    def __init__(self, db: Database, *, proration: ProrationPolicy = DEFAULT_POLICY) -> None:
        self._db = db
        self.proration = proration

    # -- previews -----------------------------------------------------------------------------------------

    def preview_start(self, *, account: str, solution: str, level: str, units: int, actor: Actor, now: datetime,
                      interval: str = "year", starts_on: date | None = None) -> Quote:  # fmt: skip
        """Start ``units`` auto-renewing licenses, billed a full term at once (from today by default)."""
        actor.require_staff("start subscriptions")
        with self._db.read() as session:
            found = _billed_account(session, account, actor, lock=False)
            return self._plan_start(session, found, solution, level, units, interval, starts_on, now)

    def preview_add(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> Quote:
        """Add ``units`` licenses now, billed at once for the rest of the period."""
        actor.require_staff("add licenses")
        with self._db.read() as session:
            found = _billed_account(session, account, actor, lock=False)
            return self._plan_change(session, found, _solution(session, solution), "add", units, now)

    def preview_reduce(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> Quote:
        """Remove ``units`` licenses now, crediting the unused part of what was charged for them."""
        actor.require_staff("reduce licenses")
        with self._db.read() as session:
            found = _billed_account(session, account, actor, lock=False)
            return self._plan_change(session, found, _solution(session, solution), "reduce", units, now)

    def preview_cancel(self, *, account: str, solution: str, actor: Actor, now: datetime) -> Quote:
        """Stop renewing: the licenses stay until the renewal date, nothing is refunded."""
        actor.require_staff("cancel subscriptions")
        with self._db.read() as session:
            found = _billed_account(session, account, actor, lock=False)
            return self._plan_change(session, found, _solution(session, solution), "cancel", 0, now)

    # -- commits ------------------------------------------------------------------------------------------

    def start(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("start subscriptions")
        with self._db.write() as session:
            found = _billed_account(session, quote.account, actor, lock=True)
            plan = self._plan_start(session, found, quote.solution, quote.level, quote.units, quote.interval,
                                    quote.period.start, now)  # fmt: skip
            _same(plan, quote)
            solution = _solution(session, quote.solution)
            level = _level(solution, quote.level)
            cohort = Cohort(
                account_id=found.id, solution_id=solution.id, plan_level_id=level.id,
                license_kind=solution.license_kind, units=plan.units, anchor_on=plan.period.start,
                term_months=INTERVAL_MONTHS[plan.interval], starts_on=plan.period.start, ends_on=plan.period.end,
                auto_renew=True, origin=found.payment_method, created_at=now,
            )  # fmt: skip
            session.add(cohort)
            session.flush()
            return self._commit(session, found, cohort, plan, actor, now, request_ref, kind="term")

    def add(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("add licenses")
        return self._change(quote, "add", actor, now, request_ref)

    def reduce(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("reduce licenses")
        return self._change(quote, "reduce", actor, now, request_ref)

    def cancel(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("cancel subscriptions")
        return self._change(quote, "cancel", actor, now, request_ref)

    # -- the work -----------------------------------------------------------------------------------------

    def _plan_start(self, session: Session, account: Account, solution_slug: str, level_slug: str, units: int,
                    interval: str, starts_on: date | None, now: datetime) -> Quote:  # fmt: skip
        today = local_date(now, account.time_zone)
        starts_on = starts_on or today
        if starts_on < today:
            raise InvalidInput(f"a subscription cannot start in the past ({format_date(starts_on)})")
        if interval not in INTERVAL_MONTHS:
            raise InvalidInput(f"the interval must be month or year, not {interval!r}")
        solution = _solution(session, solution_slug)
        level = _level(solution, level_slug)
        existing = session.scalar(
            select(func.count()).where(
                Cohort.account_id == account.id, Cohort.solution_id == solution.id, Cohort.auto_renew.is_(True),
                Cohort.origin.in_(BILLED_METHODS),
            )
        )  # fmt: skip
        if existing:
            raise AlreadySubscribed(f"{account.name} already has a renewing {solution.name} subscription; "
                                    "add licenses to it instead")  # fmt: skip
        period = Period(starts_on, add_months(starts_on, INTERVAL_MONTHS[interval]))
        check_single_level(session, account=account, solution_id=solution.id, plan_level_id=level.id,
                           starts_on=period.start, ends_on=period.end)  # fmt: skip
        price = unit_price(session, level=level, interval=interval, currency=account.currency)
        units = _units(units)
        return Quote(
            action="start", account=account.slug, solution=solution.slug, level=level.slug, interval=interval,
            units=units, units_after=units, effective_on=starts_on, period=period, renews_on=period.end,
            unit_price=price, fraction=Fraction(1), amount=price.times(units),
            credit_available=_credit(session, account),
        )  # fmt: skip

    def _plan_change(self, session: Session, account: Account, solution: Solution, action: Action, units: int,
                     now: datetime, *, lock: bool = False) -> Quote:  # fmt: skip
        cohort = find_subscription(session, account, solution, lock=lock)
        today = local_date(now, account.time_zone)
        if cohort.ends_on <= today:
            raise RenewalDue(f"the renewal of {account.name}'s {solution.name} licenses on "
                             f"{format_date(cohort.ends_on)} has not been billed yet; renew first")  # fmt: skip
        period = current_period(cohort)
        on = max(today, period.start)
        interval = interval_of(cohort)
        base = Quote(
            action=action, account=account.slug, solution=solution.slug, level=cohort.level.slug, interval=interval,
            units=units, units_after=cohort.units, effective_on=on, period=period, renews_on=cohort.ends_on,
            unit_price=Money.zero(account.currency), fraction=Fraction(0), amount=Money.zero(account.currency),
        )  # fmt: skip
        if action == "cancel":
            return base
        units = _units(units)
        share = fraction(self.proration, period=period, on=on, anchor=cohort.anchor_on)
        if action == "add":
            price = unit_price(session, level=cohort.level, interval=interval, currency=account.currency)
            return replace(base, units_after=cohort.units + units, period=Period(on, period.end), unit_price=price,
                           fraction=share, amount=price.times(units * share),
                           credit_available=_credit(session, account))  # fmt: skip
        if units >= cohort.units:
            raise InvalidUnits(f"{account.name} has {cohort.units} {solution.name} licenses; to remove them all, "
                               "cancel the subscription")  # fmt: skip
        allocations = _allocate_credit(session, cohort, period, units, share, account.currency)
        return replace(
            base, units_after=cohort.units - units, period=Period(on, period.end), fraction=share,
            unit_price=_newest_unit_price(session, cohort, period, account.currency),
            amount=Money(sum(a.amount.minor for a in allocations), account.currency), allocations=tuple(allocations),
        )  # fmt: skip

    def _change(self, quote: Quote, action: Action, actor: Actor, now: datetime,
                request_ref: str | None) -> ChangeReceipt:  # fmt: skip
        if quote.action != action:
            raise InvalidInput(f"that is a quote to {quote.action}, not to {action}")
        with self._db.write() as session:
            found = _billed_account(session, quote.account, actor, lock=True)
            solution = _solution(session, quote.solution)
            plan = self._plan_change(session, found, solution, action, quote.units, now, lock=True)
            _same(plan, quote)
            cohort = find_subscription(session, found, solution, lock=True)
            if action == "cancel":
                cohort.auto_renew = False
            else:
                cohort.units = plan.units_after
            return self._commit(session, found, cohort, plan, actor, now, request_ref, kind="proration")

    def _commit(self, session: Session, account: Account, cohort: Cohort, plan: Quote, actor: Actor,
                now: datetime, request_ref: str | None, *, kind: str) -> ChangeReceipt:  # fmt: skip
        delta = {"start": plan.units, "add": plan.units, "reduce": -plan.units, "cancel": 0}[plan.action]
        change = LicenseChange(cohort_id=cohort.id, kind=plan.action, effective_on=plan.effective_on, delta=delta,
                               units_after=plan.units_after, at=now, actor=actor.ref)  # fmt: skip
        session.add(change)
        session.flush()
        invoice = None
        if plan.action in ("start", "add"):
            what = "licenses" if plan.action == "start" else "licenses added"
            spec = LineSpec(
                cohort_id=cohort.id, kind=kind, change_id=change.id, period=plan.period, quantity=plan.units,
                unit=plan.unit_price, fraction=plan.fraction,
                description=f"{cohort.solution.name} {cohort.level.name}, {plan.units} {what}",
            )  # fmt: skip
            issued, _ = issue_invoice(session, account=account, lines=[spec], now=now,
                                      memo=f"{plan.action}: {plan.solution}")  # fmt: skip
            invoice = invoice_view(issued, account.slug)
        elif plan.action == "reduce" and plan.amount.minor > 0:
            entry = add_credit(session, account_id=account.id, amount=plan.amount, source="adjustment", now=now,
                               memo=f"{plan.units} {plan.solution} licenses removed")  # fmt: skip
            session.add_all(
                LineCredit(change_id=change.id, invoice_line_id=a.line_id, credit_entry_id=entry.id,
                           quantity=a.quantity, amount_minor=a.amount.minor)
                for a in plan.allocations
            )  # fmt: skip
        audit.record(
            session, actor=actor, action=f"subscription.{plan.action}", subject_type="cohort", subject_id=cohort.id,
            account_id=account.id, at=now, request_ref=request_ref,
            details={"units": plan.units, "units_after": plan.units_after, "amount": plan.amount.plain(),
                     "currency": plan.amount.currency, "effective_on": plan.effective_on.isoformat(),
                     "invoice": invoice.number if invoice else None},
        )  # fmt: skip
        session.flush()
        return ChangeReceipt(quote=plan, cohort_id=cohort.id, invoice=invoice)


def _level(solution: Solution, slug: str) -> PlanLevel:
    for level in solution.levels:
        if level.slug == slug.strip().lower():
            return level
    raise UnknownPlanLevel(f"{solution.name} has no level {slug!r}", level=slug)


def _same(plan: Quote, quote: Quote) -> None:
    if plan != quote:
        raise QuoteChanged(f"the quote is out of date (now: {plan.describe()}); nothing was changed",
                           amount=plan.amount.plain())  # fmt: skip


def _charge_lines(session: Session, cohort: Cohort, period: Period) -> list[tuple[InvoiceLine, int, int]]:
    """The cohort's charge lines for ``period``, newest first, each with the quantity and amount already
    credited against it."""
    credited = (
        select(LineCredit.invoice_line_id, func.sum(LineCredit.quantity).label("q"),
               func.sum(LineCredit.amount_minor).label("a"))
        .group_by(LineCredit.invoice_line_id).subquery()
    )  # fmt: skip
    rows = session.execute(
        select(InvoiceLine, func.coalesce(credited.c.q, 0), func.coalesce(credited.c.a, 0))
        .outerjoin(credited, credited.c.invoice_line_id == InvoiceLine.id)
        .where(InvoiceLine.cohort_id == cohort.id, InvoiceLine.service_start >= period.start,
               InvoiceLine.service_end == period.end)
        .order_by(InvoiceLine.id.desc())
    ).all()  # fmt: skip
    return [(line, int(quantity), int(amount)) for line, quantity, amount in rows]


def _allocate_credit(session: Session, cohort: Cohort, period: Period, units: int, share: Fraction,
                     currency: str) -> list[Allocation]:  # fmt: skip
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
