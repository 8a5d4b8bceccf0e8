"""Billing results as response models: the one place that decides what a key may see of money."""

from __future__ import annotations

from typing import Any

from api import schemas as s
from api.auth import Caller
from billing import (
    AccountView,
    Breakdown,
    CohortView,
    InvoiceView,
    LineView,
    Money,
    PlanQuote,
    PlanReceipt,
    Quote,
    RedemptionPlan,
    SolutionBreakdown,
    Timing,
    amounts_visible,
    for_actor,
)


def shows_prices(caller: Caller, account: AccountView) -> bool:
    """Billing's one rule (``amounts_visible``): portal keys on accounts that do not pay through a reseller."""
    return amounts_visible(caller.actor, account)


def account(caller: Caller, view: AccountView) -> s.AccountOut:
    return s.AccountOut(
        slug=view.slug,
        name=view.name,
        reseller=view.reseller_slug,
        time_zone=view.time_zone,
        currency=view.currency,
        payment_method=view.payment_method if shows_prices(caller, view) else None,
    )


def plan(caller: Caller, breakdown: Breakdown) -> s.AccountPlanOut:
    base = account(caller, breakdown.account)
    priced = shows_prices(caller, breakdown.account)
    solutions = [
        s.SolutionPlanOut(
            solution=item.solution,
            solution_name=item.solution_name,
            level=item.level,
            level_name=item.level_name,
            kind=item.license_kind,
            total=item.total,
            in_use=item.in_use,
            free=max(0, item.total - item.in_use),
            over_capacity=item.over_capacity,
            renewals=[s.RenewalOut(renews_on=x.renews_on, units=x.units, renewed=x.renewed) for x in item.lines],
            upcoming=[
                s.UpcomingOut(starts_on=x.starts_on, renews_on=x.renews_on, units=x.units) for x in item.upcoming
            ],
            scheduled_change=scheduled(item),
            **_renewing_price(item, priced),
        )
        for item in breakdown.solutions
    ]
    contacts = list(for_actor(breakdown.account, caller.actor).contact_emails)
    return s.AccountPlanOut(**base.model_dump(), contact_emails=contacts, solutions=solutions)


def scheduled(item: SolutionBreakdown) -> s.ScheduledOut | None:
    change = item.subscription.scheduled if item.subscription else None
    if change is None:
        return None
    return s.ScheduledOut(
        solution=item.solution,
        level=change.level,
        interval=change.interval,
        effective_on=change.effective_on,
        description=change.words,
    )


def _renewing_price(item: SolutionBreakdown, priced: bool) -> dict[str, Any]:
    """How auto-renewing licenses renew, and at what catalog price: only where prices are shown."""
    subscription = item.subscription
    if not priced or subscription is None:
        return {"interval": None, "unit_price": None}
    price = subscription.unit_price
    return {"interval": subscription.interval, "unit_price": s.Money.of(price) if price else None}


def block(view: CohortView) -> s.BlockOut:
    return s.BlockOut(
        id=view.id,
        solution=view.solution,
        level=view.level,
        kind=view.license_kind,
        units=view.units,
        starts_on=view.starts_on,
        renews_on=view.ends_on,
    )


def redemption_plan(caller: Caller, decided: RedemptionPlan) -> s.RedemptionPlanOut:
    code = decided.code
    credit = decided.credit if decided.credit is not None and shows_prices(caller, decided.account) else None
    return s.RedemptionPlanOut(
        kind=code.kind,
        description=decided.describe(),
        solution=code.solution,
        level=code.level,
        license_kind=code.license_kind,
        units=code.units,
        starts_on=decided.starts_on,
        renews_on=decided.ends_on,
        renews=block(decided.renews) if decided.renews else None,
        renewal_candidates=[block(c) for c in decided.renewal_candidates],
        credit=s.Money.of(credit) if credit else None,
    )


def line(view: LineView) -> s.LineOut:
    return s.LineOut(
        description=view.description,
        service_start=view.service_start,
        service_end=view.service_end,
        quantity=view.quantity,
        unit_price=s.Money.of(view.unit_price),
        fraction=s.FractionOut(numerator=view.fraction.numerator, denominator=view.fraction.denominator),
        amount=s.Money.of(view.amount),
    )


def invoice(view: InvoiceView) -> s.InvoiceOut:
    return s.InvoiceOut(
        number=view.number,
        issued_on=view.issued_on,
        due_on=view.due_on,
        status=view.status,
        total=s.Money.of(view.total),
        credit_applied=s.Money.of(view.credit_applied),
        paid=s.Money.of(view.amount_paid),
        remaining=s.Money.of(view.remaining),
        lines=[line(x) for x in view.lines],
    )


def quote(quoted: Quote) -> s.QuoteOut:
    before = quoted.units_after - quoted.units if quoted.action == "add" else quoted.units_after + quoted.units
    return s.QuoteOut(
        quote_id=quoted.id,
        action=quoted.action,
        solution=quoted.solution,
        units_before=before,
        units_after=quoted.units_after,
        lines=[line(x) for x in quoted.lines],
        amount=s.Money.of(quoted.amount),
        service_start=quoted.period.start,
        service_end=quoted.period.end,
        renews_on=quoted.renews_on,
        description=quoted.describe(),
    )


def plan_quote(quoted: PlanQuote) -> s.PlanQuoteOut:
    """Portal keys on accounts billed directly only (``routes/plans.py``): every figure is shown."""
    currency = quoted.charge.currency
    return s.PlanQuoteOut(
        quote_id=quoted.id,
        solution=quoted.request.solution,
        units=quoted.units,
        from_level=quoted.from_level,
        from_interval=quoted.from_interval,
        to_level=quoted.to_level,
        to_interval=quoted.to_interval,
        timing=quoted.timing,
        effective_on=quoted.effective_on,
        renews_on=quoted.renews_on,
        unit_price=s.Money.of(quoted.unit_price),
        credit=s.Money.of(quoted.credit),
        credit_description=quoted.credit_text if quoted.credit_period is not None else None,
        lines=[line(x) for x in quoted.lines],
        charge=s.Money.of(quoted.charge),
        credit_available=s.Money.of(quoted.credit_available or Money.zero(currency)),
        amount_due=s.Money.of(quoted.due),
        replaces=quoted.replaces,
        description=quoted.describe(),
    )


def plan_change(receipt: PlanReceipt) -> s.PlanChangeOut:
    quoted = receipt.quote
    scheduled = None
    if quoted.timing == Timing.RENEWAL:
        scheduled = s.ScheduledOut(
            solution=quoted.request.solution,
            level=quoted.request.level,
            interval=quoted.request.interval,
            effective_on=quoted.effective_on,
            description=quoted.schedule_text,
        )
    return s.PlanChangeOut(
        timing=quoted.timing,
        effective_on=quoted.effective_on,
        renews_on=quoted.renews_on,
        invoice=invoice(receipt.invoice) if receipt.invoice else None,
        scheduled=scheduled,
    )
