"""120 simulated days of daily sweeps with email on: each due reminder is one email per recipient list, once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from billing.models import Account, Cohort, ReminderNotice
from bot.clock import SimulatedClock
from tests.billing.builders import account, code, licenses, redeem, reseller
from tests.conftest import STAFF, at
from tests.mail.conftest import SALES, make_mailer

START = date(2025, 1, 1)
DAYS = 120
LISTS = {"acme": 2, "globex": 1, "direct": 1, "quiet": 0}  # recipient lists per reminder, by account
_NOTICE = re.compile(r"<joanbot\.email\.(\d+)\.(customer|reseller)@")


def _at(n: int) -> datetime:
    return datetime.combine(START + timedelta(days=n), datetime.min.time(), UTC).replace(hour=9)


def _world(billing) -> None:
    before = at("2024-12-01")
    reseller(billing, "northwind", now=before)
    reseller(billing, "lonely", now=before)  # no contacts: its customers' emails go to them alone
    billing.contacts.set_reseller_emails(slug="northwind", emails=["sales@northwind.example"], actor=STAFF, now=before)
    for slug, owner in (("acme", "northwind"), ("globex", "lonely"), ("direct", None), ("quiet", None)):
        account(billing, slug, reseller=owner, now=before)
        if LISTS[slug]:
            billing.contacts.set_account_emails(slug=slug, emails=[f"it@{slug}.example"], actor=STAFF, now=before)


@pytest.mark.slow
def test_120_days_of_sweeps_email_each_due_reminder_once_per_recipient_list(billing, smtp):
    _world(billing)
    redemptions = {0: [("acme", 3), ("globex", 2), ("quiet", 2)], 1: [("direct", 3)], 20: [("acme", 1)]}
    renew_on_day = {70: "acme"}  # acme's 3-month block (renewing on day 90) is renewed on day 70
    cohorts: dict[str, int] = {}
    clock = SimulatedClock(_at(0))
    mailer = make_mailer(billing, smtp, clock=clock)
    received_on: dict[str, int] = {}
    for n in range(DAYS):
        clock.now = _at(n)
        for slug, months in redemptions.get(n, []):
            cohorts.setdefault(slug, licenses(billing, account_slug=slug, months=months, now=clock.now).cohort_id)
        if n in renew_on_day:
            slug = renew_on_day[n]
            redeem(billing, code(billing, months=3, now=clock.now), slug, now=clock.now, renews=cohorts[slug])
        for run in range(2):
            before = len(smtp.recorder.received)
            billing.sweep.run(now=clock.now)
            billing.outbox.enqueue(now=clock.now, sales_channel=SALES, email=True)
            mailer.drain(sleep=clock.sleep)
            new = smtp.recorder.received[before:]
            if run == 1:
                assert new == [], f"day {n}: a second sweep emailed again"
            for message in new:
                received_on.setdefault(message.message_id, n)

    ids = Counter(r.message_id for r in smtp.recorder.received)
    assert ids and ids.most_common(1)[0][1] == 1  # each email once
    with billing.db.read() as session:
        notices = (
            session.query(ReminderNotice.id, ReminderNotice.planned_at, Account.slug, Cohort.renewed_at)
            .join(Account, Account.id == ReminderNotice.account_id)
            .join(Cohort, Cohort.id == ReminderNotice.cohort_id)
            .all()
        )
    expected = Counter({notice_id: LISTS[slug] for notice_id, _, slug, _ in notices if LISTS[slug]})
    emailed = Counter(int(_NOTICE.match(mid).group(1)) for mid in ids)  # type: ignore[union-attr]
    assert emailed == expected and sum(expected.values()) >= 8
    planned_day = {notice_id: (planned_at.date() - START).days for notice_id, planned_at, _, _ in notices}
    assert all(received_on[mid] == planned_day[int(_NOTICE.match(mid).group(1))] for mid in ids)  # type: ignore[union-attr]
    for _, planned_at, slug, renewed_at in notices:
        if renewed_at is not None:
            assert planned_at < renewed_at, f"{slug}: reminded after its renewal"
    with billing.db.read() as session:
        renewed_block = session.query(ReminderNotice.threshold).filter(ReminderNotice.cohort_id == cohorts["acme"])
        assert sorted(t for (t,) in renewed_block) == [30, 45]  # renewed on day 70: no 14- or 7-day email
