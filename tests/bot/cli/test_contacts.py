"""``joanbot accounts set|show`` and ``joanbot resellers set``: contact addresses for reminder emails."""

from click.testing import CliRunner

from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from tests.billing.builders import account, reseller
from tests.conftest import STAFF, at
from tests.mail.conftest import customers_with_contacts
from tests.mail.smtpd import SmtpServer


def test_accounts_set_stores_normalized_addresses_and_show_lists_them(billing, run):
    account(billing, now=at("2021-01-01"))

    result = run("accounts", "set", "acme", "--email", "IT@Acme.Example", "--email", "boss@acme.example")
    shown = run("accounts", "show", "acme")

    assert result.exit_code == 0, result.output
    assert "acme contacts: IT@acme.example, boss@acme.example" in result.output
    assert "contacts  IT@acme.example, boss@acme.example" in shown.output


def test_accounts_set_with_no_email_clears_the_contacts(billing, run):
    account(billing, now=at("2021-01-01"))
    run("accounts", "set", "acme", "--email", "it@acme.example")

    result = run("accounts", "set", "acme", "--no-email")

    assert "acme contacts: none" in result.output
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ()


def test_a_bad_address_is_refused_in_one_line_and_changes_nothing(billing, run):
    account(billing, now=at("2021-01-01"))
    run("accounts", "set", "acme", "--email", "it@acme.example")

    result = run("accounts", "set", "acme", "--email", "ok@acme.example", "--email", "not an address")

    assert result.exit_code == 1
    assert "'not an address' is not an email address" in result.output
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ("it@acme.example",)


def test_accounts_set_needs_email_or_no_email(billing, run):
    account(billing, now=at("2021-01-01"))

    assert run("accounts", "set", "acme").exit_code == 2


def test_resellers_set_stores_the_resellers_contacts_and_the_list_shows_them(billing, run):
    reseller(billing, now=at("2021-01-01"))

    result = run("resellers", "set", "northwind", "--email", "sales@northwind.example")

    assert "northwind contacts: sales@northwind.example" in result.output
    assert "sales@northwind.example" in run("resellers").output


def _sweep(billing, environ):
    runtime = Runtime(billing=billing, environ=environ, clock=SimulatedClock(at("2024-06-01")))
    return CliRunner().invoke(cli, ["sweep", "--date", "2024-11-17"], obj=Context(runtime, actor=STAFF))


def test_a_sweep_without_smtp_url_says_once_that_nothing_is_emailed(billing):
    customers_with_contacts(billing)

    result = _sweep(billing, {})

    assert result.exit_code == 0, result.output
    assert result.output.count("not emailed: JOANBOT_SMTP_URL is not set") == 1


def test_a_sweep_with_smtp_url_emails_the_days_reminders(billing):
    customers_with_contacts(billing)
    with SmtpServer() as smtp:
        result = _sweep(billing, {"JOANBOT_SMTP_URL": smtp.url, "JOANBOT_MAIL_FROM": "renewals@vendor.example"})

    assert result.exit_code == 0, result.output
    assert "Emailed 3 reminder emails; none pending." in result.output
    assert {str(r.message["From"]) for r in smtp.recorder.received} == {"renewals@vendor.example"}


def test_more_than_ten_addresses_are_refused_and_the_old_ones_kept(billing, run):
    account(billing, now=at("2021-01-01"))
    run("accounts", "set", "acme", "--email", "it@acme.example")
    eleven = [arg for n in range(11) for arg in ("--email", f"person{n}@acme.example")]

    result = run("accounts", "set", "acme", *eleven)

    assert result.exit_code == 1 and "at most 10 contact addresses" in result.output
    assert billing.accounts.get_account(slug="acme", actor=STAFF).contact_emails == ("it@acme.example",)
