"""``joanbot catalog``: solutions, plan levels and prices."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from billing import BillingError, BillingInterval, Money, plural
from bot.cli.common import Context, handled, pass_context


@click.group()
def catalog() -> None:
    """Solutions, plan levels and prices."""


@catalog.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
@handled
def catalog_load(ctx: Context, file: Path) -> None:
    """Load or update the catalog from a CSV file (checked completely first; all or nothing)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: not a UTF-8 text file") from None
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from None
    try:
        report = ctx.billing.catalog.load(text=text)
    except BillingError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(
        f"Loaded {plural(report.prices, 'price')} for {plural(report.levels, 'level')} of "
        f"{plural(report.solutions, 'solution')}."
    )


@catalog.command("show")
@pass_context
def catalog_show(ctx: Context) -> None:
    """Print the catalog."""
    for solution in ctx.billing.catalog.solutions():
        click.echo(f"{solution.name} ({solution.slug}, per {solution.license_kind})")
        for level in solution.levels:
            click.echo(f"  {level.rank}. {level.name} ({level.slug}): {prices_text(level.prices)}")


def prices_text(prices: Mapping[tuple[str, str], Money]) -> str:
    """Per interval (year first, as plans are sold), then by currency code: ``per year €5.00, $5.00; per month ...``."""
    by_interval = []
    for interval in (BillingInterval.YEAR, BillingInterval.MONTH):
        shown = [
            str(money) for (each, currency), money in sorted(prices.items(), key=lambda p: p[0][1]) if each == interval
        ]
        if shown:
            by_interval.append(f"per {interval} {', '.join(shown)}")
    return "; ".join(by_interval) or "no prices"
