from sqlalchemy import func, select, update

from billing.models import Cohort, Invoice, InvoiceLine
from tests.billing.builders import account, subscribe
from tests.conftest import STAFF, at


def _invoice_count(db):
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Invoice))


def test_renewal_invoices_the_next_full_period_and_moves_the_renewal_date_on(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    run = billing.renewals.renew_due(now=at("2022-01-01"))

    (invoice,) = run.invoices
    (line,) = invoice.lines
    assert (line.service_start.isoformat(), line.service_end.isoformat(), line.quantity) == (
        "2022-01-01",
        "2023-01-01",
        3,
    )
    assert billing.licenses.cohorts(account="acme", actor=STAFF)[0].ends_on.isoformat() == "2023-01-01"


def test_nothing_is_renewed_before_the_renewal_date(billing):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    assert billing.renewals.renew_due(now=at("2021-12-31")).invoices == ()


def test_renewing_twice_on_the_same_day_bills_once(billing, db):
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))

    first = billing.renewals.renew_due(now=at("2022-01-01", hour=1))
    second = billing.renewals.renew_due(now=at("2022-01-01", hour=23))

    assert len(first.invoices) == 1 and second.invoices == ()
    assert _invoice_count(db) == 2


def test_a_sweep_that_finds_a_period_already_billed_is_stopped_by_the_uniqueness_constraint(billing, db):
    """As if a crash (or a second instance) left the renewal date behind after the period was billed."""
    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    billing.renewals.renew_due(now=at("2022-01-01"))
    with db.write() as session:
        session.execute(update(Cohort).values(ends_on=at("2022-01-01").date()))

    run = billing.renewals.renew_due(now=at("2022-01-01"))

    assert run.invoices == () and run.already_billed == 1
    assert _invoice_count(db) == 2
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(InvoiceLine).where(InvoiceLine.kind == "term")) == 2


def test_missed_periods_are_caught_up_one_invoice_each_from_the_anchor(billing):
    account(billing, pays="card", now=at("2021-01-31"))
    subscribe(billing, 2, interval="month", now=at("2021-01-31"))

    run = billing.renewals.renew_due(now=at("2021-05-01"))

    assert [(i.lines[0].service_start.isoformat(), i.lines[0].service_end.isoformat()) for i in run.invoices] == [
        ("2021-02-28", "2021-03-31"),
        ("2021-03-31", "2021-04-30"),
        ("2021-04-30", "2021-05-31"),
    ]
    assert billing.renewals.renew_due(now=at("2021-05-01")).invoices == ()


def test_the_renewal_date_is_a_date_in_the_accounts_time_zone(billing):
    account(billing, pays="card", tz="Pacific/Auckland", now=at("2020-12-31"))
    start = subscribe(billing, 3, now=at("2020-12-31"))  # noon UTC: 1 Jan 2021, 01:00 in Auckland
    assert start.quote.renews_on.isoformat() == "2022-01-01"

    assert billing.renewals.renew_due(now=at("2021-12-31", hour=10)).invoices == ()  # 23:00 on 31 Dec there
    assert len(billing.renewals.renew_due(now=at("2021-12-31", hour=12)).invoices) == 1  # 01:00 on 1 Jan


def test_renewal_takes_the_units_after_every_change(billing):
    from tests.billing.builders import add, reduce

    account(billing, pays="card", now=at("2021-01-01"))
    subscribe(billing, 3, now=at("2021-01-01"))
    add(billing, 5, now=at("2021-03-01"))
    reduce(billing, 2, now=at("2021-06-01"))

    (invoice,) = billing.renewals.renew_due(now=at("2022-01-01")).invoices

    assert invoice.lines[0].quantity == 6 and str(invoice.total) == "$60.00"
