"""Driving the real Bolt app the way Slack does: signed HTTP requests through the WSGI app, with the Web API
answered by the loopback stand-in. Payloads have Slack's shapes: form fields for commands, a JSON
``payload`` field for interactivity, JSON for events."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.driver import InlineExecutor, Response, SlackDriver, user  # noqa: F401  (re-exported for tests)
from bot.sandbox.standin import Call

SECRET = "test-signing-secret-0123456789abcdef"
HOME = "THOME"
NORTH_TEAM = "TNORTH"  # reseller northwind's own Slack org
SOUTH_TEAM = "TSOUTH"  # reseller southwind's
STRANGER_TEAM = "TSTRANGE"  # nobody we know
ADMIN = "UADMIN"  # from JOANBOT_ADMINS
SALES = "USALES"  # added with /joan staff add
NORTH_USER = "UNORTH1"
SOUTH_USER = "USOUTH1"
STRANGER = "USTRANGE"
HOME_NOBODY = "UHOMENOBODY"  # a home-team user with no role
PANEL_CHANNEL = "CNORTHSHARED"


def text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def selected(value: str, element: str = "external_select") -> dict[str, Any]:
    return {"type": element, "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def number(value: str) -> dict[str, Any]:
    return {"type": "number_input", "value": value}


def view_of(call: Call) -> dict[str, Any]:
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view
