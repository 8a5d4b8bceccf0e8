"""The renewal forecast as a picture and as a short text: one stacked bar per month, solutions stacked, the
part already renewed hatched and pale, the part still to renew solid.

``chart_data`` turns a forecast into exactly the series that are drawn (tests compare them with the
figures); ``draw`` only plots them. The figure is drawn on its own ``Figure`` with the Agg canvas, never
through ``pyplot``'s global state, so threads serving Slack requests can draw at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from billing import Forecast, Money

WIDTH, HEIGHT, DPI = 10, 5, 120  # inches: 1200 x 600 pixels, still readable at Slack's preview width
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


@dataclass(frozen=True)
class Series:
    solution: str
    name: str
    still: tuple[int, ...]  # per month: licenses still to renew
    renewed: tuple[int, ...]  # per month: licenses already renewed


@dataclass(frozen=True)
class ChartData:
    title: str
    labels: tuple[str, ...]  # one per month
    series: tuple[Series, ...]

    @property
    def totals(self) -> tuple[int, ...]:
        return tuple(sum(s.still[i] + s.renewed[i] for s in self.series) for i in range(len(self.labels)))


def month_label(month: date, *, first: bool) -> str:
    """``Jan`` under which the year is written at the window's first month and every January."""
    return f"{month:%b}\n{month:%Y}" if first or month.month == 1 else f"{month:%b}"


def span(forecast: Forecast) -> str:
    first, last = forecast.months[0], forecast.months[-1]
    return f"{first:%b %Y}" if first == last else f"{first:%b %Y} – {last:%b %Y}"


def scope(forecast: Forecast) -> str:
    if forecast.reseller is not None:
        return f"{forecast.reseller}'s accounts"
    return "every account" if forecast.shows_value else "your accounts"


def chart_data(forecast: Forecast) -> ChartData:
    index = {month: i for i, month in enumerate(forecast.months)}
    series = []
    for slug, name in forecast.solutions:
        still, renewed = [0] * len(index), [0] * len(index)
        for row in forecast.rows:
            if row.solution == slug:
                still[index[row.month]] += row.still_to_renew
                renewed[index[row.month]] += row.renewed
        series.append(Series(slug, name, tuple(still), tuple(renewed)))
    return ChartData(
        title=f"Licenses renewing per month, {span(forecast)} ({scope(forecast)})",
        labels=tuple(month_label(m, first=i == 0) for i, m in enumerate(forecast.months)),
        series=tuple(series),
    )


def draw(data: ChartData) -> bytes:
    """The PNG of ``data``."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(data.labels))
    bottom = [0] * len(data.labels)
    legend: list[Patch] = []
    for number, series in enumerate(data.series):
        colour = PALETTE[number % len(PALETTE)]
        for values, style in ((series.renewed, "renewed"), (series.still, "still to renew")):
            pale = style == "renewed"
            axes.bar(
                positions,
                values,
                bottom=bottom,
                color=colour,
                alpha=0.35 if pale else 1.0,
                hatch="//" if pale else None,
                edgecolor=colour,
                linewidth=[1.0 if value else 0.0 for value in values],
                width=0.7,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            if any(values):
                legend.append(
                    Patch(
                        facecolor=colour,
                        alpha=0.35 if pale else 1.0,
                        hatch="//" if pale else None,
                        edgecolor=colour,
                        label=f"{series.name}: {style}",
                    )
                )
    for x, total in zip(positions, data.totals, strict=True):
        if total:
            axes.annotate(
                str(total), (x, total), ha="center", va="bottom", fontsize=11, xytext=(0, 2), textcoords="offset points"
            )
    axes.set_title(data.title, fontsize=14)
    axes.set_xlabel("Month of the renewal date", fontsize=12)
    axes.set_ylabel("Licenses renewing", fontsize=12)
    axes.set_xticks(list(positions), data.labels, fontsize=11)
    axes.tick_params(axis="y", labelsize=11)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(data.totals, default=0) * 1.15 or 1)
    axes.spines[["top", "right"]].set_visible(False)
    if legend:
        axes.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=10, frameon=False)
    else:
        axes.text(0.5, 0.5, "Nothing renews in these months", transform=axes.transAxes, ha="center", fontsize=14)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def money_list(amounts: tuple[Money, ...]) -> str:
    return ", ".join(str(amount) for amount in amounts)


def summary(forecast: Forecast) -> str:
    """A few lines of plain text beside the picture: totals, the busiest month, each month's figures."""
    renewing, renewed = forecast.renewing(), forecast.renewed()
    lines = [
        f"Renewals {span(forecast)} ({scope(forecast)}): {renewing} licenses, {renewed} already renewed, "
        f"{renewing - renewed} still to renew."
    ]
    busiest = forecast.busiest
    if busiest is None:
        lines.append("Nothing renews in these months.")
        return "\n".join(lines)
    lines.append(f"Busiest month: {busiest:%b %Y}, {forecast.renewing(busiest)} licenses.")
    if forecast.shows_value:
        value = money_list(forecast.value()) or "nothing"
        lines.append(f"Still to renew at today's prices (accounts billed directly): {value}.")
        if forecast.unpriced():
            lines.append(f"{forecast.unpriced()} licenses still to renew have no price in the catalog.")
    for month in forecast.months:
        count = forecast.renewing(month)
        if not count:
            continue
        parts = ", ".join(f"{row.renewing} {row.solution_name}" for row in forecast.in_month(month))
        line = f"{month:%b %Y}: {count} ({parts}); {forecast.renewed(month)} renewed"
        if forecast.shows_value and forecast.value(month):
            line += f"; {money_list(forecast.value(month))} to renew"
        lines.append(line)
    return "\n".join(lines)
