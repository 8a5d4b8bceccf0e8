"""No code reaches the log at DEBUG from a refused request, whatever encoding the request holds it in."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import quote, quote_plus, urlencode

from slack_bolt.request import BoltRequest

from billing.codeformat import CODE_SHAPED
from tests.billing.test_codeformat import _encodings, unspelled
from tests.handlers.harness import ADMIN, HOME, SALES

FORM = "application/x-www-form-urlencoded"


def _refused_bodies(world, code: str) -> list[tuple[str, str]]:
    payload = world.slack.action_payload("redeem_confirm", json.dumps({"code": code}), user_id=ADMIN, team=HOME)
    return [
        (urlencode(world.slack.command_body(f"redeem {code} acme", user_id=ADMIN, team=HOME)), FORM),
        ("payload=" + quote_plus(json.dumps(payload)), FORM),
        ("payload=" + quote(json.dumps(payload), safe=""), FORM),
        (json.dumps({"type": "event_callback", "event": {"type": "message", "text": code}}), "application/json"),
    ] + [(f"text={encoded}", FORM) for encoded in _encodings(code)]


def test_a_code_in_any_encoding_of_a_refused_request_never_reaches_the_log_at_debug(world, caplog):
    caplog.set_level(logging.DEBUG)
    # Bolt copies the root level into its loggers when the app is built (JOANBOT_LOG_LEVEL is read before)
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")
    issued = world.slack.command("code issue room professional 2", user_id=SALES, team=HOME)
    (code,) = CODE_SHAPED.findall(issued.reply_text())
    caplog.clear()
    app = world.slack.endpoint.app
    for body, content_type in _refused_bodies(world, code):
        assert world.slack.post(body, content_type, signature="v0=" + "1" * 64).status == 401
        # and Bolt's own check, which logs the whole body of what it refuses, behind the edge's back
        stale = {"content-type": [content_type], "x-slack-request-timestamp": [str(int(time.time()))]}
        assert app.dispatch(BoltRequest(body=body, headers={**stale, "x-slack-signature": ["v0=0"]})).status == 401
    text = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert "[code]" in text  # Bolt did log the bodies, redacted
    assert unspelled(code) not in unspelled(text)
