"""Sweep and delivery fixtures: a reseller with a linked channel, the Slack stand-in, a poster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import ShiftedClock, SystemClock
from bot.sandbox.standin import SlackStandIn
from handlers.outbound.poster import Poster, posting_client
from tests.billing.builders import account, licenses, reseller
from tests.conftest import STAFF, at

SALES = "CSALES"
NORTH_CHANNEL = "CNORTH"


def resellers_with_customers(billing, channels: tuple[str, ...], per_channel: int) -> None:
    """A reseller per channel (linked), each with ``per_channel`` accounts of 10 licenses renewing 1 Jan 2025."""
    for index, channel in enumerate(channels):
        slug = f"reseller{index}"
        reseller(billing, slug, now=at("2024-01-01"))
        billing.resellers.link_channel(reseller=slug, channel_id=channel, actor=STAFF, now=at("2024-01-01"))
        for n in range(per_channel):
            account(billing, f"{slug}-customer{n}", reseller=slug, now=at("2024-01-01"))
            licenses(billing, account_slug=f"{slug}-customer{n}", now=at("2024-01-01"))


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def poster(billing, standin) -> Poster:
    """Posting as on 17 Nov 2024 in the afternoon (the 45-day reminders' day), time moving on as it really does."""
    clock = ShiftedClock(SystemClock(), at("2024-11-17", hour=14) - datetime.now(UTC))
    return Poster(billing, posting_client("xoxb-test", standin.url), clock=clock, retry_base=0.2)


def keys(standin: SlackStandIn) -> list[str]:
    """The outbox key of every message the stand-in holds."""
    return [m.metadata["event_payload"]["key"] for m in standin.posted() if m.metadata]
