"""How quotes, invoice lines and renewal breakdowns read, for every door that shows them to a person.

Each function returns plain text rows (never markup): the CLI prints them indented, Slack escapes each and
builds its blocks from the same rows, so a figure cannot read one way in one door and another in the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from billing.breakdown import Breakdown
from billing.invoicing import line_text
from billing.models.invoicing import ChangeKind
from billing.payments import PaymentQuote
from billing.periods import format_date
from billing.quotes import Quote
from billing.wording import license_phrase


class Tone(StrEnum):
    PLAIN = "plain"
    STRONG = "strong"  # a heading: Slack shows it bold
    WARNING = "warning"  # something wrong: Slack prefixes a warning sign
    ASIDE = "aside"  # a remark under a row: Slack shows it in italics


@dataclass(frozen=True)
class Row:
    text: str
    depth: int = 0  # 0 a heading, 1 an item under it, 2 a note under the item
    tone: Tone = Tone.PLAIN


def quote_sheet(quote: Quote) -> list[Row]:
    """A license change's quote: what it does, its lines, the credit it spends or gives, the amount due."""
    account = quote.account_name or quote.account
    licenses = license_phrase(quote.units, quote.solution_name or quote.solution, quote.level_name or quote.level)
    on = format_date(quote.effective_on)
    if quote.action == ChangeKind.CANCEL:
        held = license_phrase(quote.units_after, quote.solution_name, quote.level_name)
        return [
            Row(f"Cancels the renewal of {held} of {account}.", tone=Tone.STRONG),
            Row(f"They stay until {format_date(quote.renews_on)}; nothing is billed or refunded.", 1),
        ]
    if quote.action == ChangeKind.REDUCE:
        rows = [
            Row(f"Removes {licenses} from {account} on {on} ({quote.units_after:,} left).", tone=Tone.STRONG),
            Row(
                f"Credit: {quote.amount} (adjustment credit) for {format_date(quote.period.start)} to "
                f"{format_date(quote.period.end)}, {quote.units:,} x {quote.fraction.numerator}/"
                f"{quote.fraction.denominator} of what was charged, from:",
                1,
            ),
        ]
        rows += [
            Row(
                f"{a.invoice}, {format_date(a.period.start)} to {format_date(a.period.end)}: "
                f"{a.quantity:,} licenses, {a.amount}",
                2,
            )
            for a in quote.allocations
        ]
        return [*rows, Row("Amount due: nothing.", 1), Row(f"Renews {format_date(quote.renews_on)}.", 1)]
    verb = "Starts" if quote.action == ChangeKind.START else "Adds"
    return [
        Row(f"{verb} {licenses} for {account} ({quote.units_after:,} in all), from {on}.", tone=Tone.STRONG),
        *(Row(line_text(line), 1) for line in quote.lines),
        Row(f"Credit applied: {quote.credit_applied}", 1),
        Row(f"Amount due: {quote.due}", 1, Tone.STRONG),
        Row(f"Renews {format_date(quote.renews_on)}.", 1),
    ]


def payment_sheet(quote: PaymentQuote) -> list[Row]:
    """A payment's quote: the invoice with its lines, what it owes now and what it will owe after."""
    ref = f" (ref {quote.reference})" if quote.reference else ""
    return [
        Row(
            f"Records {quote.amount} received against {quote.invoice} of {quote.account_name or quote.account}{ref}.",
            tone=Tone.STRONG,
        ),
        *(Row(line_text(line), 1) for line in quote.lines),
        Row(
            f"Total {quote.total}, credit applied {quote.credit_applied}, paid {quote.paid}: owed {quote.remaining}", 1
        ),
        Row(
            f"Owed after this payment: {quote.remaining_after} ({quote.status_after.replace('_', ' ')})", 1, Tone.STRONG
        ),
    ]


def breakdown_rows(breakdown: Breakdown) -> list[Row]:
    """An account's renewal breakdown: per solution, what is available and in use, and each block's renewal."""
    rows: list[Row] = []
    if not breakdown.solutions:
        rows.append(Row("No active licenses."))
    for solution in breakdown.solutions:
        rows.append(
            Row(
                f"{solution.solution_name} {solution.level_name} ({solution.license_kind} licenses): "
                f"{solution.total:,} available, {solution.in_use:,} in use",
                tone=Tone.STRONG,
            )
        )
        if solution.over_capacity:
            rows.append(Row(f"OVER CAPACITY by {solution.over_capacity:,}", 1, Tone.WARNING))
        for line in solution.lines:
            note = " (renewed)" if line.renewed else " (renews automatically)" if line.auto_renew else ""
            rows.append(Row(f"{line.units:,} renewing {format_date(line.renews_on)}{note}", 1))
            if line.change:
                rows.append(Row(line.change, 2, Tone.ASIDE))
        for upcoming in solution.upcoming:
            rows.append(
                Row(
                    f"{upcoming.units:,} starting {format_date(upcoming.starts_on)}, "
                    f"renewing {format_date(upcoming.renews_on)}",
                    1,
                )
            )
    return rows


def plain_text(rows: list[Row], *, base: int = 0, indent: str = "  ") -> str:
    """The rows as the CLI prints them."""
    return "\n".join(indent * (base + row.depth) + row.text for row in rows)
