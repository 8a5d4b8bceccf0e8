"""Plan changes of card, invoice and credits subscriptions: quote, commit, withdraw.

``quote`` shows what changing the level or the interval would do, with the quote's id; ``commit`` takes only
that id, works the quote out again under lock and refuses with ``QuoteChanged`` unless it comes out with the
same id (``billing.quote_ids``). An upgrade
or a switch to yearly is carried out at once (adjustment credit for the unused part, an invoice for the
new plan, which spends the balance first); a downgrade or a switch to monthly is scheduled for the next
renewal, replacing any change scheduled before, and carried out by that renewal (``plan_schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from billing import audit
from billing.actors import Actor, NotAllowed
from billing.catalog import find_level, find_solution
from billing.codeformat import CodeKey
from billing.db import Database
from billing.invoicing import PLAN_CHANGE_MEMO, InvoiceView, LineSpec, invoice_view, issue_invoice
from billing.ledger import credit_lines
from billing.models import Account, Cohort, LicenseChange, PlanChange
from billing.models.invoicing import ChangeKind, LineKind
from billing.models.licensing import PlanChangeStatus
from billing.plan_quotes import NothingScheduled, PlanQuote, PlanRequest, Timing, plan_quote, scheduled_change
from billing.plan_schedule import schedule_words
from billing.proration import DEFAULT_POLICY, ProrationPolicy
from billing.quote_ids import InvalidQuoteId, QuoteIds
from billing.subscription_facts import INTERVAL_MONTHS, NotBilledDirectly, billed_account, find_subscription

KIND = "plan"


def _billed(session: Session, slug: str, actor: Actor, *, lock: bool) -> Account:
    try:
        return billed_account(session, slug, actor, lock=lock)
    except NotBilledDirectly as error:
        raise NotBilledDirectly(
            f"{slug} pays through its reseller: its licenses come from pre-paid codes, so its plan cannot be "
            "changed here; issue a code of the plan wanted and redeem it as the renewal of its licenses"
        ) from error


def _may_change(actor: Actor) -> None:
    actor.require_staff_or_portal("change plans")


def _may_take(actor: Actor, plan: PlanQuote) -> None:
    """The Portal may change a plan as it may buy licenses: nothing that credits more than it charges (the
    same-day return from an upgrade) without staff, as fewer licenses is staff-only."""
    if not actor.is_staff and plan.credit.minor > plan.charge.minor:
        raise NotAllowed(
            f"only the vendor's staff may make a plan change that credits more than it charges ({plan.credit})"
        )


@dataclass(frozen=True)
class PlanReceipt:
    quote: PlanQuote
    cohort_id: int
    invoice: InvoiceView | None  # None for a scheduled change


@dataclass(frozen=True)
class Withdrawn:
    account: str
    solution: str
    change: str  # what was withdrawn, in words ("changes to Standard on 1 Jan 2026")


class PlanChanges:
    def __init__(self, db: Database, *, key: CodeKey, proration: ProrationPolicy = DEFAULT_POLICY) -> None:
        self._db = db
        self._ids = QuoteIds(key)
        self.proration = proration

    def quote(
        self,
        *,
        account: str,
        solution: str,
        actor: Actor,
        now: datetime,
        level: str | None = None,
        interval: str | None = None,
        at_once: bool = False,
    ) -> PlanQuote:
        """What changing ``solution`` to ``level`` and/or ``interval`` would do; changes nothing.
        ``at_once`` refuses a change that could only be scheduled (a downgrade, a switch to monthly)."""
        _may_change(actor)
        with self._db.read() as session:
            found = _billed(session, account, actor, lock=False)
            plan = plan_quote(
                session,
                found,
                find_solution(session, solution),
                level=level,
                interval=interval,
                now=now,
                policy=self.proration,
                at_once=at_once,
            )
        _may_take(actor, plan)
        return replace(plan, id=self._ids.issue(KIND, _request(plan.request), plan))

    def commit(
        self,
        *,
        quote_id: str,
        actor: Actor,
        now: datetime,
        request_ref: str | None = None,
        account: str | None = None,
    ) -> PlanReceipt:
        """Carry out (or schedule) exactly the quoted change, or refuse with ``QuoteChanged``. ``account``,
        when given (the Portal API's path), must be the quote's."""
        _may_change(actor)
        asked = self._ids.request(quote_id, KIND)
        wanted = PlanRequest(*(str(asked[name]) for name in ("account", "solution", "level", "interval")))
        if account is not None and account.strip().lower() != wanted.account:
            raise InvalidQuoteId("that quote is for another account; ask for a new quote")
        with self._db.write() as session:
            found = _billed(session, wanted.account, actor, lock=True)
            solution = find_solution(session, wanted.solution)
            plan = plan_quote(
                session,
                found,
                solution,
                level=wanted.level,
                interval=wanted.interval,
                now=now,
                policy=self.proration,
                lock=True,
            )
            self._ids.check(quote_id, KIND, asked, plan, now_reads=plan.describe())
            _may_take(actor, plan)
            cohort = find_subscription(session, found, solution, lock=True)
            previous = scheduled_change(session, cohort, lock=True)
            if previous is not None:
                previous.status, previous.closed_at = PlanChangeStatus.REPLACED, now
                session.flush()  # the one scheduled change per cohort is free again
            row = PlanChange(
                cohort_id=cohort.id,
                from_level_id=cohort.plan_level_id,
                to_level_id=find_level(solution, wanted.level).id,
                from_term_months=cohort.term_months,
                to_term_months=INTERVAL_MONTHS[wanted.interval],
                effective_on=plan.effective_on,
                status=PlanChangeStatus.SCHEDULED if plan.timing == Timing.RENEWAL else PlanChangeStatus.APPLIED,
                created_at=now,
                actor=actor.ref,
                closed_at=None if plan.timing == Timing.RENEWAL else now,
            )
            session.add(row)
            invoice = _apply_now(session, found, cohort, row, plan, actor, now) if plan.timing == Timing.NOW else None
            _audit(session, found, cohort, plan, invoice, actor, now, request_ref)
            session.flush()
            return PlanReceipt(quote=plan, cohort_id=cohort.id, invoice=invoice)

    def withdraw(
        self, *, account: str, solution: str, actor: Actor, now: datetime, request_ref: str | None = None
    ) -> Withdrawn:
        """Withdraw the change scheduled for the next renewal: the renewal stays as it was."""
        _may_change(actor)
        with self._db.write() as session:
            found = _billed(session, account, actor, lock=True)
            cohort = find_subscription(session, found, find_solution(session, solution), lock=True)
            pending = scheduled_change(session, cohort, lock=True)
            if pending is None:
                raise NothingScheduled(f"{found.name} has no scheduled change of {cohort.solution.name}")
            words = schedule_words(pending, cohort)
            pending.status, pending.closed_at = PlanChangeStatus.WITHDRAWN, now
            audit.record(
                session,
                actor=actor,
                action="subscription.plan_withdrawn",
                subject_type="cohort",
                subject_id=cohort.id,
                account_id=found.id,
                at=now,
                request_ref=request_ref,
                details={"change": words, "effective_on": pending.effective_on.isoformat()},
            )
            session.flush()
            return Withdrawn(account=found.slug, solution=cohort.solution.slug, change=words)


def _request(wanted: PlanRequest) -> dict[str, str | int | None]:
    return {"account": wanted.account, "solution": wanted.solution, "level": wanted.level, "interval": wanted.interval}


def _apply_now(
    session: Session, account: Account, cohort: Cohort, row: PlanChange, plan: PlanQuote, actor: Actor, now: datetime
) -> InvoiceView:
    """Credit the unused part against the lines that charged it, move the cohort to the new plan, and
    invoice the new plan (the invoice spends the balance, this credit included, first)."""
    assert plan.charge_period is not None
    change = LicenseChange(
        cohort_id=cohort.id,
        kind=ChangeKind.PLAN,
        effective_on=plan.effective_on,
        delta=0,
        units_after=cohort.units,
        at=now,
        actor=actor.ref,
    )
    session.add(change)
    session.flush()
    credit_lines(
        session,
        account_id=account.id,
        change_id=change.id,
        amount=plan.credit,
        allocations=plan.allocations,
        memo=plan.credit_text,
        now=now,
    )
    cohort.plan_level_id = row.to_level_id
    if row.to_term_months != cohort.term_months:  # to yearly: today is the new anchor
        cohort.anchor_on, cohort.term_months = plan.charge_period.start, row.to_term_months
    cohort.ends_on = plan.renews_on
    session.flush()
    session.refresh(cohort, ["level"])
    specs = [
        LineSpec.of(line, cohort_id=cohort.id, kind=LineKind.PRORATION, change_id=change.id) for line in plan.lines
    ]
    memo = f"{PLAN_CHANGE_MEMO}{plan.credit_text}: {plan.credit}" if plan.credit.minor else PLAN_CHANGE_MEMO
    issued, _ = issue_invoice(session, account=account, lines=specs, now=now, memo=memo[:200])
    return invoice_view(issued, account.slug)


def _audit(
    session: Session,
    account: Account,
    cohort: Cohort,
    plan: PlanQuote,
    invoice: InvoiceView | None,
    actor: Actor,
    now: datetime,
    request_ref: str | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action="subscription.plan_changed" if plan.timing == Timing.NOW else "subscription.plan_scheduled",
        subject_type="cohort",
        subject_id=cohort.id,
        account_id=account.id,
        at=now,
        request_ref=request_ref,
        details={
            "from": f"{plan.from_level} {plan.from_interval}ly",
            "to": f"{plan.to_level} {plan.to_interval}ly",
            "effective_on": plan.effective_on.isoformat(),
            "credit": plan.credit.plain(),
            "charge": plan.charge.plain(),
            "currency": plan.charge.currency,
            "invoice": invoice.number if invoice else None,
            "replaces": plan.replaces,
        },
    )
