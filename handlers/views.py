"""Modal submissions. Refusals travel in the ack as errors on the offending field (``response_action=errors``);
a success replaces the modal with the next step. Each is one short billing call before the ack; strangers
are refused in the ack by ``listen``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from billing import Actor, Billing, BillingError, InvalidInput, NotAllowed, parse_date
from handlers import errors, ids, listen, modals
from handlers.outbound import direct
from handlers.parsing import MAX_SLACK_COUNT, state_value
from handlers.redeem_request import RedeemRequest, chosen_renewal

log = logging.getLogger("joanbot.slack")


def _field_error(ack: Any, error: BillingError, actor: Actor, default: str, view: dict[str, Any]) -> None:
    """Show ``error`` on its field when the modal has that field, else replace the modal with a note."""
    block = errors.field(error, default)
    present = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    if block in present:
        ack(response_action="errors", errors={block: errors.message(error, actor)})
    else:
        ack(response_action="update", view=modals.note_modal("Not done", errors.message(error, actor)))


def _whole(text: str | None, what: str, block: str, default: int | None = None) -> int:
    if text is None and default is not None:
        return default
    try:
        return int(str(text))
    except ValueError:
        raise _Field(block, f"{what} must be a whole number") from None


class _Field(InvalidInput):
    code = "invalid_field"

    def __init__(self, block: str, message: str) -> None:
        super().__init__(message)
        self.block = block


def on_issue(
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    actor: Actor,
    billing: Billing,
    now: datetime,
    request_ref: str,
) -> None:
    values = {
        block: state_value(view, block, action)
        for block, action in (
            (ids.BLOCK_PLAN, ids.ACTION_PLAN_SELECT),
            (ids.BLOCK_UNITS, ids.ACTION_UNITS_INPUT),
            (ids.BLOCK_TERM, ids.ACTION_TERM_SELECT),
            (ids.BLOCK_COUNT, ids.ACTION_COUNT_INPUT),
            (ids.BLOCK_RESELLER, ids.ACTION_RESELLER_SELECT),
            (ids.BLOCK_ACCOUNT, ids.ACTION_ACCOUNT_SELECT),
            (ids.BLOCK_REDEEM_BY, ids.ACTION_REDEEM_BY),
            (ids.BLOCK_REFERENCE, ids.ACTION_REFERENCE_INPUT),
        )
    }
    try:
        actor.require_staff("issue codes")
        solution, _, level = (values[ids.BLOCK_PLAN] or ":").partition(":")
        count = _whole(values[ids.BLOCK_COUNT], "the number of codes", ids.BLOCK_COUNT, default=1)
        if not 1 <= count <= MAX_SLACK_COUNT:
            raise _Field(ids.BLOCK_COUNT, f"1 to {MAX_SLACK_COUNT:,} codes at once in Slack; the ops CLI does more")
        redeem_by = values[ids.BLOCK_REDEEM_BY]
        batch = billing.issuing.issue_subscription_codes(
            solution=solution,
            level=level,
            units=_whole(values[ids.BLOCK_UNITS], "units", ids.BLOCK_UNITS),
            term_months=_whole(values[ids.BLOCK_TERM], "the term", ids.BLOCK_TERM, default=12),
            count=count,
            reseller=values[ids.BLOCK_RESELLER],
            account=values[ids.BLOCK_ACCOUNT],
            redeem_by=parse_date(redeem_by) if redeem_by else None,
            reference=values[ids.BLOCK_REFERENCE],
            actor=actor,
            now=now,
            request_ref=request_ref,
        )
    except _Field as error:
        ack(response_action="errors", errors={error.block: error.message})
        return
    except NotAllowed as error:
        ack(response_action="update", view=modals.note_modal("Issue codes", errors.message(error, actor)))
        return
    except BillingError as error:
        _field_error(ack, error, actor, ids.BLOCK_PLAN, view)
        return
    ack(response_action="update", view=modals.issued_modal(batch))
    direct.send_codes_file(client, body["user"]["id"], batch)


def on_redeem(ack: Any, view: dict[str, Any], actor: Actor, billing: Billing, now: datetime) -> None:
    """Step one: the code and the account. A valid pair moves to the confirm step with its preview."""
    request = RedeemRequest(
        state_value(view, ids.BLOCK_CODE, ids.ACTION_CODE_INPUT) or "",
        state_value(view, ids.BLOCK_ACCOUNT, ids.ACTION_ACCOUNT_SELECT) or "",
    )
    try:
        plan = billing.redemptions.preview(code=request.code, account=request.account, actor=actor, now=now)
    except BillingError as error:
        _field_error(ack, error, actor, ids.BLOCK_CODE, view)
        return
    ack(response_action="update", view=modals.confirm_modal(plan, request))


def on_redeem_confirm(
    ack: Any, view: dict[str, Any], actor: Actor, billing: Billing, now: datetime, request_ref: str
) -> None:
    """Step two: redeem, once per modal whatever the number of submissions."""
    try:
        request = RedeemRequest.decode(view.get("private_metadata"))
        choice = state_value(view, ids.BLOCK_RENEWAL, ids.ACTION_RENEWAL_CHOICE)
        if choice is not None:
            request = request.renewing(chosen_renewal(choice))
        receipt = billing.redemptions.redeem(
            code=request.code,
            account=request.account,
            renews=request.renews,
            actor=actor,
            now=now,
            scope=f"view:{view.get('id', '')}",
            request_ref=request_ref,
        )
    except BillingError as error:
        _field_error(ack, error, actor, ids.BLOCK_RENEWAL, view)
        return
    ack(response_action="update", view=modals.receipt_modal(receipt))


def on_breakdown(ack: Any, view: dict[str, Any], actor: Actor, billing: Billing, now: datetime) -> None:
    account = state_value(view, ids.BLOCK_ACCOUNT, ids.ACTION_ACCOUNT_SELECT) or ""
    try:
        breakdown = billing.licenses.breakdown(account=account, actor=actor, now=now)
    except BillingError as error:
        _field_error(ack, error, actor, ids.BLOCK_ACCOUNT, view)
        return
    ack(response_action="update", view=modals.breakdown_modal(breakdown))


def on_info(ack: Any) -> None:
    ack()


def register(app: App) -> None:
    app.view(ids.VIEW_ISSUE)(listen.submission(on_issue))
    app.view(ids.VIEW_REDEEM)(listen.submission(on_redeem))
    app.view(ids.VIEW_REDEEM_CONFIRM)(listen.submission(on_redeem_confirm))
    app.view(ids.VIEW_BREAKDOWN)(listen.submission(on_breakdown))
    app.view(ids.VIEW_INFO)(listen.submission(on_info))
