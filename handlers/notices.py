"""Block Kit for what the sweep posts: reminder digests and problem alerts. Pure; never a price.

These go to reseller channels (shared with the reseller's organisation) and to the sales channel, so
they name accounts, licenses and dates only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from billing import AlertView, NoticeView, format_date, license_phrase, plural
from handlers import ids, kit
from handlers.kit import escape

# The buttons on these messages are handled in handlers.notice_actions.
Message = dict[str, Any]

# Alert kinds that carry amounts: raised for the sales channel only (no reseller), never shown to resellers.
MONEY_KINDS = frozenset({"overdue_invoice", "credit_short"})
NOTE_MARK = ":warning: "
_NOTICE_BLOCK = re.compile(r"^notice_(\d+)$")


def who(actor_ref: str | None) -> kit.Mrkdwn:
    """An audit actor ref as people read it: a Slack mention for Slack users."""
    if actor_ref and actor_ref.startswith("slack:") and "/" in actor_ref:
        return kit.mention(actor_ref.rsplit("/", 1)[1])
    return kit.escape(actor_ref or "someone")


def _days(days: int) -> str:
    return "tomorrow" if days == 1 else f"in {days} days"


def reminder_line(notice: NoticeView) -> str:
    text = (
        f"*{escape(notice.account_name)}* (`{notice.account_slug}`): "
        f"{_licenses(notice.units, notice.solution_name, notice.level_name, notice.license_kind)} "
        f"{'renews' if notice.units == 1 else 'renew'} on "
        f"*{format_date(notice.renews_on)}*, {_days(notice.days_left)}."
    )
    if notice.late:
        text += f" _(The {notice.threshold}-day reminder, sent late.)_"
    return text


def reminder_digest(notices: Sequence[NoticeView], *, note: str | None = None) -> Message:
    """One message for up to 24 reminders (two blocks each; the outbox splits digests at 20), each line
    clipped so that the whole stays under Slack's aggregate text limit, however long the names."""
    count = len(notices)
    line_budget = min(kit.MAX_SECTION_TEXT, (kit.MESSAGE_TEXT_BUDGET - 1000) // max(count, 1))
    note = kit.clip(note, 500) if note else None
    title = "Renewal reminders" if count > 1 else "Renewal reminder"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if note:
        blocks.append(kit.context(f"{NOTE_MARK}{note}"))
    for notice in notices:
        blocks.append(
            {
                "type": "section",
                "block_id": f"notice_{notice.id}",
                "text": kit.mrkdwn(reminder_line(notice), line_budget),
            }
        )
        if notice.handled_by:
            blocks.append(
                {
                    "type": "context",
                    "elements": [kit.mrkdwn(kit.md(":white_check_mark: Handled by {}", who(notice.handled_by)))],
                }
            )
            continue
        blocks.append(
            {
                "type": "actions",
                "block_id": f"notice_actions_{notice.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ACTION_REMINDER_ISSUE_RENEWAL,
                        "text": {"type": "plain_text", "text": "Issue renewal code"},
                        "value": json.dumps({"notice": notice.id, "cohort": notice.cohort_id}),
                    },
                    {
                        "type": "button",
                        "action_id": ids.ACTION_REMINDER_HANDLED,
                        "text": {"type": "plain_text", "text": "Mark handled"},
                        "value": str(notice.id),
                    },
                ],
            }
        )
    soonest = min(n.renews_on for n in notices)
    text = (
        f"{count} license blocks renew soon, the first on {format_date(soonest)}"
        if count > 1
        else reminder_line(notices[0]).replace("*", "").replace("`", "")
    )
    return {"text": kit.fallback(text), "blocks": blocks}


_TITLES = {
    "lapsed": "Licenses lapsed without renewal",
    "over_capacity": "Account over capacity",
    "overdue_invoice": "Invoice overdue",
    "credit_short": "Credit will not cover the next renewal",
    "failed_redemptions": "Repeated failed redemption attempts",
    "code_expiring": "Unredeemed code near its redeem-by date",
    "channel_unreachable": "Cannot post to a channel",
    "email_failed": "A reminder email was refused",
    "webhook_failed": "A webhook was not delivered",
    "webhook_disabled": "A webhook endpoint was disabled",
}


def _iso(value: Any) -> str:
    return format_date(date.fromisoformat(value)) if isinstance(value, str) else str(value)


def _account(d: dict[str, Any]) -> str:
    """The account's name (escaped) and its slug, which staff type in commands."""
    name = d.get("account_name")
    return f"*{escape(str(name))}* (`{d['account']}`)" if name else f"`{d['account']}`"


def _licenses(units: int, *words: object) -> str:
    return license_phrase(units, *(escape(str(w)) if w else None for w in words))


def alert_summary(alert: AlertView) -> str:
    """The alert in one line, its data (account slugs, catalog names) escaped for mrkdwn."""
    raw = alert.details
    d = {key: kit.escape(str(value)) for key, value in raw.items()}
    match alert.kind:
        case "lapsed":
            return (
                f"{_licenses(raw['units'], raw['solution'], raw.get('level'))} of {_account(raw)} reached "
                f"{'its' if raw['units'] == 1 else 'their'} renewal date ({_iso(raw['renews_on'])}) without a renewal."
            )
        case "over_capacity":
            return (
                f"{_account(raw)} uses {plural(raw['in_use'], d['solution'] + ' license')} but has "
                f"{raw['licenses']:,}: over capacity by {raw['over_by']:,}. Nothing was unassigned."
            )
        case "failed_redemptions":
            failures = plural(raw["failures"], "failed code redemption attempt")
            return f"{failures} for {_account(raw)} in the last 24 hours."
        case "code_expiring":
            return f"Code `{d['prefix']}…` is unredeemed and must be redeemed by {_iso(raw['redeem_by'])}."
        case "channel_unreachable":
            return kit.md(
                "The bot cannot post to {} ({}); {}. Invite the bot to the channel, or link another one.",
                kit.channel(str(raw["channel"])),
                d["error"],
                plural(raw["waiting"], "message waits", "messages wait"),
            )
        case "overdue_invoice":
            return (
                f"Invoice {d['invoice']} of {_account(raw)} was due on {_iso(raw['due_on'])} and {d['owed']} is still "
                "owed. Record a payment with `joanbot payments record` once it arrives."
            )
        case "credit_short":
            return (
                f"The credit of {_account(raw)} ({d['balance']}) will not cover the {d['needed']} of renewals due "
                "in the next 14 days."
            )
        case "email_failed":
            return (
                f"The mail server refused `{kit.escape(d['address'])}`, a contact of `{d['account']}`: "
                f"{kit.escape(d['reply'])}. Correct it with `/joan account set` (or `/joan reseller set`)."
            )
        case "webhook_failed":
            return (
                f"The webhook `{d['endpoint']}` ({d['url']}) refused {plural(raw['failed'], 'event')} for three days; "
                "they were not delivered. The Portal can catch up from `GET /api/v1/events`."
            )
        case "webhook_disabled":
            since = _iso(str(raw["failing_since"])[:10]) if raw.get("failing_since") else "three days"
            return (
                f"Every delivery to the webhook `{d['endpoint']}` ({d['url']}) has failed since {since}: it is "
                "disabled. Fix the receiver, then `joanbot webhooks remove` and `add` it again."
            )
        case _:
            return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(d.items()))


def alert_title(alert: AlertView) -> str:
    return _TITLES.get(alert.kind, alert.kind.replace("_", " ").capitalize())


def alert_message(alert: AlertView, *, note: str | None = None) -> Message:
    title, summary = alert_title(alert), alert_summary(alert)
    if alert.resolved_at is not None:
        state = f":white_check_mark: Resolved on {format_date(alert.resolved_at.date())}"
    elif alert.acknowledged_at is not None:
        state = kit.md(":eyes: Acknowledged by {}", who(alert.acknowledged_by))
    else:
        state = f":rotating_light: Open since {format_date(alert.opened_at.date())}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": f"alert_{alert.id}", "text": kit.mrkdwn(kit.md("*{}*\n{}", title, summary))},
        {"type": "context", "elements": [kit.mrkdwn(state)]},
    ]
    if note:
        blocks.insert(1, kit.context(f"{NOTE_MARK}{kit.clip(note, 500)}"))
    if alert.resolved_at is None and alert.acknowledged_at is None:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"alert_actions_{alert.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ACTION_ALERT_ACKNOWLEDGE,
                        "text": {"type": "plain_text", "text": "Acknowledge"},
                        "value": str(alert.id),
                    }
                ],
            }
        )
    return {"text": kit.fallback(kit.Mrkdwn(kit.md("{}: {}", title, summary).replace("`", ""))), "blocks": blocks}


# Reading back a message these builders made (Slack sends it with every click), to render it again.


def notice_ids_in(blocks: Sequence[dict[str, Any]]) -> list[int]:
    """The reminders on a digest, from its sections' ``notice_{id}`` block ids, in message order."""
    found = (_NOTICE_BLOCK.match(str(b.get("block_id") or "")) for b in blocks if b.get("type") == "section")
    return [int(m.group(1)) for m in found if m]


def note_in(blocks: Sequence[dict[str, Any]]) -> str | None:
    """The note a digest or alert was posted with (e.g. "this reseller has no linked channel"), if any."""
    for block in blocks[:3]:
        for element in block.get("elements", []) if block.get("type") == "context" else ():
            text = str(element.get("text") or "")
            if text.startswith(NOTE_MARK):
                return text[len(NOTE_MARK) :]
    return None
