"""Buttons on the bot's messages, the reseller panel, App Home and the confirm modal; global shortcuts.

Every click is authorized again from the clicking user (a panel lives in a shared channel: anyone there
can click), and what a button carries is only a request, never a permission. Strangers are refused by
``listen`` before any of these runs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from billing import Actor, Billing, BillingError, NotAllowed
from handlers import blocks, errors, ids, listen, modals
from handlers.redeem_request import RedeemRequest, chosen_renewal

log = logging.getLogger("joanbot.slack")


def _value(body: dict[str, Any]) -> str:
    found = (body.get("actions") or [{}])[0]
    return str(found.get("value") or (found.get("selected_option") or {}).get("value") or "")


def _say(respond: Any, text: str, *, replace: bool = False) -> None:
    respond(**blocks.notice(text), response_type="ephemeral", replace_original=replace)


def _container_ref(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("message_ts") or container.get("view_id") or "")


def on_redeem_confirm(
    body: dict[str, Any], respond: Any, actor: Actor, billing: Billing, now: datetime, request_ref: str
) -> None:
    try:
        request = RedeemRequest.decode(_value(body))
        receipt = billing.redemptions.redeem(
            code=request.code,
            account=request.account,
            renews=request.renews,
            actor=actor,
            now=now,
            scope=_container_ref(body),
            request_ref=request_ref,
        )
    except BillingError as error:
        _say(respond, errors.message(error, actor))
        return
    respond(**blocks.receipt_message(receipt), response_type="ephemeral", replace_original=True)


def on_redeem_preview(body: dict[str, Any], respond: Any, actor: Actor, billing: Billing, now: datetime) -> None:
    try:
        request = RedeemRequest.decode(_value(body))
        plan = billing.redemptions.preview(
            code=request.code, account=request.account, renews=request.renews, actor=actor, now=now
        )
    except BillingError as error:
        _say(respond, errors.message(error, actor))
        return
    respond(**blocks.preview_message(plan, request), response_type="ephemeral", replace_original=True)


def on_redeem_cancel(respond: Any) -> None:
    _say(respond, "Cancelled: nothing was redeemed.", replace=True)


def _open(body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_panel_breakdown(body: dict[str, Any], client: WebClient, actor: Actor) -> None:
    _open(body, client, modals.breakdown_picker_modal())


def on_open_redeem(body: dict[str, Any], client: WebClient, actor: Actor) -> None:
    channel = (body.get("channel") or {}).get("id")
    _open(body, client, modals.redeem_modal(channel=channel))


def on_panel_accounts(body: dict[str, Any], client: WebClient, actor: Actor, billing: Billing) -> None:
    # A reseller member sees their own accounts whatever reseller the button names (billing sees to it).
    accounts = billing.accounts.list_accounts(actor=actor, reseller=_value(body) or None)
    _open(body, client, modals.accounts_modal(accounts))


def on_open_issue(body: dict[str, Any], client: WebClient, actor: Actor, billing: Billing) -> None:
    if not actor.is_staff:
        refused = NotAllowed("only the vendor's staff may issue codes")
        _open(body, client, modals.note_modal("Issue codes", errors.message(refused, actor)))
        return
    _open(body, client, modals.issue_modal(billing.catalog.solutions()))


def on_renewal_choice(body: dict[str, Any], client: WebClient, actor: Actor, billing: Billing, now: datetime) -> None:
    """The confirm modal's renewal choice changed: show the dates of the chosen redemption."""
    view = body.get("view") or {}
    if not view.get("id"):
        return
    try:
        request = RedeemRequest.decode(view.get("private_metadata")).renewing(chosen_renewal(_value(body)))
        plan = billing.redemptions.preview(
            code=request.code, account=request.account, renews=request.renews, actor=actor, now=now
        )
    except BillingError as error:  # the submission shows it on the field; here the modal stays as it is
        log.info("renewal choice not previewed: %s", error.code)
        return
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=modals.confirm_modal(plan, request))


def on_shortcut_redeem(body: dict[str, Any], client: WebClient, actor: Actor) -> None:
    _open(body, client, modals.redeem_modal())


def register(app: App) -> None:
    app.action(ids.ACTION_REDEEM_CONFIRM)(listen.action(on_redeem_confirm))
    app.action(ids.ACTION_REDEEM_PREVIEW)(listen.action(on_redeem_preview))
    app.action(ids.ACTION_REDEEM_CANCEL)(listen.action(on_redeem_cancel))
    app.action(ids.ACTION_PANEL_BREAKDOWN)(listen.action(on_panel_breakdown))
    app.action(ids.ACTION_PANEL_REDEEM)(listen.action(on_open_redeem))
    app.action(ids.ACTION_PANEL_ACCOUNTS)(listen.action(on_panel_accounts))
    app.action(ids.ACTION_HOME_REDEEM)(listen.action(on_open_redeem))
    app.action(ids.ACTION_HOME_ISSUE)(listen.action(on_open_issue))
    app.action(ids.ACTION_RENEWAL_CHOICE)(listen.action(on_renewal_choice))
    app.shortcut(ids.SHORTCUT_ISSUE)(listen.action(on_open_issue))
    app.shortcut(ids.SHORTCUT_REDEEM)(listen.action(on_shortcut_redeem))
