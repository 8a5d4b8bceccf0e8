"""``joanbot sweep``: the sweep once as on a given day, then its messages posted to Slack."""

from click.testing import CliRunner

from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from bot.settings import SlackSettings
from tests.conftest import STAFF, at
from tests.sweep.conftest import resellers_with_customers


def test_a_sweep_as_on_another_day_posts_that_days_reminders_in_the_resellers_channel(billing, standin):
    resellers_with_customers(billing, ("CNORTH",), 1)  # 10 licenses renewing 1 Jan 2025
    slack = SlackSettings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": standin.url}
    )
    context = Context(Runtime(billing=billing, slack=slack, clock=SimulatedClock(at("2024-06-01"))), actor=STAFF)

    result = CliRunner().invoke(cli, ["sweep", "--date", "2024-11-17"], obj=context)

    assert result.exit_code == 0, result.output
    assert "Swept at 17 Nov 2024 12:00 UTC: 1 new reminder," in result.output
    assert "Posted 1 message;" in result.output
    assert [m.channel for m in standin.posted()] == ["CNORTH"]


def test_a_sweep_without_slack_settings_leaves_the_messages_in_the_outbox(billing):
    resellers_with_customers(billing, ("CNORTH",), 1)
    context = Context(
        Runtime(billing=billing, environ={}, clock=SimulatedClock(at("2024-11-17", hour=12))), actor=STAFF
    )

    result = CliRunner().invoke(cli, ["sweep"], obj=context)

    assert result.exit_code == 0, result.output
    assert "1 message queued" in result.output
    assert "Not posted: SLACK_BOT_TOKEN is not set" in result.output
