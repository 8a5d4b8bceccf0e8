"""The forecast's picture and text: the bars drawn are the forecast's figures, and the PNG is a real image."""

import io

import pytest
from PIL import Image

from billing.actors import Actor
from charts.forecast import chart_data, draw, summary
from tests import forecast_book as book
from tests.conftest import STAFF


@pytest.fixture
def booked(billing):
    book.build(billing)
    return billing


def test_the_bars_handed_to_the_plot_are_the_figures_counted_by_hand(booked):
    data = chart_data(booked.forecasts.forecast(actor=STAFF, now=book.TODAY))

    assert [s.solution for s in data.series] == ["desk", "room"]
    drawn = {}
    for series in data.series:
        for month, still, renewed in zip(book.MONTHS, series.still, series.renewed, strict=True):
            if still or renewed:
                drawn[(month, series.solution)] = (still + renewed, renewed)
    assert drawn == {key: (renewing, renewed) for key, (renewing, renewed, _) in book.STAFF_ALL.items()}
    assert data.labels[:3] == ("Dec\n2026", "Jan\n2027", "Feb")
    assert data.totals[2] == 13


def test_the_png_decodes_and_is_at_least_800_by_400(booked):
    png = draw(chart_data(booked.forecasts.forecast(actor=STAFF, now=book.TODAY)))

    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.size[0] >= 800 and image.size[1] >= 400


def test_an_empty_forecast_still_draws_a_picture(billing):
    png = draw(chart_data(billing.forecasts.forecast(actor=STAFF, now=book.TODAY, months=1)))

    assert Image.open(io.BytesIO(png)).size >= (800, 400)


def test_the_summary_names_the_totals_the_busiest_month_and_the_value_for_staff(booked):
    text = summary(booked.forecasts.forecast(actor=STAFF, now=book.TODAY))

    assert "56 licenses, 10 already renewed, 46 still to renew" in text
    assert "Busiest month: Feb 2027, 13 licenses." in text
    assert "€30.00, $87.60" in text
    assert "Mar 2027: 7 (7 Desk booking); 0 renewed; $4.80 to renew" in text


def test_a_reseller_members_summary_carries_no_amount(booked):
    northwind = booked.resellers.get_reseller(slug="northwind")
    member = Actor(ref="slack:T0NORTHWIND/U1", role="reseller", reseller_id=northwind.id)

    text = summary(booked.forecasts.forecast(actor=member, now=book.TODAY))

    assert "15 licenses, 10 already renewed, 5 still to renew" in text
    assert "$" not in text and "€" not in text and "USD" not in text
