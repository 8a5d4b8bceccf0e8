"""Request authenticity (a bad or stale signature changes nothing), replay, malformed input and log safety."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import pytest

from billing.codeformat import CODE_SHAPED
from handlers import ids
from handlers.parsing import USAGE
from handlers.redeem_request import RedeemRequest
from tests.billing.builders import licenses
from tests.handlers.harness import ADMIN, HOME, NORTH_TEAM, NORTH_USER, SALES, number, selected, text_input


def _nothing_happened(world, response):
    assert response.calls == []
    assert world.billing.audit.entries(actor=_staff(), limit=1000) == BASELINE[id(world)]


BASELINE: dict[int, list] = {}


@pytest.fixture
def signed(world):
    BASELINE[id(world)] = world.billing.audit.entries(actor=_staff(), limit=1000)
    return world


def _command_body(world, text="account new evil Evil"):
    return urlencode(world.slack.command_body(text, user_id=ADMIN, team=HOME))


def test_a_forged_signature_gets_401_and_touches_nothing(signed):
    response = signed.slack.post(_command_body(signed), "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert response.status == 401
    _nothing_happened(signed, response)


def test_a_body_signed_with_another_secret_gets_401(signed):
    response = signed.slack.post(_command_body(signed), "application/x-www-form-urlencoded", secret="not-our-secret")
    assert response.status == 401
    _nothing_happened(signed, response)


def test_a_six_minute_old_timestamp_gets_401(signed):
    response = signed.slack.post(
        _command_body(signed), "application/x-www-form-urlencoded", timestamp=str(int(time.time()) - 360)
    )
    assert response.status == 401
    _nothing_happened(signed, response)


@pytest.mark.parametrize("timestamp", ["abc", "", "1.5e9", " 17", "-5", "１７００００００００", "0x10", "9" * 40])
def test_a_non_numeric_timestamp_gets_401_not_500(signed, timestamp):
    response = signed.slack.post(_command_body(signed), "application/x-www-form-urlencoded", timestamp=timestamp)
    assert response.status == 401
    _nothing_happened(signed, response)


MALFORMED = [
    "licenses",
    "licenses change",
    "licenses change acme",
    "licenses change acme room colour=red",
    "licenses change acme room when=later",
    "licenses change acme room withdraw level=standard",
    "licenses start acme room",
    "licenses start acme room 3",
    "licenses start acme room 3 level=professional interval=week",
    "licenses add acme",
    "licenses add acme room 3 level=professional",
    "licenses reduce acme room",
    "licenses cancel acme room 3",
    "payment",
    "payment record INV-000001",
    "payment record INV-000001 5.00 colour=red",
    "code",
    "code issue room",
    "code issue room professional ten",
    "code issue room professional 1 years=x",
    "code issue room professional 1 years=1 months=2",
    "code issue room professional 1 count=0",
    "code issue room professional 1 kind=robot",
    "code issue room professional 1 redeem-by=tomorrow",
    "code issue room professional 1 colour=red",
    "code credit",
    "code credit 50",
    "code credit 50 USD count=many",
    "code show",
    "code show A B",
    "code void",
    "code frobnicate",
    "redeem ABC",
    "redeem A B renews=x",
    "renewals",
    "renewals a b",
    "account",
    "account a b",
    "accounts a b",
    "account new",
    "account new slug",
    "account set",
    "account set acme",
    "account set acme email=a@x.example color=red",
    "reseller",
    "reseller new x",
    "reseller link",
    "reseller set",
    "reseller set northwind",
    "staff",
    "staff add",
    "staff add bob admin",
    "staff add <@U1> king",
    "staff remove",
    "audit a b",
    "credits",
    "invoices",
    "api-key",
    "api-key create",
    "api-key create erp scope=portal colour=red",
    "api-key list everything",
    "api-key revoke",
    "whatever",
    "\u201cquoted",
    "redeem " + "x" * 5000,
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_text_gets_its_usage_never_an_exception(world, text):
    response = world.slack.command(text, user_id=ADMIN, team=HOME)
    assert response.status == 200
    (reply,) = response.replies
    assert "Usage" in reply["text"] or "not a pre-paid code" in reply["text"] or "not available" in reply["text"]
    assert "Something went wrong" not in reply["text"]


def test_every_subcommand_has_a_usage_and_a_malformed_case():
    for name in set(USAGE) - {"help"}:
        assert any(text == name or text.startswith(name + " ") for text in MALFORMED), name


def test_the_redeem_modal_shows_a_bad_code_on_the_code_field(world):
    response = _submit_redeem(world, "ABCDE-FGHJK-MNPQR-STVWX-YZ01", "acme")
    assert response.json["response_action"] == "errors"
    assert list(response.json["errors"]) == [ids.BLOCK_CODE]


def test_the_redeem_modal_shows_an_unknown_code_the_same_as_any_invalid_one_to_resellers(world):
    real = world.code()
    redeemed_elsewhere = world.code()
    world.billing.redemptions.redeem(code=redeemed_elsewhere, account="initech", actor=_staff(), now=world.now)
    first = _submit_redeem(world, _unknown_but_well_formed(real), "acme").json
    second = _submit_redeem(world, redeemed_elsewhere, "acme").json
    assert (
        first
        == second
        == {
            "response_action": "errors",
            "errors": {
                ids.BLOCK_CODE: "That code is not valid for this account. Check it with whoever sent it to you."
            },
        }
    )


def test_the_redeem_modal_shows_an_unknown_account_on_the_account_field(world):
    response = _submit_redeem(world, world.code(), "nosuch")
    assert list(response.json["errors"]) == [ids.BLOCK_ACCOUNT]


def test_the_redeem_modal_shows_a_level_conflict_on_the_code_field(world):
    licenses(world.billing, units=3, account_slug="acme", level="standard", now=world.now)
    response = _submit_redeem(world, world.code(level="professional"), "acme")
    (message,) = response.json["errors"].values()
    assert list(response.json["errors"]) == [ids.BLOCK_CODE]
    assert "only one plan level per solution" in message


def test_the_issue_modal_shows_errors_on_their_fields(world):
    view = world.slack.shortcut(ids.SHORTCUT_ISSUE, user_id=SALES, team=HOME).opened_view
    values = {
        ids.BLOCK_PLAN: {ids.ACTION_PLAN_SELECT: selected("room:professional", "static_select")},
        ids.BLOCK_UNITS: {ids.ACTION_UNITS_INPUT: number("0")},
    }
    assert list(world.slack.submit(view, values, user_id=SALES, team=HOME).json["errors"]) == [ids.BLOCK_UNITS]
    values[ids.BLOCK_UNITS] = {ids.ACTION_UNITS_INPUT: number("5")}
    values[ids.BLOCK_ACCOUNT] = {ids.ACTION_ACCOUNT_SELECT: selected("nosuch")}
    assert list(world.slack.submit(view, values, user_id=SALES, team=HOME).json["errors"]) == [ids.BLOCK_ACCOUNT]
    values[ids.BLOCK_ACCOUNT] = {ids.ACTION_ACCOUNT_SELECT: selected("acme")}
    values[ids.BLOCK_COUNT] = {ids.ACTION_COUNT_INPUT: number("5000")}
    assert list(world.slack.submit(view, values, user_id=SALES, team=HOME).json["errors"]) == [ids.BLOCK_COUNT]


def test_no_issued_code_appears_in_any_log_line_at_debug(world, caplog):
    caplog.set_level(logging.DEBUG)
    issued = world.slack.command("code issue room professional 2 count=3", user_id=SALES, team=HOME)
    codes = CODE_SHAPED.findall(issued.reply_text())
    assert len(codes) == 3
    for code in codes:
        world.slack.command(f"redeem {code} acme", user_id=NORTH_USER, team=NORTH_TEAM)
        world.slack.post(
            _command_body(world, f"redeem {code} acme"), "application/x-www-form-urlencoded", signature="v0=" + "1" * 64
        )  # Bolt logs the whole body of a refused request
        world.slack.click(
            ids.ACTION_REDEEM_CONFIRM,
            RedeemRequest(code, "acme").encode(),
            user_id=NORTH_USER,
            team=NORTH_TEAM,
        )
    logging.getLogger("probe").info("a code %s and a token %s", codes[0], "xoxb-123-456-secret")

    lines = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert any("[code]" in line for line in lines)  # the refused body was logged, redacted
    for code in codes:
        bare = code.replace("-", "")
        assert not any(code in line or bare in line or code.lower() in line for line in lines)
    assert not any("xoxb-123" in line for line in lines)


def _submit_redeem(world, code, account):
    view = world.slack.shortcut(ids.SHORTCUT_REDEEM, user_id=NORTH_USER, team=NORTH_TEAM).opened_view
    return world.slack.submit(
        view,
        {
            ids.BLOCK_CODE: {ids.ACTION_CODE_INPUT: text_input(code)},
            ids.BLOCK_ACCOUNT: {ids.ACTION_ACCOUNT_SELECT: selected(account)},
        },
        user_id=NORTH_USER,
        team=NORTH_TEAM,
    )


def _unknown_but_well_formed(code: str) -> str:
    """Another code with a valid check symbol that was never issued."""
    from billing import codeformat

    while True:
        other = codeformat.grouped(codeformat.generate())
        if other != code:
            return other


def _staff():
    from tests.conftest import STAFF

    return STAFF
