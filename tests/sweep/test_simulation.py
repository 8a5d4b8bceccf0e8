"""120 simulated days of daily sweeps over cohorts of every kind: each reminder and alert exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.models import Cohort
from billing.reminders import REMINDER_THRESHOLDS
from bot.clock import SimulatedClock
from bot.sandbox.standin import Posted
from handlers.outbound.poster import Poster, posting_client
from tests.billing.builders import account, code, licenses, redeem, reseller, subscribe
from tests.conftest import STAFF, at
from tests.sweep.conftest import NORTH_CHANNEL, SALES, keys

START = date(2025, 1, 1)
DAYS = 120


def _day(n: int) -> date:
    return START + timedelta(days=n)


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=9)


def _reminders_in(message: Posted) -> int:
    return sum(
        1
        for block in message.blocks
        if str(block.get("block_id", "")).startswith("notice_") and block["type"] == "section"
    )


def _expected_reminders_by_day(billing) -> Counter[int]:
    """The rule applied to each cohort's own dates and renewal day (the sweep ran every day: no catch-up)."""
    with billing.db.read() as session:
        cohorts = session.execute(
            select(Cohort.ends_on, Cohort.created_on, Cohort.renewed_at).where(Cohort.auto_renew.is_(False))
        ).all()
    expected: Counter[int] = Counter()
    for ends_on, created_on, renewed_at in cohorts:
        renewed = renewed_at.date() if renewed_at else None
        for threshold in REMINDER_THRESHOLDS:
            due = ends_on - timedelta(days=threshold)
            assert not created_on <= due < START, "a threshold before day 0 would be sent late on day 0"
            if START <= due < _day(DAYS) and due >= created_on and (renewed is None or renewed > due):
                expected[(due - START).days] += 1
    return expected


@pytest.mark.slow
def test_120_days_of_sweeps_post_each_reminder_and_alert_once_in_the_right_channel(billing, standin):
    # Before day 0: a reseller with a channel, one without, a direct account, a card account renewing on day 65.
    before = at("2024-12-01")
    reseller(billing, "northwind", now=before)
    reseller(billing, "lonely", now=before)
    billing.resellers.link_channel(reseller="northwind", channel_id=NORTH_CHANNEL, actor=STAFF, now=before)
    for slug, options in (
        ("acme", {"reseller": "northwind"}),
        ("globex", {"reseller": "lonely"}),
        ("direct", {}),
        ("cardco", {"pays": "card"}),
    ):
        account(billing, slug, now=before, **options)
    first = subscribe(billing, 5, "cardco", now=_at(_day(65)) - timedelta(days=365))  # auto-renews on day 65
    billing.invoices.record_payment(invoice=first.invoice.number, amount=first.invoice.total, actor=STAFF, now=before)
    # Codes redeemed during the simulation: day -> (name, account, solution, level, months).
    redemptions = {
        0: [("early", "acme", "room", "professional", 3), ("late", "acme", "desk", "standard", 2)],
        1: [("multi_year", "direct", "visitor", "enterprise", 36)],
        5: [("never", "globex", "room", "professional", 2)],
        10: [("direct", "direct", "room", "standard", 1)],
        20: [("short_notice", "acme", "room", "professional", 1)],  # its 45- and 30-day dates have passed
    }
    renewals = {70: ("early", "room", "professional"), 66: ("late", "desk", "standard")}
    cohorts: dict[str, int] = {}

    clock = SimulatedClock(_at(START))
    poster = Poster(billing, posting_client("xoxb-test", standin.url), clock=clock, retry_base=0.2)
    reminders_by_day: Counter[int] = Counter()
    alert_posts: list[tuple[int, str, str]] = []
    alert_edits: list[int] = []
    for n in range(DAYS):
        clock.now = _at(_day(n))
        for name, slug, solution, level, months in redemptions.get(n, []):
            cohorts[name] = licenses(billing, solution, 10, slug, level=level, months=months, now=clock.now).cohort_id
        if n in renewals:
            name, solution, level = renewals[n]
            redeem(
                billing,
                code(billing, solution=solution, level=level, now=clock.now),
                "acme",
                now=clock.now,
                renews=cohorts[name],
            )
        for run in range(2):  # a second sweep the same day posts and edits nothing
            posted_before, updates_before = len(standin.posted()), len(standin.calls_to("chat.update"))
            billing.sweep.run(now=clock.now)
            billing.outbox.enqueue(now=clock.now, sales_channel=SALES)
            poster.drain(sleep=clock.sleep)
            new = standin.posted()[posted_before:]
            edits = len(standin.calls_to("chat.update")) - updates_before
            if run == 1:
                assert (new, edits) == ([], 0), f"day {n}: a second sweep posted again"
                continue
            alert_edits += [n] * edits
            for message in new:
                if message.metadata["event_payload"]["key"].startswith("reminders:"):
                    reminders_by_day[n] += _reminders_in(message)
                else:
                    alert_posts.append((n, message.channel, message.text.split(":")[0]))

    assert Counter(keys(standin)).most_common(1)[0][1] == 1  # every outbox key once in Slack
    expected = _expected_reminders_by_day(billing)
    assert sum(expected.values()) >= 12
    assert reminders_by_day == expected
    assert alert_posts == [
        (41, SALES, "Licenses lapsed without renewal"),  # direct
        (51, NORTH_CHANNEL, "Licenses lapsed without renewal"),  # short notice, never renewed
        (59, NORTH_CHANNEL, "Licenses lapsed without renewal"),  # acme's desk block, renewed late on day 66
        (64, SALES, "Licenses lapsed without renewal"),  # globex: its reseller has no channel
        (66, SALES, "Invoice overdue"),  # cardco's renewal invoice of day 65, unpaid
    ]
    assert alert_edits == [66, 71, 81, 94]  # resolved by the late renewal; then 30 days after each lapse

    north = standin.posted(NORTH_CHANNEL)
    assert north and not any("$" in m.text or "$" in str(m.blocks) for m in north)  # no prices for resellers
    assert any("has no linked channel" in str(m.blocks) for m in standin.posted(SALES))
    assert all("globex" not in str(m.blocks) and "direct" not in str(m.blocks) for m in north)
