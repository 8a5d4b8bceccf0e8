"""``/joan account set|close|reopen``: staff correct and close accounts in Slack; the seeds' imported book is
seen there as in every other door."""

from __future__ import annotations

import json

from handlers import commands
from tests.billing.books import book
from tests.billing.builders import code, redeem
from tests.conftest import STAFF, at
from tests.handlers.listeners.conftest import Recorder, RecordingClient


def _command(shop, text, actor, now=None):
    respond = Recorder()
    body = {"command": "/joan", "text": text, "user_id": "USALES", "channel_id": "CSALES", "trigger_id": "t"}
    commands.on_command(
        body=body,
        respond=respond,
        client=RecordingClient(),
        actor=actor,
        billing=shop.billing,
        now=now or shop.now,
        request_ref="t",
    )
    return respond.only


def test_the_seeds_example_imported_then_5_redeemed_shows_15_in_slack(shop):
    billing = shop.billing
    billing.book_import.apply(
        contents=book(resellers=[], accounts=["hooli,Hooli,northwind,reseller,USD,UTC,"], licenses=_hooli()),
        actor=STAFF,
        now=at("2023-03-15"),
    )
    redeem(billing, code(billing, now=at("2023-03-22"), units=5), "hooli", now=at("2023-03-22"))

    blocks = _command(shop, "renewals hooli", shop.member, now=at("2023-03-22"))["blocks"]

    assert (
        "*Room booking Professional (device licenses): 15 available, 0 in use*\n"
        "  \u2022 10 renewing 1 Jan 2024\n  \u2022 5 renewing 22 Mar 2024"
    ) in [block.get("text", {}).get("text") for block in blocks]


def _hooli() -> list[str]:
    return ["hooli,room,professional,10,2023-01-01,2024-01-01,,"]


def test_staff_correct_an_account_in_one_command(shop):
    reply = _command(shop, 'account set acme name="Acme Corp" tz=Europe/Paris', shop.sales)

    assert reply["text"] == "Updated Acme Corp (acme): pays reseller (through Northwind), USD, Europe/Paris."


def test_moving_an_account_to_another_reseller_hides_it_from_the_old_resellers_members_at_once(shop):
    _command(shop, "account set acme reseller=southwind", shop.sales)

    reply = _command(shop, "account acme", shop.member)

    assert reply["text"] == "There is no account by that name that you can use."


def test_a_currency_change_after_an_invoice_is_refused_saying_why(shop):
    from tests.billing.builders import subscribe

    subscribe(shop.billing, 2, "initech", now=shop.now)

    reply = _command(shop, "account set initech currency=EUR", shop.sales)

    assert reply["text"].startswith("Initech already has an invoice in USD, so its currency stays")


def test_closing_refuses_redemptions_with_account_closed_and_reopening_allows_them(shop):
    closed = _command(shop, "account close acme", shop.sales)
    refused = _command(shop, f"redeem {shop.code()} acme", shop.member)
    reopened = _command(shop, "account reopen acme", shop.sales)

    assert closed["text"].startswith("Closed Acme (acme): no reminders, alerts, redemptions")
    assert "Acme is closed, so it cannot redeem codes" in refused["text"]
    assert reopened["text"] == "Reopened Acme (acme)."


def test_a_reseller_member_may_not_close_or_edit(shop):
    assert _command(shop, "account close acme", shop.member)["text"] == "You do not have permission to do that."
    assert _command(shop, "account set acme name=Mine", shop.member)["text"] == "You do not have permission to do that."


def test_help_lists_the_new_account_commands(shop):
    shown = json.dumps(_command(shop, "help", shop.sales))

    assert "/joan account close SLUG" in shown and "/joan account set SLUG [name=" in shown


def test_the_accounts_list_marks_a_closed_account(shop):
    _command(shop, "account close initech", shop.sales)

    (section,) = [b for b in _command(shop, "accounts", shop.sales)["blocks"] if b["type"] == "section"]

    assert section["text"]["text"].splitlines() == [
        "`acme` Acme · northwind",
        "`globex` Globex · southwind",
        "`initech` Initech · closed",
    ]
