"""``/joan forecast [RESELLER] [months=N]`` and the forecast on staff's App Home.

The chart goes as a PNG into the asker's own DM with the bot (``files_upload_v2``), with the text summary
as its comment, never into a channel: the command is acked before this runs, so drawing and uploading take
the time they need. App Home shows staff the next 6 months from a file uploaded the same way (Slack shows an
image block of a file only to people the file is shared with), drawn at most once a day per person.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from billing import DEFAULT_MONTHS, Actor, Billing, Forecast
from charts.forecast import chart_data, draw, span, summary
from handlers import blocks, kit, parsing
from handlers.kit import Block, escape
from handlers.parsing import Parsed, Usage

log = logging.getLogger("joanbot.slack")
HOME_MONTHS = 6


@dataclass(frozen=True)
class ForecastInput:
    reseller: str | None
    months: int


def forecast_input(parsed: Parsed) -> ForecastInput:
    parsing.only(parsed, {"months"})
    if len(parsed.words) > 1:
        raise Usage(parsed.name, "give at most one reseller")
    months = parsed.options.get("months")
    try:
        count = int(months) if months is not None else DEFAULT_MONTHS
    except ValueError:
        raise Usage(parsed.name, f"months must be a whole number, not {months!r}") from None
    return ForecastInput(parsed.words[0] if parsed.words else None, count)


def send_chart(client: WebClient, user_id: str, forecast: Forecast) -> str:
    """Upload the chart into ``user_id``'s DM with the bot, with the summary; the file's id."""
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    uploaded = client.files_upload_v2(
        channel=dm,
        content=draw(chart_data(forecast)),
        filename=f"renewal-forecast-{forecast.today:%Y-%m-%d}.png",
        title=f"Renewal forecast, {span(forecast)}",
        initial_comment=escape(summary(forecast)),
    )
    return str(uploaded["files"][0]["id"])


def command(
    billing: Billing, actor: Actor, now: datetime, body: dict[str, Any], client: WebClient, parsed: Parsed
) -> dict[str, Any]:
    given = forecast_input(parsed)
    found = billing.forecasts.forecast(actor=actor, now=now, months=given.months, reseller=given.reseller)
    first = summary(found).splitlines()[0]
    try:
        send_chart(client, str(body["user_id"]), found)
    except SlackApiError as error:
        # Never into the channel instead: say so, only to the asker.
        log.warning("forecast chart not sent to %s: %s", body.get("user_id"), error.response.get("error"))
        return blocks.notice(f"{escape(first)}\nI could not send you the chart in a DM with me; try again later.")
    return blocks.notice(f"{escape(first)}\nThe chart is in your DM with me.")


@dataclass
class HomeCharts:
    """Each staff member's App Home chart: the file uploaded for them today, if any (this process's memory)."""

    _files: dict[str, tuple[date, str, str]] = field(default_factory=dict)  # user -> (day, file id, summary)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocks(self, client: WebClient, billing: Billing, actor: Actor, user_id: str, now: datetime) -> list[Block]:
        """The header, the image of the next 6 months and its summary; drawn and uploaded once a day."""
        with self._lock:
            known = self._files.get(user_id)
        found = None
        if known is None or known[0] != now.date():
            found = billing.forecasts.forecast(actor=actor, now=now, months=HOME_MONTHS)
            known = (now.date(), send_chart(client, user_id, found), summary(found))
            with self._lock:
                self._files[user_id] = known
        _, file_id, text = known
        lines = text.splitlines()
        return [
            kit.header(f"Renewals in the next {HOME_MONTHS} months"),
            {
                "type": "image",
                "slack_file": {"id": file_id},
                "alt_text": lines[0][:2000],
            },
            kit.context(escape(" ".join(lines[:3]))),
        ]


def home_chart(
    charts: HomeCharts, client: WebClient, billing: Billing, actor: Actor, user_id: str, now: datetime
) -> list[Block]:
    """The chart's blocks, or none when it cannot be made now (the rest of App Home still shows)."""
    try:
        return charts.blocks(client, billing, actor, user_id, now)
    except SlackApiError as error:
        log.warning("App Home forecast chart not uploaded: %s", error.response.get("error"))
        return []
