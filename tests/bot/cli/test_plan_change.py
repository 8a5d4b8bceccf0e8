"""``joanbot licenses change``: the quote first, then exactly it; ``--withdraw``; bad input changes nothing."""

import pytest

from tests.bot.cli.conftest import counts, invoice_count
from tests.conftest import STAFF


def test_an_upgrade_prints_the_quote_then_the_invoice_with_the_credit_in_words(run, billing, card_customer):
    result = run("licenses", "change", "acme", "room", "--level", "enterprise", input="y\n")

    assert result.exit_code == 0, result.output
    assert "Professional yearly -> Enterprise yearly, at once (2 Jul 2021)" in result.output
    assert "3 x $20.00 x 1/2 = $30.00" in result.output and "Amount due: $15.00" in result.output
    assert (
        "Credit for the unused part of Room booking Professional, 2 Jul 2021 – 1 Jan 2022: $15.00"
        in (result.output.split("INV-000002")[1])
    )
    credits = run("credits", "acme")
    assert "Credit for the unused part of Room booking Professional" in credits.output


def test_a_change_declined_at_the_prompt_changes_nothing(run, billing, card_customer):
    result = run("licenses", "change", "acme", "room", "--level", "enterprise", input="n\n")

    assert result.exit_code == 1
    assert invoice_count(billing) == 1


def test_a_downgrade_is_scheduled_shown_in_the_breakdown_and_withdrawn(run, billing, card_customer):
    scheduled = run("licenses", "change", "acme", "room", "--level", "standard", "-y")
    shown = run("renewals", "acme")
    withdrawn = run("licenses", "change", "acme", "room", "--withdraw")

    assert scheduled.exit_code == 0 and "scheduled: Room booking changes to Standard on 1 Jan 2022" in scheduled.output
    assert "changes to Standard on 1 Jan 2022" in shown.output
    assert withdrawn.exit_code == 0 and "no longer changes to Standard on 1 Jan 2022" in withdrawn.output
    assert "changes to" not in run("renewals", "acme").output
    assert invoice_count(billing) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--level", "platinum"), "has no level 'platinum'"),
        (("--level", "professional"), "already on Room booking Professional"),
        (("--level", "standard", "--now"), "at the renewal on 1 Jan 2022"),
        (("--withdraw",), "no scheduled change"),
        ((), "say what to change"),
    ],
)
def test_bad_changes_are_one_line_and_change_nothing(run, billing, card_customer, args, message):
    result = run("licenses", "change", "acme", "room", *args, "-y")

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and message in result.output
    assert invoice_count(billing) == 1
    assert billing.licenses.cohorts(account="acme", actor=STAFF)[0].level == "professional"


def test_the_real_entry_point_changes_a_plan_and_refuses_a_reseller_account(joanbot, database_url):
    joanbot("accounts", "add", "globex", "Globex", "--pays", "card")
    joanbot("licenses", "start", "globex", "room", "professional", "3", "-y")
    joanbot("resellers", "add", "northwind", "Northwind")
    joanbot("accounts", "add", "acme", "Acme", "--reseller", "northwind")

    code, out, err = joanbot("licenses", "change", "globex", "room", "--level", "enterprise", "-y")
    assert code == 0, err
    assert "Enterprise yearly, at once" in out and "INV-000002" in out

    before = counts(database_url)
    code, _out, err = joanbot("licenses", "change", "acme", "room", "--level", "enterprise", "-y")
    assert code == 1 and "issue a code of the plan wanted" in err
    assert len(err.strip().splitlines()) == 1
    assert counts(database_url) == before
