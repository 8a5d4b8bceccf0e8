"""Recording a payment through the quote-then-commit protocol (``billing.quote_ids``): the quote shows the
invoice, what it owes and what it will owe after the payment; the commit takes only the quote's id, works
the quote out again with the invoice locked, and records the payment only if nothing moved meanwhile (a
second click on the same Confirm finds the invoice paid and records nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from billing.actors import Actor
from billing.codeformat import CodeKey
from billing.db import Database
from billing.invoicing import InvoiceView, LineView, check_payment, find_invoice, invoice_view, record
from billing.models.invoicing import InvoiceStatus
from billing.money import Money
from billing.quote_ids import QuoteIds, Request

KIND = "payment"


@dataclass(frozen=True)
class PaymentQuote:
    invoice: str  # its number
    account: str
    total: Money
    credit_applied: Money
    paid: Money  # before this payment
    remaining: Money  # before this payment
    amount: Money
    reference: str
    lines: tuple[LineView, ...]
    account_name: str = field(default="", compare=False)
    id: str = field(default="", compare=False)  # given by ``Payments.quote``

    @property
    def remaining_after(self) -> Money:
        return self.remaining - self.amount

    @property
    def status_after(self) -> InvoiceStatus:
        return InvoiceStatus.PAID if self.remaining_after.minor == 0 else InvoiceStatus.PARTIALLY_PAID

    def describe(self) -> str:
        return (
            f"{self.amount} received against {self.invoice} of {self.account_name or self.account}: "
            f"owed {self.remaining} before, {self.remaining_after} after ({self.status_after.replace('_', ' ')})."
        )


@dataclass(frozen=True)
class PaymentReceipt:
    quote: PaymentQuote
    invoice: InvoiceView


def _work_out(session: Session, request: Request, *, lock: bool) -> PaymentQuote:
    found, account = find_invoice(session, str(request["invoice"]), for_update=lock)
    amount = Money.parse(str(request["amount"]), found.currency)
    check_payment(found, amount)
    view = invoice_view(found, account.slug, account.payment_method)
    return PaymentQuote(
        invoice=view.number,
        account=account.slug,
        account_name=account.name,
        total=view.total,
        credit_applied=view.credit_applied,
        paid=view.amount_paid,
        remaining=view.remaining,
        amount=amount,
        reference=str(request["reference"] or "").strip()[:200],
        lines=view.lines,
    )


class Payments:
    """Staff record payments received (bank transfers, cards charged outside joanbot) against invoices."""

    def __init__(self, db: Database, *, key: CodeKey) -> None:
        self._db = db
        self._ids = QuoteIds(key)

    def quote(self, *, invoice: str, amount: str, actor: Actor, now: datetime, reference: str = "") -> PaymentQuote:
        """What recording ``amount`` (in the invoice's currency) against ``invoice`` would do."""
        actor.require_staff("record payments")
        request: Request = {"invoice": invoice.strip(), "amount": amount.strip(), "reference": reference.strip()[:200]}
        with self._db.read() as session:
            quoted = _work_out(session, request, lock=False)
        return replace(quoted, id=self._ids.issue(KIND, request, quoted))

    def commit(self, *, quote_id: str, actor: Actor, now: datetime, request_ref: str | None = None) -> PaymentReceipt:
        actor.require_staff("record payments")
        request = self._ids.request(quote_id, KIND)
        with self._db.write() as session:
            again = _work_out(session, request, lock=True)
            self._ids.check(quote_id, KIND, request, again, now_reads=again.describe())
            found, account = find_invoice(session, again.invoice, for_update=True)
            view = record(session, found, account, again.amount, again.reference, actor, now, request_ref)
            return PaymentReceipt(quote=again, invoice=view)
