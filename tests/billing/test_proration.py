from datetime import date
from fractions import Fraction

import pytest

from billing.periods import Period
from billing.proration import (
    OutsidePeriod,
    UnknownPolicy,
    days_fraction,
    fraction,
    months_fraction,
    policy_named,
)

YEAR_2025 = Period(date(2025, 1, 1), date(2026, 1, 1))
YEAR_2021 = Period(date(2021, 1, 1), date(2022, 1, 1))


def test_month_policy_counts_may_to_december_as_eight_twelfths_on_3_may_2025():
    assert months_fraction(period=YEAR_2025, on=date(2025, 5, 3)) == Fraction(8, 12)


def test_day_policy_counts_243_of_365_days_on_3_may_2025():
    assert days_fraction(period=YEAR_2025, on=date(2025, 5, 3)) == Fraction(243, 365)


def test_month_policy_makes_2_jul_2021_half_the_year_and_the_day_policy_183_of_365_days():
    assert fraction("months", period=YEAR_2021, on=date(2021, 7, 2)) == Fraction(1, 2)
    assert fraction("days", period=YEAR_2021, on=date(2021, 7, 2)) == Fraction(183, 365)


def test_month_policy_counts_the_month_of_the_change_whole_from_its_first_to_its_last_day():
    assert months_fraction(period=YEAR_2021, on=date(2021, 7, 1)) == Fraction(6, 12)
    assert months_fraction(period=YEAR_2021, on=date(2021, 7, 31)) == Fraction(6, 12)
    assert months_fraction(period=YEAR_2021, on=date(2021, 8, 1)) == Fraction(5, 12)


def test_both_policies_charge_the_whole_period_on_its_first_day_and_a_sliver_on_its_last():
    assert fraction("months", period=YEAR_2025, on=date(2025, 1, 1)) == 1
    assert fraction("days", period=YEAR_2025, on=date(2025, 1, 1)) == 1
    assert fraction("months", period=YEAR_2025, on=date(2025, 12, 31)) == Fraction(1, 12)
    assert fraction("days", period=YEAR_2025, on=date(2025, 12, 31)) == Fraction(1, 365)


def test_billing_months_of_a_31_jan_anchor_follow_the_anchor_not_the_clamped_period_start():
    # Period 28 Feb 2025 .. 31 Mar 2025 (monthly, anchored 31 Jan): one billing month, whole on any day.
    period = Period(date(2025, 2, 28), date(2025, 3, 31))
    assert months_fraction(period=period, on=date(2025, 3, 30), anchor=date(2025, 1, 31)) == 1


def test_a_leap_year_period_has_366_days():
    leap = Period(date(2024, 1, 1), date(2025, 1, 1))
    assert days_fraction(period=leap, on=date(2024, 7, 2)) == Fraction(183, 366)


def test_a_change_outside_the_period_is_refused():
    with pytest.raises(OutsidePeriod):
        months_fraction(period=YEAR_2025, on=date(2026, 1, 1))
    with pytest.raises(OutsidePeriod):
        days_fraction(period=YEAR_2025, on=date(2024, 12, 31))


def test_policy_names_are_months_or_days():
    assert policy_named(" Days ") == "days"
    with pytest.raises(UnknownPolicy):
        policy_named("seconds")
