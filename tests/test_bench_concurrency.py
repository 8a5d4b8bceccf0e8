"""The concurrency benchmark's parts that decide whether its figures mean anything (no timing is asserted):
its raw reference does a real redemption, a failing client stops the run, and without PostgreSQL it is
skipped, not run on SQLite."""

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import make_url

from bench import concurrency, raw_redeem
from bench.instances import drive
from tests.conftest import STAFF, TEST_KEY


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_raw_reference_redeems_a_code_as_the_product_sees_a_redemption_and_only_once(billing, database_url):
    now = datetime.now(UTC)
    billing.accounts.create_account(slug="acme", name="Acme", actor=STAFF, now=now)
    code = billing.issuing.issue_subscription_codes(
        solution="room", level="professional", units=5, term_months=12, actor=STAFF, now=now
    ).codes[0]
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    with psycopg.connect(conninfo) as connection:
        raw_redeem.redeem(connection, code.code, "acme", TEST_KEY)
        with pytest.raises(raw_redeem.Refused):
            raw_redeem.redeem(connection, code.code, "acme", TEST_KEY)

    room = billing.licenses.breakdown(account="acme", actor=STAFF, now=now).solutions
    assert [(s.solution, s.level, s.total) for s in room] == [("room", "professional", 5)]
    assert billing.codes.show(code=code.code, actor=STAFF, now=now).status == "redeemed"
    events = billing.events.list(actor=STAFF, now=now).events
    assert [e["type"] for e in events] == ["code.redeemed", "licenses.added"]


def test_a_client_that_fails_before_the_start_stops_the_run_with_its_error():
    def fails(barrier):
        raise RuntimeError("cannot connect")

    def waits(barrier):
        barrier.wait()

    with pytest.raises(RuntimeError, match="cannot connect"):
        drive([waits, fails, waits], start_within=30)


def test_without_postgresql_the_concurrency_benchmark_is_skipped_and_says_so(capsys):
    assert concurrency.run(postgres_url=None, quick=True) is True
    assert "Concurrency: skipped (it needs PostgreSQL" in capsys.readouterr().out
