"""The fast layer under the signed end-to-end tests: each listener called directly, as Bolt would call it,
with a recording ``ack``/``respond``/``client`` and the real billing core on the test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from slack_bolt import BoltContext

from billing import Actor, Billing
from billing.identity import ChatUser
from handlers import deps, ids, modals
from tests.billing import builders
from tests.conftest import SALES, STAFF, at
from tests.handlers.harness import ADMIN, HOME, NORTH_TEAM, NORTH_USER, STRANGER, STRANGER_TEAM

NOW = at("2026-03-02")
RESPONSE_URL = "https://hooks.slack.invalid/actions/T/1/x"


class Recorder:
    """A recording ``ack`` or ``respond``: the keyword arguments of each call, in order."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    @property
    def only(self) -> dict[str, Any]:
        (call,) = self.calls
        return call


class RecordingClient:
    """A Web API client that records the methods called and their arguments, and answers ok."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"ok": True}

        return call

    @property
    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


@dataclass
class Shop:
    """Two resellers with a customer each, a direct customer, and the people who act on them."""

    billing: Billing
    sales: Actor
    member: Actor  # of northwind, whose customer is acme
    now: datetime

    def code(self, **options: object) -> str:
        return builders.code(self.billing, now=self.now, **options)

    def status(self, code: str) -> str:
        return str(self.billing.codes.show(code=code, actor=STAFF, now=self.now).status)

    def context(self) -> BoltContext:
        """Bolt's context as the app's middleware leaves it."""
        services = deps.Services(billing=self.billing, clock=lambda: NOW, admins={ADMIN}, home_team_id=HOME)
        return BoltContext({deps.CONTEXT_KEY: services})


@pytest.fixture
def shop(billing: Billing) -> Shop:
    start = at("2026-01-05")
    builders.reseller(billing, "northwind", now=start, team=NORTH_TEAM)
    builders.reseller(billing, "southwind", now=start, team="TSOUTH")
    builders.account(billing, "acme", now=start, reseller="northwind")
    builders.account(billing, "globex", now=start, reseller="southwind")
    builders.account(billing, "initech", now=start)
    member = billing.identity.actor_for(ChatUser(NORTH_USER, NORTH_TEAM), home_team_id=HOME, admins=())
    assert member is not None and member.role == "reseller"
    return Shop(billing, SALES, member, NOW)


def clicked(value: str, *, user: str = STRANGER, team: str = STRANGER_TEAM, **extra: Any) -> dict[str, Any]:
    """A block_actions body for a button on an ephemeral message."""
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "team_id": team},
        "trigger_id": "trigger-1",
        "response_url": RESPONSE_URL,
        "container": {"type": "message", "message_ts": "1700000000.000100"},
        "actions": [{"action_id": ids.ACTION_REDEEM_CONFIRM, "value": value}],
    }
    body.update(extra)
    return body


def redeem_view(code: str, account: str) -> dict[str, Any]:
    """The redeem modal as Slack sends it back on submission, with ``code`` and ``account`` filled in."""
    view = modals.redeem_modal()
    view["id"] = "VREDEEM1"
    view["state"] = {
        "values": {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: {"type": "plain_text_input", "value": code}},
            ids.BLOCK_ACCOUNT: {
                ids.ACTION_ACCOUNT_SELECT: {"type": "external_select", "selected_option": {"value": account}}
            },
        }
    }
    return view
