"""``joanbot sweep``: the sweep once as on a given day, then its messages posted to Slack."""

import socket

from click.testing import CliRunner
from sqlalchemy import select

from billing.models import OutboxMessage
from billing.models.outbox import OutboxMedium
from bot.cli import cli
from bot.cli.common import Context
from bot.clock import SimulatedClock
from bot.runtime import Runtime
from bot.settings import MailSettings, SlackSettings
from mail.smtp import SmtpTarget
from tests.conftest import STAFF, at
from tests.mail.conftest import customers_with_contacts
from tests.mail.smtpd import SmtpServer
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


def _refusing_smtp() -> MailSettings:
    """A mail server that refuses every connection: a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return MailSettings(target=SmtpTarget.from_url(f"smtp://127.0.0.1:{port}"), sender="renewals@vendor.example")


def test_a_sweep_whose_mail_server_refuses_every_connection_says_none_was_emailed_and_when_they_are_retried(billing):
    customers_with_contacts(billing)  # 3 reminder emails due on 17 Nov 2024
    runtime = Runtime(
        billing=billing, environ={}, mail=_refusing_smtp(), clock=SimulatedClock(at("2024-11-17", hour=12))
    )

    result = CliRunner().invoke(cli, ["sweep"], obj=Context(runtime, actor=STAFF))

    assert result.exit_code == 0, result.output
    assert "Emailed 0 reminder emails; 3 still pending, the next attempt at 17 Nov 2024 12:" in result.output
    assert "emailed 3" not in result.output.lower()
    with billing.db.read() as session:
        states = session.scalars(select(OutboxMessage.state).where(OutboxMessage.medium == OutboxMedium.EMAIL)).all()
    assert sorted(states) == ["pending"] * 3


def test_a_sweep_counts_the_emails_the_mail_server_accepted(billing):
    customers_with_contacts(billing)
    with SmtpServer() as smtp:
        mail = MailSettings(target=SmtpTarget.from_url(smtp.url), sender="renewals@vendor.example", per_minute=10_000)
        runtime = Runtime(billing=billing, environ={}, mail=mail, clock=SimulatedClock(at("2024-11-17", hour=12)))

        result = CliRunner().invoke(cli, ["sweep"], obj=Context(runtime, actor=STAFF))

    assert result.exit_code == 0, result.output
    assert "Emailed 3 reminder emails; none pending." in result.output
    assert len(smtp.recorder.received) == 3
