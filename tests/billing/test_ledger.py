from sqlalchemy import select

from billing.models import CreditEntry
from tests.billing.builders import account, add, code, credit, redeem, reduce, subscribe
from tests.conftest import STAFF, at


def test_credit_is_spent_promo_first_then_adjustments_then_topped_up_oldest_first(billing, db):
    account(billing, pays="card", now=at("2021-01-01"))
    credit(billing, "4", now=at("2021-01-01"))  # topped-up, oldest
    credit(billing, "3", now=at("2021-01-02"))  # topped-up
    credit(billing, "2", promo=True, now=at("2021-01-03"))
    subscribe(billing, 2, level="standard", now=at("2021-01-04"))  # $10.00: takes everything, $1.00 owed
    credit(billing, "100", now=at("2021-01-05"))
    subscribe(billing, 1, solution="desk", level="standard", now=at("2021-01-05"))  # $12.00 (desk)
    reduce(billing, 1, now=at("2021-07-04"))  # room: 1 x $5 x 6/12 = $2.50 adjustment
    add(billing, 1, solution="desk", now=at("2021-07-04"))  # desk, anchored 5 Jan: 1 x $12 x 7/12 = $7.00

    with db.read() as session:
        spent = [
            (e.source, e.amount_minor)
            for e in session.scalars(select(CreditEntry).where(CreditEntry.amount_minor < 0).order_by(CreditEntry.id))
        ]
    assert spent == [
        ("promo", -200),
        ("topped_up", -400),
        ("topped_up", -300),
        ("topped_up", -1200),
        ("adjustment", -250),
        ("topped_up", -450),
    ]
    balance = billing.credits.overview(account="acme", actor=STAFF, now=at("2021-07-04")).balance("USD")
    assert (str(balance.promo), str(balance.adjustment), str(balance.topped_up)) == (
        "$0.00",
        "$0.00",
        "$83.50",
    )


def test_the_overview_lists_top_ups_and_redeemed_codes_with_devices_paired_of_allowed(billing):
    account(billing, now=at("2021-01-01"))
    credit(billing, "50", now=at("2021-01-02"))
    credit(billing, "5", promo=True, now=at("2021-01-03"))
    subscription_code = code(billing, units=10, months=24, now=at("2021-01-01"))
    redeem(billing, subscription_code, now=at("2021-01-04"))
    for device in ("d1", "d2", "d3"):
        billing.assignments.assign(account="acme", solution="room", subject=device, actor=STAFF, now=at("2021-01-05"))

    overview = billing.credits.overview(account="acme", actor=STAFF, now=at("2021-01-05"))

    assert [(str(t.amount), t.activated_on.isoformat(), t.source) for t in overview.top_ups] == [
        ("$50.00", "2021-01-02", "topped_up"),
        ("$5.00", "2021-01-03", "promo"),
    ]
    (redeemed,) = overview.codes
    assert redeemed.code_prefix == subscription_code[:4]
    assert (redeemed.paired, redeemed.allowed, redeemed.expires_on.isoformat(), redeemed.duration) == (
        3,
        10,
        "2023-01-04",
        "2 years",
    )
    assert str(overview.balance("USD").total) == "$55.00"
