import itertools
from datetime import UTC, date, datetime

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from billing.periods import (
    InvalidDate,
    InvalidTerm,
    Period,
    add_months,
    anniversary,
    format_date,
    local_date,
    parse_date,
    term_months,
)


def test_jan_31_plus_one_month_is_feb_28_then_mar_31():
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)


def test_jan_31_plus_one_month_in_a_leap_year_is_feb_29():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_three_years_from_feb_29_2024_ends_on_feb_28_2027():
    assert add_months(date(2024, 2, 29), 36) == date(2027, 2, 28)


def test_feb_29_plus_one_year_is_feb_28_and_plus_four_years_is_feb_29():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_anniversaries_come_from_the_anchor_not_from_the_previous_boundary():
    anchor = date(2023, 1, 31)
    boundaries = [anniversary(anchor, term_months=1, n=n) for n in range(4)]
    assert boundaries == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31), date(2023, 4, 30)]


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=-240, max_value=240),
)
def test_add_months_agrees_with_relativedelta(anchor, months):
    assert add_months(anchor, months) == anchor + relativedelta(months=months)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    st.sampled_from([1, 3, 6, 12, 24, 36]),
)
def test_consecutive_terms_tile_with_no_gap_and_no_overlap(anchor, term):
    periods = [
        Period(anniversary(anchor, term_months=term, n=n), anniversary(anchor, term_months=term, n=n + 1))
        for n in range(8)
    ]
    for earlier, later in itertools.pairwise(periods):
        assert earlier.end == later.start
        assert not earlier.overlaps(later)
        assert earlier.days > 0


def test_a_period_is_half_open():
    period = Period(date(2023, 3, 22), date(2024, 3, 22))
    assert date(2023, 3, 22) in period
    assert date(2024, 3, 21) in period
    assert date(2024, 3, 22) not in period


def test_dates_are_typed_as_iso_or_as_the_day_first_dotted_form_and_shown_unambiguously():
    assert parse_date("2024-03-22") == date(2024, 3, 22)
    assert parse_date("22.3.2024") == date(2024, 3, 22)
    assert format_date(date(2024, 3, 22)) == "22 Mar 2024"
    assert format_date(date(2024, 1, 1)) == "1 Jan 2024"


@pytest.mark.parametrize("text", ["31.2.2024", "2024-13-01", "tomorrow", "", "1/2/2024"])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(InvalidDate):
        parse_date(text)


def test_terms_are_whole_months_between_one_month_and_ten_years():
    assert term_months(years=3) == 36
    assert term_months(months=1) == 1
    for bad in ({"years": 10_000}, {"months": 0}, {"years": -1}, {}, {"years": 1, "months": 1}):
        with pytest.raises(InvalidTerm):
            term_months(**bad)


def test_the_calendar_date_depends_on_the_accounts_time_zone():
    instant = datetime(2024, 3, 21, 23, 30, tzinfo=UTC)
    assert local_date(instant, "UTC") == date(2024, 3, 21)
    assert local_date(instant, "Europe/Ljubljana") == date(2024, 3, 22)
    assert local_date(instant, "America/Los_Angeles") == date(2024, 3, 21)
