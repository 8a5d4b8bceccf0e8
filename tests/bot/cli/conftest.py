"""The ops CLI's fixtures: ``joanbot`` runs the real entry point on the test database; ``run`` invokes the
commands on the test's billing core at a fixed date."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from billing.db import Base, Database
from bot.cli import cli, main
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from tests.billing.builders import account, subscribe
from tests.conftest import STAFF, at

TODAY = "2021-07-02"


@pytest.fixture
def joanbot(database_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JOANBOT_CODE_KEY", "cli-test-key-" + "x" * 32)
    monkeypatch.setenv("JOANBOT_OPERATOR", "ops")
    monkeypatch.delenv("JOANBOT_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def run(billing):
    context = Context(Runtime(billing=billing, clock=SimulatedClock(at(TODAY))), actor=STAFF)

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), obj=context, input=input)

    return invoke


@pytest.fixture
def card_customer(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))


def counts(database_url):
    """Rows per table, except the failed redemption attempts (recorded on purpose, for rate limits)."""
    db = Database.from_url(database_url)
    try:
        with db.read() as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
                if t.name != "redeem_attempts"
            }
    finally:
        db.dispose()


def issued(out: str) -> str:
    return next(line.strip() for line in out.splitlines() if line.startswith("  ") and line.count("-") == 4)


def invoice_count(billing):
    return len(billing.invoices.list(account="acme", actor=STAFF))
