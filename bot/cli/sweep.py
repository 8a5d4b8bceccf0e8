"""``joanbot sweep``: the daily sweep once, for cron: decide what is due, then post it to Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import click

from billing import OutboxMedium, OutboxState, format_date, plural
from bot.cli.common import Context, date_option, handled, pass_context
from bot.clock import ShiftedClock
from bot.scheduler import run_sweep
from bot.settings import SettingsError

MAIL_PATIENCE = timedelta(minutes=2)


@click.command()
@click.option("--date", "day", callback=date_option, help="Sweep as on this day (noon UTC) instead of now.")
@click.option("--dry-run", is_flag=True, help="Show what is due; change nothing, post nothing.")
@pass_context
@handled
def sweep(ctx: Context, day: date | None, dry_run: bool) -> None:
    """Run the daily sweep once: housekeeping, reminders and alerts, then post them.

    Safe to run as often as you like and on several machines at once: nothing is decided or posted
    twice. With JOANBOT_SMTP_URL set, each reminder is also emailed to the contacts. Posting needs
    SLACK_BOT_TOKEN (and JOANBOT_SALES_CHANNEL for direct accounts); without it the messages wait in
    the outbox for `joanbot serve` or the next sweep.
    """
    now = ctx.now()
    start = now if day is None else datetime.combine(day, time(12), UTC)
    try:
        sales_channel, missing = ctx.runtime.slack.sales_channel, None
    except SettingsError as error:
        sales_channel, missing = None, str(error)
    mail = ctx.runtime.mail
    click.echo(run_sweep(ctx.billing, now=start, sales_channel=sales_channel, dry_run=dry_run, email=mail.enabled))
    if dry_run:
        return
    clock = ShiftedClock(ctx.clock, start - now)
    mailer = ctx.runtime.mailer(clock=clock)
    if mailer is None:
        click.echo("not emailed: JOANBOT_SMTP_URL is not set, so reminders go to Slack only")
    else:
        accepted = mailer.drain(until=clock() + MAIL_PATIENCE, sleep=clock.sleep)  # later: serve or the next sweep
        click.echo(_emailed(ctx, accepted))
        ctx.billing.outbox.enqueue(now=start, sales_channel=sales_channel)  # alerts about refused addresses
    if missing is not None:
        click.echo(f"Not posted: {missing}")
        return
    posted = ctx.runtime.poster(clock=ShiftedClock(ctx.clock, start - now)).drain()
    counts = ctx.billing.outbox.counts()
    outbox = ", ".join(f"{n:,} {s}" for s, n in sorted(counts.items())) or "empty"
    click.echo(f"Posted {plural(posted, 'message')}; outbox: {outbox}.")


def _emailed(ctx: Context, accepted: int) -> str:
    """What the mail server took, and what still waits for another attempt, and when."""
    outbox = ctx.billing.outbox
    counts = outbox.counts(medium=OutboxMedium.EMAIL)
    waiting = counts.get(OutboxState.PENDING, 0) + counts.get(OutboxState.CLAIMED, 0)
    said = f"Emailed {plural(accepted, 'reminder email')}"
    if not waiting:
        said += "; none pending."
    else:
        next_at = outbox.next_ready_at(medium=OutboxMedium.EMAIL)
        when = f", the next attempt at {format_date(next_at.date())} {next_at:%H:%M} UTC" if next_at else ""
        said += f"; {waiting:,} still pending{when} (by `joanbot serve` or the next sweep)."
    return said
