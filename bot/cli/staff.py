"""``joanbot staff``: staff roles of users of the vendor's own Slack workspace."""

from __future__ import annotations

import click

from bot.cli.common import Context, handled, pass_context


@click.group()
def staff() -> None:
    """Staff roles (admin, sales) of users of the vendor's own Slack workspace."""


@staff.command("add")
@click.argument("user_id")
@click.argument("role", type=click.Choice(["admin", "sales"]))
@pass_context
@handled
def staff_add(ctx: Context, user_id: str, role: str) -> None:
    """Give the Slack user USER_ID a ROLE."""
    ctx.billing.staff.add_staff(slack_user_id=user_id, role=role, actor=ctx.actor, now=ctx.now())
    click.echo(f"{user_id} is now {role}.")


@staff.command("remove")
@click.argument("user_id")
@pass_context
@handled
def staff_remove(ctx: Context, user_id: str) -> None:
    """Take USER_ID's staff role away."""
    ctx.billing.staff.remove_staff(slack_user_id=user_id, actor=ctx.actor, now=ctx.now())
    click.echo(f"{user_id} has no staff role any more.")


@staff.command("list")
@pass_context
@handled
def staff_list(ctx: Context) -> None:
    """Who holds a staff role (admins listed in JOANBOT_ADMINS need none and are not shown)."""
    found = ctx.billing.staff.list_staff()
    if not found:
        click.echo("No staff roles yet (admins in JOANBOT_ADMINS need none).")
    for user_id, role in found:
        click.echo(f"{user_id:<16} {role}")
