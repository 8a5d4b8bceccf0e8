"""Buttons on what the daily sweep posts: "Issue renewal code" and "Mark handled" on a reminder digest,
"Acknowledge" on a problem alert.

These messages live in channels (often shared with a reseller's organisation): anyone there can click, so
every click is authorized again from the clicking user, and what a button carries is only a request. A
change edits the message in place, re-rendered from the database, so a second click or a replayed request
changes nothing and shows the same message. Strangers are refused by ``listen`` before any of these runs.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from billing import Actor, AlertAlreadyAcknowledged, AlertView, Billing, BillingError, NotAllowed
from handlers import blocks, errors, ids, listen, modals, notices

log = logging.getLogger("joanbot.slack")

NOT_UPDATED = "Done, but I could not update the message: it may show the old state for a while."


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def _say(respond: Any, text: str) -> None:
    respond(**blocks.notice(text), response_type="ephemeral", replace_original=False)


def _refuse(respond: Any, actor: Actor, what: str) -> None:
    """A known user who may not do this: a short "no" naming no account."""
    _say(respond, errors.message(NotAllowed(f"you may not {what}"), actor))


def _message_blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list((body.get("message") or {}).get("blocks") or [])


def _update(client: WebClient, body: dict[str, Any], respond: Any, message: dict[str, Any]) -> None:
    """Edit the clicked message in place (never inside a transaction: billing has committed by now)."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts")
    if not channel or not ts:
        return
    try:
        client.chat_update(channel=channel, ts=ts, **message)
    except SlackApiError as error:
        log.warning("message %s in %s not updated: %s", ts, channel, error.response.get("error"))
        _say(respond, NOT_UPDATED)


def _int(text: object) -> int | None:
    try:
        return int(str(text))
    except ValueError:
        return None


def on_issue_renewal_code(
    body: dict[str, Any], respond: Any, client: WebClient, actor: Actor, billing: Billing
) -> None:
    """Staff only: the issue modal, pre-filled for the reminded cohort. The trigger lives 3 s: one read, then open."""
    if not actor.is_staff:
        _refuse(respond, actor, "issue codes")
        return
    try:
        notice_id = _int(json.loads(_value(body)).get("notice"))
    except (ValueError, AttributeError):
        notice_id = None
    try:
        if notice_id is None:
            raise NotAllowed("not a reminder of ours")
        draft = billing.reminders.renewal_draft(notice_id=notice_id, actor=actor)
        view = modals.issue_modal(billing.catalog.solutions(), renewal=draft)
    except BillingError as error:
        client.views_open(
            trigger_id=body["trigger_id"], view=modals.note_modal("Issue codes", errors.message(error, actor))
        )
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_mark_handled(
    body: dict[str, Any], respond: Any, client: WebClient, actor: Actor, billing: Billing, now: datetime
) -> None:
    """Staff, or a member of the reseller whose account it is. Re-renders the whole digest from the database."""
    notice_id = _int(_value(body))
    if notice_id is None:
        _refuse(respond, actor, "change this reminder")
        return
    message_blocks = _message_blocks(body)
    on_message = notices.notice_ids_in(message_blocks)
    notice_ids = on_message if notice_id in on_message else [notice_id]
    clicked = next((v for v in billing.reminders.views(notice_ids=[notice_id], now=now)), None)
    if clicked is None or not actor.may_see_account(clicked.reseller_id):
        _refuse(respond, actor, "change this reminder")
        return
    # False when it was handled already (a second click, a replay): nothing changes; the message is
    # rendered again from the database all the same, which also repairs one whose first update failed.
    billing.reminders.mark_handled(notice_id=notice_id, actor=actor, now=now)
    if notice_id not in on_message:  # not the digest itself (no message in the payload): do not replace it
        _say(respond, f"Marked handled: {notices.reminder_line(clicked)}")
        return
    views = billing.reminders.views(notice_ids=notice_ids, now=now)
    _update(client, body, respond, notices.reminder_digest(views, note=notices.note_in(message_blocks)))


def on_acknowledge(
    body: dict[str, Any], respond: Any, client: WebClient, actor: Actor, billing: Billing, now: datetime
) -> None:
    """Staff, or a member of the alert's reseller. An alert acknowledged already is just shown again."""
    alert_id = _int(_value(body))
    if alert_id is None:
        _refuse(respond, actor, "acknowledge this alert")
        return
    alert: AlertView
    try:
        alert = billing.alerts.acknowledge(alert_id=alert_id, actor=actor, now=now)
    except AlertAlreadyAcknowledged:  # raised only to someone who may see the alert
        alert = billing.alerts.get(alert_id=alert_id)
    except BillingError:  # unknown, or not theirs: the same answer, so ids teach nothing
        _refuse(respond, actor, "acknowledge this alert")
        return
    _update(client, body, respond, notices.alert_message(alert, note=notices.note_in(_message_blocks(body))))


def register(app: App) -> None:
    app.action(ids.ACTION_REMINDER_ISSUE_RENEWAL)(listen.action(on_issue_renewal_code))
    app.action(ids.ACTION_REMINDER_HANDLED)(listen.action(on_mark_handled))
    app.action(ids.ACTION_ALERT_ACKNOWLEDGE)(listen.action(on_acknowledge))
