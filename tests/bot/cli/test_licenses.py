"""``joanbot licenses``: each change shows its quote, then commits exactly it."""

import pytest

from tests.billing.builders import account
from tests.bot.cli.conftest import invoice_count
from tests.conftest import STAFF, at


def test_licenses_add_shows_the_quote_then_invoices_it(run, billing, card_customer):
    result = run("licenses", "add", "acme", "room", "3", input="y\n")

    assert result.exit_code == 0, result.output
    assert (
        "Room booking Professional, 3 licenses added: 2 Jul 2021 to 1 Jan 2022, 3 x $10.00 x 1/2 = $15.00"
        in result.output
    )
    assert "Amount due: $15.00" in result.output
    assert "INV-000002" in result.output and "owed $15.00" in result.output
    assert invoice_count(billing) == 2


def test_licenses_add_declined_at_the_prompt_changes_nothing(run, billing, card_customer):
    result = run("licenses", "add", "acme", "room", "3", input="n\n")

    assert result.exit_code == 1
    assert invoice_count(billing) == 1


def test_licenses_reduce_credits_the_unused_part(run, billing, card_customer):
    result = run("licenses", "reduce", "acme", "room", "1", "--yes")

    assert result.exit_code == 0, result.output
    assert "Credited $5.00 to Acme" in result.output


def test_licenses_start_and_cancel(run, billing):
    account(billing, "globex", pays="invoice", now=at("2021-01-01"))

    started = run("licenses", "start", "globex", "desk", "standard", "2", "-y")
    cancelled = run("licenses", "cancel", "globex", "desk", "-y")

    assert started.exit_code == 0 and "owed $24.00" in started.output
    assert cancelled.exit_code == 0 and "stay until 2 Jul 2022" in cancelled.output


@pytest.mark.parametrize(
    "args",
    [
        ("licenses", "add", "acme", "room", "0", "-y"),
        ("licenses", "add", "nobody", "room", "1", "-y"),
        ("licenses", "reduce", "acme", "room", "3", "-y"),
        ("licenses", "start", "acme", "room", "professional", "1", "-y"),
        ("payments", "record", "INV-000001", "30.01"),
        ("payments", "record", "INV-000001", "ten"),
        ("payments", "record", "INV-999999", "1"),
        ("payments", "record", "INV-000001", "-5"),
        ("licenses", "add", "acme", "room", "-1", "-y"),
        ("licenses", "reduce", "acme", "room", "-2", "-y"),
        ("licenses", "start", "acme", "desk", "standard", "-1", "-y"),
    ],
)
def test_bad_input_is_one_line_a_non_zero_exit_and_changes_nothing(run, billing, card_customer, args):
    result = run(*args)

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: ")
    (invoice,) = billing.invoices.list(account="acme", actor=STAFF)
    assert (invoice.amount_paid.minor, invoice_count(billing)) == (0, 1)
    assert billing.licenses.cohorts(account="acme", actor=STAFF)[0].units == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("licenses", "start", "acme", "desk", "standard", "-1", "-y"), "units must be between 1 and 100,000"),
        (("licenses", "add", "acme", "room", "-1", "-y"), "units must be between 1 and 100,000"),
        (("payments", "record", "INV-000001", "-5"), "'-5' is not an amount of USD"),
        (("audit", "--limit", "-5"), "the limit must be between 1 and 1,000"),
        (("codes", "issue", "room", "standard", "5", "--count", "-2"), "count must be between 1 and 100,000"),
        (("redeem", "CODE", "acme", "--renews", "-1", "-y"), "not a pre-paid code"),
    ],
)
def test_a_negative_number_gets_the_rule_it_breaks_not_a_usage_error(run, card_customer, args, message):
    result = run(*args)

    assert result.exit_code == 1, result.output
    assert message in result.output and "No such option" not in result.output


def test_a_subscription_starting_more_than_one_term_ahead_is_refused_before_anything_is_invoiced(run, billing):
    account(billing, pays="card", now=at("2021-07-01"))

    far = run("licenses", "start", "acme", "room", "professional", "3", "--starts", "2099-01-01", "--yes")
    next_year = run("licenses", "start", "acme", "room", "professional", "3", "--starts", "2022-07-02", "--yes")

    assert far.exit_code == 1
    assert "can start at most one year ahead (by 2 Jul 2022), not on 1 Jan 2099" in far.output
    assert next_year.exit_code == 0, next_year.output
    assert invoice_count(billing) == 1


def test_one_license_added_is_said_in_the_singular_and_large_counts_with_thousands_separators(run, billing):
    account(billing, pays="card", now=at("2021-07-01"))
    run("licenses", "start", "acme", "room", "professional", "3", "--yes")

    one = run("licenses", "add", "acme", "room", "1", "--yes")
    many = run("licenses", "add", "acme", "room", "99,996", "--yes")

    assert "Room booking Professional, 1 license added:" in one.output and "1 licenses" not in one.output
    assert "Adds 99,996 Room booking Professional licenses for Acme (100,000 in all)" in many.output
    assert "99,996 licenses added: 2 Jul 2021 to 2 Jul 2022, 99,996 x $10.00 x 1/1 = $999,960.00" in many.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("licenses", "add", "acme", "room", "three", "-y"), "units must be a whole number, not 'three'"),
        (("audit", "--limit", "lots"), "the limit must be a whole number"),
        (("sweep", "--date", "2026-13-45"), "--date"),
    ],
)
def test_a_number_or_a_date_that_is_not_one_is_bad_usage_exit_2_as_the_readme_says(run, card_customer, args, message):
    result = run(*args)

    assert result.exit_code == 2, result.output
    assert message in result.output
