"""The events each change records: one function per kind of change, called in the use case's transaction
(a single line at its commit point), so every door that makes the change records the same event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, cast, exists, literal, select
from sqlalchemy.orm import Session

from billing.accounts import AccountView
from billing.events import (
    BATCH,
    RETENTION,
    NewEvent,
    Party,
    about_cohort,
    about_cohorts,
    active_endpoints,
    block_data,
    cohort_data,
    record,
    record_many,
    record_together,
)
from billing.licensing import CohortView
from billing.models import Account, Assignment, Cohort, Event, Invoice, PlanChange, PlanLevel, Solution
from billing.models.codes import CodeKind
from billing.models.events import EventType
from billing.models.invoicing import InvoiceStatus
from billing.models.parties import PaymentMethod
from billing.money import Money
from billing.periods import local_date
from billing.redemption_plan import CodeFacts


def money(minor: int, currency: str) -> dict[str, Any]:
    """Money as the Portal API writes it."""
    value = Money(minor, currency)
    return {"amount": value.plain(), "currency": currency, "minor": minor}


def redeemed(
    connection: Connection,
    *,
    code: CodeFacts,
    account: AccountView,
    block: CohortView | None,
    renews: int | None,
    credit: Money | None,
    now: datetime,
) -> None:
    """``code.redeemed``, and for a subscription code ``licenses.added`` or ``licenses.renewed`` about the
    new ``block`` (known to the redemption: nothing is read back); one INSERT for both."""
    data: dict[str, Any] = {"code": code.view.prefix, "code_kind": str(code.kind), "block": block and block.id}
    amounts = {"credit": money(credit.minor, credit.currency)} if credit is not None else None
    if code.kind == CodeKind.CREDIT and credit is not None:
        data["credit_type"] = str(code.view.credit_source) if code.view.credit_source else None
    party = Party(account.id, account.reseller_id, account.slug, account.name, PaymentMethod(account.payment_method))
    events = [NewEvent(EventType.CODE_REDEEMED, party, data, amounts)]
    if block is not None:
        type_ = EventType.LICENSES_RENEWED if renews is not None else EventType.LICENSES_ADDED
        about = block_data(
            block.id, block.solution, block.level, block.license_kind, block.units, block.starts_on, block.ends_on
        )
        events.append(NewEvent(type_, party, {**about, "renews_block": renews, "code": code.view.prefix}))
    record_together(connection, events, endpoints=active_endpoints(connection), now=now)


def invoice_issued(session: Session, invoice: Invoice, account: Account, *, now: datetime) -> None:
    """``invoice.created``, and ``invoice.paid`` when credit covered all of it."""
    record(session, EventType.INVOICE_CREATED, account, _invoice_data(invoice), now=now, amounts=_amounts(invoice))
    if invoice.status == InvoiceStatus.PAID:
        record(session, EventType.INVOICE_PAID, account, _invoice_data(invoice), now=now, amounts=_amounts(invoice))


def invoice_paid(session: Session, invoice: Invoice, account: Account, *, now: datetime) -> None:
    if invoice.status == InvoiceStatus.PAID:
        record(session, EventType.INVOICE_PAID, account, _invoice_data(invoice), now=now, amounts=_amounts(invoice))


def _invoice_data(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice": invoice.number,
        "status": str(invoice.status),
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
    }


def _amounts(invoice: Invoice) -> dict[str, Any]:
    return {
        "total": money(invoice.total_minor, invoice.currency),
        "credit_applied": money(invoice.credit_applied_minor, invoice.currency),
        "amount_paid": money(invoice.amount_paid_minor, invoice.currency),
        "amount_remaining": money(invoice.remaining_minor, invoice.currency),
    }


def released(session: Session, assignment_ids: Iterable[int], *, now: datetime) -> int:
    """A ``licenses.released`` event for each assignment just ended (a removed device, an idle user)."""
    rows = session.execute(
        select(Assignment, Account, Solution.slug)
        .join(Account, Account.id == Assignment.account_id)
        .join(Solution, Solution.id == Assignment.solution_id)
        .where(Assignment.id.in_(list(assignment_ids)))
        .order_by(Assignment.id)
    ).all()
    for assignment, account, solution in rows:
        data = {
            "solution": solution,
            "kind": str(assignment.license_kind),
            "units": 1,
            assignment.license_kind.value: assignment.subject,
            "reason": str(assignment.release_reason),
            "released_at": now,
        }
        record(session, EventType.LICENSES_RELEASED, account, data, now=now)
    return len(rows)


def record_lapsed(session: Session, *, now: datetime) -> int:
    """A ``licenses.lapsed`` event, once, for every block whose renewal date came without a renewal in the
    last 30 days (the sweep's step; a second run records nothing)."""
    key = literal("licenses.lapsed:") + cast(Cohort.id, String)
    rows = session.execute(
        select(Cohort, Account, Solution.slug, PlanLevel.slug)
        .join(Account, Account.id == Cohort.account_id)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(
            Cohort.renewed_at.is_(None),
            Cohort.auto_renew.is_(False),
            Cohort.ends_on <= now.date() + timedelta(days=1),
            Cohort.ends_on > now.date() - RETENTION,
            ~exists().where(Event.dedupe_key == key),
        )
        .order_by(Cohort.id)
    ).all()
    events = [
        NewEvent(
            EventType.LICENSES_LAPSED,
            Party.of(account),
            {**cohort_data(cohort, solution, level), "lapsed_on": cohort.ends_on},
            key=f"licenses.lapsed:{cohort.id}",
        )
        for cohort, account, solution, level in rows
        if cohort.ends_on <= local_date(now, account.time_zone)
    ]
    return record_many(session, events, now=now)


def reminders_due(session: Session, due: Iterable[Any], *, now: datetime) -> None:
    """A ``reminder.due`` event for each reminder the sweep decided (each once: keyed like the notice), all
    in a few multi-row statements: the first sweep decides tens of thousands."""
    extras = [
        (
            reminder.cohort_id,
            f"reminder.due:{reminder.cohort_id}:{reminder.renews_on.isoformat()}:{reminder.threshold}",
            {"days_before": reminder.threshold, "late": bool(reminder.late)},
        )
        for reminder in due
    ]
    about_cohorts(session, EventType.REMINDER_DUE, extras, now=now)


def capacity_changed(
    session: Session, subject_key: str, account_id: int | None, details: Mapping[str, Any], *, over: bool, now: datetime
) -> None:
    """``account.over_capacity`` when the over-capacity alert opens, ``account.capacity_restored`` when it
    resolves (the alert's subject is ``account:<id>:solution:<id>``)."""
    account = session.get(Account, account_id) if account_id is not None else None
    if account is None:
        return
    solution = session.get(Solution, int(subject_key.rsplit(":", 1)[1]))
    data: dict[str, Any] = {"solution": solution.slug if solution else None}
    if over:
        data.update(in_use=details.get("in_use"), units=details.get("licenses"), over_by=details.get("over_by"))
    type_ = EventType.ACCOUNT_OVER_CAPACITY if over else EventType.ACCOUNT_CAPACITY_RESTORED
    record(session, type_, account, data, now=now)


def subscription_changed(session: Session, cohort: Cohort, action: str, units: int, *, now: datetime) -> None:
    """A subscription started or grew: ``licenses.added`` for the licenses it added (a reduction or a
    cancellation frees nothing at once: the block keeps its licenses until its renewal date)."""
    if action in ("start", "add"):
        session.flush()
        about_cohort(session, EventType.LICENSES_ADDED, cohort.id, now=now, added=units, subscription=True)


def imported(session: Session, blocks: Sequence[tuple[Party, Mapping[str, Any]]], *, now: datetime) -> None:
    """``licenses.added`` for each block an import of the vendor's book brought in (``imported: true``): its
    account and what ``block_data`` says of it, as the import wrote them (nothing read back)."""
    # In bulk, as the sweep records its events: one by one, 30,000 blocks took ten times the import itself.
    for start in range(0, len(blocks), BATCH):
        events = [
            NewEvent(EventType.LICENSES_ADDED, party, {**data, "imported": True})
            for party, data in blocks[start : start + BATCH]
        ]
        record_many(session, events, now=now)


def renewed(session: Session, cohort: Cohort, period_start: date, invoice: Invoice, *, now: datetime) -> None:
    """An auto-renewing block was billed for its next period."""
    session.flush()
    about_cohort(
        session, EventType.LICENSES_RENEWED, cohort.id, now=now, period_start=period_start, invoice=invoice.number
    )


def _interval(term_months: int) -> str:
    return "year" if term_months == 12 else "month"


def plan_changed(session: Session, change: PlanChange, cohort: Cohort, *, now: datetime) -> None:
    """``plan.changed`` when a plan change takes effect (at once, or at the renewal it waited for)."""
    session.flush()
    from_level = session.get(PlanLevel, change.from_level_id)
    about_cohort(
        session,
        EventType.PLAN_CHANGED,
        cohort.id,
        now=now,
        from_level=from_level.slug if from_level else None,
        from_interval=_interval(change.from_term_months),
        interval=_interval(change.to_term_months),
        effective_on=change.effective_on,
    )
