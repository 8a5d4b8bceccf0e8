from fractions import Fraction

import pytest

from billing.money import CurrencyMismatch, InvalidAmount, Money, UnknownCurrency, round_minor


def test_rounding_is_half_up_once():
    assert round_minor(Fraction(5, 2)) == 3
    assert round_minor(Fraction(3, 2)) == 2  # not banker's rounding
    assert round_minor(Fraction(-5, 2)) == -3
    assert round_minor(Fraction(2499, 1000)) == 2


def test_money_is_parsed_into_minor_units_of_its_currency():
    assert Money.parse("12.5", "usd") == Money(1250, "USD")
    assert Money.parse("50", "AED") == Money(5000, "AED")


def test_commas_group_thousands_and_a_point_starts_the_decimals():
    assert Money.parse("1,000", "USD") == Money(100_000, "USD")
    assert Money.parse("1,000.50", "EUR") == Money(100_050, "EUR")
    assert Money.parse("$1,000,000", "USD") == Money(100_000_000, "USD")


@pytest.mark.parametrize("text", ["12,50", "12,5", "1,000,50"])
def test_a_comma_that_could_be_a_decimal_comma_is_refused_saying_why(text):
    with pytest.raises(InvalidAmount, match=r"a comma only separates thousands|groups of three"):
        Money.parse(text, "EUR")


@pytest.mark.parametrize("text", ["12.505", "-5", "abc", "", "1e3", "1,00,000", "1.000,50"])
def test_amounts_that_are_not_money_are_refused(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text, "USD")


def test_unknown_currencies_are_refused():
    with pytest.raises(UnknownCurrency):
        Money.parse("5", "BTC")


def test_money_never_mixes_currencies():
    with pytest.raises(CurrencyMismatch):
        Money(100, "USD") + Money(100, "EUR")


def test_money_is_never_a_float():
    with pytest.raises(InvalidAmount):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_money_multiplies_exactly_and_rounds_once():
    assert Money(1000, "USD").times(Fraction(6, 12)) == Money(500, "USD")
    assert Money(1, "USD").times(Fraction(1, 2)) == Money(1, "USD")


def test_money_is_shown_with_its_symbol_or_code():
    assert str(Money(1500, "USD")) == "$15.00"
    assert str(Money(123456, "EUR")) == "€1,234.56"
    assert str(Money(5000, "AED")) == "50.00 AED"
    assert Money(-250, "GBP").plain() == "-2.50"
