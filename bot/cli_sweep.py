"""``joanbot sweep``: the daily sweep once, for cron: decide what is due, then post it to Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import click

from bot.clikit import Context, date_option, handled, now_utc, pass_context
from bot.scheduler import run_sweep
from bot.settings import SettingsError, SlackSettings
from handlers.outbound.poster import Poster, posting_client


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--date", "day", callback=date_option, help="Sweep as on this day (noon UTC) instead of now.")
    @click.option("--dry-run", is_flag=True, help="Show what is due; change nothing, post nothing.")
    @pass_context
    @handled
    def sweep(ctx: Context, day: date | None, dry_run: bool) -> None:
        """Run the daily sweep once: housekeeping, reminders and alerts, then post them.

        Safe to run as often as you like and on several machines at once: nothing is decided or posted
        twice. Posting needs SLACK_BOT_TOKEN (and JOANBOT_SALES_CHANNEL for direct accounts); without it
        the messages wait in the outbox for `joanbot serve` or the next sweep.
        """
        start = now_utc() if day is None else datetime.combine(day, time(12), UTC)
        offset = start - now_utc()
        try:
            slack: SlackSettings | None = SlackSettings.from_env()
            missing = None
        except SettingsError as error:
            slack, missing = None, str(error)
        sales_channel = slack.sales_channel if slack else None
        click.echo(run_sweep(ctx.billing, now=start, sales_channel=sales_channel, dry_run=dry_run))
        if dry_run:
            return
        if slack is None:
            click.echo(f"not posted: {missing}")
            return
        poster = Poster(ctx.billing, posting_client(slack.bot_token, slack.api_url), clock=lambda: now_utc() + offset)
        posted = poster.drain()
        counts = ctx.billing.outbox.counts()
        click.echo(f"posted {posted} message(s); outbox: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
