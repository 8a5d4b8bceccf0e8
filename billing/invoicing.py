"""Invoices: issuing them (credit applied at issue), reading them, recording payments, and debt.

Nothing on an issued invoice changes except its payments and status. Amounts are rounded once per line;
the total is the sum of the rounded lines; ``remaining = total - credit applied - paid`` and never below 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billing import audit, event_records
from billing.accounts import find_account
from billing.actors import Actor
from billing.db import Database
from billing.errors import Conflict, InvalidInput, NotFound
from billing.ledger import apply_credit
from billing.models import Account, Invoice, InvoiceLine, Payment
from billing.models.invoicing import InvoiceStatus
from billing.models.parties import PaymentMethod
from billing.money import CurrencyMismatch, Money
from billing.periods import Period, format_date, local_date

# Days between issue and due date, by payment method: cards and credits pay at once, invoices net 30.
DUE_DAYS = {PaymentMethod.CARD: 0, PaymentMethod.CREDITS: 0, PaymentMethod.INVOICE: 30}
# The memo of a plan change's invoice starts so; the rest is the adjustment credit in words, shown with it.
PLAN_CHANGE_MEMO = "plan change: "
_NUMBER = re.compile(r"^\s*(?:INV-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


class Overpayment(InvalidInput):
    code = "overpayment"


class InvoiceClosed(Conflict):
    code = "invoice_closed"


@dataclass(frozen=True)
class LineView:
    """An invoice line, or a line a quote will put on its invoice: every door shows these same figures."""

    description: str
    service_start: date
    service_end: date
    quantity: int
    unit_price: Money
    fraction: Fraction
    amount: Money

    @property
    def period(self) -> Period:
        return Period(self.service_start, self.service_end)


def line_text(line: LineView) -> str:
    """How every door shows a line: ``Room booking Professional, 3 licenses added: 2 Jul 2021 to 1 Jan 2022,
    3 x $10.00 x 1/2 = $15.00``."""
    share = f"{line.fraction.numerator}/{line.fraction.denominator}"
    return (
        f"{line.description}: {format_date(line.service_start)} to {format_date(line.service_end)}, "
        f"{line.quantity:,} x {line.unit_price} x {share} = {line.amount}"
    )


def charge_line(description: str, *, period: Period, quantity: int, unit: Money, fraction: Fraction) -> LineView:
    """The one place a charge line's amount is worked out: quantity x unit x fraction, rounded once."""
    return LineView(description, period.start, period.end, quantity, unit, fraction, unit.times(quantity * fraction))


@dataclass(frozen=True)
class LineSpec:
    """A charge to put on an invoice; ``amount`` is the one rounding of quantity x unit x fraction."""

    cohort_id: int
    kind: str  # term | proration
    description: str
    period: Period
    quantity: int
    unit: Money
    fraction: Fraction
    change_id: int | None = None

    @classmethod
    def of(cls, line: LineView, *, cohort_id: int, kind: str, change_id: int | None = None) -> LineSpec:
        """The invoice line for a quoted line, exactly as quoted."""
        return cls(
            cohort_id, kind, line.description, line.period, line.quantity, line.unit_price, line.fraction, change_id
        )

    @property
    def amount(self) -> Money:
        return charge_line(
            self.description, period=self.period, quantity=self.quantity, unit=self.unit, fraction=self.fraction
        ).amount


@dataclass(frozen=True)
class InvoiceView:
    id: int
    number: str
    account: str
    currency: str
    issued_on: date
    due_on: date
    status: str
    total: Money
    credit_applied: Money
    amount_paid: Money
    remaining: Money
    lines: tuple[LineView, ...]
    memo: str
    note: str = ""  # the adjustment credit of a plan change, in words
    payment_method: str = ""  # the account's; a card invoice is settled only when its payment is recorded

    @property
    def recorded_by_hand(self) -> bool:
        """joanbot charges no card: staff record the payment they see with ``payments record``."""
        return self.payment_method == PaymentMethod.CARD and self.remaining.minor > 0


def invoice_view(invoice: Invoice, account_slug: str, payment_method: str = "") -> InvoiceView:
    def money(minor: int) -> Money:
        return Money(minor, invoice.currency)

    return InvoiceView(
        id=invoice.id,
        number=invoice.number,
        account=account_slug,
        payment_method=payment_method,
        currency=invoice.currency,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        status=invoice.status,
        total=money(invoice.total_minor),
        credit_applied=money(invoice.credit_applied_minor),
        amount_paid=money(invoice.amount_paid_minor),
        remaining=money(invoice.remaining_minor),
        lines=tuple(
            LineView(
                line.description,
                line.service_start,
                line.service_end,
                line.quantity,
                money(line.unit_minor),
                Fraction(line.fraction_num, line.fraction_den),
                money(line.amount_minor),
            )
            for line in invoice.lines
        ),
        memo=invoice.memo,
        note=invoice.memo.removeprefix(PLAN_CHANGE_MEMO) if invoice.memo.startswith(PLAN_CHANGE_MEMO) else "",
    )


def settle_status(invoice: Invoice) -> None:
    if invoice.status == InvoiceStatus.VOID:
        return
    if invoice.remaining_minor == 0:
        invoice.status = InvoiceStatus.PAID
    elif invoice.credit_applied_minor or invoice.amount_paid_minor:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.OPEN


def issue_invoice(
    session: Session, *, account: Account, lines: list[LineSpec], now: datetime, memo: str
) -> tuple[Invoice, list[InvoiceLine]]:
    """Issue an invoice of ``lines`` in the account's currency and spend the account's credit on it.

    A second term line for the same cohort and service start raises ``IntegrityError`` at the flush: the
    caller's transaction rolls back and nothing is billed twice.
    """
    today = local_date(now, account.time_zone)
    for spec in lines:
        if spec.unit.currency != account.currency:
            raise CurrencyMismatch(f"cannot bill {spec.unit.currency} on a {account.currency} invoice")
    invoice = Invoice(
        account_id=account.id,
        currency=account.currency,
        issued_at=now,
        issued_on=today,
        due_on=today + timedelta(days=DUE_DAYS.get(account.payment_method, 0)),
        total_minor=sum(spec.amount.minor for spec in lines),
        credit_applied_minor=0,
        amount_paid_minor=0,
        status=InvoiceStatus.OPEN,
        memo=memo,
    )
    session.add(invoice)
    session.flush()
    rows = [
        InvoiceLine(
            invoice_id=invoice.id,
            cohort_id=spec.cohort_id,
            change_id=spec.change_id,
            kind=spec.kind,
            description=spec.description,
            service_start=spec.period.start,
            service_end=spec.period.end,
            quantity=spec.quantity,
            unit_minor=spec.unit.minor,
            fraction_num=spec.fraction.numerator,
            fraction_den=spec.fraction.denominator,
            amount_minor=spec.amount.minor,
        )
        for spec in lines
    ]
    session.add_all(rows)
    session.flush()
    apply_credit(session, invoice, now=now)
    settle_status(invoice)
    session.flush()
    event_records.invoice_issued(session, invoice, account, now=now)
    return invoice, rows


def parse_invoice_number(text: str) -> int:
    match = _NUMBER.match(text)
    if not match:
        raise InvoiceNotFound(f"{text!r} is not an invoice number (like INV-000012)", invoice=text)
    return int(match.group(1))


@dataclass(frozen=True)
class DebtReport:
    """Invoices past their due date with an amount remaining, per account and in total."""

    as_of: datetime
    invoices: tuple[InvoiceView, ...]
    by_account: dict[tuple[str, str], Money]  # (account slug, currency) -> owed
    totals: dict[str, Money]  # currency -> owed


class Invoices:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list(
        self, *, account: str, actor: Actor, limit: int | None = None, before: int | None = None
    ) -> list[InvoiceView]:
        """An account's invoices, newest first (at most ``limit``, older than the invoice id ``before``).
        Staff or the Portal only (amounts)."""
        actor.require_staff_or_portal("see invoices")
        with self._db.read() as session:
            found = find_account(session, slug=account, actor=actor)
            query = select(Invoice).where(Invoice.account_id == found.id)
            if before is not None:
                query = query.where(Invoice.id < before)
            invoices = session.scalars(
                query.options(selectinload(Invoice.lines)).order_by(Invoice.id.desc()).limit(limit)
            )
            return [invoice_view(invoice, found.slug, found.payment_method) for invoice in invoices]

    def get(self, *, invoice: str, actor: Actor) -> InvoiceView:
        actor.require_staff("see invoices")
        with self._db.read() as session:
            found, account = find_invoice(session, invoice)
            return invoice_view(found, account.slug, account.payment_method)

    def record_payment(
        self,
        *,
        invoice: str,
        amount: Money,
        actor: Actor,
        now: datetime,
        reference: str = "",
        request_ref: str | None = None,
    ) -> InvoiceView:
        """Record a payment received against an invoice; never more than it still owes."""
        actor.require_staff("record payments")
        with self._db.write() as session:
            found, account = find_invoice(session, invoice, for_update=True)
            check_payment(found, amount)
            return record(session, found, account, amount, reference, actor, now, request_ref)

    def debt(self, *, actor: Actor, now: datetime, account: str | None = None) -> DebtReport:
        """Invoices past due (in each account's time zone) with an amount remaining."""
        if actor.role != "system":
            actor.require_staff("see debt")
        with self._db.read() as session:
            query = (
                select(Invoice, Account)
                .join(Account, Account.id == Invoice.account_id)
                .where(Invoice.status.in_((InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)))
                .options(selectinload(Invoice.lines))
                .order_by(Invoice.due_on, Invoice.id)
            )
            if account is not None:
                query = query.where(Invoice.account_id == find_account(session, slug=account, actor=actor).id)
            overdue = [
                invoice_view(invoice, owner.slug, owner.payment_method)
                for invoice, owner in session.execute(query)
                if invoice.remaining_minor > 0 and invoice.due_on < local_date(now, owner.time_zone)
            ]
        by_account: dict[tuple[str, str], Money] = {}
        totals: dict[str, Money] = {}
        for view in overdue:
            key = (view.account, view.currency)
            by_account[key] = by_account.get(key, Money.zero(view.currency)) + view.remaining
            totals[view.currency] = totals.get(view.currency, Money.zero(view.currency)) + view.remaining
        return DebtReport(as_of=now, invoices=tuple(overdue), by_account=by_account, totals=totals)


def check_payment(invoice: Invoice, amount: Money) -> None:
    """A payment goes to an open invoice, in its currency, more than zero and no more than it still owes."""
    if invoice.status in (InvoiceStatus.VOID, InvoiceStatus.PAID):
        raise InvoiceClosed(f"{invoice.number} is {invoice.status}: it takes no payment", status=invoice.status)
    if amount.currency != invoice.currency:
        raise CurrencyMismatch(f"{invoice.number} is in {invoice.currency}, not {amount.currency}")
    remaining = Money(invoice.remaining_minor, invoice.currency)
    if amount.minor <= 0:
        raise InvalidInput("a payment must be more than zero")
    if amount > remaining:
        raise Overpayment(f"{invoice.number} owes only {remaining}; {amount} is too much", remaining=remaining.plain())


def record(
    session: Session,
    invoice: Invoice,
    account: Account,
    amount: Money,
    reference: str,
    actor: Actor,
    now: datetime,
    request_ref: str | None,
) -> InvoiceView:
    """Record a checked payment, settle the invoice's status and audit it."""
    invoice.amount_paid_minor += amount.minor
    settle_status(invoice)
    session.add(
        Payment(
            invoice_id=invoice.id, amount_minor=amount.minor, at=now, actor=actor.ref, reference=reference.strip()[:200]
        )
    )
    audit.record(
        session,
        actor=actor,
        action="invoice.payment_recorded",
        subject_type="invoice",
        subject_id=invoice.number,
        account_id=account.id,
        at=now,
        details={
            "amount": amount.plain(),
            "currency": amount.currency,
            "reference": reference,
            "status": invoice.status,
        },
        request_ref=request_ref,
    )
    session.flush()
    event_records.invoice_paid(session, invoice, account, now=now)
    return invoice_view(invoice, account.slug, account.payment_method)


def find_invoice(session: Session, text: str, *, for_update: bool = False) -> tuple[Invoice, Account]:
    query = select(Invoice).where(Invoice.id == parse_invoice_number(text)).options(selectinload(Invoice.lines))
    if for_update:
        query = query.with_for_update()
    invoice = session.scalar(query)
    if invoice is None:
        raise InvoiceNotFound(f"no invoice {text!r}", invoice=text)
    account = session.get(Account, invoice.account_id)
    assert account is not None
    return invoice, account
