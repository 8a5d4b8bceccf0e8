"""Scheduled plan changes at the renewal: the renewal that bills the new period carries the change out first.

Both happen in the renewal's one transaction, so a sweep run twice, or killed and run again, applies the
change exactly once: the second run's term line for the same period is refused, and its transaction (this
change included) rolls back whole.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import event_records
from billing.models import Cohort, PlanChange, PlanLevel
from billing.models.catalog import BillingInterval
from billing.models.licensing import PlanChangeStatus
from billing.periods import format_date


def plan_words(from_level: str, from_interval: str, to_level: str, to_interval: str) -> str:
    if to_level == from_level:
        return f"{to_interval}ly billing"
    return to_level if to_interval == from_interval else f"{to_level}, {to_interval}ly"


def schedule_words(change: PlanChange, cohort: Cohort) -> str:
    """A scheduled change in words, from its row ("changes to Standard on 1 Jan 2026")."""
    return change_words(
        cohort.level.name, change.from_term_months, change.to_level.name, change.to_term_months, change.effective_on
    )


def change_words(from_level: str, from_term_months: int, to_level: str, to_term_months: int, effective_on: date) -> str:
    words = plan_words(from_level, _interval(from_term_months), to_level, _interval(to_term_months))
    return f"changes to {words} on {format_date(effective_on)}"


def _interval(term_months: int) -> str:
    return BillingInterval.YEAR if term_months == 12 else BillingInterval.MONTH


def apply_scheduled(session: Session, cohort: Cohort, *, now: datetime) -> str | None:
    """Move ``cohort`` (locked, due for renewal) to its scheduled plan if the change is for this renewal;
    the change in words, or None when nothing was scheduled for it."""
    change = session.scalar(
        select(PlanChange)
        .where(PlanChange.cohort_id == cohort.id, PlanChange.status == PlanChangeStatus.SCHEDULED)
        .with_for_update()
    )
    if change is None or change.effective_on != cohort.ends_on:
        return None
    words = schedule_words(change, cohort)
    level = session.get(PlanLevel, change.to_level_id)
    assert level is not None
    cohort.plan_level_id, cohort.level = level.id, level
    if change.to_term_months != cohort.term_months:  # a new interval starts its own anniversaries today
        cohort.anchor_on, cohort.term_months = cohort.ends_on, change.to_term_months
    change.status, change.closed_at = PlanChangeStatus.APPLIED, now
    event_records.plan_changed(session, change, cohort, now=now)
    return words


def scheduled_notes_by_level(session: Session, renewing: dict[int, str]) -> dict[int, str]:
    """For the breakdown: the scheduled change of each renewing cohort (``renewing`` maps a cohort id to its
    level's name), in words, by cohort id."""
    if not renewing:
        return {}
    changes = session.execute(
        select(
            PlanChange.cohort_id,
            PlanChange.from_term_months,
            PlanLevel.name,
            PlanChange.to_term_months,
            PlanChange.effective_on,
        )
        .join(PlanLevel, PlanLevel.id == PlanChange.to_level_id)
        .where(PlanChange.cohort_id.in_(renewing), PlanChange.status == PlanChangeStatus.SCHEDULED)
    )
    return {
        cohort_id: change_words(renewing[cohort_id], from_term, to_level, to_term, effective_on)
        for cohort_id, from_term, to_level, to_term, effective_on in changes
    }
