"""``/joan account set`` and ``/joan reseller set``: staff set where reminder emails go; only staff see it."""

from __future__ import annotations

import json

from tests.handlers.listeners.test_commands import _command


def test_staff_set_an_accounts_contacts_and_see_them_in_the_account_view(shop):
    reply = _command(shop, "account set acme email=IT@Acme.Example,boss@acme.example", shop.sales)[0].only

    assert reply["text"] == "Reminder emails for Acme now go to IT@acme.example, boss@acme.example."
    shown = json.dumps(_command(shop, "account acme", shop.sales)[0].only["blocks"])
    assert "*Reminder emails to:* IT@acme.example, boss@acme.example" in shown


def test_a_reseller_member_neither_sets_nor_sees_contacts(shop):
    _command(shop, "account set acme email=it@acme.example", shop.sales)

    refused = _command(shop, "account set acme email=evil@attacker.example", shop.member)[0].only
    shown = json.dumps(_command(shop, "account acme", shop.member)[0].only)

    assert refused["text"] == "You do not have permission to do that."
    assert "it@acme.example" not in shown and "Reminder emails" not in shown
    assert "it@acme.example" in json.dumps(_command(shop, "account acme", shop.sales)[0].only)


def test_email_none_clears_a_resellers_contacts(shop):
    _command(shop, "reseller set northwind email=sales@northwind.example", shop.sales)

    reply = _command(shop, "reseller set northwind email=none", shop.sales)[0].only

    assert reply["text"] == "Northwind has no contact addresses now: no reminder emails go to them."


def test_a_bad_address_is_named_in_the_reply(shop):
    reply = _command(shop, "account set acme email=ok@acme.example,nope", shop.sales)[0].only

    assert reply["text"].startswith("'nope' is not an email address")


def test_account_set_without_email_shows_its_usage(shop):
    reply = _command(shop, "account set acme", shop.sales)[0].only

    assert "/joan account set SLUG [name=" in reply["text"]
    assert "Say what to change" in reply["text"]
