"""The one listener preamble (``handlers.listen``): what Bolt sees, when it acks, how each surface refuses
a stranger, and what a listener is handed."""

from __future__ import annotations

import json

import pytest
from slack_bolt.util.utils import get_arg_names_of_callable

from handlers import actions, commands, errors, events, listen, options, views
from handlers.redeem_request import RedeemRequest
from tests.conftest import STAFF
from tests.handlers.harness import HOME, SALES, STRANGER, STRANGER_TEAM
from tests.handlers.listeners.conftest import NOW, RESPONSE_URL, Recorder, RecordingClient, clicked, redeem_view

REFUSAL_NOTICE = {"type": "section", "text": {"type": "mrkdwn", "text": errors.REFUSAL}}


def _run(shop, wrapped, body):
    ack, respond, client = Recorder(), Recorder(), RecordingClient()
    wrapped(ack=ack, body=body, context=shop.context(), respond=respond, client=client)
    return ack, respond, client


def _opened_text(client):
    ((method, call),) = client.calls
    return method, json.dumps(call["view"])


def _stranger_command(text="accounts"):
    return {
        "text": text,
        "user_id": STRANGER,
        "team_id": STRANGER_TEAM,
        "response_url": RESPONSE_URL,
        "trigger_id": "t",
    }


def test_bolt_sees_the_wrapper_names_and_not_the_listeners_own():
    wrapped = listen.command(commands.on_command)
    assert get_arg_names_of_callable(wrapped) == ["ack", "body", "context", "respond", "client"]
    assert wrapped.__name__ == "on_command"


def test_a_listener_asking_for_a_name_nobody_provides_fails_at_registration():
    def on_something(body, colour):
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="colour"):
        listen.action(on_something)


def test_a_listener_acked_before_it_runs_may_not_ask_for_ack():
    with pytest.raises(TypeError, match="takes no ack"):
        listen.command(lambda ack, body: None)


def test_a_stranger_typing_a_command_is_acked_then_refused_in_one_ephemeral_reply(shop):
    ack, respond, client = _run(shop, listen.command(commands.on_command), _stranger_command())

    assert ack.calls == [{}]
    assert respond.only["response_type"] == "ephemeral"
    assert respond.only["text"] == errors.REFUSAL and respond.only["blocks"] == [REFUSAL_NOTICE]
    assert client.calls == []


def test_a_stranger_clicking_confirm_is_refused_and_nothing_is_redeemed(shop):
    code = shop.code()
    body = clicked(RedeemRequest(code, "initech").encode())

    ack, respond, _ = _run(shop, listen.action(actions.on_redeem_confirm), body)

    assert ack.calls == [{}]
    assert respond.only["text"] == errors.REFUSAL and respond.only["replace_original"] is False
    assert shop.status(code) == "issued"


def test_a_stranger_using_a_shortcut_gets_the_refusal_in_a_note_modal(shop):
    body = {"type": "shortcut", "user": {"id": STRANGER, "team_id": STRANGER_TEAM}, "trigger_id": "t"}

    ack, respond, client = _run(shop, listen.action(actions.on_shortcut_redeem), body)

    assert ack.calls == [{}] and respond.calls == []
    method, shown = _opened_text(client)
    assert method == "views_open" and errors.REFUSAL in shown and "Redeem a code" not in shown


def test_a_stranger_clicking_inside_a_modal_sees_the_refusal_in_its_place(shop):
    body = clicked("new", view={"id": "VCONFIRM1", "type": "modal"}, response_url=None)

    _, _, client = _run(shop, listen.action(actions.on_renewal_choice), body)

    method, shown = _opened_text(client)
    assert method == "views_update" and errors.REFUSAL in shown
    assert client.calls[0][1]["view_id"] == "VCONFIRM1"


def test_a_stranger_submitting_a_modal_is_refused_in_the_ack(shop):
    code = shop.code()
    body = {"type": "view_submission", "user": {"id": STRANGER, "team_id": STRANGER_TEAM}}
    body["view"] = redeem_view(code, "initech")

    ack, respond, client = _run(shop, listen.submission(views.on_redeem), body)

    assert ack.only["response_action"] == "update" and errors.REFUSAL in json.dumps(ack.only["view"])
    assert respond.calls == [] and client.calls == []


def test_a_stranger_typing_in_a_select_is_offered_nothing(shop):
    body = {"type": "block_suggestion", "user": {"id": STRANGER, "team_id": STRANGER_TEAM}, "value": ""}
    ack, _, _ = _run(shop, listen.options(options.on_accounts), body)
    assert ack.only == {"options": []}


def test_a_stranger_opening_app_home_sees_the_refusal_there_and_only_on_the_home_tab(shop):
    home = {"type": "event_callback", "team_id": STRANGER_TEAM, "event": {"type": "app_home_opened", "user": STRANGER}}
    messages = {**home, "event": {**home["event"], "tab": "messages"}}
    wrapped = listen.listener(events.HOME, events.on_app_home_opened)

    ack, _, client = _run(shop, wrapped, home)
    assert ack.calls == []  # Bolt acks events itself
    method, shown = _opened_text(client)
    assert method == "views_publish" and errors.REFUSAL in shown
    assert _run(shop, wrapped, messages)[2].calls == []


def test_a_known_user_gets_their_actor_the_billing_core_and_the_clock_and_only_what_they_ask_for(shop):
    seen = {}

    def on_probe(body, actor, billing, now, request_ref):
        seen.update(actor=actor, billing=billing, now=now, ref=request_ref, body=body)

    body = {**_stranger_command(), "user_id": SALES, "team_id": HOME, "trigger_id": "T123"}
    shop.billing.staff.add_staff(slack_user_id=SALES, role="sales", actor=STAFF, now=NOW)

    ack, respond, _ = _run(shop, listen.command(on_probe), body)

    assert ack.calls == [{}] and respond.calls == []
    assert seen["actor"].role == "sales" and seen["actor"].ref.endswith(SALES)
    assert seen["billing"] is shop.billing and seen["now"] == NOW
    assert seen["ref"] == "slack:trigger_id:T123" and seen["body"] is body


def test_a_listener_that_does_not_ask_for_the_actor_runs_for_anyone(shop):
    _, respond, _ = _run(shop, listen.action(actions.on_redeem_cancel), clicked("cancel"))
    assert "nothing was redeemed" in respond.only["text"]
