"""Which reminder emails to send: planned in the sweep's outbox transaction, beside the Slack digests.

One email per recipient list per reminder: the account's contacts get one, and, for an account that pays
through a reseller, the reseller's contacts get another. Recipients are fixed when the email is planned
(the outbox row is the record of who was written to); the text is rendered when it is sent. A reminder
is marked ``emailed_at`` in the same transaction, whether or not anyone had an address, so it is decided
once. Reminders that are already stale when email is switched on (an older threshold of a cohort that
has a newer one waiting, or a renewal date already reached) are marked without an email.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing.models import Account, ReminderNotice, Reseller
from billing.models.parties import PaymentMethod
from billing.today import account_today

# The pacing key of the mail server in ``channel_pacing`` (an outbox row needs a channel).
EMAIL_CHANNEL = "smtp"
_CHUNK = 5000  # ids per UPDATE ... IN (...), well under the drivers' bind-parameter limits


class Audience(StrEnum):
    CUSTOMER = "customer"  # the account's own contacts: names the reseller to contact, never a price
    RESELLER = "reseller"  # the reseller's contacts, about one of its customers


def email_key(notice_id: int, audience: Audience) -> str:
    return f"email:{notice_id}:{audience}"


def failure_subject(account_id: int, address: str) -> str:
    """The alert's subject: one per account and address (hashed: addresses are longer than the column)."""
    return f"email:{account_id}:{hashlib.sha256(address.encode()).hexdigest()[:24]}"


def failure_details(account_slug: str, address: str, reply: str) -> dict[str, str]:
    return {"account": account_slug, "address": address, "reply": reply}


def plan_emails(session: Session, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """Outbox rows ``(key, channel, payload)`` for every reminder not yet considered for email."""
    rows = session.execute(
        select(
            ReminderNotice.id,
            ReminderNotice.cohort_id,
            ReminderNotice.renews_on,
            ReminderNotice.threshold,
            Account.contact_emails,
            Account.payment_method,
            Reseller.contact_emails,
            account_today(session, now),
        )
        .join(Account, Account.id == ReminderNotice.account_id)
        .join(Reseller, Reseller.id == Account.reseller_id, isouter=True)
        .where(ReminderNotice.emailed_at.is_(None))
        .order_by(ReminderNotice.id)
        .with_for_update(of=ReminderNotice)
    ).all()
    if not rows:
        return []
    newest: dict[tuple[int, object], tuple[int, int]] = {}  # (cohort, renews_on) -> (threshold, notice id)
    for notice_id, cohort_id, renews_on, threshold, *_ in rows:
        current = newest.get((cohort_id, renews_on))
        if current is None or threshold < current[0]:
            newest[(cohort_id, renews_on)] = (threshold, notice_id)
    current_ids = {notice_id for _, notice_id in newest.values()}
    messages: list[tuple[str, str, dict[str, Any]]] = []
    for notice_id, _cohort, renews_on, _threshold, account_emails, method, reseller_emails, today in rows:
        if notice_id not in current_ids or renews_on <= today:
            continue
        lists = [(Audience.CUSTOMER, account_emails or [])]
        if method == PaymentMethod.RESELLER:
            lists.append((Audience.RESELLER, reseller_emails or []))
        for audience, to in lists:
            if to:
                payload = {"kind": "reminder_email", "notice_id": notice_id, "audience": audience, "to": list(to)}
                messages.append((email_key(notice_id, audience), EMAIL_CHANNEL, payload))
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), _CHUNK):
        session.execute(
            update(ReminderNotice)
            .where(ReminderNotice.id.in_(ids[start : start + _CHUNK]))
            .values(emailed_at=now)
            .execution_options(synchronize_session=False)
        )
    return messages
