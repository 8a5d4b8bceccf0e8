"""Reminders too late to be true, decided when one is about to go: the same rule for Slack and email.

A reminder is planned on its day, but may wait in the outbox (Slack or the mail server unreachable, no
poster or mailer running). When it finally could go, it is sent only if it is still right: not once its
renewal date has come (the licenses have lapsed; the lapsed alert speaks then), and not once a later
threshold of the same block is due (after an outage only the most recent one goes, never a late 14-day
reminder beside the 7-day one, both saying "in 7 days"). Such a reminder is dropped: recorded on the
reminder (``dropped_at``, ``dropped_reason``) and never sent by any door still owing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import ReminderNotice
from billing.models.notices import DropReason
from billing.periods import local_date


def drop_stale(session: Session, notices: Sequence[tuple[ReminderNotice, str]], *, now: datetime) -> None:
    """Record which of these reminders (each with its account's time zone) may no longer be sent at ``now``."""
    undecided = [(notice, tz) for notice, tz in notices if notice.dropped_reason is None]
    if not undecided:
        return
    newest = {
        (cohort_id, renews_on): threshold
        for cohort_id, renews_on, threshold in session.execute(
            select(ReminderNotice.cohort_id, ReminderNotice.renews_on, func.min(ReminderNotice.threshold))
            .where(ReminderNotice.cohort_id.in_({notice.cohort_id for notice, _ in undecided}))
            .group_by(ReminderNotice.cohort_id, ReminderNotice.renews_on)
        )
    }
    for notice, tz in undecided:
        reason = None
        if notice.renews_on <= local_date(now, tz):
            reason = DropReason.RENEWAL_PASSED
        elif notice.threshold > newest.get((notice.cohort_id, notice.renews_on), notice.threshold):
            reason = DropReason.SUPERSEDED
        if reason is not None:
            notice.dropped_at, notice.dropped_reason = now, reason
