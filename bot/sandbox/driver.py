"""Driving the real Bolt app the way Slack does: signed requests through the server's Slack endpoint (the
edge's checks, then Bolt), with the Web API answered by the loopback stand-in. Payloads have the fields and
nesting Slack sends for slash commands, block actions, shortcuts, view submissions, block suggestions and
events.

Used by the tests and by ``joanbot demo``, which is why it lives in the package.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from itertools import count
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.standin import Call, SlackStandIn
from bot.server import SlackEndpoint

HOME = "THOME"


class InlineExecutor(Executor):
    """Runs each listener at once, so all its work is done when dispatch returns."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@dataclass
class Response:
    status: int
    text: str
    calls: list[Call] = field(default_factory=list)  # what the app sent to Slack while handling it

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    def to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def replies(self) -> list[dict[str, Any]]:
        """Bodies posted to the response_url: the ephemeral answers to the person who acted."""
        return [c.body for c in self.to("response_url")]

    def reply_text(self) -> str:
        return "\n".join(json.dumps(r) for r in self.replies)

    @property
    def opened_view(self) -> dict[str, Any]:
        (call,) = self.to("views.open")
        view = call.body["view"]
        parsed: dict[str, Any] = json.loads(view) if isinstance(view, str) else view
        return parsed


def _flat(headers: dict[str, str | Sequence[str]]) -> dict[str, str]:
    return {name: value if isinstance(value, str) else value[0] for name, value in headers.items()}


def user(user_id: str, team: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team}


class SlackDriver:
    def __init__(self, endpoint: SlackEndpoint, standin: SlackStandIn, *, secret: str) -> None:
        self.endpoint = endpoint
        self.standin = standin
        self.secret = secret
        self._ids = count(1)
        self.over_http: httpx.Client | None = None  # set: requests go over HTTP to a server of ``endpoint``

    # -- transport --------------------------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        secret: str | None = None,
    ) -> Response:
        ts = str(int(time.time())) if timestamp is None else timestamp
        if signature is None:
            signature = SignatureVerifier(secret or self.secret).generate_signature(timestamp=ts, body=body)
        headers: dict[str, str | Sequence[str]] = {
            "content-type": [content_type],
            "x-slack-request-timestamp": [ts],
            "x-slack-signature": [signature or ""],
        }
        before = len(self.standin.calls)
        if self.over_http is not None:
            sent = self.over_http.post("/slack/events", content=body.encode(), headers=_flat(headers))
            return Response(sent.status_code, sent.text, list(self.standin.calls[before:]))
        answer = self.endpoint.handle(body.encode(), headers)
        return Response(answer.status, answer.body or "", list(self.standin.calls[before:]))

    def form(self, fields: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    # -- what Slack sends -------------------------------------------------------------------------------

    def command_body(self, text: str, *, user_id: str, team: str, channel: str = "CSALES") -> dict[str, Any]:
        n = next(self._ids)
        return {
            "token": "deprecated",
            "team_id": team,
            "team_domain": team.lower(),
            "channel_id": channel,
            "channel_name": "a-channel",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/joan",
            "text": text,
            "api_app_id": "AJOAN",
            "is_enterprise_install": "false",
            "response_url": self.standin.response_url(f"command-{n}"),
            "trigger_id": f"trigger-{n}",
        }

    def command(self, text: str, *, user_id: str, team: str, channel: str = "CSALES", **kwargs: Any) -> Response:
        return self.form(self.command_body(text, user_id=user_id, team=team, channel=channel), **kwargs)

    def action_payload(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str,
        team: str,
        channel: str = "CSALES",
        message_ts: str = "1700000000.000100",
        ephemeral: bool = True,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A button click; ``message`` is the bot's message it sits on (Slack sends it with non-ephemeral ones)."""
        n = next(self._ids)
        extra = (
            {}
            if message is None
            else {"message": {"type": "message", "user": "UJOANBOT", "bot_id": "BJOANBOT", "ts": message_ts, **message}}
        )
        return {
            **extra,
            "type": "block_actions",
            "user": user(user_id, team),
            "api_app_id": "AJOAN",
            "token": "deprecated",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"trigger-{n}",
            "team": {"id": team, "domain": team.lower()},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "a-channel"},
            "response_url": self.standin.response_url(f"action-{n}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": value,
                    "text": {"type": "plain_text", "text": "x"},
                    "action_ts": "1700000001.000000",
                }
            ],
        }

    def click(self, action_id: str, value: str = "", **kwargs: Any) -> Response:
        return self.interactive(self.action_payload(action_id, value, **kwargs))

    def shortcut(self, callback_id: str, *, user_id: str, team: str) -> Response:
        n = next(self._ids)
        return self.interactive(
            {
                "type": "shortcut",
                "token": "deprecated",
                "action_ts": "1700000001.000000",
                "team": {"id": team, "domain": team.lower()},
                "user": user(user_id, team),
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": f"trigger-{n}",
            }
        )

    def submission_payload(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user_id: str,
        team: str,
        view_id: str = "VMODAL1",
    ) -> dict[str, Any]:
        """``view`` as the bot built it, submitted with ``values`` as {block_id: {action_id: state}}."""
        submitted = {
            **view,
            "id": view_id,
            "team_id": HOME,
            "state": {"values": values},
            "hash": "1700000000.abc",
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": "AJOAN",
            "external_id": "",
            "app_installed_team_id": HOME,
            "bot_id": "BJOANBOT",
        }
        submitted.setdefault("private_metadata", "")
        return {
            "type": "view_submission",
            "team": {"id": team, "domain": team.lower()},
            "user": user(user_id, team),
            "api_app_id": "AJOAN",
            "token": "deprecated",
            "trigger_id": f"trigger-{next(self._ids)}",
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, Any]],
        *,
        user_id: str,
        team: str,
        view_id: str = "VMODAL1",
    ) -> Response:
        return self.interactive(self.submission_payload(view, values, user_id=user_id, team=team, view_id=view_id))

    def suggest(self, action_id: str, typed: str, *, user_id: str, team: str, block_id: str = "account") -> Response:
        return self.interactive(
            {
                "type": "block_suggestion",
                "user": user(user_id, team),
                "container": {"type": "view", "view_id": "V1"},
                "api_app_id": "AJOAN",
                "token": "deprecated",
                "action_id": action_id,
                "block_id": block_id,
                "value": typed,
                "team": {"id": team, "domain": team.lower()},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": "redeem_code_modal",
                    "blocks": [],
                    "team_id": HOME,
                    "app_installed_team_id": HOME,
                    "state": {"values": {}},
                },
            }
        )

    def event(self, event: dict[str, Any], *, event_id: str | None = None, **kwargs: Any) -> Response:
        body = {
            "token": "deprecated",
            "team_id": HOME,
            "api_app_id": "AJOAN",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": 1700000000,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": HOME,
                    "user_id": "UJOANBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        return self.post(json.dumps(body), "application/json", **kwargs)
