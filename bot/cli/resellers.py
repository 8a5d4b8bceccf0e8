"""``joanbot resellers``: resellers: list, add."""

from __future__ import annotations

import click

from bot.cli.common import Context, handled, pass_context


@click.group(invoke_without_command=True)
@click.pass_context
def resellers(click_ctx: click.Context) -> None:
    """List resellers (or add one: joanbot resellers add)."""
    if click_ctx.invoked_subcommand is not None:
        return
    ctx = click_ctx.ensure_object(Context)
    for reseller in ctx.billing.resellers.list_resellers():
        click.echo(f"{reseller.slug:<24} {reseller.name:<32} team {reseller.slack_team_id or '-'}")


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
    click.echo(f"created reseller {reseller.slug} ({reseller.name})")
