"""A seeded world for the Slack tests: the stand-in, the real app behind its WSGI server, two resellers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from slack_sdk import WebClient

from billing import Billing
from bot.app import build_app
from bot.sandbox.standin import SlackStandIn
from bot.server import SlackEndpoint
from bot.settings import SlackSettings
from tests.billing import builders
from tests.conftest import STAFF, at
from tests.handlers.harness import ADMIN, NORTH_TEAM, SALES, SECRET, SOUTH_TEAM, InlineExecutor, SlackDriver

NOW = at("2026-03-02")


@dataclass
class World:
    billing: Billing
    standin: SlackStandIn
    slack: SlackDriver
    now: datetime

    def code(self, **options: object) -> str:
        return builders.code(self.billing, now=self.now, **options)


def settings() -> SlackSettings:
    return SlackSettings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "JOANBOT_ADMINS": ADMIN}
    )


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id="THOME") as running:
        yield running


@pytest.fixture
def world(billing: Billing, standin: SlackStandIn) -> World:
    start = at("2026-01-05")
    builders.reseller(billing, "northwind", now=start, team=NORTH_TEAM)
    builders.reseller(billing, "southwind", now=start, team=SOUTH_TEAM)
    builders.account(billing, "acme", now=start, reseller="northwind")
    builders.account(billing, "globex", now=start, reseller="southwind")
    builders.account(billing, "initech", now=start)
    billing.staff.add_staff(slack_user_id=SALES, role="sales", actor=STAFF, now=start)
    config = settings()
    app = build_app(
        config,
        billing,
        client=WebClient(token=config.bot_token, base_url=standin.url),
        clock=lambda: NOW,
        listener_executor=InlineExecutor(),
    )
    standin.clear()
    return World(billing, standin, SlackDriver(SlackEndpoint(app, signing_secret=SECRET), standin, secret=SECRET), NOW)
