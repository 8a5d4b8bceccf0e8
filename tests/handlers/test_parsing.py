from __future__ import annotations

from datetime import date

import pytest

from handlers.parsing import (
    Usage,
    account_input,
    credit_input,
    issue_input,
    redeem_input,
    reseller_input,
    split,
    staff_input,
)


def test_options_may_stand_anywhere_after_the_subcommand():
    one = issue_input(split("code issue room count=3 professional 10 years=2 reseller=northwind"))
    two = issue_input(split("code issue room professional 10 reseller=northwind years=2 count=3"))
    assert one == two
    assert (one.solution, one.level, one.units, one.term_months, one.count) == ("room", "professional", 10, 24, 3)


def test_issue_defaults_to_one_year_and_reads_dates_both_ways():
    assert issue_input(split("code issue desk standard 5")).term_months == 12
    assert issue_input(split("code issue desk standard 5 months=6")).term_months == 6
    assert issue_input(split("code issue desk standard 5 redeem-by=22.3.2026")).redeem_by == date(2026, 3, 22)
    assert issue_input(split("code issue desk standard 5 redeem-by=2026-03-22")).redeem_by == date(2026, 3, 22)


def test_a_quoted_reference_keeps_its_spaces_even_with_slacks_smart_quotes():
    assert issue_input(split("code issue desk standard 5 ref=\u201cPI 2026 001\u201d")).reference == "PI 2026 001"


def test_credit_takes_amount_currency_and_the_promo_flag():
    credit = credit_input(split("code credit 1,012.50 eur promo count=2"))
    assert (credit.amount, credit.currency, credit.source, credit.count) == ("1,012.50", "EUR", "promo", 2)
    assert credit_input(split("code credit 50 USD")).source == "topped_up"


def test_redeem_takes_a_code_typed_with_spaces_and_the_renewal():
    given = redeem_input(split("redeem ABCDE FGHJK MNPQR STVWX YZ012 Acme renews=12"))
    assert (given.code, given.account, given.renews) == ("ABCDEFGHJKMNPQRSTVWXYZ012", "acme", 12)


def test_names_take_the_rest_of_the_words():
    assert account_input(split("account new acme Acme Inc. tz=Europe/Ljubljana")).name == "Acme Inc."
    assert reseller_input(split("reseller new north North Wind team=T0NORTH")).team == "T0NORTH"


def test_staff_mentions_are_read_as_user_ids():
    assert staff_input(split("staff add <@U012ABC|alice> Admin")).user_id == "U012ABC"
    assert staff_input(split("staff remove U012ABC")).role is None


@pytest.mark.parametrize(
    "text",
    [
        "code issue room pro",
        "code issue room pro x",
        "redeem onlycode",
        "code issue a b 1 years=1 months=1",
        "code issue a b 1 count=1001",
        "staff add alice admin",
        "code credit 5 USD colour=red",
    ],
)
def test_bad_text_raises_usage_with_the_subcommands_usage(text):
    parsed = split(text)
    parser = {"code issue": issue_input, "redeem": redeem_input, "staff add": staff_input, "code credit": credit_input}[
        parsed.name
    ]
    with pytest.raises(Usage) as raised:
        parser(parsed)
    assert raised.value.usage.startswith("/joan " + parsed.name)


def test_empty_text_is_help_and_two_word_groups_need_their_second_word():
    assert split("").name == "help"
    assert split("code").name == "code" and split("CODE Show x").name == "code show"
    assert split("account acme").name == "account" and split("account new a b").name == "account new"
