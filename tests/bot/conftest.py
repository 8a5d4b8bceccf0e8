"""The bot's fixtures: the loopback Slack stand-in."""

from collections.abc import Iterator

import pytest

from bot.sandbox.standin import SlackStandIn


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running
