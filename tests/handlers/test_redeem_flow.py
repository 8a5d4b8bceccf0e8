"""Staff issue codes; a reseller member redeems one for their own customer, by command, panel and modal."""

from __future__ import annotations

import json

from handlers import ids
from handlers.redeem_request import RedeemRequest
from tests.conftest import STAFF
from tests.handlers.harness import (
    ADMIN,
    HOME,
    NORTH_TEAM,
    NORTH_USER,
    PANEL_CHANNEL,
    SALES,
    number,
    selected,
    text_input,
    view_of,
)

ISSUE_VALUES = {
    ids.BLOCK_PLAN: {ids.ACTION_PLAN_SELECT: selected("room:professional", "static_select")},
    ids.BLOCK_UNITS: {ids.ACTION_UNITS_INPUT: number("10")},
    ids.BLOCK_TERM: {ids.ACTION_TERM_SELECT: selected("12", "static_select")},
    ids.BLOCK_COUNT: {ids.ACTION_COUNT_INPUT: number("1")},
    ids.BLOCK_RESELLER: {ids.ACTION_RESELLER_SELECT: selected("northwind")},
}


def _codes_in(text: str) -> list[str]:
    from billing.codeformat import CODE_SHAPED

    return CODE_SHAPED.findall(text)


def test_staff_issue_a_code_by_command_shown_only_to_them(world):
    response = world.slack.command(
        "code issue room professional 10 years=1 reseller=northwind ref=PI-1", user_id=SALES, team=HOME
    )
    assert response.status == 200
    (reply,) = response.replies
    assert reply["response_type"] == "ephemeral"
    assert len(_codes_in(json.dumps(reply))) == 1
    assert response.to("chat.postMessage") == []  # nothing in the channel


def test_staff_issue_a_code_by_the_modal(world):
    opened = world.slack.shortcut(ids.SHORTCUT_ISSUE, user_id=SALES, team=HOME)
    view = opened.opened_view
    assert view["callback_id"] == ids.VIEW_ISSUE

    submitted = world.slack.submit(view, ISSUE_VALUES, user_id=SALES, team=HOME)

    assert submitted.status == 200
    answer = submitted.json
    assert answer["response_action"] == "update"
    assert len(_codes_in(json.dumps(answer["view"]))) == 1
    (batch,) = {
        c.batch
        for c in world.billing.codes.find_by_prefix(
            prefix=_codes_in(json.dumps(answer["view"]))[0][:4], actor=_staff(), now=world.now
        )
    }
    assert batch


def _staff():
    from tests.conftest import STAFF

    return STAFF


def test_many_codes_go_as_a_file_in_the_issuers_dm_not_a_message(world):
    response = world.slack.command("code issue room professional 1 count=25", user_id=SALES, team=HOME)
    (reply,) = response.replies
    assert _codes_in(json.dumps(reply)) == []
    (opened,) = response.to("conversations.open")
    assert opened.body["users"] == SALES
    (upload,) = response.to("upload")
    assert len(_codes_in(upload.raw.decode())) == 25
    (complete,) = response.to("files.completeUploadExternal")
    assert complete.body["channel_id"].startswith("D")


def test_a_reseller_member_redeems_by_command_preview_then_confirm(world):
    code = world.code(reseller="northwind")
    preview = world.slack.command(f"redeem {code} acme", user_id=NORTH_USER, team=NORTH_TEAM, channel=PANEL_CHANNEL)
    (message,) = preview.replies
    assert "Adds 10 Room booking Professional device licenses to Acme" in json.dumps(message)
    assert world.billing.licenses.breakdown(account="acme", actor=_staff(), now=world.now).solutions == ()

    confirm = _button(message, ids.ACTION_REDEEM_CONFIRM)
    done = world.slack.click(
        ids.ACTION_REDEEM_CONFIRM, confirm, user_id=NORTH_USER, team=NORTH_TEAM, channel=PANEL_CHANNEL
    )

    (receipt,) = done.replies
    assert receipt["replace_original"] is True and "redeemed" in receipt["text"]
    renewals = world.slack.command("renewals acme", user_id=NORTH_USER, team=NORTH_TEAM)
    assert "10 available, 0 in use" in json.dumps(renewals.replies[0])
    assert "2 Mar 2027" in json.dumps(renewals.replies[0])


def test_the_panel_button_opens_the_redeem_modal_which_previews_then_confirms(world):
    code = world.code(reseller="northwind", units=7)
    world.slack.command("reseller link northwind", user_id=ADMIN, team=HOME, channel=PANEL_CHANNEL)

    opened = world.slack.click(
        ids.ACTION_PANEL_REDEEM,
        "northwind",
        user_id=NORTH_USER,
        team=NORTH_TEAM,
        channel=PANEL_CHANNEL,
        ephemeral=False,
    )
    view = opened.opened_view
    assert view["callback_id"] == ids.VIEW_REDEEM

    step1 = world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code.lower())},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("acme")},
        },
        user_id=NORTH_USER,
        team=NORTH_TEAM,
    )
    assert step1.json["response_action"] == "update"
    confirm_view = step1.json["view"]
    assert confirm_view["callback_id"] == ids.VIEW_REDEEM_CONFIRM
    assert "Adds 7 Room booking Professional device licenses to Acme from 2 Mar 2026" in json.dumps(confirm_view)

    step2 = world.slack.submit(confirm_view, {}, user_id=NORTH_USER, team=NORTH_TEAM)
    assert step2.json["response_action"] == "update"
    assert "redeemed" in json.dumps(step2.json["view"])

    picker = world.slack.click(
        ids.ACTION_PANEL_BREAKDOWN,
        "northwind",
        user_id=NORTH_USER,
        team=NORTH_TEAM,
        channel=PANEL_CHANNEL,
        ephemeral=False,
    ).opened_view
    shown = world.slack.submit(
        picker, {ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("acme")}}, user_id=NORTH_USER, team=NORTH_TEAM
    )
    assert "7 available" in json.dumps(shown.json["view"])


def test_the_same_signed_confirm_sent_20_times_redeems_once(world):
    code = world.code()
    value = RedeemRequest(code, "initech").encode()
    payload = world.slack.action_payload(ids.ACTION_REDEEM_CONFIRM, value, user_id=SALES, team=HOME)
    body = "payload=" + __import__("urllib.parse").parse.quote(json.dumps(payload))
    responses = [world.slack.post(body, "application/x-www-form-urlencoded") for _ in range(20)]

    assert {r.status for r in responses} == {200}
    assert all("redeemed" in r.replies[0]["text"] for r in responses)  # every reply says redeemed, none an error
    breakdown = world.billing.licenses.breakdown(account="initech", actor=_staff(), now=world.now)
    assert breakdown.solutions[0].total == 10
    assert len([e for e in world.billing.audit.entries(actor=_staff()) if e.action == "code.redeemed"]) == 1


def test_the_confirm_modal_submitted_again_redeems_once_and_shows_the_same_receipt(world):
    code = world.code(reseller="northwind", units=3)
    view = world.slack.shortcut(ids.SHORTCUT_REDEEM, user_id=NORTH_USER, team=NORTH_TEAM).opened_view
    step1 = world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code)},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("acme")},
        },
        user_id=NORTH_USER,
        team=NORTH_TEAM,
    )
    confirm_view = step1.json["view"]
    first, second = (world.slack.submit(confirm_view, {}, user_id=NORTH_USER, team=NORTH_TEAM) for _ in range(2))
    assert first.json == second.json and "redeemed" in json.dumps(first.json["view"])
    assert world.billing.licenses.breakdown(account="acme", actor=_staff(), now=world.now).solutions[0].total == 3


def test_a_renewal_is_offered_and_previewed_with_its_dates(world):
    from tests.billing.builders import licenses
    from tests.conftest import at

    licenses(world.billing, units=5, account_slug="initech", now=at("2025-03-20"))  # renews 20 Mar 2026
    code = world.code(units=5)
    preview = world.slack.command(f"redeem {code} initech", user_id=SALES, team=HOME)
    message = preview.replies[0]
    renew = _button(message, ids.ACTION_REDEEM_PREVIEW, label="Preview renewal")

    renewal = world.slack.click(ids.ACTION_REDEEM_PREVIEW, renew, user_id=SALES, team=HOME)
    text = json.dumps(renewal.replies[0])
    assert "Renews 5 Room booking Professional licenses of Initech that renew on 20 Mar 2026" in text
    assert "next renewal 20 Mar 2027" in text

    done = world.slack.click(
        ids.ACTION_REDEEM_CONFIRM, _button(renewal.replies[0], ids.ACTION_REDEEM_CONFIRM), user_id=SALES, team=HOME
    )
    assert "Renewed 5" in done.replies[0]["text"]


def test_the_confirm_modal_offers_the_renewal_choice_and_redeems_the_chosen_one(world):
    from tests.billing.builders import licenses
    from tests.conftest import at

    first = licenses(world.billing, units=5, account_slug="initech", now=at("2025-03-20"))
    code = world.code(units=5)
    view = world.slack.shortcut(ids.SHORTCUT_REDEEM, user_id=SALES, team=HOME).opened_view
    step1 = world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code)},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("initech")},
        },
        user_id=SALES,
        team=HOME,
    )
    confirm_view = step1.json["view"]
    radio = next(b for b in confirm_view["blocks"] if b.get("block_id") == ids.BLOCK_RENEWAL)
    values = [o["value"] for o in radio["element"]["options"]]
    assert values == ["new", str(first.cohort_id)]

    chosen = {ids.BLOCK_RENEWAL: {ids.ACTION_RENEWAL_CHOICE: selected(str(first.cohort_id), "radio_buttons")}}
    step2 = world.slack.submit(confirm_view, chosen, user_id=SALES, team=HOME)
    assert "Renewed 5" in json.dumps(step2.json["view"])


def _buttons(message: dict) -> list[dict]:
    return [
        element
        for block in message["blocks"]
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        if element.get("type") == "button"
    ]


def _button(message: dict, action_id: str, label: str | None = None) -> str:
    for element in _buttons(message):
        if element.get("action_id") == action_id and label in (None, element["text"]["text"]):
            return element["value"]
    raise AssertionError(f"no {action_id} button")


def test_with_licenses_to_renew_the_command_reply_has_no_confirm_until_a_choice_is_made(world):
    from tests.billing.builders import licenses
    from tests.conftest import at

    licenses(world.billing, units=5, account_slug="initech", now=at("2025-03-20"))  # renews 20 Mar 2026
    code = world.code(units=5)

    message = world.slack.command(f"redeem {code} initech", user_id=SALES, team=HOME).replies[0]

    assert [b["text"]["text"] for b in _buttons(message)] == ["New licenses", "Preview renewal", "Cancel"]
    assert "choose new licenses or a renewal" in json.dumps(message)
    new = world.slack.click(
        ids.ACTION_REDEEM_PREVIEW, _button(message, ids.ACTION_REDEEM_PREVIEW, "New licenses"), user_id=SALES, team=HOME
    ).replies[0]
    assert [b["text"]["text"] for b in _buttons(new)] == ["Preview renewal", "Confirm", "Cancel"]
    done = world.slack.click(
        ids.ACTION_REDEEM_CONFIRM, _button(new, ids.ACTION_REDEEM_CONFIRM), user_id=SALES, team=HOME
    )
    assert "Added 5" in done.replies[0]["text"]
    assert (
        len(world.billing.licenses.breakdown(account="initech", actor=_staff(), now=world.now).solutions[0].lines) == 2
    )


def test_a_confirm_carrying_no_choice_is_refused_when_there_are_licenses_to_renew(world):
    from handlers.redeem_request import RedeemRequest
    from tests.billing.builders import licenses
    from tests.conftest import at

    licenses(world.billing, units=5, account_slug="initech", now=at("2025-03-20"))
    code = world.code(units=5)

    done = world.slack.click(
        ids.ACTION_REDEEM_CONFIRM, RedeemRequest(code, "initech").encode(), user_id=SALES, team=HOME
    )

    assert "Choose whether this code renews licenses or adds new ones" in json.dumps(done.replies)
    assert world.billing.codes.show(code=code, actor=_staff(), now=world.now).status == "issued"


def test_the_confirm_modal_preselects_nothing_and_confirm_without_a_choice_is_a_field_error(world):
    from tests.billing.builders import licenses
    from tests.conftest import at

    licenses(world.billing, units=5, account_slug="initech", now=at("2025-03-20"))
    code = world.code(units=5)
    view = world.slack.shortcut(ids.SHORTCUT_REDEEM, user_id=SALES, team=HOME).opened_view
    step1 = world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code)},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected("initech")},
        },
        user_id=SALES,
        team=HOME,
    )
    confirm_view = step1.json["view"]
    radio = next(b for b in confirm_view["blocks"] if b.get("block_id") == ids.BLOCK_RENEWAL)
    assert "initial_option" not in radio["element"]

    step2 = world.slack.submit(confirm_view, {}, user_id=SALES, team=HOME)

    assert step2.json["response_action"] == "errors"
    assert "Choose whether this code renews licenses" in step2.json["errors"][ids.BLOCK_RENEWAL]
    assert world.billing.codes.show(code=code, actor=_staff(), now=world.now).status == "issued"


def test_the_issued_codes_view_from_the_modal_is_the_only_place_the_code_appears(world):
    view = world.slack.shortcut(ids.SHORTCUT_ISSUE, user_id=SALES, team=HOME).opened_view
    world.slack.submit(view, ISSUE_VALUES, user_id=SALES, team=HOME)
    assert all(not _codes_in(json.dumps(c.body)) for c in world.standin.calls if c.method != "views.open")
    assert view_of(world.standin.calls_to("views.open")[0])["callback_id"] == ids.VIEW_ISSUE


def test_a_credit_code_preview_in_slack_shows_its_amount_type_and_the_new_balance(world):
    from tests.billing.builders import account

    account(world.billing, "paysco", pays="credits", now=world.now)
    code = _codes_in(json.dumps(world.slack.command("code credit 40 USD promo", user_id=SALES, team=HOME).replies))[0]

    preview = json.dumps(world.slack.command(f"redeem {code} paysco", user_id=SALES, team=HOME).replies)

    assert "Adds $40.00 of promo credit to" in preview and "credit balance becomes $40.00" in preview
    assert "promo_credit" not in preview and "available" not in preview


def test_a_credit_code_in_another_currency_is_refused_in_slack_and_nothing_changes(world):
    from tests.billing.builders import account

    account(world.billing, "paysco", pays="credits", now=world.now)
    code = _codes_in(json.dumps(world.slack.command("code credit 20 EUR", user_id=SALES, team=HOME).replies))[0]

    refused = json.dumps(world.slack.command(f"redeem {code} paysco", user_id=SALES, team=HOME).replies)

    assert "credit in EUR but" in refused and "20.00" not in refused  # no amount in a refusal anyone may read
    assert world.billing.credits.overview(account="paysco", actor=STAFF, now=world.now).top_ups == ()
