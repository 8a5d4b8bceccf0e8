"""Block Kit for the money views (staff only, always ephemeral): an account's invoices and credits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from billing import CreditSource, CreditsOverview, InvoiceView, format_date, line_text
from handlers import kit
from handlers.kit import escape


def invoices_message(account: str, invoices: Sequence[InvoiceView]) -> dict[str, Any]:
    title = f"Invoices: {account}"
    lines = [
        f"*{i.number}* · {format_date(i.issued_on)} · {i.status.replace('_', ' ')} · total {i.total}, credit "
        f"{i.credit_applied}, paid {i.amount_paid}, *owed {i.remaining}* (due {format_date(i.due_on)})"
        + (" · _card: record the payment by hand (`joanbot payments record`)_" if i.recorded_by_hand else "")
        + "".join(f"\n   {escape(line_text(line))}" for line in i.lines)
        + (f"\n   {escape(i.note)}" if i.note else "")
        for i in invoices
    ]
    body = (
        kit.text_sections(lines, max_blocks=40, budget=kit.MESSAGE_TEXT_BUDGET)
        if lines
        else [kit.section("No invoices.")]
    )
    return kit.message(title, [kit.header(title), *body])


def credits_message(overview: CreditsOverview) -> dict[str, Any]:
    title = f"Joan Credits: {overview.account.slug}"
    balances = [
        f"*{b.currency}*: {b.total} (topped up {b.topped_up}, promo {b.promo}, adjustments {b.adjustment})"
        for b in overview.balances
    ] or ["No credit."]
    top_ups = [
        f"`{escape(t.code_prefix)}…` {t.amount} of {CreditSource(t.source).words}, {format_date(t.activated_on)}"
        for t in overview.top_ups
    ]
    codes = [
        f"`{escape(c.code_prefix)}…` {escape(c.solution_name)}: {c.paired}/{c.allowed} {c.license_kind}s, "
        f"expires {format_date(c.expires_on)}, {c.duration}"
        for c in overview.codes
    ]
    adjustments = [f"{format_date(a.on)}: {a.amount}, {escape(a.memo)}" for a in overview.adjustments]
    blocks = [kit.header(title), *kit.text_sections(balances, max_blocks=5, budget=2000)]
    for heading, lines in (("Top-ups", top_ups), ("Adjustments", adjustments), ("Redeemed codes", codes)):
        if lines:
            blocks += [kit.section(f"*{heading}*"), *kit.text_sections(lines, max_blocks=18, budget=4000)]
    return kit.message(title, blocks)
