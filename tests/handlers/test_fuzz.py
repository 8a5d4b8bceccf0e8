"""Fuzzing the real HTTP endpoint (``joanbot serve``'s web app on uvicorn) with what Slack sends and what it
never would.

Command texts, interactivity, options and event payloads, signed and unsigned, built by hypothesis with a
fixed seed (``derandomize``): no response is a 5xx, no log record carries a traceback, and a rejected request
(any 4xx) leaves every table exactly as it was.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import billing.models  # noqa: F401  (registers every table)
from billing.db import Base
from bot.serving import serving
from bot.web import web_app
from handlers import ids
from handlers.redeem_request import RedeemRequest
from tests.handlers.harness import ADMIN, HOME, HOME_NOBODY, NORTH_TEAM, NORTH_USER, SALES, STRANGER, STRANGER_TEAM

EXAMPLES = 400  # per test below; five tests, so about 2,000 requests
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORM = "application/x-www-form-urlencoded"
PEOPLE = [(ADMIN, HOME), (SALES, HOME), (NORTH_USER, NORTH_TEAM), (STRANGER, STRANGER_TEAM), (HOME_NOBODY, HOME)]
HOSTILE = [
    "not a url",
    "http://",
    "<!here>",
    "<!channel>",
    "<@U123>",
    "&",
    "<https://x.example|click>",
    "%22",
    "\\u0000",
    "\x00",
    "🙂",
]
WORDS = [
    "redeem",
    "code",
    "issue",
    "show",
    "void",
    "credit",
    "account",
    "accounts",
    "new",
    "renewals",
    "help",
    "reseller",
    "link",
    "staff",
    "add",
    "remove",
    "audit",
    "credits",
    "invoices",
    "acme",
    "globex",
    "northwind",
    "room",
    "professional",
    "10",
    "count=3",
    "years=1",
    "renews=1",
    "ref=X",
    "redeem-by=2026-13-45",
    "kind=user",
    "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX",
    "USD",
    "promo",
    "admin",
    "sales",
    "<@USALES>",
    "=",
    "",
]
ACTIONS = [value for name, value in vars(ids).items() if name.startswith(("ACTION_", "SHORTCUT_"))]
VIEWS = [value for name, value in vars(ids).items() if name.startswith("VIEW_")]
BLOCKS = [value for name, value in vars(ids).items() if name.startswith("BLOCK_")]

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=12) | st.sampled_from(HOSTILE),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
texts = st.text(max_size=30) | st.sampled_from(HOSTILE + WORDS)


@st.composite
def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    """Mostly the right thing; one time in 40 junk of any type, one in 40 missing (None is dropped below)."""
    roll = draw(st.integers(0, 999))  # hypothesis favours the bounds: those are the right thing
    return draw(junk) if 500 <= roll < 520 else None if 520 <= roll < 540 else draw(strategy)


def _drop_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    user_id, team = draw(st.sampled_from(PEOPLE))
    return {"id": user_id, "team_id": team}


@st.composite
def element_state(draw: st.DrawFn) -> Any:
    value = draw(maybe(texts))
    option = {"text": {"type": "plain_text", "text": "x"}, "value": draw(texts)}
    state = _drop_none({"type": draw(maybe(st.sampled_from(["plain_text_input", "external_select"]))), "value": value})
    if draw(st.booleans()):
        state["selected_option"] = option
    return state


@st.composite
def views(draw: st.DrawFn) -> Any:
    code_value = draw(st.sampled_from(["", "acme", "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"]) | texts)
    values = draw(st.dictionaries(st.sampled_from(BLOCKS), st.dictionaries(st.sampled_from(ACTIONS), element_state())))
    metadata = draw(maybe(st.sampled_from([RedeemRequest(code_value, "acme").encode(), "{}", "[]", "null"]) | texts))
    view = {
        "id": draw(maybe(st.just("V123"))),
        "type": "modal",
        "callback_id": draw(maybe(st.sampled_from(VIEWS))),
        "private_metadata": metadata,
        "hash": draw(maybe(st.just("h1"))),
        "state": draw(maybe(st.just({"values": values}))),
    }
    return _drop_none(view)


@st.composite
def interactive(draw: st.DrawFn, kinds: list[str]) -> dict[str, Any]:
    action = {
        "action_id": draw(maybe(st.sampled_from(ACTIONS))),
        "block_id": draw(maybe(st.sampled_from(BLOCKS))),
        "value": draw(maybe(st.sampled_from([RedeemRequest("x", "acme").encode(), "1", ""]) | texts)),
        "type": "button",
    }
    payload = {
        "type": draw(maybe(st.sampled_from(kinds))),
        "user": draw(maybe(users())),
        "team": draw(maybe(st.sampled_from([{"id": HOME}, {"id": NORTH_TEAM, "enterprise_id": None}]))),
        "enterprise": draw(maybe(st.none())),
        "api_app_id": "AJOAN",
        "trigger_id": draw(maybe(st.just("T.1"))),
        "response_url": draw(maybe(st.just("RESPONSE_URL"))),
        "callback_id": draw(maybe(st.sampled_from(ACTIONS))),
        "action_id": draw(maybe(st.sampled_from(ACTIONS))),
        "block_id": draw(maybe(st.sampled_from(BLOCKS))),
        "value": draw(maybe(texts)),
        "actions": draw(maybe(st.lists(st.just(_drop_none(action)), max_size=2))),
        "view": draw(maybe(views())),
        "channel": draw(maybe(st.sampled_from([{"id": "CSALES"}, {"id": "CNORTHSHARED", "name": "x"}]))),
        "container": draw(maybe(st.just({"type": "message", "message_ts": "1.2"}))),
        "message": draw(maybe(st.just({"ts": "1700000000.000100", "type": "message"}))),
    }
    return _drop_none(payload)


@st.composite
def commands(draw: st.DrawFn) -> dict[str, Any]:
    user_id, team = draw(st.sampled_from(PEOPLE))
    text = " ".join(draw(st.lists(st.sampled_from(WORDS + HOSTILE) | st.text(max_size=10), max_size=7)))
    fields = {
        "command": draw(st.sampled_from([ids.COMMAND, ids.COMMAND, "/other"])),
        "text": text,
        "user_id": draw(maybe(st.just(user_id))),
        "team_id": draw(maybe(st.just(team))),
        "channel_id": draw(maybe(st.sampled_from(["CSALES", "CNORTHSHARED"]))),
        "trigger_id": draw(maybe(st.just("T.1"))),
        "response_url": draw(maybe(st.just("RESPONSE_URL"))),
    }
    return {key: str(value) for key, value in _drop_none(fields).items()}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    user_id, team = draw(st.sampled_from(PEOPLE))
    event = {
        "type": draw(maybe(st.sampled_from([ids.EVENT_APP_HOME_OPENED, "message", "app_mention"]))),
        "user": draw(maybe(st.just(user_id))),
        "user_team": draw(maybe(st.none() | st.just(team))),
        "tab": draw(maybe(st.sampled_from(["home", "messages"]))),
        "channel": draw(maybe(st.just("D1"))),
        "view": draw(st.none() | views()),
    }
    envelope = {
        "type": draw(maybe(st.sampled_from(["event_callback", "url_verification"]))),
        "team_id": draw(maybe(st.just(HOME))),
        "api_app_id": "AJOAN",
        "event": draw(maybe(st.just(_drop_none(event)))),
        "event_id": draw(maybe(st.text(min_size=1, max_size=10))),
        "challenge": draw(st.none() | texts),
        "authorizations": draw(maybe(st.just([{"team_id": HOME, "user_id": "UJOANBOT", "is_bot": True}]))),
    }
    return _drop_none(envelope)


def _encode_interactive(payload: Any, how: str) -> str:
    if how == "raw":
        return "payload=" + quote(str(payload)[:-1])  # cut JSON
    return "payload=" + quote(json.dumps(payload))


def _tables(world) -> dict[str, list[tuple[Any, ...]]]:
    with world.billing.db.read() as session:
        return {
            table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


class Run:
    """Posts each body, signed or not, and checks what every request must satisfy."""

    def __init__(self, world, caplog) -> None:
        self.world, self.caplog = world, caplog
        self.before = _tables(world)

    def post(self, body: str, content_type: str, *, signed: bool) -> int:
        body = body.replace("RESPONSE_URL", quote(self.world.standin.response_url(), safe=""))
        self.caplog.clear()
        response = self.world.slack.post(body, content_type, signature=None if signed else "v0=" + "0" * 64)
        tracebacks = [r for r in self.caplog.records if r.exc_info or "Traceback" in r.getMessage()]
        assert response.status < 500, (response.status, body[:300])
        assert tracebacks == [], (body[:300], [r.getMessage() for r in tracebacks])
        if not signed:
            assert response.status == 401
        if response.status >= 400:
            assert response.calls == []
            assert _tables(self.world) == self.before, body[:300]
        else:
            self.before = _tables(self.world)
        return response.status


@pytest.fixture
def run(world, caplog):
    if not world.billing.db.is_sqlite:
        pytest.skip("the edge does not depend on the database: the fuzz runs once, on SQLite")
    caplog.set_level(logging.INFO)
    web = web_app(world.billing, now=lambda: world.now, slack=world.slack.endpoint)
    with serving(web) as base, httpx.Client(base_url=base, timeout=30) as client:
        world.slack.over_http = client
        yield Run(world, caplog)
        world.slack.over_http = None


@FUZZ
@given(fields=commands(), signed=st.booleans())
def test_fuzzed_commands_never_get_a_5xx_nor_log_a_traceback(run, fields, signed):
    run.post(urlencode(fields), FORM, signed=signed)


@FUZZ
@given(
    payload=interactive(["block_actions", "shortcut", "message_action", "view_closed", "other"]),
    how=st.sampled_from(["json", "json", "raw"]),
    signed=st.booleans(),
)
def test_fuzzed_buttons_and_shortcuts_never_get_a_5xx_nor_log_a_traceback(run, payload, how, signed):
    run.post(_encode_interactive(payload, how), FORM, signed=signed)


@FUZZ
@given(payload=interactive(["view_submission", "view_closed"]), signed=st.booleans())
def test_fuzzed_modal_submissions_never_get_a_5xx_nor_log_a_traceback(run, payload, signed):
    run.post(_encode_interactive(payload, "json"), FORM, signed=signed)


@FUZZ
@given(payload=interactive(["block_suggestion"]), signed=st.booleans())
def test_fuzzed_typeahead_options_never_get_a_5xx_nor_log_a_traceback(run, payload, signed):
    run.post(_encode_interactive(payload, "json"), FORM, signed=signed)


@FUZZ
@given(
    envelope=events() | junk,
    as_form=st.booleans(),
    signed=st.booleans(),
)
def test_fuzzed_events_and_raw_bodies_never_get_a_5xx_nor_log_a_traceback(run, envelope, as_form, signed):
    body = urlencode({"payload": json.dumps(envelope)}) if as_form else json.dumps(envelope)
    run.post(body, FORM if as_form else "application/json", signed=signed)
