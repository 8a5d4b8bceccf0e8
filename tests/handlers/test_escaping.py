"""One escaping boundary: hostile names reach no mrkdwn field and no fallback text raw, through every builder.

A reseller, an account, a catalog solution and level and a code reference carry ``<!here>``, ``<!channel>``,
``<@U123>``, ``&`` and a link; every payload the bot sends (messages, ephemeral replies, modals, App Home,
the panel, reminders and alerts) is captured, each mrkdwn text and top-level ``text`` checked, and each
block list and view parsed by slack_sdk's own Block Kit models.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from sqlalchemy import update

from billing.codeformat import CODE_SHAPED
from billing.models import Account, PlanLevel, Reseller, Solution
from handlers import ids, notices
from handlers.redeem_request import RedeemRequest
from tests.billing.builders import licenses
from tests.conftest import STAFF, at
from tests.handlers.harness import ADMIN, HOME, NORTH_TEAM, NORTH_USER, PANEL_CHANNEL, SALES

HOSTILE = "<!channel> <!here> <@U123> & <https://x.example|click>"
OUR_MARKUP = re.compile(r"<[@#][A-Z0-9]+>|&(?:amp|lt|gt);")


@pytest.fixture
def hostile(world):
    licenses(world.billing, units=4, account_slug="acme", now=at("2025-04-01"))
    with world.billing.db.write() as session:
        session.execute(update(Reseller).values(name=f"Resale {HOSTILE}"))
        session.execute(update(Account).values(name=f"Acme {HOSTILE}"))
        session.execute(update(Solution).values(name=f"Room {HOSTILE}"))
        session.execute(update(PlanLevel).values(name=f"Pro {HOSTILE}"))
    world.billing.reminders.plan(now=world.now)
    world.standin.clear()
    return world


def _payloads(world) -> list[dict[str, Any]]:
    """Everything the bot sent, as Slack would read it (JSON-encoded fields decoded)."""
    sent = []
    for call in world.standin.calls:
        body = dict(call.body)
        for key in ("blocks", "view"):
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        sent.append(body)
    return sent


def _mrkdwn_texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += _mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += _mrkdwn_texts(item)
    return found


def _check(payloads: list[dict[str, Any]]) -> int:
    """Every mrkdwn field and top-level text free of raw <, >, & but our own markup; Block Kit parses."""
    checked = 0
    for payload in payloads:
        texts = _mrkdwn_texts(payload) + ([payload["text"]] if isinstance(payload.get("text"), str) else [])
        for text in texts:
            assert not re.search(r"[<>&]", OUR_MARKUP.sub("", text)), text
            checked += 1
        for block in payload.get("blocks") or []:
            parsed = Block.parse(block)
            assert parsed is not None, block
            parsed.validate_json()
        if isinstance(payload.get("view"), dict):
            View(**payload["view"]).validate_json()
    return checked


def _drive_every_surface(world) -> list[dict[str, Any]]:
    """Commands, buttons, modals, App Home and the panel, as staff and as the reseller's member."""
    acks: list[dict[str, Any]] = []
    issued = world.slack.command("code issue room professional 2 count=2 ref=<https://x.example|click>&", **_sales())
    code = CODE_SHAPED.findall(issued.reply_text())[0]
    for text in ("renewals acme", "account acme", "accounts", "accounts northwind", f"code show {code}", "help"):
        world.slack.command(text, **_sales())
    world.slack.command("audit acme", user_id=ADMIN, team=HOME)
    world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel=PANEL_CHANNEL)
    world.slack.command(f"redeem {code} acme", user_id=NORTH_USER, team=NORTH_TEAM)
    world.slack.command("redeem", user_id=NORTH_USER, team=NORTH_TEAM)
    for action in (ids.ACTION_PANEL_BREAKDOWN, ids.ACTION_PANEL_ACCOUNTS, ids.ACTION_PANEL_REDEEM):
        world.slack.click(action, "northwind", user_id=NORTH_USER, team=NORTH_TEAM, channel=PANEL_CHANNEL)
    view = {"type": "modal", "callback_id": ids.VIEW_REDEEM, "private_metadata": ""}
    values = {
        ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: {"type": "plain_text_input", "value": code}},
        ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: _selected("acme")},
    }
    acks.append(world.slack.submit(view, values, user_id=NORTH_USER, team=NORTH_TEAM).json or {})
    world.slack.click(
        ids.ACTION_REDEEM_CONFIRM, RedeemRequest(code, "acme").encode(), user_id=NORTH_USER, team=NORTH_TEAM
    )
    world.slack.suggest(ids.ACTION_ACCOUNT_SELECT, "ac", user_id=NORTH_USER, team=NORTH_TEAM)
    for user_id, team in ((SALES, HOME), (NORTH_USER, NORTH_TEAM)):
        world.slack.event({"type": "app_home_opened", "user": user_id, "user_team": team, "tab": "home"})
    return acks


def _sales() -> dict[str, str]:
    return {"user_id": SALES, "team": HOME}


def _selected(value: str) -> dict[str, Any]:
    return {
        "type": "external_select",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
    }


def test_hostile_names_reach_no_mrkdwn_field_raw_through_any_surface_and_every_payload_is_valid_block_kit(hostile):
    acks = _drive_every_surface(hostile)
    payloads = _payloads(hostile) + [a["view"] for a in acks if isinstance(a.get("view"), dict)]
    assert _check(payloads) > 40
    shown = json.dumps(payloads)
    assert "&lt;!here&gt;" in shown and "&lt;!channel&gt;" in shown and "&amp;" in shown  # the names did arrive


def test_hostile_names_reach_no_mrkdwn_field_raw_in_reminders_alerts_and_their_fallbacks(hostile):
    views = hostile.billing.reminders.views(notice_ids=_notice_ids(hostile), now=hostile.now)
    assert views
    digests = [notices.reminder_digest(views[:1]), notices.reminder_digest(views, note=HOSTILE)]
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017 (any refusal: it is the attempt that is counted)
            hostile.billing.redemptions.redeem(
                code="XXXXX-XXXXX-XXXXX-XXXXX-XXXXX", account="acme", actor=STAFF, now=hostile.now
            )
    hostile.billing.alerts.sweep(now=hostile.now)
    alerts = [notices.alert_message(a, note=HOSTILE) for a in hostile.billing.alerts.open_alerts(actor=STAFF)]
    assert alerts
    assert _check(digests + alerts) >= 6
    assert "Room &lt;!channel&gt;" in json.dumps(digests)


def _notice_ids(world) -> list[int]:
    from sqlalchemy import select

    from billing.models import ReminderNotice

    with world.billing.db.read() as session:
        return list(session.scalars(select(ReminderNotice.id)))
