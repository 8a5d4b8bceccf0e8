"""``joanbot db``: the database schema."""

from __future__ import annotations

import click

from bot.cli.common import Context, pass_context


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database to the newest schema (also done on every start)."""
    billing = ctx.billing
    click.echo(f"database is up to date ({billing.db.engine.url.render_as_string(hide_password=True)})")
