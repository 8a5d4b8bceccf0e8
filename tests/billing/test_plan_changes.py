"""Plan changes: the worked examples on both proration policies, scheduling, and bad input."""

import pytest
from sqlalchemy import func, select

from billing.catalog import UnknownPlanLevel
from billing.models import AuditEvent, Invoice, PlanChange
from billing.plan_quotes import DowngradeAtRenewal, MixedChange, NothingScheduled, SamePlan, Timing
from billing.quote_ids import QuoteChanged
from billing.subscription_facts import NotBilledDirectly
from tests.billing.builders import account, code, credit, redeem, reseller, subscribe
from tests.conftest import STAFF, at


def _quote(billing, day, **change):
    return billing.plans.quote(account="acme", solution="room", actor=STAFF, now=at(day), **change)


def _change(billing, day, **change):
    quote = _quote(billing, day, **change)
    return billing.plans.commit(quote_id=quote.id, actor=STAFF, now=at(day))


def _balance(billing, day):
    return str(billing.credits.overview(account="acme", actor=STAFF, now=at(day)).balance("USD").total)


def _cohort(billing):
    (cohort,) = billing.licenses.cohorts(account="acme", actor=STAFF)
    return cohort


def _invoices(db):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Invoice))


@pytest.fixture
def professional(billing):
    """3 Room booking Professional devices at $10/year, started 1 Jan 2021, renewing 1 Jan 2022 (card)."""
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    return billing


def test_an_upgrade_on_the_months_policy_credits_half_and_bills_enterprise_for_the_other_half(professional):
    """2 Jul 2021 is in the 7th of 12 billing months: 6 months left, fraction 6/12.
    Credit: 3 x $10.00 x 6/12 = $15.00. Charge: 3 x $20.00 (Enterprise) x 6/12 = $30.00. Due: $15.00."""
    receipt = _change(professional, "2021-07-02", level="enterprise")

    assert (str(receipt.quote.credit), str(receipt.quote.charge), str(receipt.quote.due)) == (
        "$15.00",
        "$30.00",
        "$15.00",
    )
    assert (str(receipt.invoice.total), str(receipt.invoice.credit_applied), str(receipt.invoice.remaining)) == (
        "$30.00",
        "$15.00",
        "$15.00",
    )
    cohort = _cohort(professional)
    assert (cohort.level, cohort.ends_on.isoformat()) == ("enterprise", "2022-01-01")  # the anchor stays


def test_an_upgrade_on_the_days_policy_credits_and_bills_the_days_left(professional):
    """2 Jul 2021 to 1 Jan 2022 is 183 of 365 days.
    Credit: 3 x $10.00 x 183/365 = $15.04. Charge: 3 x $20.00 x 183/365 = $30.08. Due: $15.04."""
    professional.plans.proration = "days"

    receipt = _change(professional, "2021-07-02", level="enterprise")

    assert (str(receipt.quote.credit), str(receipt.quote.charge)) == ("$15.04", "$30.08")
    assert str(receipt.invoice.remaining) == "$15.04"


def test_the_invoice_and_the_credits_say_what_the_adjustment_is_for(professional):
    receipt = _change(professional, "2021-07-02", level="enterprise")

    words = "Credit for the unused part of Room booking Professional, 2 Jul 2021 – 1 Jan 2022"
    assert receipt.invoice.note == f"{words}: $15.00"
    assert receipt.invoice.lines[0].description == "Room booking Enterprise, 3 licenses (yearly)"
    overview = professional.credits.overview(account="acme", actor=STAFF, now=at("2021-07-02"))
    assert [(a.memo, str(a.amount)) for a in overview.adjustments] == [(words, "$15.00")]


def test_a_switch_to_monthly_is_scheduled_for_the_renewal_and_bills_nothing_now(professional, db):
    """On 2 Jul 2021 the switch waits for 1 Jan 2022: nothing credited, nothing billed. From then 3 x $1.00/month."""
    receipt = _change(professional, "2021-07-02", interval="month")

    assert receipt.quote.timing == Timing.RENEWAL and receipt.invoice is None
    assert receipt.quote.effective_on.isoformat() == "2022-01-01"
    assert receipt.quote.renews_on.isoformat() == "2022-02-01"
    assert _invoices(db) == 1 and _balance(professional, "2021-07-02") == "$0.00"
    breakdown = professional.licenses.breakdown(account="acme", actor=STAFF, now=at("2021-07-02"))
    assert breakdown.solutions[0].lines[0].change == "changes to monthly billing on 1 Jan 2022"


@pytest.mark.parametrize(
    ("policy", "credited", "due"),
    [("months", "$3.00", "$27.00"), ("days", "$1.55", "$28.45")],
)
def test_a_monthly_plan_switched_to_yearly_mid_month_is_billed_a_year_from_today(billing, policy, credited, due):
    """3 Professional at $1.00/month from 1 Jul 2021; switched to yearly on 16 Jul 2021.
    months: the month of the change counts whole, so the unused month is 1/1: $3.00 credited; days: 16 of 31
    days left, 3 x $1.00 x 16/31 = $1.55. A year from today: 3 x $10.00 = $30.00; due $27.00 or $28.45;
    the new renewal date is 16 Jul 2022."""
    billing.plans.proration = policy
    account(billing, pays="card", now=at("2021-07-01"))
    subscribe(billing, 3, now=at("2021-07-01"), interval="month")

    receipt = _change(billing, "2021-07-16", interval="year")

    assert (str(receipt.quote.credit), str(receipt.quote.charge), str(receipt.invoice.remaining)) == (
        credited,
        "$30.00",
        due,
    )
    cohort = _cohort(billing)
    assert (cohort.term_months, cohort.ends_on.isoformat()) == (12, "2022-07-16")


def test_a_credits_account_whose_balance_covers_the_difference_owes_nothing(billing):
    """$50.00 topped up; the start takes $30.00 ($20.00 left). On 2 Jul 2021 the upgrade credits $15.00 ($35.00)
    and bills $30.00: all paid from the balance, $5.00 left."""
    account(billing, pays="credits", now=at("2021-01-01"))
    credit(billing, "50.00", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    receipt = _change(billing, "2021-07-02", level="enterprise")

    assert (str(receipt.invoice.remaining), receipt.invoice.status) == ("$0.00", "paid")
    assert _balance(billing, "2021-07-02") == "$5.00"


def test_a_credits_account_whose_balance_does_not_cover_it_owes_the_rest_on_the_invoice(billing):
    """$30.00 topped up, all spent on the start. The upgrade credits $15.00 and bills $30.00: $15.00 owed."""
    account(billing, pays="credits", now=at("2021-01-01"))
    credit(billing, "30.00", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    receipt = _change(billing, "2021-07-02", level="enterprise")

    assert (str(receipt.invoice.credit_applied), str(receipt.invoice.remaining)) == ("$15.00", "$15.00")
    assert _balance(billing, "2021-07-02") == "$0.00"


def test_a_later_change_replaces_the_scheduled_one_and_a_withdrawn_one_is_gone(professional, db):
    _change(professional, "2021-07-02", level="standard")
    second = _quote(professional, "2021-07-03", interval="month")
    assert second.replaces == "changes to Standard on 1 Jan 2022"
    professional.plans.commit(quote_id=second.id, actor=STAFF, now=at("2021-07-03"))

    withdrawn = professional.plans.withdraw(account="acme", solution="room", actor=STAFF, now=at("2021-07-04"))

    assert withdrawn.change == "changes to monthly billing on 1 Jan 2022"
    with db.read() as session:
        assert sorted(session.scalars(select(PlanChange.status))) == ["replaced", "withdrawn"]
    breakdown = professional.licenses.breakdown(account="acme", actor=STAFF, now=at("2021-07-04"))
    assert breakdown.solutions[0].lines[0].change is None
    with pytest.raises(NothingScheduled):
        professional.plans.withdraw(account="acme", solution="room", actor=STAFF, now=at("2021-07-04"))


def test_every_change_is_audited(professional, db):
    _change(professional, "2021-07-02", level="enterprise")
    _change(professional, "2021-07-03", interval="month")
    professional.plans.withdraw(account="acme", solution="room", actor=STAFF, now=at("2021-07-04"))

    with db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("%plan%"))))
    assert actions == ["subscription.plan_changed", "subscription.plan_scheduled", "subscription.plan_withdrawn"]


def test_a_quote_overtaken_by_another_change_is_refused_and_nothing_changes(professional, db):
    stale = _quote(professional, "2021-07-02", level="enterprise")
    _change(professional, "2021-07-02", interval="month")

    with pytest.raises(QuoteChanged):
        professional.plans.commit(quote_id=stale.id, actor=STAFF, now=at("2021-07-02"))

    assert _invoices(db) == 1 and _cohort(professional).level == "professional"


def test_a_quote_from_an_earlier_month_is_refused(professional, db):
    stale = _quote(professional, "2021-07-31", level="enterprise")

    with pytest.raises(QuoteChanged):
        professional.plans.commit(quote_id=stale.id, actor=STAFF, now=at("2021-08-01"))

    assert _invoices(db) == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"level": "platinum"}, UnknownPlanLevel),
        ({"level": "professional"}, SamePlan),
        ({"interval": "year"}, SamePlan),
        ({"level": "standard", "at_once": True}, DowngradeAtRenewal),
        ({"interval": "month", "at_once": True}, DowngradeAtRenewal),
        ({"level": "enterprise", "interval": "month"}, MixedChange),
    ],
)
def test_bad_changes_are_refused_clearly_and_change_nothing(professional, db, change, error):
    with pytest.raises(error) as raised:
        _quote(professional, "2021-07-02", **change)

    assert raised.value.message
    assert _invoices(db) == 1 and _cohort(professional).level == "professional"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PlanChange)) == 0


def test_a_lower_level_at_once_says_when_it_can_happen(professional):
    with pytest.raises(DowngradeAtRenewal, match="at the renewal on 1 Jan 2022"):
        _quote(professional, "2021-07-02", level="standard", at_once=True)


def test_an_account_paying_through_a_reseller_is_told_to_use_a_code(billing):
    reseller(billing, now=at("2021-01-01"))
    account(billing, reseller="northwind", now=at("2021-01-01"))
    redeem(billing, code(billing, now=at("2021-01-01"), units=3), now=at("2021-01-01"))

    with pytest.raises(NotBilledDirectly, match="issue a code of the plan wanted"):
        _quote(billing, "2021-07-02", level="enterprise")

    assert _cohort(billing).level == "professional"


def test_an_upgrade_and_the_return_the_same_day_net_to_zero(professional):
    """Up: credit $15.00, charge $30.00. Back the same day: credit $30.00 (the Enterprise line), charge $15.00."""
    up = _change(professional, "2021-07-02", level="enterprise")
    back = _change(professional, "2021-07-02", level="professional")

    assert back.quote.timing == Timing.NOW
    net = up.quote.charge - up.quote.credit + back.quote.charge - back.quote.credit
    assert str(net) == "$0.00" and _cohort(professional).level == "professional"


def test_a_return_to_the_old_level_on_a_later_day_waits_for_the_renewal(professional):
    _change(professional, "2021-07-02", level="enterprise")

    assert _quote(professional, "2021-07-03", level="professional").timing == Timing.RENEWAL
