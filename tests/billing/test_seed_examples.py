"""Worked examples of card, invoice and credits customers, to the minor unit: proration, renewals, credits."""

from fractions import Fraction

from billing.periods import format_date
from tests.billing.builders import account, add, credit, reduce, subscribe
from tests.conftest import STAFF, at


def _renew(billing, day):
    return billing.renewals.renew_due(now=at(day)).invoices


def test_example_a_card_customer_adds_three_devices_mid_year_then_renews_six_then_removes_three(billing):
    """Example A: Room professional at $10/device/year, 3 devices, next billing date 1 Jan 2022.

    The seed says removing 3 devices on 2 Jul 2022 returns "$30". By its own rule (the unused part until the
    next billing date: 3 devices x $10 x 6/12) that is $15.00, which is what the product credits.
    """
    account(billing, pays="card", now=at("2021-01-01"))
    first = subscribe(billing, 3, now=at("2021-01-01"))
    assert str(first.invoice.total) == "$30.00"
    assert format_date(first.quote.renews_on) == "1 Jan 2022"

    added = add(billing, 3, now=at("2021-07-02"))
    assert str(added.invoice.total) == "$15.00"
    assert added.quote.fraction == Fraction(6, 12) and added.quote.units_after == 6

    (renewal,) = _renew(billing, "2022-01-01")
    assert str(renewal.total) == "$60.00"
    assert renewal.lines[0].quantity == 6
    (line,) = billing.licenses.breakdown(account="acme", actor=STAFF, now=at("2022-01-01")).solutions[0].lines
    assert (format_date(line.renews_on), line.units) == ("1 Jan 2023", 6)

    removed = reduce(billing, 3, now=at("2022-07-02"))
    assert removed.invoice is None
    assert str(removed.quote.amount) == "$15.00"
    assert (
        str(billing.credits.overview(account="acme", actor=STAFF, now=at("2022-07-02")).balance("USD").total)
        == "$15.00"
    )

    readded = add(billing, 3, now=at("2022-07-02"))
    assert str(readded.invoice.total) == "$15.00"
    assert str(readded.invoice.credit_applied) == "$15.00"
    assert str(readded.invoice.remaining) == "$0.00" and readded.invoice.status == "paid"


def test_example_b_credits_customer_tops_up_fifty_adds_ten_then_renewal_leaves_seventy_five_owed(billing):
    """Example B: Room standard at $5/device/year, 10 devices paid, credit balance $0, renewing 1 Jan 2022."""
    account(billing, pays="credits", now=at("2021-01-01"))
    credit(billing, "50", now=at("2021-01-01"))
    paid = subscribe(billing, 10, level="standard", now=at("2021-01-01"))
    assert str(paid.invoice.total) == "$50.00" and paid.invoice.status == "paid"
    assert str(_balance(billing, "2021-01-01")) == "$0.00"

    credit(billing, "50", now=at("2021-07-02"))
    added = add(billing, 10, now=at("2021-07-02"))
    assert str(added.invoice.total) == "$25.00"
    assert str(added.invoice.credit_applied) == "$25.00" and added.invoice.status == "paid"
    assert str(_balance(billing, "2021-07-02")) == "$25.00"

    (renewal,) = _renew(billing, "2022-01-01")
    assert str(renewal.total) == "$100.00"
    assert str(renewal.credit_applied) == "$25.00"
    assert str(renewal.remaining) == "$75.00"
    assert str(_balance(billing, "2022-01-01")) == "$0.00"


def test_adding_three_devices_on_3_may_2025_to_a_plan_renewing_1_jan_2026_bills_may_to_december(billing):
    account(billing, pays="card", now=at("2025-01-01"))
    subscribe(billing, 10, now=at("2025-01-01"))

    quote = billing.subscriptions.quote(
        action="add", account="acme", solution="room", units=3, actor=STAFF, now=at("2025-05-03")
    )

    assert quote.fraction == Fraction(8, 12)
    assert str(quote.amount) == "$20.00"


def _balance(billing, day):
    return billing.credits.overview(account="acme", actor=STAFF, now=at(day)).balance("USD").total
