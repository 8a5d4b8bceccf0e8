from datetime import date, timedelta

from sqlalchemy import select

from billing.models import ReminderNotice
from billing.reminders import threshold_due
from tests.billing.builders import account, code, licenses, redeem
from tests.conftest import at


def _notices(billing):
    with billing.db.read() as session:
        notices = session.scalars(select(ReminderNotice).order_by(ReminderNotice.id))
        return [(n.threshold, n.due_on, n.late) for n in notices]


def _sweep_daily(billing, first: date, last: date, *, twice=False):
    day = first
    while day <= last:
        billing.reminders.plan(now=at(day.isoformat()))
        if twice:
            assert billing.reminders.plan(now=at(day.isoformat(), hour=18)) == 0
        day += timedelta(days=1)


def test_reminders_come_45_30_14_and_7_days_before_the_renewal_date_once_each(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, now=at("2024-01-01"))  # renews 1 Jan 2025
    _sweep_daily(billing, date(2024, 10, 1), date(2025, 1, 3), twice=True)
    renewal = date(2025, 1, 1)
    assert _notices(billing) == [(t, renewal - timedelta(days=t), False) for t in (45, 30, 14, 7)]


def test_after_missed_days_only_the_most_recent_threshold_is_sent_late(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, now=at("2024-01-01"))  # renews 1 Jan 2025
    billing.reminders.plan(now=at("2024-11-16"))  # D-46: nothing yet
    billing.reminders.plan(now=at("2024-12-19"))  # D-13, after a month of silence
    assert _notices(billing) == [(14, date(2024, 12, 18), True)]
    _sweep_daily(billing, date(2024, 12, 20), date(2024, 12, 31))
    assert _notices(billing)[1:] == [(7, date(2024, 12, 25), False)]


def test_no_reminder_whose_threshold_had_passed_when_the_cohort_was_created(billing):
    account(billing, now=at("2024-01-01"))
    licenses(billing, months=1, now=at("2024-01-01"))  # renews 1 Feb 2024: 31 days ahead
    _sweep_daily(billing, date(2024, 1, 1), date(2024, 2, 2))
    assert [t for t, _, _ in _notices(billing)] == [30, 14, 7]


def test_a_renewed_cohort_gets_no_more_reminders(billing):
    account(billing, now=at("2024-01-01"))
    old = licenses(billing, now=at("2024-01-01"))
    _sweep_daily(billing, date(2024, 11, 10), date(2024, 11, 20))  # the 45-day one
    redeem(billing, code(billing, now=at("2024-11-21")), now=at("2024-11-21"), renews=old.cohort_id)
    _sweep_daily(billing, date(2024, 11, 21), date(2024, 12, 31))
    assert [t for t, _, _ in _notices(billing)] == [45]


def test_reminders_fall_on_the_local_date_of_the_account(billing):
    account(billing, tz="Pacific/Auckland", now=at("2024-01-01"))
    licenses(billing, now=at("2024-01-01"))  # 1 Jan 2024 noon UTC is already 2 Jan in Auckland: renews 2 Jan 2025
    # Auckland is UTC+13 in November: 10:00 UTC is still 17 Nov there, 12:00 UTC is 18 Nov, 45 days ahead.
    assert billing.reminders.plan(now=at("2024-11-17", hour=10)) == 0
    assert billing.reminders.plan(now=at("2024-11-17", hour=12)) == 1
    assert _notices(billing) == [(45, date(2024, 11, 18), False)]


def test_the_threshold_rule():
    renews = date(2025, 1, 1)
    created = date(2024, 1, 1)
    assert threshold_due(renews_on=renews, created_on=created, today=date(2024, 11, 16)) is None
    assert threshold_due(renews_on=renews, created_on=created, today=date(2024, 11, 17)) == 45
    assert threshold_due(renews_on=renews, created_on=created, today=date(2024, 12, 31)) == 7
    assert threshold_due(renews_on=renews, created_on=created, today=renews) is None
    assert threshold_due(renews_on=renews, created_on=date(2024, 12, 20), today=date(2024, 12, 21)) is None
