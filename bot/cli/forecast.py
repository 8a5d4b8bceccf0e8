"""``joanbot forecast``: what renews in each of the next months, as text, and as CSV and PNG files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from billing import DEFAULT_MONTHS, Forecast, parse_whole
from bot.cli.common import NUMBERS, Context, handled, pass_context
from charts.forecast import chart_data, draw, summary

CSV_COLUMNS = ("month", "solution", "renewing", "renewed", "still_to_renew")
VALUE_COLUMNS = ("value", "unpriced")  # only where the actor sees amounts


def forecast_csv(forecast: Forecast) -> str:
    """One row per month and solution with something renewing; ``value`` is ``USD 30.00;EUR 5.00``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + (VALUE_COLUMNS if forecast.shows_value else ()))
    for row in forecast.rows:
        fields: list[object] = [f"{row.month:%Y-%m}", row.solution, row.renewing, row.renewed, row.still_to_renew]
        if forecast.shows_value:
            fields += [";".join(f"{m.currency} {m.plain()}" for m in row.value), row.unpriced]
        writer.writerow(fields)
    return out.getvalue()


@click.command(context_settings=NUMBERS)
@click.option("--reseller", help="Only this reseller's accounts.")
@click.option("--months", default=str(DEFAULT_MONTHS), show_default=True, help="How many months, 1 to 36.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the figures here.")
@click.option("--png", "png_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the chart here.")
@pass_context
@handled
def forecast(ctx: Context, reseller: str | None, months: str, csv_file: Path | None, png_file: Path | None) -> None:
    """Licenses renewing per month and solution, already renewed, and the value still to renew."""
    found = ctx.billing.forecasts.forecast(
        actor=ctx.actor, now=ctx.now(), months=parse_whole(months, "the months"), reseller=reseller
    )
    click.echo(summary(found))
    if csv_file is not None:
        csv_file.write_text(forecast_csv(found), encoding="utf-8")
        click.echo(f"Wrote {csv_file}")
    if png_file is not None:
        png_file.write_bytes(draw(chart_data(found)))
        click.echo(f"Wrote {png_file}")
