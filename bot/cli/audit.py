"""``joanbot audit``: the audit log."""

from __future__ import annotations

import click

from billing import format_date, parse_whole
from bot.cli.common import Context, handled, pass_context


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("account", required=False)
@click.option("--limit", default="50", show_default=True, help="How many entries, newest first (1 to 1,000).")
@pass_context
@handled
def audit(ctx: Context, account: str | None, limit: str) -> None:
    """The audit log, newest first, optionally for one ACCOUNT."""
    count = parse_whole(limit, "the limit")
    account_id = ctx.billing.accounts.get_account(slug=account, actor=ctx.actor).id if account else None
    entries = ctx.billing.audit.entries(actor=ctx.actor, account_id=account_id, limit=count)
    if not entries:
        click.echo("Nothing recorded.")
    for entry in entries:
        click.echo(
            f"{format_date(entry.at.date())} {entry.at:%H:%M:%S} {entry.actor:<20} {entry.action:<22} "
            f"{entry.subject_type} {entry.subject_id}"
        )
        if entry.details:
            click.echo(f"    {entry.details_text()}")
