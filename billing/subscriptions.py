"""Card, invoice and credits subscriptions: start, add licenses, reduce (staff), cancel.

A subscription is one auto-renewing cohort per account and solution, with one renewal date. Its license
count changes in place, and every change is an immutable ``LicenseChange`` with its charge line (or its
credits). Each use case has a preview that returns a ``Quote`` (amount and dates, changing nothing) and a
commit that takes the quote back, works it out again, and refuses with ``QuoteChanged`` unless it comes
out the same: what is charged is exactly what was shown.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor
from billing.catalog import find_level, find_solution
from billing.db import Database
from billing.errors import InvalidInput
from billing.invoicing import InvoiceView, LineSpec, invoice_view, issue_invoice
from billing.ledger import add_credit
from billing.models import Account, Cohort, LicenseChange, LineCredit
from billing.models.invoicing import ChangeKind, LineKind
from billing.models.ledger import CreditSource
from billing.models.licensing import CohortOrigin
from billing.periods import local_date
from billing.proration import DEFAULT_POLICY, ProrationPolicy
from billing.quotes import (
    INTERVAL_MONTHS,
    Quote,
    QuoteChanged,
    billed_account,
    find_subscription,
    plan_change,
    plan_start,
)
from billing.wording import license_line


@dataclass(frozen=True)
class ChangeReceipt:
    quote: Quote
    cohort_id: int
    invoice: InvoiceView | None


class Subscriptions:
    def __init__(self, db: Database, *, proration: ProrationPolicy = DEFAULT_POLICY) -> None:
        self._db = db
        self.proration = proration

    # -- previews -----------------------------------------------------------------------------------------

    def preview_start(
        self,
        *,
        account: str,
        solution: str,
        level: str,
        units: int,
        actor: Actor,
        now: datetime,
        interval: str = "year",
        starts_on: date | None = None,
    ) -> Quote:
        """Start ``units`` auto-renewing licenses, billed a full term at once (from today by default)."""
        actor.require_staff("start subscriptions")
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            return plan_start(session, found, solution, level, units, interval, starts_on, now)

    def preview_add(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> Quote:
        """Add ``units`` licenses now, billed at once for the rest of the period."""
        actor.require_staff_or_portal("add licenses")
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            return plan_change(
                session, found, find_solution(session, solution), ChangeKind.ADD, units, now, policy=self.proration
            )

    def preview_reduce(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> Quote:
        """Remove ``units`` licenses now, crediting the unused part of what was charged for them."""
        actor.require_staff("reduce licenses")
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            return plan_change(
                session, found, find_solution(session, solution), ChangeKind.REDUCE, units, now, policy=self.proration
            )

    def preview_cancel(self, *, account: str, solution: str, actor: Actor, now: datetime) -> Quote:
        """Stop renewing: the licenses stay until the renewal date, nothing is refunded."""
        actor.require_staff("cancel subscriptions")
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            return plan_change(
                session, found, find_solution(session, solution), ChangeKind.CANCEL, 0, now, policy=self.proration
            )

    # -- commits ------------------------------------------------------------------------------------------

    def start(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("start subscriptions")
        with self._db.write() as session:
            found = billed_account(session, quote.account, actor, lock=True)
            plan = plan_start(
                session,
                found,
                quote.solution,
                quote.level,
                quote.units,
                quote.interval,
                quote.period.start,
                now,
            )
            _same(plan, quote)
            solution = find_solution(session, quote.solution)
            level = find_level(solution, quote.level)
            cohort = Cohort(
                account_id=found.id,
                solution_id=solution.id,
                plan_level_id=level.id,
                license_kind=solution.license_kind,
                units=plan.units,
                anchor_on=plan.period.start,
                term_months=INTERVAL_MONTHS[plan.interval],
                starts_on=plan.period.start,
                ends_on=plan.period.end,
                auto_renew=True,
                origin=CohortOrigin(found.payment_method),
                created_at=now,
                created_on=local_date(now, found.time_zone),
            )
            session.add(cohort)
            session.flush()
            return _commit(session, found, cohort, plan, actor, now, request_ref)

    def add(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff_or_portal("add licenses")
        return self._change(quote, ChangeKind.ADD, actor, now, request_ref)

    def reduce(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("reduce licenses")
        return self._change(quote, ChangeKind.REDUCE, actor, now, request_ref)

    def cancel(self, *, quote: Quote, actor: Actor, now: datetime, request_ref: str | None = None) -> ChangeReceipt:
        actor.require_staff("cancel subscriptions")
        return self._change(quote, ChangeKind.CANCEL, actor, now, request_ref)

    # -- the work -----------------------------------------------------------------------------------------

    def _change(
        self, quote: Quote, action: ChangeKind, actor: Actor, now: datetime, request_ref: str | None
    ) -> ChangeReceipt:
        if quote.action != action:
            raise InvalidInput(f"that is a quote to {quote.action}, not to {action}")
        with self._db.write() as session:
            found = billed_account(session, quote.account, actor, lock=True)
            solution = find_solution(session, quote.solution)
            plan = plan_change(session, found, solution, action, quote.units, now, policy=self.proration, lock=True)
            _same(plan, quote)
            cohort = find_subscription(session, found, solution, lock=True)
            if action == ChangeKind.CANCEL:
                cohort.auto_renew = False
            else:
                cohort.units = plan.units_after
            return _commit(session, found, cohort, plan, actor, now, request_ref)


def _record_change(session: Session, cohort: Cohort, plan: Quote, actor: Actor, now: datetime) -> LicenseChange:
    change = LicenseChange(
        cohort_id=cohort.id,
        kind=plan.action,
        effective_on=plan.effective_on,
        delta=_DELTA_SIGN[plan.action] * plan.units,
        units_after=plan.units_after,
        at=now,
        actor=actor.ref,
    )
    session.add(change)
    session.flush()
    return change


def _invoice(
    session: Session, account: Account, cohort: Cohort, plan: Quote, change: LicenseChange, now: datetime
) -> InvoiceView:
    """Started licenses are billed a full term, added ones the rest of the period: one line, one invoice."""
    started = plan.action == ChangeKind.START
    spec = LineSpec(
        cohort_id=cohort.id,
        kind=LineKind.TERM if started else LineKind.PRORATION,
        change_id=change.id,
        period=plan.period,
        quantity=plan.units,
        unit=plan.unit_price,
        fraction=plan.fraction,
        description=license_line(cohort.solution.name, cohort.level.name, plan.units, "" if started else "added"),
    )
    issued, _ = issue_invoice(session, account=account, lines=[spec], now=now, memo=f"{plan.action}: {plan.solution}")
    return invoice_view(issued, account.slug, account.payment_method)


def _credit_removed(
    session: Session, account: Account, cohort: Cohort, plan: Quote, change: LicenseChange, now: datetime
) -> None:
    """Removed licenses are credited, each part against the charge line that paid for it."""
    if plan.amount.minor <= 0:
        return None
    entry = add_credit(
        session,
        account_id=account.id,
        amount=plan.amount,
        source=CreditSource.ADJUSTMENT,
        now=now,
        memo=license_line(cohort.solution.name, cohort.level.name, plan.units, "removed"),
    )
    session.add_all(
        LineCredit(
            change_id=change.id,
            invoice_line_id=a.line_id,
            credit_entry_id=entry.id,
            quantity=a.quantity,
            amount_minor=a.amount.minor,
        )
        for a in plan.allocations
    )
    return None


def _nothing_to_settle(
    session: Session, account: Account, cohort: Cohort, plan: Quote, change: LicenseChange, now: datetime
) -> None:
    """A cancellation charges and credits nothing: the licenses stay until the renewal date."""
    return None


Settle = Callable[[Session, Account, Cohort, Quote, LicenseChange, datetime], InvoiceView | None]
_SETTLE: dict[ChangeKind, Settle] = {
    ChangeKind.START: _invoice,
    ChangeKind.ADD: _invoice,
    ChangeKind.REDUCE: _credit_removed,
    ChangeKind.CANCEL: _nothing_to_settle,
}
_DELTA_SIGN = {ChangeKind.START: 1, ChangeKind.ADD: 1, ChangeKind.REDUCE: -1, ChangeKind.CANCEL: 0}


def _commit(
    session: Session,
    account: Account,
    cohort: Cohort,
    plan: Quote,
    actor: Actor,
    now: datetime,
    request_ref: str | None,
) -> ChangeReceipt:
    """Record the change, settle it the way its kind settles, and audit it."""
    change = _record_change(session, cohort, plan, actor, now)
    invoice = _SETTLE[plan.action](session, account, cohort, plan, change, now)
    audit.record(
        session,
        actor=actor,
        action=f"subscription.{plan.action}",
        subject_type="cohort",
        subject_id=cohort.id,
        account_id=account.id,
        at=now,
        request_ref=request_ref,
        details={
            "units": plan.units,
            "units_after": plan.units_after,
            "amount": plan.amount.plain(),
            "currency": plan.amount.currency,
            "effective_on": plan.effective_on.isoformat(),
            "invoice": invoice.number if invoice else None,
        },
    )
    session.flush()
    return ChangeReceipt(quote=plan, cohort_id=cohort.id, invoice=invoice)


def _same(plan: Quote, quote: Quote) -> None:
    if plan != quote:
        raise QuoteChanged(
            f"the quote is out of date (now: {plan.describe()}); nothing was changed",
            amount=plan.amount.plain(),
        )
