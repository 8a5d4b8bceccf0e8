"""``/joan licenses start|add|reduce|cancel`` and ``/joan payment record``: the sales team's changes in Slack.

Each answers only the staff member who typed it with the quote (the same rows the CLI prints, from
``billing.sheets``) and Confirm / Cancel buttons. Confirm carries the quote's id and nothing else; the click
is authorized again from the clicking user, and billing works the quote out again and refuses it unless it
still holds, so a second click (or a change made meanwhile) bills nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import App

from billing import Actor, Billing, BillingError, ChangeKind, Row, format_date, parse_whole, payment_sheet, quote_sheet
from handlers import blocks, errors, ids, kit, listen
from handlers.kit import Block
from handlers.parsing import Parsed, Usage, only

ACTIONS = ("start", "add", "reduce", "cancel")


def license_request(parsed: Parsed) -> dict[str, Any]:
    """The keyword arguments of ``Subscriptions.quote`` that ``licenses ACTION ACCOUNT SOLUTION [N] ...`` asks."""
    action = parsed.name.split()[1]
    only(parsed, {"level", "interval"} if action == "start" else set())
    wanted = 3 if action != "cancel" else 2
    if len(parsed.words) != wanted:
        count = " and how many licenses" if action != "cancel" else ""
        raise Usage(parsed.name, f"give the account, the solution{count}")
    asked: dict[str, Any] = {"action": ChangeKind(action), "account": parsed.words[0], "solution": parsed.words[1]}
    if action != "cancel":
        asked["units"] = parse_whole(parsed.words[2], "units")
    if action == "start":
        if "level" not in parsed.options:
            raise Usage(parsed.name, "say which level to start: level=LEVEL")
        asked["level"] = parsed.options["level"]
        interval = parsed.options.get("interval", "year").lower()
        if interval not in ("month", "year"):
            raise Usage(parsed.name, "interval= is month or year")
        asked["interval"] = interval
    return asked


def payment_request(parsed: Parsed) -> dict[str, Any]:
    """``payment record INVOICE AMOUNT [ref=TEXT]``: the keyword arguments of ``Payments.quote``."""
    only(parsed, {"ref"})
    if len(parsed.words) != 2:
        raise Usage(parsed.name, "give the invoice number and the amount received")
    return {"invoice": parsed.words[0], "amount": parsed.words[1], "reference": parsed.options.get("ref", "")}


def _quote_message(title: str, rows: list[Row], quote_id: str, confirm: str, cancel: str) -> dict[str, Any]:
    body: list[Block] = [
        kit.header(title),
        *kit.text_sections(blocks.rows_mrkdwn(rows), max_blocks=40, budget=kit.MESSAGE_TEXT_BUDGET),
        kit.actions(
            kit.button("Confirm", confirm, quote_id, style="primary"),
            kit.button("Cancel", cancel, "cancel"),
        ),
    ]
    return kit.message(rows[0].text, body)


def licenses_command(billing: Billing, actor: Actor, now: datetime, parsed: Parsed) -> dict[str, Any]:
    actor.require_staff("change license counts")
    quote = billing.subscriptions.quote(**license_request(parsed), actor=actor, now=now)
    title = f"Licenses: {quote.action}"
    return _quote_message(title, quote_sheet(quote), quote.id, ids.ACTION_LICENSES_CONFIRM, ids.ACTION_LICENSES_CANCEL)


def payment_command(billing: Billing, actor: Actor, now: datetime, parsed: Parsed) -> dict[str, Any]:
    actor.require_staff("record payments")
    quote = billing.payments.quote(**payment_request(parsed), actor=actor, now=now)
    rows = payment_sheet(quote)
    return _quote_message("Payment", rows, quote.id, ids.ACTION_PAYMENT_CONFIRM, ids.ACTION_PAYMENT_CANCEL)


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def _refused(respond: Any, error: BillingError, actor: Actor) -> None:
    respond(**blocks.notice(errors.message(error, actor)), response_type="ephemeral")


def on_licenses_confirm(
    body: dict[str, Any], respond: Any, actor: Actor, billing: Billing, now: datetime, request_ref: str
) -> None:
    try:
        actor.require_staff("change license counts")
        receipt = billing.subscriptions.commit(quote_id=_value(body), actor=actor, now=now, request_ref=request_ref)
    except BillingError as error:
        _refused(respond, error, actor)
        return
    quote, invoice = receipt.quote, receipt.invoice
    account = quote.account_name or quote.account
    if invoice is not None:
        text = f"Done: {invoice.number} issued to {account}: total {invoice.total}, owed {invoice.remaining}."
    elif quote.action == ChangeKind.REDUCE:
        text = f"Done: {quote.units_after:,} left; {quote.amount} credited to {account} (adjustment credit)."
    else:
        text = f"Done: the renewal is cancelled; the licenses stay until {format_date(quote.renews_on)}."
    respond(**blocks.notice(kit.escape(text)), response_type="ephemeral", replace_original=True)


def on_payment_confirm(
    body: dict[str, Any], respond: Any, actor: Actor, billing: Billing, now: datetime, request_ref: str
) -> None:
    try:
        receipt = billing.payments.commit(quote_id=_value(body), actor=actor, now=now, request_ref=request_ref)
    except BillingError as error:
        _refused(respond, error, actor)
        return
    invoice = receipt.invoice
    text = (
        f"Recorded {receipt.quote.amount} against {invoice.number}: paid {invoice.amount_paid}, "
        f"owed {invoice.remaining} ({invoice.status.replace('_', ' ')})."
    )
    respond(**blocks.notice(kit.escape(text)), response_type="ephemeral", replace_original=True)


def on_cancel(respond: Any) -> None:
    respond(**blocks.notice("Cancelled: nothing was changed."), response_type="ephemeral", replace_original=True)


def register(app: App) -> None:
    app.action(ids.ACTION_LICENSES_CONFIRM)(listen.action(on_licenses_confirm))
    app.action(ids.ACTION_LICENSES_CANCEL)(listen.action(on_cancel))
    app.action(ids.ACTION_PAYMENT_CONFIRM)(listen.action(on_payment_confirm))
    app.action(ids.ACTION_PAYMENT_CANCEL)(listen.action(on_cancel))
