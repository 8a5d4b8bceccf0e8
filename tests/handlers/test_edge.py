"""The Slack edge: unsigned bodies are refused before anything parses them; signed odd shapes get a polite 4xx."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest

from bot import slack_edge
from tests.handlers.harness import ADMIN, HOME, NORTH_USER, user

FORM = "application/x-www-form-urlencoded"

ODD_BODIES = [
    ("payload=null", FORM),
    ("payload=true", FORM),
    ("payload=" + quote(json.dumps({"type": "block_actions", "user": 5})), FORM),
    ("payload=" + quote(json.dumps({"type": "view_submission", "enterprise": 5})), FORM),
    ('[{"type": "event_callback"}]', "application/json"),
    ("payload=%7Bnot-json", FORM),
    ('{"type": "event_callback", "event": "x"}', "application/json"),
    ("payload=" + quote(json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": [5]})), FORM),
    ("payload=" + quote(json.dumps({"type": "block_actions", "user": {"id": "U1"}, "response_url": "::"})), FORM),
    ("command=%2Fjoan&text=help", FORM),
    (b"\xff\xfe".decode("latin-1"), FORM),
]


def _tracebacks(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info or "Traceback" in record.getMessage()]


@pytest.mark.parametrize(("body", "content_type"), ODD_BODIES)
def test_an_unsigned_odd_body_gets_401_and_no_traceback(world, caplog, body, content_type):
    caplog.set_level(logging.DEBUG)
    response = world.slack.post(body, content_type, signature="v0=" + "0" * 64)
    assert response.status == 401
    assert response.calls == []
    assert _tracebacks(caplog) == []


@pytest.mark.parametrize(("body", "content_type"), ODD_BODIES)
def test_a_signed_odd_body_gets_a_polite_4xx_in_one_log_line_without_a_traceback(world, caplog, body, content_type):
    caplog.set_level(logging.DEBUG)
    response = world.slack.post(body, content_type)
    assert 400 <= response.status < 500
    assert response.calls == []
    assert _tracebacks(caplog) == []
    assert len([r for r in caplog.records if r.name == "joanbot.edge"]) == 1


def test_a_signed_app_home_opened_without_a_user_is_ignored_not_a_failure(world, caplog):
    response = world.slack.event({"type": "app_home_opened", "tab": "home"})
    assert response.status == 200
    assert response.to("views.publish") == []
    assert _tracebacks(caplog) == []


def test_a_signed_button_whose_response_url_is_not_a_url_gets_400_not_an_unexpected_failure(world, caplog):
    payload = world.slack.action_payload("redeem_cancel", "", user_id=ADMIN, team=HOME)
    payload["response_url"] = "not a url"
    response = world.slack.interactive(payload)
    assert response.status == 400
    assert _tracebacks(caplog) == []


def test_a_well_formed_signed_request_still_reaches_the_listener(world):
    response = world.slack.command("help", user_id=NORTH_USER, team="TNORTH")
    assert response.status == 200
    assert response.replies


def test_the_signature_is_checked_over_the_raw_bytes_with_slacks_own_test_vector():
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
        b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
        b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = {
        "x-slack-request-timestamp": "1531420618",
        "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    assert slack_edge.signature_problem(body, headers, secret=secret, now=1531420618 + 299) is None
    assert slack_edge.signature_problem(body, headers, secret=secret, now=1531420618 + 301) is not None
    assert slack_edge.signature_problem(body + b" ", headers, secret=secret, now=1531420618) is not None


def test_a_shape_check_passes_what_slack_sends():
    body = {"type": "block_actions", "user": user(ADMIN, HOME), "trigger_id": "1.2", "actions": [{"action_id": "a"}]}
    assert slack_edge.shape_problem(body) is None
    command = {"command": "/joan", "user_id": "U1", "text": "", "team_id": "T1", "trigger_id": "1.2"}
    assert slack_edge.shape_problem({**command, "response_url": "https://hooks.slack.com/x"}) is None
    assert slack_edge.shape_problem(command) is not None
