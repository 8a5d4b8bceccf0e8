"""A reseller member sees and redeems only their own customers' accounts, by every route; strangers get a
polite refusal that carries no account data."""

from __future__ import annotations

import json

import pytest

from handlers import errors, ids
from handlers.redeem_request import RedeemRequest
from tests.handlers.harness import (
    ADMIN,
    HOME,
    HOME_NOBODY,
    NORTH_TEAM,
    NORTH_USER,
    PANEL_CHANNEL,
    SALES,
    SOUTH_TEAM,
    SOUTH_USER,
    STRANGER,
    STRANGER_TEAM,
    selected,
    text_input,
)

OTHER = "globex"  # southwind's customer


def _said(response) -> str:
    return response.reply_text() + response.text + "".join(json.dumps(c.body) for c in response.calls)


@pytest.mark.parametrize("text", [f"renewals {OTHER}", f"account {OTHER}"])
def test_a_reseller_member_cannot_see_another_resellers_account_by_command(world, text):
    response = world.slack.command(text, user_id=NORTH_USER, team=NORTH_TEAM)
    said = _said(response)
    assert "There is no account by that name that you can use." in said
    assert "Globex" not in said


def test_a_reseller_member_lists_only_their_own_accounts_even_naming_another_reseller(world):
    response = world.slack.command("accounts southwind", user_id=NORTH_USER, team=NORTH_TEAM)
    said = _said(response)
    assert "acme" in said and OTHER not in said and "initech" not in said


def test_a_reseller_member_cannot_redeem_into_another_resellers_account_by_command(world):
    code = world.code()
    response = world.slack.command(f"redeem {code} {OTHER}", user_id=NORTH_USER, team=NORTH_TEAM)
    assert "There is no account by that name" in _said(response)
    assert "Globex" not in _said(response)


def test_a_hand_crafted_confirm_naming_another_account_redeems_nothing(world):
    code = world.code()
    value = RedeemRequest(code, OTHER).encode()
    response = world.slack.click(ids.ACTION_REDEEM_CONFIRM, value, user_id=NORTH_USER, team=NORTH_TEAM)
    assert "There is no account by that name" in _said(response)
    assert world.billing.codes.show(code=code, actor=_staff(), now=world.now).status == "issued"


def test_a_hand_crafted_modal_submission_naming_another_account_shows_the_field_error(world):
    code = world.code()
    view = world.slack.shortcut(ids.SHORTCUT_REDEEM, user_id=NORTH_USER, team=NORTH_TEAM).opened_view
    response = world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code)},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected(OTHER)},
        },
        user_id=NORTH_USER,
        team=NORTH_TEAM,
    )
    assert response.json == {
        "response_action": "errors",
        "errors": {ids.BLOCK_ACCOUNT: "There is no account by that name that you can use."},
    }


def test_a_hand_crafted_confirm_modal_naming_another_account_redeems_nothing(world):
    from handlers.kit import modal

    code = world.code()
    forged = modal(
        "Redeem a code",
        [],
        callback_id=ids.VIEW_REDEEM_CONFIRM,
        submit="Confirm",
        metadata=RedeemRequest(code, OTHER).encode(),
    )
    response = world.slack.submit(forged, {}, user_id=NORTH_USER, team=NORTH_TEAM)
    assert response.json["response_action"] == "update"
    assert "There is no account by that name" in json.dumps(response.json["view"])
    assert world.billing.codes.show(code=code, actor=_staff(), now=world.now).status == "issued"


def test_typeahead_offers_a_reseller_member_only_their_own_accounts(world):
    response = world.slack.suggest(ids.ACTION_ACCOUNT_SELECT, "", user_id=NORTH_USER, team=NORTH_TEAM)
    assert [o["value"] for o in response.json["options"]] == ["acme"]
    searched = world.slack.suggest(ids.ACTION_ACCOUNT_SELECT, "glob", user_id=NORTH_USER, team=NORTH_TEAM)
    assert searched.json["options"] == []


def test_typeahead_offers_staff_every_account_and_the_reseller_select(world):
    response = world.slack.suggest(ids.ACTION_ACCOUNT_SELECT, "", user_id=SALES, team=HOME)
    assert [o["value"] for o in response.json["options"]] == ["acme", "globex", "initech"]
    resellers = world.slack.suggest(
        ids.ACTION_RESELLER_SELECT, "south", user_id=SALES, team=HOME, block_id=ids.BLOCK_RESELLER
    )
    assert [o["value"] for o in resellers.json["options"]] == ["southwind"]
    refused = world.slack.suggest(
        ids.ACTION_RESELLER_SELECT, "", user_id=NORTH_USER, team=NORTH_TEAM, block_id=ids.BLOCK_RESELLER
    )
    assert refused.json["options"] == []


def test_our_accounts_button_shows_the_clicker_their_own_accounts_whatever_the_button_says(world):
    response = world.slack.click(
        ids.ACTION_PANEL_ACCOUNTS,
        "southwind",
        user_id=NORTH_USER,
        team=NORTH_TEAM,
        channel=PANEL_CHANNEL,
        ephemeral=False,
    )
    shown = json.dumps(response.opened_view)
    assert "acme" in shown and OTHER not in shown


def test_a_member_of_the_other_reseller_clicking_on_the_northwind_panel_sees_only_their_own(world):
    response = world.slack.click(
        ids.ACTION_PANEL_ACCOUNTS,
        "northwind",
        user_id=SOUTH_USER,
        team=SOUTH_TEAM,
        channel=PANEL_CHANNEL,
        ephemeral=False,
    )
    shown = json.dumps(response.opened_view)
    assert OTHER in shown and "acme" not in shown


def test_the_breakdown_modal_refuses_another_resellers_account_on_the_field(world):
    picker = world.slack.click(
        ids.ACTION_PANEL_BREAKDOWN,
        "northwind",
        user_id=NORTH_USER,
        team=NORTH_TEAM,
        channel=PANEL_CHANNEL,
        ephemeral=False,
    ).opened_view
    response = world.slack.submit(
        picker, {ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected(OTHER)}}, user_id=NORTH_USER, team=NORTH_TEAM
    )
    assert response.json["response_action"] == "errors"
    assert ids.BLOCK_ACCOUNT in response.json["errors"]


# A staff or admin user id claimed from another org is not staff: roles hold in the home team only.
STRANGERS = [(STRANGER, STRANGER_TEAM), (HOME_NOBODY, HOME), (ADMIN, STRANGER_TEAM), (SALES, STRANGER_TEAM)]


@pytest.mark.parametrize(("user_id", "team"), STRANGERS)
def test_someone_with_no_role_gets_the_refusal_on_every_route(world, user_id, team):
    code = world.code()
    said = []
    for text in ("help", "renewals acme", f"redeem {code} acme", "accounts", "code issue room standard 1"):
        said.append(_said(world.slack.command(text, user_id=user_id, team=team)))
    for action in (ids.ACTION_PANEL_ACCOUNTS, ids.ACTION_PANEL_BREAKDOWN, ids.ACTION_PANEL_REDEEM):
        said.append(_said(world.slack.click(action, "northwind", user_id=user_id, team=team, ephemeral=False)))
    value = RedeemRequest(code, "acme").encode()
    said.append(_said(world.slack.click(ids.ACTION_REDEEM_CONFIRM, value, user_id=user_id, team=team)))
    for shortcut in (ids.SHORTCUT_ISSUE, ids.SHORTCUT_REDEEM):
        said.append(_said(world.slack.shortcut(shortcut, user_id=user_id, team=team)))
    suggestion = world.slack.suggest(ids.ACTION_ACCOUNT_SELECT, "", user_id=user_id, team=team)

    assert suggestion.json == {"options": []}
    assert all("Sorry, I can only help the vendor" in s for s in said), said
    everything = "".join(said)
    assert "Acme" not in everything and "acme</" not in everything and "`acme`" not in everything
    assert world.billing.codes.show(code=code, actor=_staff(), now=world.now).status == "issued"


def test_a_reseller_member_cannot_issue_codes_or_administer(world):
    for text in (
        "code issue room standard 1",
        "code show ABCDE",
        "staff add <@UX|x> admin",
        "reseller new evil Evil Corp",
        "account new evil Evil",
        "audit",
        "reseller link northwind",
    ):
        response = world.slack.command(text, user_id=NORTH_USER, team=NORTH_TEAM)
        assert "permission" in _said(response) or "Usage" in _said(response), text
    issue = world.slack.shortcut(ids.SHORTCUT_ISSUE, user_id=NORTH_USER, team=NORTH_TEAM)
    assert "permission" in json.dumps(issue.opened_view)


def test_sales_cannot_administer_but_the_admin_from_settings_can(world):
    refused = world.slack.command("staff add <@UNEW|new> sales", user_id=SALES, team=HOME)
    assert "permission" in _said(refused)
    done = world.slack.command("staff add <@UNEW|new> sales", user_id=ADMIN, team=HOME)
    assert "is now sales" in _said(done)
    assert world.billing.staff.staff_role("UNEW") == "sales"
    removed = world.slack.command("staff remove <@UNEW>", user_id=ADMIN, team=HOME)
    assert "no longer" in _said(removed)
    assert world.billing.staff.staff_role("UNEW") is None


@pytest.mark.parametrize("text", ["accounts", "renewals acme", "account acme"])
def test_a_stranger_is_told_exactly_the_refusal_and_nothing_more(world, text):
    response = world.slack.command(text, user_id=STRANGER, team=STRANGER_TEAM)

    assert response.status == 200
    assert [c.method for c in response.calls] == ["response_url"]  # no modal, no DM, no post anywhere
    (reply,) = response.replies
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == errors.REFUSAL
    assert reply["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": errors.REFUSAL}}]


def _staff():
    from tests.conftest import STAFF

    return STAFF
