"""The money commands of the ops CLI, on the test database, at a fixed date."""

import pytest
from click.testing import CliRunner

import bot.cli_money
from bot.cli import cli
from bot.clikit import Context
from tests.billing.builders import account, credit, subscribe
from tests.conftest import STAFF, at

TODAY = "2021-07-02"


@pytest.fixture
def run(billing, monkeypatch):
    monkeypatch.setattr(bot.cli_money, "now_utc", lambda: at(TODAY))
    context = Context()
    context._billing = billing
    context.actor = STAFF

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), obj=context, input=input)

    return invoke


@pytest.fixture
def card_customer(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))


def _invoice_count(billing):
    return len(billing.invoices.list(account="acme", actor=STAFF))


def test_licenses_add_shows_the_quote_then_invoices_it(run, billing, card_customer):
    result = run("licenses", "add", "acme", "room", "3", input="y\n")

    assert result.exit_code == 0, result.output
    assert "3 x $10.00/year x 1/2 = $15.00 for 2 Jul 2021 to 1 Jan 2022" in result.output
    assert "INV-000002" in result.output and "owed $15.00" in result.output
    assert _invoice_count(billing) == 2


def test_licenses_add_declined_at_the_prompt_changes_nothing(run, billing, card_customer):
    result = run("licenses", "add", "acme", "room", "3", input="n\n")

    assert result.exit_code == 1
    assert _invoice_count(billing) == 1


def test_licenses_reduce_credits_the_unused_part(run, billing, card_customer):
    result = run("licenses", "reduce", "acme", "room", "1", "--yes")

    assert result.exit_code == 0, result.output
    assert "credited $5.00 to acme" in result.output


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
    ],
)
def test_bad_input_is_one_line_a_non_zero_exit_and_changes_nothing(run, billing, card_customer, args):
    result = run(*args)

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("Error: ")
    (invoice,) = billing.invoices.list(account="acme", actor=STAFF)
    assert (invoice.amount_paid.minor, _invoice_count(billing)) == (0, 1)
    assert billing.licenses.cohorts(account="acme", actor=STAFF)[0].units == 3


def test_payments_record_pays_the_invoice_in_its_currency(run, billing, card_customer):
    result = run("payments", "record", "INV-000001", "30")

    assert result.exit_code == 0, result.output
    assert "paid  total $30.00  credit $0.00  paid $30.00  owed $0.00" in result.output


def test_invoices_lists_each_invoice_with_its_lines(run, card_customer):
    result = run("invoices", "acme")

    assert result.exit_code == 0
    assert "INV-000001  issued 1 Jan 2021  due 1 Jan 2021  open  total $30.00" in result.output
    assert "1 Jan 2021 to 1 Jan 2022, 3 x $10.00 x 1/1 = $30.00" in result.output


def test_credits_shows_balances_and_top_ups(run, billing):
    account(billing, now=at("2021-01-01"))
    credit(billing, "50", now=at("2021-01-02"))

    result = run("credits", "acme")

    assert result.exit_code == 0
    assert "USD: $50.00 (topped-up $50.00, promo $0.00, adjustments $0.00)" in result.output
    assert "$50.00  2 Jan 2021  topped_up" in result.output


def test_debt_and_renew_report_what_is_owed_and_what_was_renewed(run, billing, card_customer):
    assert "total owed: $30.00" in run("debt").output
    assert "0 renewal invoice(s)" in run("renew").output
