"""Events: App Home. Publishing a home view changes nothing we store, so a retried event is harmless."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers import deps, home, ids


def on_app_home_opened(event: dict[str, Any], body: dict[str, Any], context: Any, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    actor = deps.actor(context, body)
    billing = deps.services(context).billing
    if actor is None:
        view = home.nobody_home()
    elif actor.is_staff:
        view = home.staff_home(
            billing.overview.renewals_due(actor=actor, now=deps.now(context), days=home.HOME_DAYS),
            billing.alerts.open_alerts(actor=actor, limit=home.HOME_ALERTS + 1),
        )
    else:
        view = home.reseller_home(
            billing.accounts.list_accounts(actor=actor),
            billing.alerts.open_alerts(actor=actor, limit=home.HOME_ALERTS + 1),
        )
    client.views_publish(user_id=event["user"], view=view)


def register(app: App) -> None:
    app.event(ids.EVENT_APP_HOME_OPENED)(on_app_home_opened)
