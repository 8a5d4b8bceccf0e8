"""``joanbot audit``: the audit log."""

from __future__ import annotations

import click

from bot.cli.common import Context, handled, pass_context


@click.command()
@click.argument("account", required=False)
@click.option("--limit", default=50, show_default=True)
@pass_context
@handled
def audit(ctx: Context, account: str | None, limit: int) -> None:
    """The audit log, newest first, optionally for one ACCOUNT."""
    account_id = ctx.billing.accounts.get_account(slug=account, actor=ctx.actor).id if account else None
    for entry in ctx.billing.audit.entries(actor=ctx.actor, account_id=account_id, limit=limit):
        click.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.actor:<20} {entry.action:<26} "
            f"{entry.subject_type}:{entry.subject_id} {entry.details}"
        )
