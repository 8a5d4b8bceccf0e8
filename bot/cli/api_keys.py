"""``joanbot api-keys``: keys for the Portal API (the key is shown once, on a line of its own)."""

from __future__ import annotations

import click

from billing import format_date
from bot.cli.common import Context, handled, pass_context


@click.group("api-keys")
def api_keys() -> None:
    """Keys for the Portal API: create (shown once), list, revoke."""


@api_keys.command("create")
@click.argument("name")
@click.option("--scope", required=True, help="portal, or reseller=SLUG")
@click.option("--read-only", is_flag=True, help="The key may read but not change anything.")
@pass_context
@handled
def create(ctx: Context, name: str, scope: str, read_only: bool) -> None:
    """Create the key NAME. It is printed once; only a keyed hash of it is stored."""
    created = ctx.billing.api_keys.create(name=name, scope=scope, read_only=read_only, actor=ctx.actor, now=ctx.now())
    mode = "read-only" if read_only else "read-write"
    click.echo(f"API key {created.view.name} ({created.view.scope_text}, {mode}); it is shown only now:", err=True)
    click.echo(created.key)


@api_keys.command("list")
@pass_context
@handled
def list_keys(ctx: Context) -> None:
    """The live keys: name, scope, first characters, created and last used."""
    for key in ctx.billing.api_keys.list(actor=ctx.actor):
        used = format_date(key.last_used_at.date()) if key.last_used_at else "never"
        mode = "read-only" if key.read_only else "read-write"
        click.echo(
            f"{key.name:<20} {key.scope_text:<22} {mode:<10} {key.shown}…  "
            f"created {format_date(key.created_at.date())}, last used {used}"
        )


@api_keys.command("revoke")
@click.argument("name")
@pass_context
@handled
def revoke(ctx: Context, name: str) -> None:
    """Revoke the key NAME: requests with it get 401 at once."""
    revoked = ctx.billing.api_keys.revoke(name=name, actor=ctx.actor, now=ctx.now())
    click.echo(f"revoked API key {revoked.name}")
