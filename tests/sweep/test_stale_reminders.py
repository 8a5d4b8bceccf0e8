"""A reminder that could not be posted in time is dropped, recorded as such, never posted late and untrue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from billing.models import OutboxMessage, ReminderNotice
from bot.clock import SimulatedClock
from handlers.outbound.poster import Poster, posting_client
from tests.conftest import at
from tests.sweep.conftest import NORTH_CHANNEL, SALES, resellers_with_customers  # 10 licenses renewing 1 Jan 2025


def _drain_at(billing, standin, now: datetime) -> int:
    clock = SimulatedClock(now)
    return Poster(billing, posting_client("xoxb-test", standin.url), clock=clock).drain(sleep=clock.sleep)


def _sweep(billing, now: datetime) -> None:
    billing.sweep.run(now=now)
    billing.outbox.enqueue(now=now, sales_channel=SALES)


def _notices(billing) -> list[tuple[int, str | None]]:
    with billing.db.read() as session:
        rows = session.execute(select(ReminderNotice.threshold, ReminderNotice.dropped_reason).order_by("id"))
        return [(threshold, reason) for threshold, reason in rows]


def test_a_reminder_that_could_only_be_posted_after_the_renewal_date_is_dropped_and_recorded(billing, standin):
    resellers_with_customers(billing, (NORTH_CHANNEL,), 1)
    _sweep(billing, at("2024-12-28"))  # the 7-day reminder, late; Slack cannot be reached until 3 Jan

    posted = _drain_at(billing, standin, at("2025-01-03"))

    assert posted == 0 and standin.posted() == []
    assert _notices(billing) == [(7, "renewal_passed")]
    with billing.db.read() as session:
        outbox = session.execute(select(OutboxMessage.state, OutboxMessage.last_error)).all()
    assert outbox == [("cancelled", "nothing left to say: renewal date passed")]


def test_after_an_outage_only_the_most_recent_threshold_of_a_block_is_posted(billing, standin):
    resellers_with_customers(billing, (NORTH_CHANNEL,), 1)
    _sweep(billing, at("2024-12-18"))  # the 14-day reminder: queued, never posted (Slack is down)
    _sweep(billing, at("2024-12-25"))  # the 7-day one

    _drain_at(billing, standin, at("2024-12-25", hour=13))

    (message,) = standin.posted()
    assert "in 7 days" in str(message.blocks) and "14" not in message.text
    assert _notices(billing) == [(14, "superseded"), (7, None)]


def test_a_reminder_posted_in_time_is_not_dropped_when_the_next_threshold_comes(billing, standin):
    resellers_with_customers(billing, (NORTH_CHANNEL,), 1)
    _sweep(billing, at("2024-12-18"))
    _drain_at(billing, standin, at("2024-12-18", hour=13))
    _sweep(billing, at("2024-12-25"))
    _drain_at(billing, standin, at("2024-12-25", hour=13))

    assert len(standin.posted()) == 2
    assert _notices(billing) == [(14, None), (7, None)]
