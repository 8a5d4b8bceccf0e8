"""The Slack edge: a request is verified on its raw bytes before anything parses it, then its shape is checked.

Bolt builds its request object (parsing the body and reading a dozen fields out of it) before its own
signature check, so an unsigned body of an odd shape used to crash it into a 500 with a traceback. Here the
order is: the timestamp header is a number within Slack's 300 seconds, the ``v0`` HMAC over the raw bytes
matches (constant-time), the body is UTF-8; only then is it parsed, once, and the fields Bolt and the
listeners read are checked for the types Slack sends. What fails is a ``Refusal`` (401 unsigned, 400 odd),
logged in one line without the body; what passes is the ``BoltRequest`` to dispatch.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body

log = logging.getLogger("joanbot.edge")

MAX_SKEW_SECONDS = 300  # Slack's window (slack_sdk.signature), in both directions

Headers = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Refusal:
    """A request that is not passed on: ``status`` (401 or 400) and the reason for the log line."""

    status: int
    reason: str

    @property
    def body(self) -> str:
        return '{"error":"invalid request"}' if self.status == 401 else '{"error":"unreadable request"}'


def _header(headers: Headers, name: str) -> str:
    found = headers.get(name) or ""
    return (found if isinstance(found, str) else (list(found) or [""])[0]).strip()


def timestamp_is_numeric(headers: Headers) -> bool:
    value = _header(headers, "x-slack-request-timestamp")
    return value.isascii() and value.isdigit() and len(value) <= 12


def signature_problem(raw: bytes, headers: Headers, *, secret: str, now: float) -> str | None:
    """Why ``raw`` is not a request Slack signed with ``secret`` just now, or None."""
    if not timestamp_is_numeric(headers):
        return "a missing or malformed X-Slack-Request-Timestamp"
    timestamp = _header(headers, "x-slack-request-timestamp")
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        return "a stale X-Slack-Request-Timestamp"
    given = _header(headers, "x-slack-signature")
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), f"v0={digest}".encode()):
        return "a bad X-Slack-Signature"
    return None


def verify(
    raw: bytes, headers: Headers, *, secret: str, query: str = "", now: Callable[[], float] = time.time
) -> Refusal | BoltRequest:
    """The verified request for Bolt, or why it was refused (already logged, one line, no body)."""
    problem = signature_problem(raw, headers, secret=secret, now=now())
    if problem is not None:
        return _refuse(401, problem)
    try:
        body = raw.decode("utf-8")
        parsed = parse_body(body, _header(headers, "content-type").split(";")[0].strip() or None)
    except ValueError as error:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return _refuse(400, f"a signed body that does not parse ({type(error).__name__})")
    odd = shape_problem(parsed)
    if odd is not None:
        return _refuse(400, f"a signed request of an unexpected shape: {odd}")
    try:
        return BoltRequest(body=body, query=query, headers={k: v for k, v in headers.items()})
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
        return _refuse(400, f"a signed request Bolt cannot read ({type(error).__name__})")


def _refuse(status: int, reason: str) -> Refusal:
    log.info("refused a request (%s): %s", status, reason)
    return Refusal(status, reason)


# -- shapes -------------------------------------------------------------------------------------------------

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _id(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _flag(value: Any) -> bool:
    return value is None or isinstance(value, bool) or value in ("true", "false")


def _url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _fields(spec: Mapping[str, Check]) -> Check:
    """A dict whose keys named in ``spec`` (when present) pass their check; other keys are left alone."""

    def check(value: Any) -> bool:
        return isinstance(value, dict) and all(key not in value or ok(value[key]) for key, ok in spec.items())

    return check


def _optional(inner: Check) -> Check:
    return lambda value: value is None or inner(value)


def _list_of(inner: Check) -> Check:
    return lambda value: isinstance(value, list) and all(inner(item) for item in value)


def _either(*checks: Check) -> Check:
    return lambda value: any(ok(value) for ok in checks)


_USER = _fields({"id": _text, "team_id": _id, "name": _id, "username": _id})
_TEAM = _fields({"id": _id, "enterprise_id": _id, "domain": _id})
_NAMED = _fields({"id": _id, "name": _id})
_OPTION = _fields({"value": _text, "text": _optional(_fields({"text": _text}))})
_ACTION = _fields(
    {
        "action_id": _text,
        "block_id": _text,
        "value": _text,
        "type": _text,
        "selected_option": _optional(_OPTION),
        "selected_options": _list_of(_OPTION),
    }
)
_ELEMENT_STATE = _fields({"type": _text, "value": _id, "selected_option": _optional(_OPTION)})
_VIEW = _fields(
    {
        "id": _text,
        "callback_id": _text,
        "private_metadata": _text,
        "hash": _id,
        "type": _text,
        "team_id": _id,
        "app_installed_team_id": _id,
        "root_view_id": _id,
        "previous_view_id": _id,
        "state": _fields({"values": _fields({})}),
    }
)
_AUTHORIZATION = _fields(
    {"enterprise_id": _id, "team_id": _id, "user_id": _id, "is_bot": _flag, "is_enterprise_install": _flag}
)
_COMMON = {
    "type": _text,
    "token": _id,
    "team_id": _id,
    "enterprise_id": _id,
    "api_app_id": _id,
    "is_enterprise_install": _flag,
    "trigger_id": _text,
    "response_url": _url,
    "response_urls": _list_of(_fields({"response_url": _url})),
    "team": _optional(_TEAM),
    "enterprise": _optional(_either(_text, _NAMED)),
    "channel": _optional(_either(_text, _NAMED)),
    "authorizations": _list_of(_AUTHORIZATION),
}
_INTERACTIVE = _fields(
    {
        **_COMMON,
        "user": _USER,
        "view": _VIEW,
        "actions": _list_of(_ACTION),
        "container": _fields({}),
        "message": _fields({"ts": _text, "thread_ts": _id}),
        "callback_id": _text,
        "action_id": _text,
        "block_id": _text,
        "value": _text,
    }
)
_EVENT = _fields(
    {
        "type": _text,
        "user": _either(_text, _USER),
        "user_team": _id,
        "team": _either(_id, _TEAM),
        "tab": _text,
        "channel": _either(_text, _NAMED),
        "thread_ts": _id,
        "ts": _id,
        "bot_id": _id,
        "subtype": _id,
        "view": _optional(_VIEW),
    }
)
_ENVELOPE = _fields({**_COMMON, "event": _EVENT, "event_id": _text, "challenge": _text, "is_ext_shared_channel": _flag})
_COMMAND = _fields({**_COMMON, "command": _text, "text": _text, "user_id": _text, "channel_id": _text})


# What Slack always sends with each kind of payload, so a listener may rely on it.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "block_actions": ("trigger_id", "actions"),
    "view_submission": ("trigger_id", "view"),
    "view_closed": ("view",),
    "shortcut": ("trigger_id", "callback_id"),
    "message_action": ("trigger_id", "callback_id"),
    "block_suggestion": ("action_id", "value"),
}
_VIEW_KEYS = ("id", "type", "callback_id")
_COMMAND_FIELDS = ("command", "text", "user_id", "team_id", "response_url", "trigger_id")


def shape_problem(body: Any) -> str | None:
    """What is wrong with a parsed body for Bolt and our listeners (a type Slack never sends), or None."""
    if not isinstance(body, dict):
        return f"a {type(body).__name__}, not an object"
    if "command" in body:
        missing = [name for name in _COMMAND_FIELDS if name not in body]
        return None if _COMMAND(body) and not missing else "a command without its fields"
    if "ssl_check" in body:
        return None
    if not isinstance(body.get("type"), str):
        return "no type"
    kind = body["type"]
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        if not _ENVELOPE(body) or (kind == "event_callback" and not isinstance(body.get("event"), dict)):
            return f"an {kind} with fields of the wrong type"
        return None
    if not _INTERACTIVE(body) or not isinstance(body.get("user"), dict) or not body["user"].get("id"):
        return f"a {kind[:40]!r} payload with fields of the wrong type"
    if any(name not in body for name in _REQUIRED.get(kind, ())) or body.get("actions") == []:
        return f"a {kind[:40]!r} payload without its fields"
    if any("action_id" not in action for action in body.get("actions", [])):
        return "an action without its action_id"
    view = body.get("view") or {}
    if kind in ("view_submission", "view_closed") and not all(isinstance(view.get(k), str) for k in _VIEW_KEYS):
        return "a view without its id, type or callback_id"
    if not _state_is_well_formed(body.get("view")):
        return "a view state of the wrong shape"
    return None


def _state_is_well_formed(view: Any) -> bool:
    if not isinstance(view, dict) or "state" not in view:
        return True
    values = view["state"].get("values", {})
    return all(
        isinstance(block, dict) and all(_ELEMENT_STATE(element) for element in block.values())
        for block in values.values()
    )
