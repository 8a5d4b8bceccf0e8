"""Typeahead for the modals' account and reseller selects: at most 100 matches, only what the user may see."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from billing import Actor, Billing
from handlers import ids, kit, listen, modals


def on_accounts(ack: Any, body: dict[str, Any], actor: Actor, billing: Billing) -> None:
    accounts = billing.accounts.list_accounts(
        actor=actor, search=str(body.get("value") or "") or None, limit=kit.MAX_OPTIONS
    )
    ack(options=[modals.account_option(a) for a in accounts])


def on_resellers(ack: Any, body: dict[str, Any], actor: Actor, billing: Billing) -> None:
    if not actor.is_staff:
        ack(options=[])
        return
    query = str(body.get("value") or "").strip().lower()
    resellers = [r for r in billing.resellers.list_resellers() if query in r.slug or query in r.name.lower()]
    ack(options=[kit.option(f"{r.name} ({r.slug})", r.slug) for r in resellers[: kit.MAX_OPTIONS]])


def register(app: App) -> None:
    app.options(ids.ACTION_ACCOUNT_SELECT)(listen.options(on_accounts))
    app.options(ids.ACTION_RESELLER_SELECT)(listen.options(on_resellers))
