"""The renewal forecast: per month and solution, what renews, what is already renewed, and what it is worth."""

from datetime import date

import pytest

from billing.actors import Actor
from billing.forecast import InvalidHorizon
from billing.money import Money
from billing.resellers import ResellerNotFound
from tests import forecast_book as book
from tests.billing.builders import account, licenses, reseller, subscribe
from tests.conftest import SALES, STAFF, at


def figures(forecast):
    return {
        (row.month, row.solution): (row.renewing, row.renewed, {m.currency: m.minor for m in row.value})
        for row in forecast.rows
    }


@pytest.fixture
def booked(billing):
    book.build(billing)
    return billing


def test_staff_see_every_month_and_solution_of_the_book_as_counted_by_hand(booked):
    forecast = booked.forecasts.forecast(actor=SALES, now=book.TODAY)

    assert forecast.months == book.MONTHS
    assert figures(forecast) == book.STAFF_ALL
    assert forecast.shows_value
    assert forecast.solutions == (("desk", "Desk booking"), ("room", "Room booking"))


def test_totals_and_the_busiest_month_follow_the_rows(booked):
    forecast = booked.forecasts.forecast(actor=STAFF, now=book.TODAY)

    assert (forecast.renewing(), forecast.renewed()) == (56, 10)
    assert forecast.value() == (Money(3000, "EUR"), Money(3000 + 12 * 480, "USD"))
    assert forecast.busiest == date(2027, 2, 1)  # 11 Room and 2 Desk
    assert forecast.unpriced() == 0


def test_a_lapsed_block_and_renewals_beyond_the_window_are_in_no_month(booked):
    forecast = booked.forecasts.forecast(actor=STAFF, now=book.TODAY, months=3)

    assert forecast.months == book.MONTHS[:3]
    assert figures(forecast) == {key: value for key, value in book.STAFF_ALL.items() if key[0] in book.MONTHS[:3]}


def test_a_reseller_member_sees_their_own_accounts_and_counts_only_whatever_they_name(booked):
    northwind = booked.resellers.get_reseller(slug="northwind")
    member = Actor(ref="slack:T0NORTHWIND/U1", role="reseller", reseller_id=northwind.id)

    for named in (None, "contoso"):
        forecast = booked.forecasts.forecast(actor=member, now=book.TODAY, reseller=named)
        assert figures(forecast) == book.NORTHWIND
        assert not forecast.shows_value
        assert forecast.reseller is None


def test_staff_may_narrow_to_one_reseller_whose_accounts_carry_no_value(booked):
    forecast = booked.forecasts.forecast(actor=STAFF, now=book.TODAY, reseller="contoso")

    assert figures(forecast) == book.CONTOSO
    assert forecast.reseller == "contoso"
    with pytest.raises(ResellerNotFound):
        booked.forecasts.forecast(actor=STAFF, now=book.TODAY, reseller="nobody")


def test_the_window_is_one_to_36_months(billing):
    for months in (0, 37):
        with pytest.raises(InvalidHorizon):
            billing.forecasts.forecast(actor=STAFF, now=book.TODAY, months=months)
    assert len(billing.forecasts.forecast(actor=STAFF, now=book.TODAY, months=36).months) == 36


def test_an_empty_book_has_no_busiest_month(billing):
    forecast = billing.forecasts.forecast(actor=STAFF, now=book.TODAY)

    assert forecast.rows == () and forecast.busiest is None and forecast.value() == ()


def test_a_renewal_falls_in_the_month_its_date_names_in_the_accounts_own_calendar(billing):
    # Redeemed at 20:00 UTC on 31 Jan 2026, which is already 1 Feb in Auckland: it renews 1 Feb 2027.
    reseller(billing, "northwind", now=at("2025-01-01"))
    account(billing, "kiwi", now=at("2025-01-01"), reseller="northwind", tz="Pacific/Auckland")
    licenses(billing, units=4, account_slug="kiwi", now=at("2026-01-31", hour=20))

    forecast = billing.forecasts.forecast(actor=STAFF, now=book.TODAY)

    assert figures(forecast) == {(date(2027, 2, 1), "room"): (4, 0, {})}


def test_licenses_without_a_catalog_price_are_counted_as_unpriced_not_valued_at_zero(billing):
    account(billing, "brit", now=at("2025-01-01"), pays="invoice", currency="GBP")
    licenses(billing, "desk", 3, "brit", now=at("2026-06-01"), level="standard")  # Desk has no GBP price

    forecast = billing.forecasts.forecast(actor=STAFF, now=book.TODAY)

    assert [(row.solution, row.renewing, row.value, row.unpriced) for row in forecast.rows] == [("desk", 3, (), 3)]


def test_a_subscription_renews_every_term_in_the_window_and_a_cancelled_one_only_once(billing):
    account(billing, "globex", now=at("2025-01-01"), pays="card")
    account(billing, "hooli", now=at("2025-01-01"), pays="card")
    subscribe(billing, 2, "globex", now=at("2026-11-20"), solution="desk", interval="month")  # 20 Dec, 20 Jan...
    subscribe(billing, 5, "hooli", now=at("2026-11-20"), solution="desk", interval="month")
    quote = billing.subscriptions.quote(
        action="cancel", account="hooli", solution="desk", actor=STAFF, now=at("2026-12-01")
    )
    billing.subscriptions.commit(quote_id=quote.id, actor=STAFF, now=at("2026-12-01"))

    forecast = billing.forecasts.forecast(actor=STAFF, now=book.TODAY, months=4)

    assert figures(forecast) == {
        (date(2026, 12, 1), "desk"): (7, 0, {"USD": 7 * 240}),  # hooli's 5 end on 20 Dec, still to renew
        (date(2027, 1, 1), "desk"): (2, 0, {"USD": 480}),
        (date(2027, 2, 1), "desk"): (2, 0, {"USD": 480}),
        (date(2027, 3, 1), "desk"): (2, 0, {"USD": 480}),
    }
