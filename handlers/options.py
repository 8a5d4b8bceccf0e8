"""Typeahead for the modals' account and reseller selects: at most 100 matches, only what the user may see."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from handlers import deps, ids, kit, modals


def on_accounts(ack: Any, body: dict[str, Any], context: Any) -> None:
    actor = deps.actor(context, body)
    if actor is None:
        ack(options=[])
        return
    accounts = deps.services(context).billing.accounts.list_accounts(
        actor=actor, search=str(body.get("value") or "") or None, limit=kit.MAX_OPTIONS
    )
    ack(options=[modals.account_option(a) for a in accounts])


def on_resellers(ack: Any, body: dict[str, Any], context: Any) -> None:
    actor = deps.actor(context, body)
    if actor is None or not actor.is_staff:
        ack(options=[])
        return
    query = str(body.get("value") or "").strip().lower()
    resellers = [
        r
        for r in deps.services(context).billing.resellers.list_resellers()
        if query in r.slug or query in r.name.lower()
    ][: kit.MAX_OPTIONS]
    ack(options=[kit.option(f"{r.name} ({r.slug})", r.slug) for r in resellers])


def register(app: App) -> None:
    app.options(ids.ACTION_ACCOUNT_SELECT)(on_accounts)
    app.options(ids.ACTION_RESELLER_SELECT)(on_resellers)
