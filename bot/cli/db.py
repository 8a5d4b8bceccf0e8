"""``joanbot db``: the database schema."""

from __future__ import annotations

import click

import migrations
from billing import Database
from bot.cli.common import Context, handled, pass_context


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
@handled
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the database to the newest schema (also done on every start), and say which."""
    url = ctx.runtime.settings.database_url
    before = _revision(url)
    billing = ctx.billing  # opening it creates or migrates the schema
    where = billing.db.engine.url.render_as_string(hide_password=True)
    after = migrations.current(billing.db.engine)
    if before is None:
        click.echo(f"Created the database at schema {after} ({where}).")
    elif before != after:
        click.echo(f"Upgraded the database from schema {before} to {after} ({where}).")
    else:
        click.echo(f"The database is up to date: schema {after} ({where}).")


def _revision(url: str) -> str | None:
    """The schema revision before anything runs (None: a new database, which opening it will create)."""
    database = Database.from_url(url)
    try:
        return migrations.current(database.engine)
    finally:
        database.dispose()
