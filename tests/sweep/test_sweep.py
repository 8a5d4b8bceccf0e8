"""The billing half of the daily sweep: housekeeping, reminders and money alerts in one idempotent run."""

from sqlalchemy import func, select

from billing.models import Invoice, ReminderNotice
from tests.billing.builders import account, add, credit, licenses, reseller, subscribe
from tests.conftest import STAFF, at


def _kinds(billing):
    return sorted(a.kind for a in billing.alerts.open_alerts(actor=STAFF))


def test_the_sweep_auto_renews_card_subscriptions_once_however_often_it_runs(billing):
    account(billing, pays="card", now=at("2024-01-01"))
    subscribe(billing, 3, now=at("2024-01-01"))
    for hour in (1, 9, 17):
        billing.sweep.run(now=at("2025-01-01", hour=hour))
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 2  # the first and one renewal
        assert session.scalar(select(func.count()).select_from(ReminderNotice)) == 0  # auto-renewing: no reminders


def test_an_overdue_invoice_and_short_credit_raise_alerts_without_a_reseller(billing):
    account(billing, pays="credits", now=at("2021-01-01"))
    credit(billing, "50", now=at("2021-01-01"))
    subscribe(billing, 10, level="standard", now=at("2021-01-01"))  # $50, paid from credit
    credit(billing, "50", now=at("2021-07-02"))
    add(billing, 10, now=at("2021-07-02"))  # $25 from credit, $25 left; the renewal will cost $100

    billing.sweep.run(now=at("2021-12-20"))
    (short,) = billing.alerts.open_alerts(actor=STAFF)
    assert (short.kind, short.reseller_id, short.details["needed"], short.details["balance"]) == (
        "credit_short",
        None,
        "$100.00",
        "$25.00",
    )

    billing.sweep.run(now=at("2022-01-01"))  # renews: $100 invoice, $25 credit, $75 owed, due at once
    billing.sweep.run(now=at("2022-01-02"))
    assert "overdue_invoice" in _kinds(billing)
    overdue = next(a for a in billing.alerts.open_alerts(actor=STAFF) if a.kind == "overdue_invoice")
    assert overdue.details["owed"] == "$75.00" and overdue.reseller_id is None


def test_a_dry_run_decides_without_writing(billing):
    reseller(billing, now=at("2024-01-01"))
    account(billing, reseller="northwind", now=at("2024-01-01"))
    licenses(billing, now=at("2024-01-01"))
    report = billing.sweep.run(now=at("2024-12-20"), dry_run=True)
    assert [(d.threshold, d.days_left) for d in report.due] == [(14, 12)]
    with billing.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ReminderNotice)) == 0
