"""The ``/joan`` dispatcher called directly: every answer is one ephemeral reply to the person who typed."""

from __future__ import annotations

import json

from handlers import commands
from tests.handlers.listeners.conftest import NOW, Recorder, RecordingClient


def _command(shop, text, actor):
    respond, client = Recorder(), RecordingClient()
    body = {"command": "/joan", "text": text, "user_id": "USALES", "channel_id": "CSALES", "trigger_id": "trigger-1"}
    commands.on_command(
        body=body, respond=respond, client=client, actor=actor, billing=shop.billing, now=NOW, request_ref="t"
    )
    return respond, client


def test_help_lists_what_the_sales_team_may_do_and_not_the_admin_commands(shop):
    respond, client = _command(shop, "help", shop.sales)

    reply = respond.only
    assert reply["response_type"] == "ephemeral"
    assert (
        reply["text"]
        == "You are on the sales team: codes, redemptions, accounts, renewals, license counts and payments."
    )
    shown = json.dumps(reply["blocks"])
    assert "/joan code issue" in shown and "/joan staff add" not in shown
    assert "/joan licenses add ACCOUNT SOLUTION N" in shown and "/joan payment record INVOICE AMOUNT" in shown
    assert client.calls == []


def test_an_empty_command_is_help(shop):
    assert _command(shop, "", shop.member)[0].only == _command(shop, "help", shop.member)[0].only


def test_an_unknown_subcommand_says_so_and_points_to_help(shop):
    reply = _command(shop, "frobnicate now", shop.sales)[0].only

    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "There is no subcommand 'frobnicate'. Usage: /joan help"
    assert "`/joan help` lists everything." in json.dumps(reply["blocks"])


def test_a_group_word_alone_lists_its_subcommands(shop):
    reply = _command(shop, "code", shop.sales)[0].only
    assert reply["text"].startswith("Say what to do: issue, credit, show, void.")


def test_a_billing_refusal_is_worded_for_slack_not_raised(shop):
    reply = _command(shop, "audit", shop.sales)[0].only
    assert reply["text"] == "You do not have permission to do that."


def test_redeem_without_arguments_opens_the_modal_instead_of_replying(shop):
    respond, client = _command(shop, "redeem", shop.member)
    assert respond.calls == []
    assert client.methods == ["views_open"]
    assert client.calls[0][1]["trigger_id"] == "trigger-1"
