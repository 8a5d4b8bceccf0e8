"""What a subscription's quote is worked out from, loaded in one place: the billed account, its renewing
cohort of a solution, today's price, the current period's charge lines with what was credited against
them, and the credit balance. ``billing.quotes`` turns these facts into a quote without the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from billing.accounts import find_account
from billing.actors import Actor
from billing.errors import Conflict, NotFound
from billing.ledger import lots_with_remaining
from billing.models import Account, Cohort, InvoiceLine, LineCredit, PlanLevel, Price, Solution
from billing.models.catalog import BillingInterval
from billing.models.invoicing import invoice_number
from billing.models.parties import PaymentMethod
from billing.money import Money
from billing.periods import Period, add_months, local_date
from billing.proration import Allocation, Charged, allocate, month_index

# The payment methods we bill ourselves; a cohort they pay for has the same word as its origin.
BILLED_METHODS = (PaymentMethod.CARD, PaymentMethod.INVOICE, PaymentMethod.CREDITS)
INTERVAL_MONTHS: dict[str, int] = {BillingInterval.MONTH: 1, BillingInterval.YEAR: 12}


class NotBilledDirectly(Conflict):
    code = "not_billed_directly"


class NoPrice(NotFound):
    code = "no_price"


class NoSubscription(NotFound):
    code = "no_subscription"


@dataclass(frozen=True)
class SubscriptionFacts:
    """A renewing subscription as a license change sees it, with the account's names for people."""

    account: str
    account_name: str
    solution: str
    solution_name: str
    level: str
    level_name: str
    interval: str
    units: int
    anchor_on: date
    ends_on: date
    term_months: int
    today: date  # in the account's time zone
    price: Money | None  # today's price of the level and interval; None when the catalog has none
    charged: tuple[Charged, ...]  # the current period's charge lines, newest first
    credit_available: Money

    @property
    def period(self) -> Period:
        """The term ending on the renewal date, from the anchor (never chained)."""
        ends = month_index(self.anchor_on, self.ends_on)
        return Period(add_months(self.anchor_on, ends - self.term_months), self.ends_on)


def load_facts(
    session: Session, account: Account, solution: Solution, now: datetime, *, lock: bool = False
) -> SubscriptionFacts:
    cohort = find_subscription(session, account, solution, lock=lock)
    interval = interval_of(cohort)
    return SubscriptionFacts(
        account=account.slug,
        account_name=account.name,
        solution=solution.slug,
        solution_name=solution.name,
        level=cohort.level.slug,
        level_name=cohort.level.name,
        interval=interval,
        units=cohort.units,
        anchor_on=cohort.anchor_on,
        ends_on=cohort.ends_on,
        term_months=cohort.term_months,
        today=local_date(now, account.time_zone),
        price=find_price(session, level=cohort.level, interval=interval, currency=account.currency),
        charged=tuple(charged_lines(session, cohort, current_period(cohort), account.currency)),
        credit_available=credit_balance(session, account),
    )


def current_period(cohort: Cohort) -> Period:
    """The term ending on the cohort's renewal date, from the anchor (never chained)."""
    ends = month_index(cohort.anchor_on, cohort.ends_on)
    return Period(add_months(cohort.anchor_on, ends - cohort.term_months), cohort.ends_on)


def interval_of(cohort: Cohort) -> str:
    return BillingInterval.YEAR if cohort.term_months == 12 else BillingInterval.MONTH


def find_price(session: Session, *, level: PlanLevel, interval: str, currency: str) -> Money | None:
    price = session.scalar(
        select(Price).where(Price.plan_level_id == level.id, Price.interval == interval, Price.currency == currency)
    )
    return Money(price.unit_minor, currency) if price is not None else None


def no_price(solution_name: str, level_name: str, interval: str, currency: str) -> NoPrice:
    return NoPrice(f"the catalog has no {interval}ly {currency} price for {solution_name} {level_name}")


def unit_price(session: Session, *, level: PlanLevel, interval: str, currency: str) -> Money:
    price = find_price(session, level=level, interval=interval, currency=currency)
    if price is None:
        raise no_price(level.solution.name, level.name, interval, currency)
    return price


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


def charged_lines(session: Session, cohort: Cohort, period: Period, currency: str) -> list[Charged]:
    """The cohort's charge lines for ``period``, newest first, each with what was already credited against it."""
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
    return [
        Charged(
            line_id=line.id,
            invoice=invoice_number(line.invoice_id),
            period=Period(line.service_start, line.service_end),
            quantity=line.quantity,
            unit=Money(line.unit_minor, currency),
            amount=Money(line.amount_minor, currency),
            credited_quantity=int(quantity),
            credited_amount=int(amount),
        )
        for line, quantity, amount in rows
    ]


def allocate_credit(
    session: Session, cohort: Cohort, period: Period, units: int, share: Fraction, currency: str
) -> list[Allocation]:
    """Credit for removing ``units`` (``proration.allocate`` over the period's charge lines)."""
    return allocate(charged_lines(session, cohort, period, currency), units=units, share=share)
