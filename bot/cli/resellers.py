"""``joanbot resellers``: resellers: list, add, set their contacts."""

from __future__ import annotations

import click

from bot.cli.accounts import email_options
from bot.cli.common import Context, handled, pass_context


@click.group(invoke_without_command=True)
@click.pass_context
def resellers(click_ctx: click.Context) -> None:
    """List resellers (or add one: joanbot resellers add)."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.ensure_object(Context)
    for reseller in ctx.billing.resellers.list_resellers():
        contacts = ", ".join(reseller.contact_emails) or "no contacts"
        click.echo(f"{reseller.slug:<24} {reseller.name:<32} team {reseller.slack_team_id or '-':<12} {contacts}")


@resellers.command("add")
@click.argument("slug")
@click.argument("name", nargs=-1, required=True)
@click.option("--team", help="The reseller's own Slack team id (its users become its members).")
@pass_context
@handled
def resellers_add(ctx: Context, slug: str, name: tuple[str, ...], team: str | None) -> None:
    """Create the reseller SLUG called NAME."""
    reseller = ctx.billing.resellers.create_reseller(
        slug=slug, name=" ".join(name), slack_team_id=team, actor=ctx.actor, now=ctx.now()
    )
    team_words = f", Slack team {reseller.slack_team_id}" if reseller.slack_team_id else ""
    click.echo(f"Created reseller {reseller.name} ({reseller.slug}){team_words}.")


@resellers.command("set")
@click.argument("slug")
@click.option("--email", "emails", multiple=True, metavar="ADDR", help="A contact address (repeat for several).")
@click.option("--no-email", is_flag=True, help="Remove every contact address.")
@pass_context
@handled
def resellers_set(ctx: Context, slug: str, emails: tuple[str, ...], no_email: bool) -> None:
    """Set the contact addresses that reminder emails about reseller SLUG's customers go to."""
    reseller = ctx.billing.contacts.set_reseller_emails(
        slug=slug, emails=email_options(emails, no_email), actor=ctx.actor, now=ctx.now()
    )
    click.echo(f"{reseller.slug} contacts: {', '.join(reseller.contact_emails) or 'none'}")
