"""Buttons on the bot's messages, the reseller panel, App Home and the confirm modal; global shortcuts.

Every click is authorized again from the clicking user (a panel lives in a shared channel: anyone there
can click), and what a button carries is only a request, never a permission.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from billing import Actor, BillingError
from billing.actors import NotAllowed
from handlers import blocks, deps, errors, ids, modals
from handlers.parsing import RedeemInput

log = logging.getLogger("joanbot.slack")


def _value(body: dict[str, Any]) -> str:
    found = (body.get("actions") or [{}])[0]
    return str(found.get("value") or (found.get("selected_option") or {}).get("value") or "")


def _refuse(respond: Any) -> None:
    respond(**blocks.notice(errors.REFUSAL), response_type="ephemeral", replace_original=False)


def _container_ref(body: dict[str, Any]) -> str:
    container = body.get("container") or {}
    return str(container.get("message_ts") or container.get("view_id") or "")


def _redeem_request(body: dict[str, Any]) -> RedeemInput | None:
    try:
        return blocks.parse_redeem_value(_value(body))
    except (ValueError, KeyError, TypeError):
        return None


def on_redeem_confirm(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    ack()
    actor = deps.actor(context, body)
    if actor is None:
        _refuse(respond)
        return
    request = _redeem_request(body)
    if request is None:
        respond(**blocks.notice("That button is not one of mine."), replace_original=False)
        return
    billing = deps.services(context).billing
    try:
        receipt = billing.redemptions.redeem(
            code=request.code,
            account=request.account,
            renews=request.renews,
            actor=actor,
            now=deps.now(context),
            scope=_container_ref(body),
            request_ref=deps.request_ref(body),
        )
    except BillingError as error:
        respond(**blocks.notice(errors.message(error, actor)), response_type="ephemeral", replace_original=False)
        return
    respond(**blocks.receipt_message(receipt), response_type="ephemeral", replace_original=True)


def on_redeem_preview(ack: Any, body: dict[str, Any], context: Any, respond: Any) -> None:
    ack()
    actor = deps.actor(context, body)
    request = _redeem_request(body)
    if actor is None or request is None:
        _refuse(respond)
        return
    billing = deps.services(context).billing
    try:
        plan = billing.redemptions.preview(
            code=request.code, account=request.account, renews=request.renews, actor=actor, now=deps.now(context)
        )
    except BillingError as error:
        respond(**blocks.notice(errors.message(error, actor)), response_type="ephemeral", replace_original=False)
        return
    respond(**blocks.preview_message(plan, request), response_type="ephemeral", replace_original=True)


def on_redeem_cancel(ack: Any, respond: Any) -> None:
    ack()
    respond(**blocks.notice("Cancelled: nothing was redeemed."), response_type="ephemeral", replace_original=True)


def _open_for(body: dict[str, Any], context: Any, respond: Any, client: WebClient, build: Any) -> None:
    """Open the modal ``build(actor)`` returns for the clicking user, or refuse them."""
    actor = deps.actor(context, body)
    if actor is None:
        if respond is not None and body.get("response_url"):
            _refuse(respond)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=modals.note_modal("joanbot", errors.REFUSAL))
        return
    client.views_open(trigger_id=body["trigger_id"], view=build(actor))


def on_panel_breakdown(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: WebClient) -> None:
    ack()
    _open_for(body, context, respond, client, lambda actor: modals.breakdown_picker_modal())


def on_open_redeem(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: WebClient) -> None:
    ack()
    channel = (body.get("channel") or {}).get("id")
    _open_for(body, context, respond, client, lambda actor: modals.redeem_modal(channel=channel))


def on_panel_accounts(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: WebClient) -> None:
    ack()
    billing = deps.services(context).billing

    def build(actor: Actor) -> dict[str, Any]:
        return modals.accounts_modal(billing.accounts.list_accounts(actor=actor, reseller=_value(body) or None))

    _open_for(body, context, respond, client, build)


def on_open_issue(ack: Any, body: dict[str, Any], context: Any, respond: Any, client: WebClient) -> None:
    ack()
    billing = deps.services(context).billing

    def build(actor: Actor) -> dict[str, Any]:
        if not actor.is_staff:
            refused = NotAllowed("only the vendor's staff may issue codes")
            return modals.note_modal("Issue codes", errors.message(refused, actor))
        return modals.issue_modal(billing.catalog.solutions())

    _open_for(body, context, None, client, build)


def on_renewal_choice(ack: Any, body: dict[str, Any], context: Any, client: WebClient) -> None:
    """The confirm modal's renewal choice changed: show the dates of the chosen redemption."""
    ack()
    actor = deps.actor(context, body)
    view = body.get("view") or {}
    if actor is None or not view.get("id"):
        return
    chosen = _value(body)
    current = modals.confirm_request(view)
    request = RedeemInput(current.code, current.account, None if chosen == modals.NEW_LICENSES else int(chosen))
    try:
        plan = deps.services(context).billing.redemptions.preview(
            code=request.code, account=request.account, renews=request.renews, actor=actor, now=deps.now(context)
        )
    except (BillingError, ValueError) as error:
        log.info("renewal choice not previewed: %s", getattr(error, "code", type(error).__name__))
        return
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=modals.confirm_modal(plan, request))


def on_shortcut_redeem(ack: Any, body: dict[str, Any], context: Any, client: WebClient) -> None:
    ack()
    _open_for(body, context, None, client, lambda actor: modals.redeem_modal())


def register(app: App) -> None:
    app.action(ids.ACTION_REDEEM_CONFIRM)(on_redeem_confirm)
    app.action(ids.ACTION_REDEEM_PREVIEW)(on_redeem_preview)
    app.action(ids.ACTION_REDEEM_CANCEL)(on_redeem_cancel)
    app.action(ids.ACTION_PANEL_BREAKDOWN)(on_panel_breakdown)
    app.action(ids.ACTION_PANEL_REDEEM)(on_open_redeem)
    app.action(ids.ACTION_PANEL_ACCOUNTS)(on_panel_accounts)
    app.action(ids.ACTION_HOME_REDEEM)(on_open_redeem)
    app.action(ids.ACTION_HOME_ISSUE)(on_open_issue)
    app.action(ids.ACTION_RENEWAL_CHOICE)(on_renewal_choice)
    app.shortcut(ids.SHORTCUT_ISSUE)(on_open_issue)
    app.shortcut(ids.SHORTCUT_REDEEM)(on_shortcut_redeem)
