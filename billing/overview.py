"""Cross-account views for staff: the renewals coming up in the next weeks (App Home, reminders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing.actors import Actor
from billing.db import Database
from billing.licensing import RENEWAL_WINDOW_DAYS
from billing.models import Account, Cohort
from billing.periods import local_date


@dataclass(frozen=True)
class DueRenewal:
    account: str
    account_name: str
    reseller: str | None
    solution_name: str
    level_name: str
    license_kind: str
    units: int
    renews_on: date
    days_left: int


class Overview:
    def __init__(self, db: Database) -> None:
        self._db = db

    def renewals_due(
        self, *, actor: Actor, now: datetime, days: int = RENEWAL_WINDOW_DAYS, limit: int = 500
    ) -> list[DueRenewal]:
        """Unrenewed code-paid licenses renewing within ``days`` (each account's own today), soonest first."""
        actor.require_staff("see renewals across accounts")
        utc_today = now.date()
        # Widen by a day each side for time zones, then filter exactly on each account's local date.
        query = (
            select(Cohort, Account)
            .join(Account, Account.id == Cohort.account_id)
            .where(
                Cohort.renewed_at.is_(None),
                Cohort.auto_renew.is_(False),
                Cohort.ends_on >= utc_today - timedelta(days=1),
                Cohort.ends_on <= utc_today + timedelta(days=days + 1),
            )
            .options(joinedload(Cohort.solution), joinedload(Cohort.level), joinedload(Account.reseller))
            .order_by(Cohort.ends_on, Account.slug, Cohort.id)
        )
        due: list[DueRenewal] = []
        with self._db.read() as session:
            for cohort, account in session.execute(query):
                today = local_date(now, account.time_zone)
                left = (cohort.ends_on - today).days
                if 0 <= left <= days and cohort.starts_on <= today:
                    due.append(
                        DueRenewal(
                            account=account.slug,
                            account_name=account.name,
                            reseller=account.reseller.slug if account.reseller else None,
                            solution_name=cohort.solution.name,
                            level_name=cohort.level.name,
                            license_kind=cohort.license_kind,
                            units=cohort.units,
                            renews_on=cohort.ends_on,
                            days_left=left,
                        )
                    )
                    if len(due) >= limit:
                        break
        return due
