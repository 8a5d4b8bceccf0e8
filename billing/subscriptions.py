"""Card, invoice and credits subscriptions: start, add licenses, reduce (staff), cancel.

A subscription is one auto-renewing cohort per account and solution, with one renewal date. Its license
count changes in place, and every change is an immutable ``LicenseChange`` with its charge line (or its
credits). ``quote`` works a change out and gives it an id (``billing.quote_ids``), changing nothing;
``commit`` takes only that id, works the quote out once more under lock, and carries it out only if it
comes out with the same id: what is charged is exactly what was shown.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from billing import audit, event_records
from billing.actors import Actor
from billing.catalog import find_level, find_solution
from billing.codeformat import CodeKey
from billing.db import Database
from billing.errors import InvalidInput
from billing.invoicing import InvoiceView, LineSpec, invoice_view, issue_invoice
from billing.ledger import credit_lines
from billing.models import Account, Cohort, LicenseChange
from billing.models.invoicing import ChangeKind, LineKind
from billing.models.licensing import CohortOrigin
from billing.periods import local_date
from billing.proration import DEFAULT_POLICY, ProrationPolicy
from billing.quote_ids import InvalidQuoteId, QuoteIds, Request
from billing.quotes import Quote, plan_change, plan_start
from billing.subscription_facts import INTERVAL_MONTHS, billed_account, find_subscription
from billing.wording import license_line

KIND = "licenses"


class NoChange(InvalidInput):
    code = "no_change"


@dataclass(frozen=True)
class ChangeReceipt:
    quote: Quote
    cohort_id: int
    invoice: InvoiceView | None


def _may(actor: Actor, action: ChangeKind) -> None:
    """Staff do everything; the Portal may only add licenses (fewer is a refund, which staff decide)."""
    if action == ChangeKind.ADD:
        actor.require_staff_or_portal("add licenses")
    else:
        actor.require_staff(f"{'start' if action == ChangeKind.START else action} licenses")


class Subscriptions:
    def __init__(self, db: Database, *, key: CodeKey, proration: ProrationPolicy = DEFAULT_POLICY) -> None:
        self._db = db
        self._ids = QuoteIds(key)
        self.proration = proration

    def quote(
        self,
        *,
        action: ChangeKind | str,
        account: str,
        solution: str,
        actor: Actor,
        now: datetime,
        units: int = 0,
        level: str | None = None,
        interval: str = "year",
        starts_on: date | None = None,
    ) -> Quote:
        """What starting (a full term at once), adding (billed for the rest of the period), reducing
        (crediting the unused part) or cancelling (nothing refunded) would do, with the quote's id."""
        action = ChangeKind(action)
        if action not in _SETTLE:
            raise InvalidInput(f"licenses are started, added, reduced or cancelled, not {action}")
        request: Request = {"action": str(action), "account": account.strip().lower(), "solution": solution}
        request |= {"units": units, "level": level, "interval": interval}
        request["starts_on"] = starts_on.isoformat() if starts_on else None
        with self._db.read() as session:
            quoted = self._work_out(session, request, actor, now, lock=False)
        if quoted.action == ChangeKind.START and starts_on is None:
            request["starts_on"] = quoted.period.start.isoformat()  # "today" is fixed when quoted
        return replace(quoted, id=self._ids.issue(KIND, request, quoted))

    def quote_total(self, *, account: str, solution: str, units: int, actor: Actor, now: datetime) -> Quote:
        """What changing ``solution`` to ``units`` licenses in all would do (fewer: staff only)."""
        actor.require_staff_or_portal("buy licenses")
        with self._db.read() as session:
            found = billed_account(session, account, actor, lock=False)
            current = find_subscription(session, found, find_solution(session, solution)).units
        if units == current:
            raise NoChange(f"{account} already has {units} {solution} licenses", units=units)
        action = ChangeKind.ADD if units > current else ChangeKind.REDUCE
        return self.quote(
            action=action, account=account, solution=solution, units=abs(units - current), actor=actor, now=now
        )

    def commit(
        self, *, quote_id: str, actor: Actor, now: datetime, request_ref: str | None = None, account: str | None = None
    ) -> ChangeReceipt:
        """Carry out exactly the quoted change, or refuse with ``QuoteChanged``. ``account``, when given (the
        Portal API's path), must be the quote's."""
        request = self._ids.request(quote_id, KIND)
        if account is not None and account.strip().lower() != request["account"]:
            raise InvalidQuoteId("that quote is for another account; ask for a new quote")
        with self._db.write() as session:
            again = self._work_out(session, request, actor, now, lock=True)
            self._ids.check(quote_id, KIND, request, again, now_reads=again.describe())
            found = billed_account(session, again.account, actor, lock=True)
            cohort = _subject(session, found, again, now)
            return _commit(session, found, cohort, again, actor, now, request_ref)

    def _work_out(self, session: Session, request: Request, actor: Actor, now: datetime, *, lock: bool) -> Quote:
        action = ChangeKind(str(request["action"]))
        _may(actor, action)
        found = billed_account(session, str(request["account"]), actor, lock=lock)
        units = int(request["units"] or 0)
        if action == ChangeKind.START:
            if not request["level"]:
                raise InvalidInput("say which level to start")
            starts = request["starts_on"]
            on = date.fromisoformat(str(starts)) if starts else None
            interval = str(request["interval"] or "year")
            return plan_start(session, found, str(request["solution"]), str(request["level"]), units, interval, on, now)
        solution = find_solution(session, str(request["solution"]))
        return plan_change(session, found, solution, action, units, now, policy=self.proration, lock=lock)


def _subject(session: Session, account: Account, plan: Quote, now: datetime) -> Cohort:
    """The cohort the change is made to (a new one for a start), as the change leaves it."""
    solution = find_solution(session, plan.solution)
    if plan.action != ChangeKind.START:
        cohort = find_subscription(session, account, solution, lock=True)
        if plan.action == ChangeKind.CANCEL:
            cohort.auto_renew = False
        else:
            cohort.units = plan.units_after
        return cohort
    cohort = Cohort(
        account_id=account.id,
        solution_id=solution.id,
        plan_level_id=find_level(solution, plan.level).id,
        license_kind=solution.license_kind,
        units=plan.units,
        anchor_on=plan.period.start,
        term_months=INTERVAL_MONTHS[plan.interval],
        starts_on=plan.period.start,
        ends_on=plan.period.end,
        auto_renew=True,
        origin=CohortOrigin(account.payment_method),
        created_at=now,
        created_on=local_date(now, account.time_zone),
    )
    session.add(cohort)
    session.flush()
    return cohort


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
    """Started licenses are billed a full term, added ones the rest of the period: the quote's line, one invoice."""
    kind = LineKind.TERM if plan.action == ChangeKind.START else LineKind.PRORATION
    specs = [LineSpec.of(line, cohort_id=cohort.id, kind=kind, change_id=change.id) for line in plan.lines]
    issued, _ = issue_invoice(session, account=account, lines=specs, now=now, memo=f"{plan.action}: {plan.solution}")
    return invoice_view(issued, account.slug, account.payment_method)


def _credit_removed(
    session: Session, account: Account, cohort: Cohort, plan: Quote, change: LicenseChange, now: datetime
) -> None:
    """Removed licenses are credited, each part against the charge line that paid for it."""
    memo = license_line(plan.solution_name or plan.solution, plan.level_name or plan.level, plan.units, "removed")
    credit_lines(
        session,
        account_id=account.id,
        change_id=change.id,
        amount=plan.amount,
        allocations=plan.allocations,
        memo=memo,
        now=now,
    )


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
    event_records.subscription_changed(session, cohort, plan.action, plan.units, now=now)
    return ChangeReceipt(quote=plan, cohort_id=cohort.id, invoice=invoice)
