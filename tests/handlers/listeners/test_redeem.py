"""The redeem listeners called directly: the Confirm and Preview buttons, the two modal submissions."""

from __future__ import annotations

import json

from handlers import actions, errors, ids, modals, views
from handlers.redeem_request import RedeemRequest, UnreadableRequest, renewal_value
from tests.conftest import STAFF
from tests.handlers.listeners.conftest import NOW, Recorder, clicked, redeem_view

UNREADABLE = errors.message(UnreadableRequest(), STAFF)
MALFORMED = "That is not a pre-paid code: codes are 25 letters and digits, like ABCDE-FGHJK-MNPQR-STVWX-YZ012."


def _confirm(shop, value, actor):
    respond = Recorder()
    actions.on_redeem_confirm(
        body=clicked(value), respond=respond, actor=actor, billing=shop.billing, now=NOW, request_ref="test"
    )
    return respond.only


def test_confirm_redeems_the_request_its_button_carries_and_replaces_the_preview_with_the_receipt(shop):
    code = shop.code(units=4)

    reply = _confirm(shop, RedeemRequest(code, "initech").encode(), shop.sales)

    assert reply["replace_original"] is True and reply["response_type"] == "ephemeral"
    assert "redeemed" in reply["text"]
    assert shop.status(code) == "redeemed"
    assert shop.billing.licenses.breakdown(account="initech", actor=STAFF, now=NOW).solutions[0].total == 4


def test_confirm_into_another_resellers_account_is_refused_without_naming_it_and_redeems_nothing(shop):
    code = shop.code()

    reply = _confirm(shop, RedeemRequest(code, "globex").encode(), shop.member)

    assert reply["text"] == "There is no account by that name that you can use."
    assert reply["replace_original"] is False and "Globex" not in json.dumps(reply)
    assert shop.status(code) == "issued"


def test_confirm_with_a_button_value_we_did_not_write_gets_the_one_unreadable_refusal(shop):
    code = shop.code()
    for value in ("", "not json", '{"c": 1, "a": "initech"}', json.dumps([code, "initech"])):
        reply = _confirm(shop, value, shop.sales)
        assert reply["text"] == UNREADABLE, value
    assert shop.status(code) == "issued"


def test_preview_with_an_unreadable_value_gets_the_same_refusal_and_previews_nothing(shop):
    respond = Recorder()
    actions.on_redeem_preview(body=clicked("{}"), respond=respond, actor=shop.sales, billing=shop.billing, now=NOW)
    assert respond.only["text"] == UNREADABLE


def test_cancel_replaces_the_preview_and_redeems_nothing(shop):
    respond = Recorder()
    actions.on_redeem_cancel(respond=respond)
    assert respond.only["replace_original"] is True and "nothing was redeemed" in respond.only["text"]


def _submit_redeem(shop, code, account, actor):
    ack = Recorder()
    views.on_redeem(ack=ack, view=redeem_view(code, account), actor=actor, billing=shop.billing, now=NOW)
    return ack.only


def test_a_malformed_code_in_the_redeem_modal_is_shown_on_the_code_field(shop):
    answer = _submit_redeem(shop, "nonsense", "initech", shop.sales)
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {ids.BLOCK_CODE: MALFORMED}


def test_an_account_the_member_may_not_use_is_shown_on_the_account_field(shop):
    answer = _submit_redeem(shop, shop.code(), "globex", shop.member)
    assert answer == {
        "response_action": "errors",
        "errors": {ids.BLOCK_ACCOUNT: "There is no account by that name that you can use."},
    }


def test_a_valid_pair_moves_to_the_confirm_step_carrying_the_request_in_its_metadata(shop):
    code = shop.code()

    answer = _submit_redeem(shop, code.lower(), "acme", shop.member)

    assert answer["response_action"] == "update"
    assert answer["view"]["callback_id"] == ids.VIEW_REDEEM_CONFIRM
    assert RedeemRequest.decode(answer["view"]["private_metadata"]) == RedeemRequest(code.lower(), "acme")
    assert shop.status(code) == "issued"


def _confirm_view(metadata, *, radio=None):
    view = modals.info_modal("Redeem a code", [])
    view.update(id="VCONFIRM1", private_metadata=metadata, state={"values": {}})
    if radio is not None:
        view["blocks"] = [{"type": "input", "block_id": ids.BLOCK_RENEWAL}]
        view["state"]["values"][ids.BLOCK_RENEWAL] = {
            ids.ACTION_RENEWAL_CHOICE: {"type": "radio_buttons", "selected_option": {"value": radio}}
        }
    return view


def _submit_confirm(shop, view):
    ack = Recorder()
    views.on_redeem_confirm(ack=ack, view=view, actor=shop.sales, billing=shop.billing, now=NOW, request_ref="t")
    return ack.only


def test_the_confirm_modal_redeems_the_request_in_its_metadata(shop):
    code = shop.code(units=2)
    answer = _submit_confirm(shop, _confirm_view(RedeemRequest(code, "initech").encode(), radio=renewal_value(None)))
    assert answer["response_action"] == "update" and "redeemed" in json.dumps(answer["view"])
    assert shop.status(code) == "redeemed"


def test_a_confirm_modal_with_unreadable_metadata_is_replaced_by_the_refusal(shop):
    answer = _submit_confirm(shop, _confirm_view('{"c": "x"}'))
    assert answer["response_action"] == "update"
    assert UNREADABLE in json.dumps(answer["view"])


def test_a_renewal_choice_we_did_not_offer_is_refused_on_the_renewal_field(shop):
    code = shop.code()
    answer = _submit_confirm(shop, _confirm_view(RedeemRequest(code, "initech").encode(), radio="-1"))
    assert answer == {"response_action": "errors", "errors": {ids.BLOCK_RENEWAL: UNREADABLE}}
    assert shop.status(code) == "issued"
