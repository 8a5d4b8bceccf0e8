"""Renewal reminders: which are due on a day, decided once.

For every cohort that is not auto-renewing and not renewed, a reminder is due 45, 30, 14 and 7 days
before its renewal date, in the account's time zone. After missed days only the most recent due
threshold is sent (late), never a burst of stale ones, and none whose threshold had already passed when
the cohort was created. The selection is one indexed range query over unrenewed cohorts ending in the
next 46 days; the per-row work is a few date subtractions on the rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from billing import audit, event_records
from billing.actors import Actor
from billing.bulk import insert_new
from billing.db import Database
from billing.errors import NotFound
from billing.models import Account, Cohort, PlanLevel, ReminderNotice, Reseller, Solution
from billing.models.notices import REMINDER_THRESHOLDS, DropReason
from billing.periods import local_date
from billing.prepared import Prepared
from billing.quotes import BILLED_METHODS
from billing.stale_reminders import drop_stale


class NoticeNotFound(NotFound):
    code = "notice_not_found"


FETCH_BATCH = 5_000
_NOTICES = cast(Table, ReminderNotice.__table__)

# Time zones run from UTC-12 to UTC+14: widen the UTC window by a day each side, then decide per row.
_SLACK_DAYS = 1


@dataclass(frozen=True)
class DueReminder:
    cohort_id: int
    account_id: int
    renews_on: date
    threshold: int
    due_on: date
    late: bool
    days_left: int


# The candidate rows: unrenewed cohorts ending within the reminder horizon (by the partial index). Prepared
# and streamed as plain tuples: tens of thousands of rows a sweep, and a Row each (traversed by every full
# garbage collection) cost a quarter of the selection at 1,000,000 cohorts.
_DUE = Prepared(
    select(Cohort.id, Cohort.account_id, Cohort.ends_on, Cohort.created_on, Account.time_zone)
    .join(Account, Account.id == Cohort.account_id)
    .where(
        Cohort.renewed_at.is_(None),
        Cohort.ends_on > bindparam("low"),
        Cohort.ends_on <= bindparam("high"),
        Cohort.auto_renew.is_(False),
        # A cancelled card/invoice subscription ends by choice (each method compared: no expanding IN).
        *(Cohort.origin != method for method in BILLED_METHODS),
        Account.closed_at.is_(None),  # a closed account gets no reminders (nor their emails)
    )
)


def threshold_due(*, renews_on: date, created_on: date, today: date) -> int | None:
    """The most recent threshold due on ``today`` (local), or None; thresholds that had passed when the
    cohort was created never count."""
    days_left = (renews_on - today).days
    if days_left <= 0:
        return None
    due = [t for t in REMINDER_THRESHOLDS if days_left <= t and renews_on - timedelta(days=t) >= created_on]
    return min(due) if due else None


def due_reminders(session: Session, *, now: datetime) -> list[DueReminder]:
    # On the session's connection: columns only, no ORM entity machinery for 10^4..10^5 rows, fetched in
    # batches (fetchmany), not row by row.
    today_utc = now.date()
    low = today_utc - timedelta(days=_SLACK_DAYS)
    high = today_utc + timedelta(days=max(REMINDER_THRESHOLDS) + _SLACK_DAYS)
    rows = _DUE.stream(session.connection(), {"low": low, "high": high}, batch=FETCH_BATCH)
    return select_due(rows, now=now)


def select_due(rows: Iterable[Sequence[Any]], *, now: datetime) -> list[DueReminder]:
    """The reminders due among candidate rows ``(cohort_id, account_id, ends_on, created_on, time_zone)``."""
    today_by_zone: dict[str, date] = {}
    found = []
    for cohort_id, account_id, ends_on, created_on, tz in rows:
        today = today_by_zone.get(tz)
        if today is None:
            today = today_by_zone[tz] = local_date(now, tz)
        threshold = threshold_due(renews_on=ends_on, created_on=created_on, today=today)
        if threshold is None:
            continue
        due_on = ends_on - timedelta(days=threshold)
        found.append(
            DueReminder(cohort_id, account_id, ends_on, threshold, due_on, due_on < today, (ends_on - today).days)
        )
    return found


def _not_yet_planned(session: Session, due: list[DueReminder]) -> list[DueReminder]:
    """Drop what an earlier sweep already recorded (one indexed range read), so a re-run writes nothing.
    The unique key still decides between sweeps that race."""
    if not due:
        return due
    span = {"low": min(r.renews_on for r in due), "high": max(r.renews_on for r in due)}
    planned = set(_PLANNED.stream(session.connection(), span, batch=FETCH_BATCH))
    return [r for r in due if (r.cohort_id, r.renews_on, r.threshold) not in planned]


# As plain tuples, for the same reason as ``_DUE``: after a first sweep the range holds tens of thousands.
_PLANNED = Prepared(
    select(ReminderNotice.cohort_id, ReminderNotice.renews_on, ReminderNotice.threshold).where(
        ReminderNotice.renews_on >= bindparam("low"), ReminderNotice.renews_on <= bindparam("high")
    )
)


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, object]]) -> int:
    """``INSERT ... ON CONFLICT DO NOTHING``, in bulk: the unique key decides, however many sweeps race."""
    return insert_new(session.connection(), _NOTICES, rows, key=["cohort_id", "renews_on", "threshold"])


NoticeRow = tuple[ReminderNotice, Cohort, Account, Reseller | None, Solution, PlanLevel]


def notice_row(session: Session, notice_id: int) -> NoticeRow | None:
    """A reminder with the cohort, account, reseller (if any), solution and level it is about."""
    row = session.execute(
        select(ReminderNotice, Cohort, Account, Reseller, Solution, PlanLevel)
        .join(Cohort, Cohort.id == ReminderNotice.cohort_id)
        .join(Account, Account.id == ReminderNotice.account_id)
        .join(Reseller, Reseller.id == Account.reseller_id, isouter=True)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(ReminderNotice.id == notice_id)
    ).first()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])


class Reminders:
    def __init__(self, db: Database) -> None:
        self._db = db

    def due(self, *, now: datetime) -> list[DueReminder]:
        """What is due at ``now`` (read-only; the dry run)."""
        with self._db.read() as session:
            return due_reminders(session, now=now)

    def plan(self, *, now: datetime) -> int:
        """Record every reminder due at ``now`` that is not recorded yet. Returns how many are new."""
        with self._db.write() as session:
            due = _not_yet_planned(session, due_reminders(session, now=now))
            event_records.reminders_due(session, due, now=now)
            return _insert_ignoring_duplicates(
                session,
                [
                    {
                        "cohort_id": r.cohort_id,
                        "account_id": r.account_id,
                        "renews_on": r.renews_on,
                        "threshold": r.threshold,
                        "due_on": r.due_on,
                        "late": r.late,
                        "planned_at": now,
                    }
                    for r in due
                ],
            )

    def views(self, *, notice_ids: Sequence[int], now: datetime) -> list[NoticeView]:
        with self._db.read() as session:
            return notice_views(session, notice_ids, now=now)

    def views_to_post(self, *, notice_ids: Sequence[int], now: datetime) -> list[NoticeView]:
        """The reminders of a digest about to be posted, each with whether it may still go: one whose renewal
        date came, or whose block has a later threshold due, is dropped now (recorded, ``dropped``)."""
        with self._db.write() as session:
            return notice_views(session, notice_ids, now=now, drop=True)

    def renewal_draft(self, *, notice_id: int, actor: Actor) -> RenewalDraft:
        """What a renewal code for a reminded cohort would be: the issue form's starting values (staff only)."""
        actor.require_staff("issue renewal codes")
        with self._db.read() as session:
            row = notice_row(session, notice_id)
            if row is None:
                raise NoticeNotFound("no such reminder")
            notice, cohort, account, reseller, solution, level = row
            return RenewalDraft(
                notice_id=notice.id,
                cohort_id=cohort.id,
                account_slug=account.slug,
                account_name=account.name,
                reseller_slug=reseller.slug if reseller else None,
                reseller_name=reseller.name if reseller else None,
                solution=solution.slug,
                solution_name=solution.name,
                level=level.slug,
                level_name=level.name,
                license_kind=cohort.license_kind,
                units=cohort.units,
                term_months=cohort.term_months,
                renews_on=cohort.ends_on,
            )

    def mark_handled(self, *, notice_id: int, actor: Actor, now: datetime) -> bool:
        """Someone took care of a reminder. Returns False when it was already handled."""
        with self._db.write() as session:
            notice = session.get(ReminderNotice, notice_id, with_for_update=True)
            if notice is None or notice.handled_at is not None:
                return False
            account = session.get(Account, notice.account_id)
            assert account is not None
            actor_may = actor.may_see_account(account.reseller_id)
            if not actor_may:
                return False
            notice.handled_at, notice.handled_by = now, actor.ref
            audit.record(
                session,
                actor=actor,
                action="reminder.handled",
                subject_type="cohort",
                subject_id=notice.cohort_id,
                account_id=notice.account_id,
                at=now,
                details={"threshold": notice.threshold, "renews_on": notice.renews_on.isoformat()},
            )
            return True


@dataclass(frozen=True)
class NoticeView:
    """A planned reminder with what its message says. No prices: it may go to a reseller's channel."""

    id: int
    cohort_id: int
    account_slug: str
    account_name: str
    reseller_id: int | None
    solution: str
    solution_name: str
    level: str
    level_name: str
    license_kind: str
    units: int
    renews_on: date
    threshold: int
    late: bool
    days_left: int
    renewed: bool
    handled_by: str | None
    dropped: DropReason | None = None  # never sent: too late to be true (``stale_reminders``)

    @property
    def to_send(self) -> bool:
        return not self.renewed and self.dropped is None


@dataclass(frozen=True)
class RenewalDraft:
    """The reminded cohort, as the starting point of a code that renews it."""

    notice_id: int
    cohort_id: int
    account_slug: str
    account_name: str
    reseller_slug: str | None
    reseller_name: str | None
    solution: str
    solution_name: str
    level: str
    level_name: str
    license_kind: str
    units: int
    term_months: int
    renews_on: date


def notice_views(session: Session, notice_ids: Sequence[int], *, now: datetime, drop: bool = False) -> list[NoticeView]:
    rows = session.execute(
        select(ReminderNotice, Cohort, Account, Solution, PlanLevel)
        .join(Cohort, Cohort.id == ReminderNotice.cohort_id)
        .join(Account, Account.id == ReminderNotice.account_id)
        .join(Solution, Solution.id == Cohort.solution_id)
        .join(PlanLevel, PlanLevel.id == Cohort.plan_level_id)
        .where(ReminderNotice.id.in_(list(notice_ids)))
        .order_by(ReminderNotice.renews_on, Account.slug, ReminderNotice.id)
    ).all()
    if drop:
        drop_stale(session, [(n, a.time_zone) for n, c, a, _, _ in rows if c.renewed_at is None], now=now)
    return [
        NoticeView(
            id=notice.id,
            cohort_id=cohort.id,
            account_slug=account.slug,
            account_name=account.name,
            reseller_id=account.reseller_id,
            solution=solution.slug,
            solution_name=solution.name,
            level=level.slug,
            level_name=level.name,
            license_kind=cohort.license_kind,
            units=cohort.units,
            renews_on=notice.renews_on,
            threshold=notice.threshold,
            late=notice.late,
            days_left=(notice.renews_on - local_date(now, account.time_zone)).days,
            renewed=cohort.renewed_at is not None,
            handled_by=notice.handled_by,
            dropped=notice.dropped_reason,
        )
        for notice, cohort, account, solution, level in rows
    ]
