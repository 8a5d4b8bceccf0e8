"""Sweep and delivery fixtures: a reseller with a linked channel, the Slack stand-in, a poster."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.poster import Poster, posting_client
from bot.slack_standin import SlackStandIn

SALES = "CSALES"
NORTH_CHANNEL = "CNORTH"


class SimClock:
    """Simulated time for the poster: ``sleep`` moves it forward instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=max(seconds, 0.01))


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def poster(billing, standin) -> Poster:
    return Poster(billing, posting_client("xoxb-test", standin.url), clock=lambda: datetime.now(UTC),
                  retry_base=0.2)  # fmt: skip


def keys(standin: SlackStandIn) -> list[str]:
    """The outbox key of every message the stand-in holds."""
    return [m.metadata["event_payload"]["key"] for m in standin.posted() if m.metadata]
