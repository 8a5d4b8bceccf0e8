"""Billing error codes in the words people read in Slack, and the modal field each one belongs to."""

from __future__ import annotations

import logging
import uuid

from billing import Actor, BillingError
from handlers import ids

log = logging.getLogger("joanbot.slack")

REFUSAL = (
    "Sorry, I can only help the vendor's staff and its resellers. If you think you should have access, "
    "ask your contact at the vendor."
)
SOMETHING_WRONG = (
    "Something went wrong on our side and nothing was changed. Please try again; if it keeps "
    "happening, tell the vendor and quote reference {ref}."
)

# Shown to reseller members for every reason a code cannot go into an account, so that trying codes
# teaches nothing about which ones exist (a reseller could otherwise probe for valid codes).
CODE_NOT_VALID = "That code is not valid for this account. Check it with whoever sent it to you."
_CODE_REASONS = {"unknown_code", "code_already_redeemed", "code_voided", "code_expired", "code_not_for_account"}

_WORDING = {
    "malformed_code": "That is not a pre-paid code: codes are 25 letters and digits, like "
    "ABCDE-FGHJK-MNPQR-STVWX-YZ012.",
    "mistyped_code": "That code has a typo: please check it character by character.",
    "unknown_code": "There is no such code. Check it with whoever sent it.",
    "account_not_found": "There is no account by that name that you can use.",
    "too_many_attempts": "Too many failed attempts: please wait 15 minutes and check the code with whoever sent it.",
    "not_allowed": "You do not have permission to do that.",
    "unreadable_request": "That is not a request I made, so nothing was redeemed: start again with `/joan redeem`.",
    "renewal_choice_required": "Choose whether this code renews licenses or adds new ones: nothing was redeemed.",
}

_FIELD = {
    "malformed_code": ids.BLOCK_CODE,
    "mistyped_code": ids.BLOCK_CODE,
    "unknown_code": ids.BLOCK_CODE,
    "code_already_redeemed": ids.BLOCK_CODE,
    "code_voided": ids.BLOCK_CODE,
    "code_expired": ids.BLOCK_CODE,
    "code_not_for_account": ids.BLOCK_CODE,
    "level_conflict": ids.BLOCK_CODE,
    "too_many_attempts": ids.BLOCK_CODE,
    "account_not_found": ids.BLOCK_ACCOUNT,
    "invalid_code_target": ids.BLOCK_ACCOUNT,
    "reseller_not_found": ids.BLOCK_RESELLER,
    "unknown_solution": ids.BLOCK_PLAN,
    "unknown_plan_level": ids.BLOCK_PLAN,
    "invalid_units": ids.BLOCK_UNITS,
    "invalid_term": ids.BLOCK_TERM,
    "invalid_count": ids.BLOCK_COUNT,
    "invalid_date": ids.BLOCK_REDEEM_BY,
    "cohort_not_found": ids.BLOCK_RENEWAL,
    "renewal_mismatch": ids.BLOCK_RENEWAL,
    "already_renewed": ids.BLOCK_RENEWAL,
    "unreadable_request": ids.BLOCK_RENEWAL,
    "renewal_choice_required": ids.BLOCK_RENEWAL,
}


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def message(error: BillingError, actor: Actor | None) -> str:
    """What to tell ``actor`` about a refused request."""
    if error.code in _CODE_REASONS and (actor is None or not actor.is_staff):
        return CODE_NOT_VALID
    if error.code in _WORDING:
        return _WORDING[error.code]
    return _sentence(error.message)


def field(error: BillingError, default: str) -> str:
    """The input block a modal shows ``error`` on."""
    return _FIELD.get(error.code, default)


def correlation_id() -> str:
    return uuid.uuid4().hex[:12]
