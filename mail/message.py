"""A reminder email from a billing view: plain text with an HTML alternative, and nothing else in it.

Names come from people (an account called ``<script>`` or one with a line break in it): headers get them
with control characters folded to spaces, the HTML part gets them escaped, so neither can add a header
or markup. No amounts appear, whoever the email is for.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from billing import Audience, ReminderEmail, license_phrase

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def format_day(day: datetime | object) -> str:
    return f"{day:%d %b %Y}".lstrip("0")


def message_id(dedupe_key: str, sender: str) -> str:
    """Stable for an outbox key: a resend after an uncertain delivery is recognisably the same message."""
    domain = sender.rpartition("@")[2] or "joanbot.invalid"
    local = re.sub(r"[^A-Za-z0-9.-]", ".", dedupe_key)
    return f"<joanbot.{local}@{domain}>"


def _what(view: ReminderEmail) -> str:
    kind = "device" if view.license_kind == "device" else "user"
    return license_phrase(view.units, one_line(view.solution_name), one_line(view.level_name), kind)


def _renew(view: ReminderEmail) -> str:
    """The verb and pronoun agree with the count: "1 ... license renews ... it is", "10 ... licenses renew"."""
    return "renews" if view.units == 1 else "renew"


def _not_yet(view: ReminderEmail) -> str:
    return "it is not renewed yet" if view.units == 1 else "they are not renewed yet"


def _when(view: ReminderEmail) -> str:
    days = "tomorrow" if view.days_left == 1 else f"in {view.days_left} days"
    return f"{format_day(view.renews_on)} ({days})"


def subject(view: ReminderEmail, audience: Audience) -> str:
    what = f"{_what(view)} {_renew(view)} on {format_day(view.renews_on)}"
    if audience == Audience.RESELLER:
        return one_line(f"{view.account_name}: {what}")
    return one_line(f"Your {what}")


def paragraphs(view: ReminderEmail, audience: Audience) -> list[str]:
    """The body, as plain-text paragraphs (the HTML part escapes these same strings)."""
    if audience == Audience.RESELLER:
        return [
            f"Your customer {one_line(view.account_name)} ({view.account_slug}) has {_what(view)} "
            f"that {_renew(view)} on {_when(view)}, and {_not_yet(view)}.",
            "Issue or redeem a renewal code for them before that date to keep their licenses running.",
        ]
    contact = (
        f"To renew, please contact {one_line(view.reseller_name)}, who looks after your licenses."
        if view.reseller_name
        else "To renew, reply to this email or contact your account manager."
    )
    return [
        f"Hello {one_line(view.account_name)},",
        f"Your {_what(view)} {_renew(view)} on {_when(view)}, and {_not_yet(view)}.",
        contact,
    ]


def build(
    view: ReminderEmail, *, audience: Audience, to: list[str], sender: str, dedupe_key: str, now: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(view, audience)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(dedupe_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    text = paragraphs(view, audience)
    message.set_content("\n\n".join(text) + "\n")
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in text)
    title = html.escape(message["Subject"])
    head = f'<head><meta charset="utf-8"><title>{title}</title></head>'
    message.add_alternative(f"<!DOCTYPE html>\n<html>{head}\n<body>\n{body}</body></html>\n", subtype="html")
    return message
