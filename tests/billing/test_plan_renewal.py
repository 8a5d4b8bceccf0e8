"""Scheduled plan changes are carried out by the renewal in the daily sweep, exactly once."""

import pytest
from sqlalchemy import func, select

import billing.renewal
from billing.models import InvoiceLine, PlanChange
from tests.billing.builders import account, subscribe
from tests.conftest import STAFF, at


@pytest.fixture
def downgraded(billing):
    """3 Professional at $10/year renewing 1 Jan 2022, scheduled on 2 Jul 2021 to go to Standard ($5/year)."""
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    quote = billing.plans.quote(account="acme", solution="room", level="standard", actor=STAFF, now=at("2021-07-02"))
    billing.plans.commit(quote_id=quote.id, actor=STAFF, now=at("2021-07-02"))
    return billing


def _term_lines(db):
    with db.read() as session:
        return [
            (line.service_start.isoformat(), line.unit_minor, line.description)
            for line in session.scalars(select(InvoiceLine).where(InvoiceLine.kind == "term").order_by(InvoiceLine.id))
        ]


def _statuses(db):
    with db.read() as session:
        return list(session.scalars(select(PlanChange.status)))


def test_the_sweeps_renewal_invoices_the_lower_level_once_even_when_the_sweep_runs_twice(downgraded, db):
    """1 Jan 2022: 3 x $5.00 (Standard) = $15.00 for 1 Jan 2022 to 1 Jan 2023; the second sweep bills nothing."""
    downgraded.sweep.run(now=at("2022-01-01", hour=1))
    downgraded.sweep.run(now=at("2022-01-01", hour=23))

    assert _term_lines(db)[1:] == [("2022-01-01", 500, "Room booking Standard, 3 licenses renewed")]
    (cohort,) = downgraded.licenses.cohorts(account="acme", actor=STAFF)
    assert (cohort.level, cohort.ends_on.isoformat()) == ("standard", "2023-01-01")
    assert _statuses(db) == ["applied"]


def test_the_breakdown_shows_the_scheduled_change_until_the_renewal(downgraded):
    before = downgraded.licenses.breakdown(account="acme", actor=STAFF, now=at("2021-12-31"))
    assert before.solutions[0].lines[0].change == "changes to Standard on 1 Jan 2022"

    downgraded.sweep.run(now=at("2022-01-01"))

    after = downgraded.licenses.breakdown(account="acme", actor=STAFF, now=at("2022-01-02"))
    assert (after.solutions[0].level, after.solutions[0].lines[0].change) == ("standard", None)


def test_a_sweep_killed_in_the_middle_of_the_renewal_leaves_the_change_scheduled_and_the_rerun_applies_it_once(
    downgraded, db, monkeypatch
):
    real = billing.renewal.issue_invoice

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(billing.renewal, "issue_invoice", killed)
    with pytest.raises(KeyboardInterrupt):
        downgraded.renewals.renew_due(now=at("2022-01-01"))
    assert _statuses(db) == ["scheduled"] and len(_term_lines(db)) == 1
    assert downgraded.licenses.cohorts(account="acme", actor=STAFF)[0].level == "professional"

    monkeypatch.setattr(billing.renewal, "issue_invoice", real)
    downgraded.renewals.renew_due(now=at("2022-01-01"))
    downgraded.renewals.renew_due(now=at("2022-01-01"))

    assert [unit for _, unit, _ in _term_lines(db)] == [1000, 500]
    assert _statuses(db) == ["applied"]


def test_a_withdrawn_change_leaves_the_renewal_as_it_was(downgraded, db):
    downgraded.plans.withdraw(account="acme", solution="room", actor=STAFF, now=at("2021-12-01"))

    downgraded.sweep.run(now=at("2022-01-01"))

    assert _term_lines(db)[1:] == [("2022-01-01", 1000, "Room booking Professional, 3 licenses renewed")]
    assert _statuses(db) == ["withdrawn"]


def test_a_switch_to_monthly_renews_for_one_month_from_the_renewal_date(billing, db):
    """Yearly to monthly on 1 Jan 2022: 3 x $1.00 for 1 Jan to 1 Feb 2022, then monthly from that anchor."""
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    quote = billing.plans.quote(account="acme", solution="room", interval="month", actor=STAFF, now=at("2021-07-02"))
    billing.plans.commit(quote_id=quote.id, actor=STAFF, now=at("2021-07-02"))

    billing.renewals.renew_due(now=at("2022-02-01"))

    assert [(start, unit) for start, unit, _ in _term_lines(db)] == [
        ("2021-01-01", 1000),
        ("2022-01-01", 100),
        ("2022-02-01", 100),
    ]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(PlanChange)) == 1
