"""``/joan licenses change``: a plan change's quote with Confirm / Cancel, only to the staff member who asked.

The Confirm button carries the quote's id and nothing else; the click is authorized again from the
clicking user, and the billing core works the quote out again and refuses it if it no longer holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import App

from billing import Actor, Billing, BillingError, PlanQuote, PlanReceipt
from handlers import blocks, errors, ids, kit, listen
from handlers.kit import Block, escape
from handlers.parsing import Parsed, Usage, only

NAME = "licenses change"


def parse(parsed: Parsed) -> tuple[str, str, dict[str, Any]]:
    """Account, solution and what is wanted (``withdraw`` or the keyword arguments of a quote)."""
    only(parsed, {"level", "interval", "when"})
    if len(parsed.words) not in (2, 3) or (len(parsed.words) == 3 and parsed.words[2].lower() != "withdraw"):
        raise Usage(NAME, "give the account and the solution, then level=, interval= or withdraw")
    account, solution = parsed.words[0], parsed.words[1]
    if len(parsed.words) == 3:
        if parsed.options:
            raise Usage(NAME, "withdraw takes no options")
        return account, solution, {"withdraw": True}
    when = parsed.options.get("when", "").lower()
    if when not in ("", "now", "renewal"):
        raise Usage(NAME, "when= is now or renewal")
    return (
        account,
        solution,
        {"level": parsed.options.get("level"), "interval": parsed.options.get("interval"), "at_once": when == "now"},
    )


def command(billing: Billing, actor: Actor, now: datetime, request_ref: str, parsed: Parsed) -> dict[str, Any]:
    """The quote with its buttons, or (for ``withdraw``) the withdrawal done."""
    actor.require_staff("change plans")
    account, solution, wanted = parse(parsed)
    if wanted.pop("withdraw", False):
        gone = billing.plans.withdraw(account=account, solution=solution, actor=actor, now=now, request_ref=request_ref)
        return blocks.notice(
            f"Withdrawn: {escape(gone.account)}'s {escape(gone.solution)} subscription no longer {gone.change}; "
            "it renews as before."
        )
    return quote_message(billing.plans.quote(account=account, solution=solution, actor=actor, now=now, **wanted))


def quote_message(quote: PlanQuote) -> dict[str, Any]:
    body: list[Block] = [
        kit.header("Plan change"),
        kit.section("\n".join(escape(line) for line in quote.sheet())),
        kit.actions(
            kit.button("Confirm", ids.ACTION_CHANGE_CONFIRM, quote.id, style="primary"),
            kit.button("Cancel", ids.ACTION_CHANGE_CANCEL, "cancel"),
        ),
    ]
    return kit.message(quote.sheet()[0], body)


def receipt_lines(receipt: PlanReceipt) -> str:
    quote = receipt.quote
    invoice = receipt.invoice
    if invoice is None:
        return f"Scheduled: {quote.solution_name} of {quote.request.account} {quote.schedule_text}."
    text = (
        f"Changed: {quote.solution_name} of {quote.request.account} is now {quote.to_level}, {quote.to_interval}ly. "
        f"{invoice.number}: total {invoice.total}, credit {invoice.credit_applied}, owed {invoice.remaining}."
    )
    return f"{text}\n{invoice.note}" if invoice.note else text


def on_confirm(
    body: dict[str, Any], respond: Any, actor: Actor, billing: Billing, now: datetime, request_ref: str
) -> None:
    quote_id = str(((body.get("actions") or [{}])[0]).get("value") or "")
    try:
        receipt = billing.plans.commit(quote_id=quote_id, actor=actor, now=now, request_ref=request_ref)
    except BillingError as error:
        respond(**blocks.notice(errors.message(error, actor)), response_type="ephemeral")
        return
    respond(**blocks.notice(escape(receipt_lines(receipt))), response_type="ephemeral", replace_original=True)


def on_cancel(respond: Any) -> None:
    respond(**blocks.notice("Cancelled: the plan was not changed."), response_type="ephemeral", replace_original=True)


def register(app: App) -> None:
    app.action(ids.ACTION_CHANGE_CONFIRM)(listen.action(on_confirm))
    app.action(ids.ACTION_CHANGE_CANCEL)(listen.action(on_cancel))
