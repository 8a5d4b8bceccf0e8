"""``joanbot catalog``: solutions, plan levels and prices."""

from __future__ import annotations

from pathlib import Path

import click

from billing import BillingError
from bot.cli.common import Context, handled, pass_context


@click.group()
def catalog() -> None:
    """Solutions, plan levels and prices."""


@catalog.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
@handled
def catalog_load(ctx: Context, file: Path) -> None:
    """Load or update the catalog from a CSV file (checked completely first; all or nothing)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not a UTF-8 text file") from None
    try:
        report = ctx.billing.catalog.load(text=text)
    except BillingError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"loaded {report.prices} prices for {report.levels} levels of {report.solutions} solutions")


@catalog.command("show")
@pass_context
def catalog_show(ctx: Context) -> None:
    """Print the catalog."""
    for solution in ctx.billing.catalog.solutions():
        click.echo(f"{solution.slug}: {solution.name} (per {solution.license_kind})")
        for level in solution.levels:
            prices = ", ".join(f"{money}/{interval}" for (interval, _), money in sorted(level.prices.items()))
            click.echo(f"  {level.rank}. {level.slug}: {prices}")
