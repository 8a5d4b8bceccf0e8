"""The runtime: one place builds every part, each on first use, all on the same clock."""

import logging

import pytest

from bot.clock import SimulatedClock
from bot.runtime import Runtime
from bot.settings import SettingsError, SlackSettings
from tests.conftest import at


def test_the_runtime_reads_no_setting_until_a_part_is_asked_for():
    runtime = Runtime(environ={"DATABASE_URL": "mysql://nowhere/db", "SLACK_BOT_TOKEN": "not-a-bot-token"})
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        _ = runtime.billing
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        _ = runtime.slack


def test_the_app_the_poster_and_the_background_work_share_the_runtime_clock(billing, standin):
    clock = SimulatedClock(at("2026-03-02"))
    slack = SlackSettings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": standin.url}
    )
    runtime = Runtime(billing=billing, slack=slack, clock=clock)

    assert runtime.app is runtime.app
    assert standin.calls_to("auth.test") == []  # no call to Slack at start: it may be down (serve learns later)
    assert runtime.poster().clock is clock
    assert runtime.background.clock is clock and runtime.background.poster.clock is clock


def test_the_production_app_gets_its_token_as_bolt_expects_so_bolt_warns_of_nothing(
    billing, standin, monkeypatch, caplog
):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")  # as in production: Bolt reads it too
    slack = SlackSettings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": standin.url}
    )
    caplog.set_level(logging.INFO)

    app = Runtime(billing=billing, slack=slack).app

    assert not [r for r in caplog.records if "token will be unused" in r.getMessage()]
    assert app.client.base_url == standin.url and app.client.token == "xoxb-test"
