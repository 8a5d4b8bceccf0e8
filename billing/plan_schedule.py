"""Scheduled plan changes at the renewal: the renewal that bills the new period carries the change out first.

Both happen in the renewal's one transaction, so a sweep run twice, or killed and run again, applies the
change exactly once: the second run's term line for the same period is refused, and its transaction (this
change included) rolls back whole.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    words = plan_words(
        cohort.level.name, _interval(change.from_term_months), change.to_level.name, _interval(change.to_term_months)
    )
    return f"changes to {words} on {format_date(change.effective_on)}"


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
    return words


def scheduled_notes(session: Session, cohorts: list[Cohort]) -> dict[int, str]:
    """For the breakdown: each renewing cohort's scheduled change, in words, by cohort id."""
    renewing = {c.id: c for c in cohorts if c.auto_renew}
    if not renewing:
        return {}
    changes = session.scalars(
        select(PlanChange).where(PlanChange.cohort_id.in_(renewing), PlanChange.status == PlanChangeStatus.SCHEDULED)
    )
    return {c.cohort_id: schedule_words(c, renewing[c.cohort_id]) for c in changes}
