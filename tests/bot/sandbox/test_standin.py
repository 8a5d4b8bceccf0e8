"""The loopback stand-in for Slack's Web API: plausible answers, every call recorded, scriptable faults."""

from __future__ import annotations

import json
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox.standin import Reply, SlackStandIn


@pytest.fixture
def standin():
    with SlackStandIn(team_id="TX") as running:
        yield running


def test_it_answers_the_methods_the_bot_uses_and_records_each_call(standin):
    client = WebClient(token="xoxb-1", base_url=standin.url)
    assert client.auth_test()["team_id"] == "TX"
    first = client.chat_postMessage(channel="C1", text="hi", blocks=[])
    second = client.chat_postMessage(channel="C1", text="again")
    assert first["ts"] < second["ts"] and first["channel"] == "C1"
    opened = client.views_open(trigger_id="t", view={"type": "modal", "blocks": []})
    updated = client.views_update(view_id=opened["view"]["id"], view={"type": "modal", "blocks": []})
    assert updated["view"]["id"] == opened["view"]["id"]
    assert client.conversations_open(users="U1")["channel"]["id"].startswith("D")
    uploaded = client.files_upload_v2(channel="D1", content="a,b\n", filename="f.csv", title="t")
    assert uploaded["file"]["title"] == "t"
    assert [c.method for c in standin.calls] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
        "views.open",
        "views.update",
        "conversations.open",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert standin.calls_to("upload")[0].raw == b"a,b\n"
    assert standin.calls_to("chat.postMessage")[0].token == "xoxb-1"


def test_it_can_be_scripted_to_fail_rate_limit_or_answer_anything(standin):
    client = WebClient(token="xoxb-1", base_url=standin.url)
    standin.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="C1", text="x")
    assert failed.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]  # scripted once only

    standin.rate_limit("chat.postMessage", retry_after=0)
    retrying = WebClient(token="xoxb-1", base_url=standin.url, retry_handlers=[RateLimitErrorRetryHandler(1)])
    assert retrying.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(standin.calls_to("chat.postMessage")) == 4

    standin.script(
        "users.info", lambda call: Reply({"ok": True, "user": {"id": call.body["user"], "x": 1}}), times=None
    )
    assert client.users_info(user="U9")["user"] == {"id": "U9", "x": 1}
    assert client.users_info(user="U8")["user"]["id"] == "U8"
    standin.unscript()
    assert "x" not in client.users_info(user="U8")["user"]


def test_it_refuses_calls_without_a_token_and_serves_response_urls(standin):
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=standin.url).chat_postMessage(channel="C", text="x")
    request = urllib.request.Request(
        standin.url + "chat.postMessage", data=b"{}", method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["error"] == "not_authed"
    hook = urllib.request.Request(
        standin.response_url("r1"), data=b'{"text":"hi"}', method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(hook) as response:
        assert response.status == 200
    assert standin.calls_to("response_url")[0].body == {"text": "hi"}
