"""Events: App Home. Publishing a home view changes nothing we store, so a retried event is harmless.

Bolt acknowledges events itself, before the listener runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from billing import Actor, Billing
from handlers import deps, forecast, home, ids, listen


def _on_home_tab(event: dict[str, Any]) -> bool:
    return bool(event.get("tab", "home") == "home")


def _nobody_home(incoming: listen.Incoming) -> None:
    """A stranger opening the Home tab sees the refusal there."""
    event = incoming.body.get("event") or {}
    if _on_home_tab(event) and isinstance(event.get("user"), str):
        incoming.client.views_publish(user_id=event["user"], view=home.nobody_home())


HOME = listen.Surface("app home", ack_first=False, refuse=_nobody_home)


def on_app_home_opened(
    event: dict[str, Any], client: WebClient, context: Any, actor: Actor, billing: Billing, now: datetime
) -> None:
    if not _on_home_tab(event) or not isinstance(event.get("user"), str):
        return  # another tab, or an event without its user: nothing to publish to
    if actor.is_staff:
        charts = deps.services(context).home_charts
        view = home.staff_home(
            billing.overview.renewals_due(actor=actor, now=now, days=home.HOME_DAYS),
            billing.alerts.open_alerts(actor=actor, limit=home.HOME_ALERTS + 1),
            forecast.home_chart(charts, client, billing, actor, event["user"], now),
        )
    else:
        view = home.reseller_home(
            billing.accounts.list_accounts(actor=actor),
            billing.alerts.open_alerts(actor=actor, limit=home.HOME_ALERTS + 1),
        )
    client.views_publish(user_id=event["user"], view=view)


def register(app: App) -> None:
    app.event(ids.EVENT_APP_HOME_OPENED)(listen.listener(HOME, on_app_home_opened))
