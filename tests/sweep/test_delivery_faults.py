"""Delivery under Slack's faults: 429 with Retry-After, 500s and lost responses, one message/s/channel."""

from __future__ import annotations

import itertools
from datetime import timedelta

import billing.outbox as outbox
from billing.models import OutboxMessage, ReminderNotice
from bot.sandbox.standin import Faults
from tests.conftest import at
from tests.sweep.conftest import SALES, keys, resellers_with_customers

CHANNELS = ("CNORTH", "CSOUTH", "CEAST")


def _world(billing, per_channel=6):
    resellers_with_customers(billing, CHANNELS, per_channel)
    billing.sweep.run(now=at("2024-11-17"))  # 45 days before 1 Jan 2025
    return billing.outbox.enqueue(now=at("2024-11-17"), sales_channel=SALES)


def test_every_message_arrives_exactly_once_through_429s_500s_and_lost_responses(billing, standin, poster, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_REMINDERS_PER_MESSAGE", 2)  # several messages per channel
    queued = _world(billing)
    assert queued == 9
    standin.rate_limit("chat.postMessage", retry_after=2, times=2)  # the first two posts: 429, Retry-After: 2
    standin.faults = Faults(server_errors=0.2, lost_responses=0.2, channel_rate=1.0, seed=3)

    poster.drain()

    posted = keys(standin)
    assert len(posted) == len(set(posted)) == 9  # every message once, none twice
    with billing.db.read() as session:
        rows = session.query(OutboxMessage).all()
        assert {r.state for r in rows} == {"sent"}
        assert sorted(posted) == sorted(r.dedupe_key for r in rows)
        assert session.query(ReminderNotice).count() == 18
    attempts = standin.calls_to("chat.postMessage")
    assert len(attempts) > 11  # the faults really happened: refused, failed and lost posts were retried
    assert standin.calls_to("conversations.history")  # and uncertain outcomes were looked up first
    for channel in CHANNELS:
        times = [c.at for c in attempts if c.body.get("channel") == channel]
        assert len(standin.posted(channel)) == 3
        # Every attempt, refused or not, paced per channel (1.1 s apart when sent; unpaced posts would arrive
        # milliseconds apart). The bound leaves room for a loaded machine delaying one request's arrival.
        assert all(later - earlier >= 0.5 for earlier, later in itertools.pairwise(times)), channel
    for limited in attempts[:2]:  # Retry-After honoured: that channel's next attempt came 2 s later or more
        channel = limited.body["channel"]
        following = [c.at for c in attempts if c.body.get("channel") == channel and c.at > limited.at]
        assert following and following[0] - limited.at >= 1.5


def test_a_channel_the_bot_cannot_post_to_raises_an_alert_in_the_sales_channel(billing, standin, poster):
    _world(billing, per_channel=1)
    standin.faults = Faults(unpostable={"CSOUTH"})
    poster.drain(until=poster.clock() + timedelta(seconds=3))
    billing.sweep.run(now=at("2024-11-17", hour=13))
    billing.outbox.enqueue(now=at("2024-11-17", hour=13), sales_channel=SALES)
    poster.drain(until=poster.clock() + timedelta(seconds=3))
    (alert,) = standin.posted(SALES)
    assert "Cannot post to a channel" in alert.text and "CSOUTH" in alert.text and "not_in_channel" in alert.text
    assert {m.channel for m in standin.posted()} == {"CNORTH", "CEAST", SALES}
    with billing.db.read() as session:
        waiting = session.query(OutboxMessage).filter(OutboxMessage.channel_id == "CSOUTH").one()
        assert waiting.state == "pending" and waiting.last_error == "not_in_channel"


def test_a_post_whose_response_was_lost_is_found_by_its_key_not_posted_again(billing, standin, poster):
    _world(billing, per_channel=1)
    standin.faults = Faults(lost_responses=1.0)
    poster.post_one()  # stored by Slack, but the answer never came
    standin.faults = None
    poster.drain(until=poster.clock() + timedelta(seconds=5))
    assert len(standin.posted()) == 3
    assert len(keys(standin)) == len(set(keys(standin))) == 3
