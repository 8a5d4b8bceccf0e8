"""``joanbot import DIR [--apply]`` and ``joanbot export DIR``, and the account commands that correct what
changes, through the real entry point (its exit statuses) and on the test's billing core."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from billing.book_rows import ACCOUNTS, FILES, LICENSES, RESELLERS
from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock, SystemClock
from bot.runtime import Runtime
from tests.billing.books import book, write_book
from tests.billing.test_book_import import BAD_BOOK
from tests.bot.cli.conftest import counts
from tests.conftest import STAFF, at


@pytest.fixture
def clock():
    return SimulatedClock(at("2023-03-15"))


@pytest.fixture
def run(billing, clock):
    """The commands on the test's billing core, on a clock the test moves."""
    context = Context(Runtime(billing=billing, clock=clock), actor=STAFF)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), obj=context)

    return invoke


def test_the_seeds_example_imported_with_the_cli_then_5_redeemed_breaks_down_into_15(billing, run, clock, tmp_path):
    directory = write_book(tmp_path / "book", book())

    dry = run("import", str(directory))
    applied = run("import", str(directory), "--apply")
    clock.now = at("2023-03-22")
    run(
        "codes",
        "issue",
        "room",
        "professional",
        "5",
        "--years",
        "1",
        "--account",
        "acme",
        "--csv",
        str(tmp_path / "c.csv"),
    )
    code = (tmp_path / "c.csv").read_text().splitlines()[1].split(",")[0]
    redeemed = run("redeem", code, "acme", "--yes")
    shown = run("renewals", "acme")

    assert dry.exit_code == 0, dry.output
    assert "licenses.csv         1 new       0 unchanged       0 conflicting       0 invalid" in dry.output
    assert "Run again with --apply" in dry.output
    assert applied.exit_code == 0 and "Imported 3 new row(s) in one transaction." in applied.output
    assert redeemed.exit_code == 0, redeemed.output
    assert shown.output.splitlines()[1:] == [
        "  Room booking Professional (device licenses): 15 available, 0 in use",
        "    10 renewing 1 Jan 2024",
        "    5 renewing 22 Mar 2024",
    ]


def test_a_bad_book_lists_every_problem_exits_1_and_apply_writes_nothing(joanbot, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(SystemClock, "__call__", lambda self: at("2023-03-15"))
    directory = write_book(tmp_path / "book", BAD_BOOK)
    joanbot("catalog", "load")
    joanbot("accounts", "add", "taken", "Taken", "--pays", "card")
    before = counts(database_url)

    code, out, err = joanbot("import", str(directory))
    applied, _, _ = joanbot("import", str(directory), "--apply")

    assert code == 1 and applied == 1
    problems = [line for line in out.splitlines() if line.split(":")[0] in FILES]
    assert len(problems) == 11
    assert "licenses.csv:7: level: overlaps line 6's standard block" in out
    assert "11 problem(s) in the book; nothing was written" in err
    assert counts(database_url) == before


def test_a_missing_file_is_a_problem_not_a_crash(joanbot, tmp_path):
    contents = book()
    contents[RESELLERS] = None
    directory = write_book(tmp_path / "book", contents)
    joanbot("catalog", "load")

    code, out, _ = joanbot("import", str(directory))

    assert code == 1
    assert "resellers.csv:0: file: missing" in out


def test_export_writes_the_three_files_and_never_over_existing_ones(billing, run, tmp_path):
    run("import", str(write_book(tmp_path / "book", book())), "--apply")

    exported = run("export", str(tmp_path / "out"))
    again = run("export", str(tmp_path / "out"))

    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "out" / LICENSES).read_text() == (
        "account,solution,level,units,starts,renews,interval,reference\n"
        "acme,room,professional,10,2023-01-01,2024-01-01,,PF-2023-001\n"
    )
    assert (tmp_path / "out" / ACCOUNTS).read_bytes() == book()[ACCOUNTS]
    assert again.exit_code == 1 and "never written over" in again.output


def test_accounts_set_close_and_reopen_through_the_cli(billing, run):
    run("resellers", "add", "northwind", "Northwind")
    run("accounts", "add", "acme", "Acme", "--reseller", "northwind")

    moved = run("accounts", "set", "acme", "--name", "Acme Corp", "--direct", "--pays", "card", "--tz", "Europe/Paris")
    both = run("accounts", "set", "acme", "--reseller", "northwind", "--direct")
    closed = run("accounts", "close", "acme")
    twice = run("accounts", "close", "acme")
    shown = run("accounts", "show", "acme")
    reopened = run("accounts", "reopen", "acme")

    assert moved.exit_code == 0, moved.output
    assert "acme: Acme Corp, pays card (direct), USD, Europe/Paris" in moved.output
    assert both.exit_code == 2
    assert closed.exit_code == 0 and "Closed Acme Corp (acme)" in closed.output
    assert twice.exit_code == 1 and "already closed" in twice.output
    assert "closed" in shown.output
    assert reopened.exit_code == 0 and "Reopened Acme Corp (acme)." in reopened.output


def test_the_cli_refuses_what_breaks_a_rule_saying_why(billing, run):
    run("accounts", "add", "globex", "Globex", "--pays", "card")
    run("licenses", "start", "globex", "room", "professional", "3", "-y")

    currency = run("accounts", "set", "globex", "--currency", "EUR")
    to_reseller = (
        run("resellers", "add", "northwind", "Northwind"),
        run("accounts", "set", "globex", "--reseller", "northwind", "--pays", "reseller"),
    )
    close = run("accounts", "close", "globex")

    assert currency.exit_code == 1 and "already has an invoice in USD, so its currency stays" in currency.output
    assert to_reseller[1].exit_code == 1 and "cancel it first" in to_reseller[1].output
    assert close.exit_code == 1 and "has a renewing subscription: cancel it first" in close.output
    assert billing.accounts.get_account(slug="globex", actor=STAFF).currency == "USD"
