"""Pure builders of the bot's messages (dicts in Slack's shape). None of them carries a price unless it
goes to staff only, and every one stays within Slack's limits (``kit``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from billing import (
    AccountView,
    Actor,
    AuditEntry,
    Breakdown,
    CodeView,
    IssuedBatch,
    Receipt,
    RedemptionPlan,
    ResellerView,
    Row,
    Tone,
    breakdown_rows,
    format_date,
    plural,
)
from handlers import ids, kit
from handlers.kit import Block, escape
from handlers.parsing import USAGE, Usage
from handlers.redeem_request import RedeemRequest

CODES_SHOWN_INLINE = 10  # more than this: a file in the issuer's DM
MAX_RENEWAL_BUTTONS = 5


def notice(text: str) -> dict[str, Any]:
    return kit.message(text, [kit.section(text)])


def usage_message(error: Usage) -> dict[str, Any]:
    reason = f"{error.reason[:1].upper()}{error.reason[1:]}. " if error.reason else ""
    text = f"{reason}Usage: `{error.usage}`"
    body = [kit.section(escape(text)), kit.context("`/joan help` lists everything.")]
    return kit.message(f"{reason}Usage: {error.usage}", body)


_EXAMPLES = {
    "redeem": "/joan redeem ABCDE-FGHJK-MNPQR-STVWX-YZ012 acme",
    "renewals": "/joan renewals acme",
    "code issue": "/joan code issue room professional 10 years=1 reseller=northwind ref=PI-2026-001",
    "licenses add": "/joan licenses add globex room 3",
    "payment record": "/joan payment record INV-000012 15.00 ref=TRX-123",
}


def help_message(actor: Actor) -> dict[str, Any]:
    if actor.role == "reseller":
        names = ["redeem", "renewals", "account", "accounts", "forecast"]
        intro = "You can see and redeem codes for your own customers' accounts."
    elif actor.is_admin:
        names = list(USAGE)
        intro = "You are an admin: everything below is open to you."
    else:
        names = [n for n in USAGE if not n.startswith(("staff", "reseller", "audit", "api-key"))]
        intro = "You are on the sales team: codes, redemptions, accounts, renewals, license counts and payments."
    lines = [f"`{escape(USAGE[name])}`" for name in names if name != "help"]
    examples = [f"`{escape(text)}`" for name, text in _EXAMPLES.items() if name in names]
    blocks = [kit.header("What joanbot can do for you"), kit.section(intro)]
    blocks += kit.text_sections(lines, max_blocks=10, budget=6000)
    if examples:
        blocks.append(kit.section("*Examples*\n" + "\n".join(examples)))
    blocks.append(kit.context("Codes typed without arguments open a form: `/joan redeem`, `/joan code issue`."))
    return kit.message(intro, blocks)


# -- redemption ---------------------------------------------------------------------------------------------


def plan_lines(plan: RedemptionPlan) -> list[str]:
    return [escape(plan.describe())]


def preview_message(plan: RedemptionPlan, request: RedeemRequest) -> dict[str, Any]:
    """The preview, only to the person who asked (ephemeral): its buttons carry ``request`` back."""
    code = plan.code
    blocks: list[Block] = [
        kit.section(f"*Redeem code {escape(code.display)} into {escape(plan.account.name)}?*"),
        kit.section("\n".join(plan_lines(plan))),
    ]
    choose = plan.renewal_choice_needed
    if choose:  # no Confirm until the person says which: new licenses, or the renewal of a block
        blocks.append(
            kit.section(
                "This account has licenses this code could renew: choose new licenses or a renewal.",
                accessory=kit.button("New licenses", ids.ACTION_REDEEM_PREVIEW, request.renewing(None).encode()),
            )
        )
    for candidate in plan.renewal_candidates[:MAX_RENEWAL_BUTTONS]:
        blocks.append(
            kit.section(
                f"{'Renew' if choose else 'Or renew'} "
                f"{plural(candidate.units, escape(candidate.solution_name) + ' license')} renewing "
                f"{format_date(candidate.ends_on)} (block {candidate.id}).",
                accessory=kit.button(
                    "Preview renewal",
                    ids.ACTION_REDEEM_PREVIEW,
                    request.renewing(candidate.id).encode(),
                ),
            )
        )
    confirm = kit.button("Confirm", ids.ACTION_REDEEM_CONFIRM, request.encode(), style="primary")
    cancel = kit.button("Cancel", ids.ACTION_REDEEM_CANCEL, "cancel")
    blocks.append(kit.actions(cancel) if choose else kit.actions(confirm, cancel))
    blocks.append(kit.context("Nothing changes until you confirm."))
    return kit.message(f"Redeem code {code.display} into {plan.account.name}?", blocks)


def receipt_lines(receipt: Receipt) -> list[str]:
    plan = receipt.plan
    done = plan.describe().replace("Adds ", "Added ", 1).replace("Renews ", "Renewed ", 1)
    return [f":white_check_mark: Code {escape(plan.code.display)} redeemed. {escape(done)}"]


def receipt_message(receipt: Receipt) -> dict[str, Any]:
    lines = receipt_lines(receipt)
    blocks = [kit.section("\n".join(lines))]
    blocks.append(kit.context(f"See the licenses with `/joan renewals {escape(receipt.plan.account.slug)}`."))
    return kit.message(lines[0], blocks)


# -- accounts and renewals ----------------------------------------------------------------------------------


def rows_mrkdwn(rows: Sequence[Row]) -> list[str]:
    """The rows every door shows (``billing.sheets``), as Slack reads them: escaped, headings bold."""
    shown = {
        Tone.PLAIN: "{}",
        Tone.STRONG: "*{}*",
        Tone.WARNING: ":warning: {}",
        Tone.ASIDE: "_{}_",
    }
    bullet = {0: "", 1: "  • ", 2: "      "}
    return [bullet.get(row.depth, "      ") + shown[row.tone].format(escape(row.text)) for row in rows]


def breakdown_lines(breakdown: Breakdown) -> list[str]:
    return rows_mrkdwn(breakdown_rows(breakdown))


def breakdown_blocks(breakdown: Breakdown, *, max_blocks: int, budget: int) -> list[Block]:
    account = breakdown.account
    blocks: list[Block] = [
        kit.header(f"Renewals: {account.name}"),
        kit.context(f"`{escape(account.slug)}` · as of {format_date(breakdown.today)}"),
    ]
    blocks += kit.text_sections(
        breakdown_lines(breakdown), max_blocks=max_blocks - len(blocks), budget=budget, more="…and {n} more lines."
    )
    return blocks


def breakdown_message(breakdown: Breakdown) -> dict[str, Any]:
    blocks = breakdown_blocks(breakdown, max_blocks=kit.MAX_MESSAGE_BLOCKS, budget=kit.MESSAGE_TEXT_BUDGET)
    return kit.message(f"Renewal breakdown for {breakdown.account.name}", blocks)


def account_message(account: AccountView, breakdown: Breakdown, actor: Actor) -> dict[str, Any]:
    facts = [f"*Reseller:* {escape(account.reseller_name or 'none (direct customer)')}"]
    if actor.is_staff:
        facts.append(f"*Pays by:* {escape(account.payment_method)} · *Currency:* {escape(account.currency)}")
    facts.append(f"*Time zone:* {escape(account.time_zone)}")
    if account.closed_at is not None:
        facts.append(f"*Closed* on {format_date(account.closed_at.date())}: no new business, no reminders")
    if actor.is_staff:
        facts.append(f"*Reminder emails to:* {escape(', '.join(account.contact_emails) or 'nobody yet')}")
    in_use = [f"{s.solution_name}: {s.in_use} of {s.total} in use" for s in breakdown.solutions]
    blocks = [kit.header(account.name), kit.section("\n".join(facts))]
    if in_use:
        blocks.append(kit.context(escape(" · ".join(in_use))))
    blocks += breakdown_blocks(
        breakdown, max_blocks=kit.MAX_MESSAGE_BLOCKS - len(blocks), budget=kit.MESSAGE_TEXT_BUDGET - 1000
    )[2:]
    return kit.message(f"Account {account.name}", blocks)


def account_changed_notice(account: AccountView) -> dict[str, Any]:
    via = f"through {escape(account.reseller_name or '')}" if account.reseller_slug else "direct"
    return notice(
        f"Updated {escape(account.name)} ({account.slug}): pays {account.payment_method} ({via}), "
        f"{account.currency}, {account.time_zone}."
    )


def contacts_notice(name: str, emails: Sequence[str]) -> dict[str, Any]:
    if not emails:
        return notice(f"{escape(name)} has no contact addresses now: no reminder emails go to them.")
    return notice(f"Reminder emails for {escape(name)} now go to {escape(', '.join(emails))}.")


def account_lines(accounts: Sequence[AccountView], *, show_reseller: bool) -> list[str]:
    lines = []
    for account in accounts:
        owner = f" · {escape(account.reseller_slug)}" if show_reseller and account.reseller_slug else ""
        closed = " · closed" if account.closed_at is not None else ""
        lines.append(f"`{escape(account.slug)}` {escape(account.name)}{owner}{closed}")
    return lines


def accounts_message(accounts: Sequence[AccountView], actor: Actor, reseller: str | None = None) -> dict[str, Any]:
    title = "Your accounts" if actor.role == "reseller" else f"Accounts of {reseller}" if reseller else "Accounts"
    blocks = [kit.header(f"{title} ({len(accounts)})")]
    if not accounts:
        blocks.append(kit.section("No accounts yet."))
    blocks += kit.text_sections(
        account_lines(accounts, show_reseller=actor.is_staff and reseller is None),
        max_blocks=kit.MAX_MESSAGE_BLOCKS - 1,
        budget=kit.MESSAGE_TEXT_BUDGET,
        more="…and {n} more: narrow with `/joan accounts RESELLER`.",
    )
    return kit.message(title, blocks)


# -- codes --------------------------------------------------------------------------------------------------


def code_lines(code: CodeView) -> list[str]:
    rows = [
        ("Status", code.status),
        ("What", code.summary()),
        ("Reseller", code.reseller or "-"),
        ("Meant for account", code.account or "-"),
        ("Redeem by", format_date(code.redeem_by) if code.redeem_by else "-"),
        ("Reference", code.reference or "-"),
        ("Issued", f"{format_date(code.issued_at.date())} by {code.issued_by}"),
    ]
    if code.voided_at:
        rows.append(("Voided", f"{format_date(code.voided_at.date())} by {code.voided_by}"))
    if code.redeemed_at:
        rows.append(
            ("Redeemed", f"{format_date(code.redeemed_at.date())} by {code.redeemed_by} into {code.redeemed_into}")
        )
    return [f"*{label}:* {escape(value)}" for label, value in rows]


def code_message(code: CodeView, *, title: str = "Code") -> dict[str, Any]:
    blocks = [kit.header(f"{title} {code.display}"), kit.section("\n".join(code_lines(code)))]
    return kit.message(f"{title} {code.display}: {code.status}", blocks)


def issued_message(batch: IssuedBatch) -> dict[str, Any]:
    """The new codes, for the issuer only. Many codes go as a file instead (see ``issued_file``)."""
    template = batch.template
    count = len(batch.codes)
    summary = f"Issued {count} code{'s' if count != 1 else ''}: {template.summary()}"
    blocks: list[Block] = [kit.section(f"*{escape(summary)}*")]
    if count <= CODES_SHOWN_INLINE:
        blocks.append(kit.section("\n".join(f"`{c.code}`" for c in batch.codes)))
        blocks.append(kit.context("Shown only this once, only to you. Copy them now."))
    else:
        blocks.append(kit.context("The codes are in the file in your direct messages with me, shown only there."))
    extra = []
    if template.reseller:
        extra.append(f"for reseller {template.reseller}")
    if template.account:
        extra.append(f"for account {template.account}")
    if template.redeem_by:
        extra.append(f"redeem by {format_date(template.redeem_by)}")
    if template.reference:
        extra.append(f"ref {template.reference}")
    if extra:
        blocks.append(kit.context(escape(" · ".join(extra))))
    return kit.message(summary, blocks)


def issued_file(batch: IssuedBatch) -> str:
    """The CSV the issuer gets in their DM when there are too many codes for a message."""
    return "code,prefix\n" + "".join(f"{c.code},{c.prefix}\n" for c in batch.codes)


def audit_message(entries: Sequence[AuditEntry], subject: str | None) -> dict[str, Any]:
    title = f"Audit log: {subject}" if subject else "Audit log"
    lines = [
        f"{format_date(e.at.date())} {e.at:%H:%M} `{escape(e.action)}` {escape(e.subject_type)} "
        f"{escape(e.subject_id)} by {escape(e.actor)}" + (f"\n{escape(e.details_text())}" if e.details else "")
        for e in entries
    ]
    blocks = [kit.header(title)] + (
        kit.text_sections(lines, max_blocks=40, budget=kit.MESSAGE_TEXT_BUDGET)
        if lines
        else [kit.section("Nothing recorded.")]
    )
    return kit.message(title, blocks)


# -- the reseller panel -------------------------------------------------------------------------------------


def panel_message(reseller: ResellerView) -> dict[str, Any]:
    """The message in a reseller's linked channel: buttons only, no account data, no prices."""
    text = f"joanbot for {reseller.name}"
    blocks = [
        kit.header(text),
        kit.section("Renewal breakdowns and code redemption for your customers. Only you see the answers."),
        kit.actions(
            kit.button("Renewal breakdown", ids.ACTION_PANEL_BREAKDOWN, reseller.slug),
            kit.button("Redeem a code", ids.ACTION_PANEL_REDEEM, reseller.slug, style="primary"),
            kit.button("Our accounts", ids.ACTION_PANEL_ACCOUNTS, reseller.slug),
        ),
    ]
    return kit.message(text, blocks)
