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

from billing.alerts import AlertView
from billing.periods import format_date
from billing.reminders import NoticeView
from handlers import ids, kit
from handlers.kit import escape

# The buttons on these messages are handled in handlers.notice_actions.
Message = dict[str, Any]

# Alert kinds that carry amounts: raised for the sales channel only (no reseller), never shown to resellers.
MONEY_KINDS = frozenset({"overdue_invoice", "credit_short"})
NOTE_MARK = ":warning: "
_NOTICE_BLOCK = re.compile(r"^notice_(\d+)$")


def who(actor_ref: str | None) -> str:
    """An audit actor ref as people read it: a Slack mention for Slack users."""
    if actor_ref and actor_ref.startswith("slack:") and "/" in actor_ref:
        return f"<@{actor_ref.rsplit('/', 1)[1]}>"
    return actor_ref or "someone"


def _days(days: int) -> str:
    return "tomorrow" if days == 1 else f"in {days} days"


def reminder_line(notice: NoticeView) -> str:
    text = (
        f"*{escape(notice.account_name)}* (`{notice.account_slug}`): {notice.units} {escape(notice.solution_name)} "
        f"{escape(notice.level_name)} {notice.license_kind} licenses renew on *{format_date(notice.renews_on)}*, "
        f"{_days(notice.days_left)}."
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
                "text": {"type": "mrkdwn", "text": kit.clip(reminder_line(notice), line_budget)},
            }
        )
        if notice.handled_by:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f":white_check_mark: Handled by {who(notice.handled_by)}"}],
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
    return {"text": kit.clip(text, kit.MAX_FALLBACK_TEXT), "blocks": blocks}


_TITLES = {
    "lapsed": "Licenses lapsed without renewal",
    "over_capacity": "Account over capacity",
    "overdue_invoice": "Invoice overdue",
    "credit_short": "Credit will not cover the next renewal",
    "failed_redemptions": "Repeated failed redemption attempts",
    "code_expiring": "Unredeemed code near its redeem-by date",
    "channel_unreachable": "Cannot post to a channel",
    "email_failed": "A reminder email was refused",
}


def _iso(value: Any) -> str:
    return format_date(date.fromisoformat(value)) if isinstance(value, str) else str(value)


def alert_summary(alert: AlertView) -> str:
    d = alert.details
    match alert.kind:
        case "lapsed":
            return (
                f"{d['units']} {d['solution']} licenses of `{d['account']}` reached their renewal date "
                f"({_iso(d['renews_on'])}) without a renewal."
            )
        case "over_capacity":
            return (
                f"`{d['account']}` uses {d['in_use']} {d['solution']} licenses but has {d['licenses']}: "
                f"over capacity by {d['over_by']}. Nothing was unassigned."
            )
        case "failed_redemptions":
            return f"{d['failures']} failed code redemption attempts for `{d['account']}` in the last 24 hours."
        case "code_expiring":
            return f"Code `{d['prefix']}…` is unredeemed and must be redeemed by {_iso(d['redeem_by'])}."
        case "channel_unreachable":
            return (
                f"The bot cannot post to <#{d['channel']}> ({d['error']}); {d['waiting']} message(s) wait. "
                "Invite the bot to the channel, or link another one."
            )
        case "email_failed":
            return (
                f"The mail server refused `{kit.escape(d['address'])}`, a contact of `{d['account']}`: "
                f"{kit.escape(d['reply'])}. Correct it with `/joan account set` (or `/joan reseller set`)."
            )
        case _:
            return ", ".join(f"{key}: {value}" for key, value in sorted(d.items()))


def alert_title(alert: AlertView) -> str:
    return _TITLES.get(alert.kind, alert.kind.replace("_", " ").capitalize())


def alert_message(alert: AlertView, *, note: str | None = None) -> Message:
    title = alert_title(alert)
    if alert.resolved_at is not None:
        state = f":white_check_mark: Resolved on {format_date(alert.resolved_at.date())}"
    elif alert.acknowledged_at is not None:
        state = f":eyes: Acknowledged by {who(alert.acknowledged_by)}"
    else:
        state = f":rotating_light: Open since {format_date(alert.opened_at.date())}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": f"alert_{alert.id}", "text": kit.mrkdwn(f"*{title}*\n{alert_summary(alert)}")},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": state}]},
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
    fallback = f"{title}: {alert_summary(alert)}".replace("`", "")
    return {"text": kit.clip(fallback, kit.MAX_FALLBACK_TEXT), "blocks": blocks}


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
