from fractions import Fraction

import pytest

from billing import Actor
from billing.actors import NotAllowed
from billing.quote_ids import QuoteChanged
from billing.quotes import AlreadySubscribed, RenewalDue
from billing.subscription_facts import NoSubscription, NotBilledDirectly
from billing.units import InvalidUnits
from tests.billing.builders import account, add, reduce, reseller, subscribe
from tests.conftest import SALES, STAFF, at


def _quote_add(billing, units, day):
    return billing.subscriptions.quote(
        action="add", account="acme", solution="room", units=units, actor=STAFF, now=at(day)
    )


def test_a_subscription_starts_with_a_full_term_invoice_and_one_renewal_date(billing):
    account(billing, pays="invoice", now=at("2021-01-01"))

    receipt = subscribe(billing, 3, now=at("2021-01-01"))

    assert str(receipt.invoice.total) == "$30.00" and receipt.invoice.status == "open"
    assert receipt.invoice.due_on.isoformat() == "2021-01-31"  # invoice customers: net 30
    (cohort,) = billing.licenses.cohorts(account="acme", actor=STAFF)
    assert (cohort.units, cohort.auto_renew, cohort.ends_on.isoformat()) == (3, True, "2022-01-01")


def test_the_preview_changes_nothing_and_the_commit_charges_exactly_the_quote(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    quote = _quote_add(billing, 3, "2021-07-02")
    assert len(billing.invoices.list(account="acme", actor=STAFF)) == 1
    receipt = billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=at("2021-07-02"))

    assert receipt.invoice.total == quote.amount
    assert "3 x $10.00/year x 1/2 = $15.00" in quote.describe()


def test_a_quote_from_an_earlier_month_is_refused_and_nothing_changes(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    quote = _quote_add(billing, 3, "2021-07-31")

    with pytest.raises(QuoteChanged):
        billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=at("2021-08-01"))

    assert len(billing.invoices.list(account="acme", actor=STAFF)) == 1
    assert billing.licenses.cohorts(account="acme", actor=STAFF)[0].units == 3


def test_a_quote_overtaken_by_another_change_is_refused(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    stale = _quote_add(billing, 2, "2021-07-02")
    add(billing, 1, now=at("2021-07-02"))

    with pytest.raises(QuoteChanged):
        billing.subscriptions.commit(quote_id=stale.id, actor=STAFF, now=at("2021-07-02"))


def test_adding_and_removing_on_the_same_day_nets_to_zero(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    added = add(billing, 2, now=at("2021-09-15"))
    removed = reduce(billing, 2, now=at("2021-09-15"))

    assert removed.quote.amount == added.invoice.total
    assert removed.quote.fraction == Fraction(4, 12)


def test_a_reduction_credits_the_newest_licenses_first_never_more_than_they_were_charged(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    add(billing, 1, now=at("2021-11-20"))  # 1 x $10 x 2/12 = $1.67

    removed = reduce(billing, 2, now=at("2021-11-20"))

    # The added license is credited what it cost ($1.67), one of the original three its 2/12 ($1.67).
    assert [(a.quantity, str(a.amount)) for a in removed.quote.allocations] == [(1, "$1.67"), (1, "$1.67")]
    assert str(removed.quote.amount) == "$3.34"


def test_reducing_is_for_staff_only(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    reseller(billing, now=at("2021-01-01"))
    member = Actor(ref="slack:TR/U1", role="reseller", reseller_id=1)

    with pytest.raises(NotAllowed):
        billing.subscriptions.quote(
            action="reduce", account="acme", solution="room", units=1, actor=member, now=at("2021-02-01")
        )
    assert reduce(billing, 1, now=at("2021-02-01")).quote.units_after == 2
    assert (
        billing.subscriptions.quote(
            action="reduce", account="acme", solution="room", units=1, actor=SALES, now=at("2021-02-01")
        ).units_after
        == 1
    )


def test_reducing_to_nothing_is_a_cancellation_not_a_reduction(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    with pytest.raises(InvalidUnits) as refused:
        reduce(billing, 3, now=at("2021-02-01"))

    assert refused.value.code == "invalid_units"
    assert "to remove them all, cancel the subscription" in refused.value.message
    assert refused.value.details == {}  # not the out-of-range refusal, which names the units it got
    (cohort,) = billing.licenses.cohorts(account="acme", actor=STAFF)
    assert (cohort.units, cohort.auto_renew) == (3, True)


def test_cancelling_stops_renewal_refunds_nothing_and_keeps_the_licenses_until_the_renewal_date(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    quote = billing.subscriptions.quote(
        action="cancel", account="acme", solution="room", actor=STAFF, now=at("2021-03-01")
    )

    receipt = billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=at("2021-03-01"))

    assert receipt.invoice is None and receipt.quote.amount.minor == 0
    assert billing.renewals.renew_due(now=at("2022-01-01")).invoices == ()
    (cohort,) = billing.licenses.cohorts(account="acme", actor=STAFF)
    assert (cohort.auto_renew, cohort.ends_on.isoformat(), cohort.units) == (False, "2022-01-01", 3)
    with pytest.raises(NoSubscription):
        add(billing, 1, now=at("2021-04-01"))


def test_accounts_paying_through_a_reseller_have_no_subscriptions(billing):
    reseller(billing, now=at("2021-01-01"))
    account(billing, reseller="northwind", now=at("2021-01-01"))

    with pytest.raises(NotBilledDirectly):
        subscribe(billing, 3, now=at("2021-01-01"))


def test_a_second_subscription_to_the_same_solution_is_refused(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    with pytest.raises(AlreadySubscribed):
        subscribe(billing, 3, now=at("2021-02-01"))


def test_a_change_waits_for_an_unbilled_renewal(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    with pytest.raises(RenewalDue):
        _quote_add(billing, 1, "2022-01-05")


def test_the_day_policy_bills_actual_days_left(db):
    from billing import Billing, BillingSettings
    from tests.conftest import TEST_KEY

    billing = Billing(db, key=TEST_KEY, settings=BillingSettings(proration="days"))
    billing.catalog.ensure_default()
    account(billing, pays="card", now=at("2025-01-01"))
    subscribe(billing, 10, now=at("2025-01-01"))

    quote = _quote_add(billing, 3, "2025-05-03")

    assert quote.fraction == Fraction(243, 365)
    assert str(quote.amount) == "$19.97"


def test_a_monthly_subscription_bills_the_change_month_whole(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    first = subscribe(billing, 4, interval="month", now=at("2021-01-31"))
    assert str(first.invoice.total) == "$4.00"

    quote = _quote_add(billing, 2, "2021-02-20")

    assert quote.fraction == 1 and str(quote.amount) == "$2.00"
    assert quote.renews_on.isoformat() == "2021-02-28"


def test_the_breakdown_shows_a_subscription_as_one_auto_renewing_line_with_its_current_count(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    add(billing, 3, now=at("2021-07-02"))
    reduce(billing, 1, now=at("2021-08-02"))

    (room,) = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2021-08-02")).solutions

    assert room.total == 5
    assert [(line.renews_on.isoformat(), line.units, line.auto_renew) for line in room.lines] == [
        ("2022-01-01", 5, True)
    ]
