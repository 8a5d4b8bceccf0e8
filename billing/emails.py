"""Reminder emails, the billing half: what an email says (a view with no price in it), and what became of
one once the mail server answered.

The email door (``mail/``) claims an email from the outbox like the poster claims a post, renders this
view, talks SMTP, and reports back through ``settle``, fenced by its claim: delivered addresses are
recorded once (never sent again), addresses refused for good are recorded as failures and raise one
``email_failed`` alert per account and address in the sales channel, and addresses refused for now go
back to the outbox, alone, for a later attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing.db import Database
from billing.email_plan import failure_details, failure_subject
from billing.models import (
    Account,
    Alert,
    EmailFailure,
    OutboxMessage,
    ReminderNotice,
)
from billing.models.notices import AlertKind, DropReason
from billing.models.outbox import OutboxState
from billing.models.parties import PaymentMethod
from billing.outbox import MAX_ATTEMPTS, Claim, Outbox
from billing.periods import local_date
from billing.reminders import notice_row
from billing.stale_reminders import drop_stale


@dataclass(frozen=True)
class ReminderEmail:
    """What a reminder email says. No amounts: the end customer's goes out for reseller-paid accounts too."""

    notice_id: int
    account_slug: str
    account_name: str
    reseller_name: str | None  # set when the account pays through a reseller: the one to contact
    solution_name: str
    level_name: str
    license_kind: str
    units: int
    renews_on: date
    days_left: int
    renewed: bool
    dropped: DropReason | None = None  # too late to be true: never sent (``stale_reminders``)


class Emails:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    def view(self, *, notice_id: int, now: datetime) -> ReminderEmail | None:
        """What the reminder's email says at ``now``, about to be sent: a reminder too late to be true is
        dropped now (recorded; ``dropped`` says why), as the Slack side would."""
        with self._db.write() as session:
            row = notice_row(session, notice_id)
            if row is None:
                return None
            notice, cohort, account, reseller, solution, level = row
            if cohort.renewed_at is None:
                drop_stale(session, [(notice, account.time_zone)], now=now)
            through_reseller = account.payment_method == PaymentMethod.RESELLER and reseller is not None
            return ReminderEmail(
                notice_id=notice.id,
                account_slug=account.slug,
                account_name=account.name,
                reseller_name=reseller.name if through_reseller and reseller is not None else None,
                solution_name=solution.name,
                level_name=level.name,
                license_kind=cohort.license_kind,
                units=cohort.units,
                renews_on=notice.renews_on,
                days_left=(notice.renews_on - local_date(now, account.time_zone)).days,
                renewed=cohort.renewed_at is not None,
                dropped=notice.dropped_reason,
            )

    def settle(
        self,
        claim: Claim,
        *,
        now: datetime,
        failed: Mapping[str, str],
        retry: Sequence[str],
        delay: timedelta,
        sales_channel: str | None,
    ) -> bool:
        """Record the server's answers for a claimed email. ``failed``: address -> permanent reply; ``retry``:
        addresses to try again after ``delay``; every other address was accepted. False when the claim
        had been taken over (nothing recorded)."""
        with self._db.write() as session:
            row = session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
                .with_for_update()
            )
            if row is None:
                return False
            if failed:
                self._record_failures(session, row, failed, now)
                self._outbox.enqueue_alerts(session, now=now, sales_channel=sales_channel)
            row.claim_token = None
            if retry:
                row.payload = {**row.payload, "to": list(retry)}
                row.state = OutboxState.DEAD if claim.attempts >= MAX_ATTEMPTS else OutboxState.PENDING
                row.next_attempt_at = now + delay
                row.last_error = "; ".join(f"{a}: {failed.get(a, 'try again later')}" for a in retry)[:200]
                return True
            delivered = [a for a in row.payload.get("to", []) if a not in failed]
            row.state = OutboxState.SENT if delivered else OutboxState.CANCELLED
            row.sent_at, row.external_ts = now, "250" if delivered else None
            row.last_error = "every recipient refused" if not delivered else None
            return True

    def _record_failures(self, session: Session, row: OutboxMessage, failed: Mapping[str, str], now: datetime) -> None:
        notice = session.get(ReminderNotice, int(row.payload["notice_id"]))
        account = session.get(Account, notice.account_id) if notice else None
        if account is None:
            return
        dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
        for address, reply in failed.items():
            session.execute(
                dialect.insert(EmailFailure)
                .values(outbox_id=row.id, account_id=account.id, address=address, reply=reply[:200], failed_at=now)
                .on_conflict_do_nothing(index_elements=["outbox_id", "address"])
            )
            session.execute(
                dialect.insert(Alert)
                .values(
                    kind=AlertKind.EMAIL_FAILED,
                    subject_key=failure_subject(account.id, address),
                    account_id=account.id,
                    reseller_id=None,  # said in the sales channel: the address is staff's to fix
                    details=failure_details(account.slug, address, reply[:200]),
                    opened_at=now,
                    version=1,
                    delivered_version=0,
                )
                .on_conflict_do_nothing(index_elements=["kind", "subject_key"], index_where=Alert.resolved_at.is_(None))
            )
