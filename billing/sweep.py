"""The daily sweep's billing half: housekeeping, then deciding which reminders and alerts are due.

Run it as often as you like (the bot runs it hourly): every step is idempotent by unique rows, so a
second run on the same day decides nothing new. On PostgreSQL a session advisory lock lets one sweep
run at a time across instances; on SQLite every write transaction already holds the single writer
lock. Delivery (posting to Slack) is not here: it reads what the sweep recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from billing.actors import SYSTEM
from billing.alerts import AlertChanges, Alerts
from billing.assignments import Assignments
from billing.conditions import Condition
from billing.db import Database
from billing.reminders import DueReminder, Reminders

SWEEP_LOCK_ID = 0x6A6F616E + 1

Housekeeping = Callable[[datetime], int]


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    ran: bool  # False: another instance holds the sweep lock
    released_users: int = 0
    housekeeping: dict[str, int] = field(default_factory=dict)
    reminders_planned: int = 0
    alerts: AlertChanges | None = None
    # Dry runs only: what would be decided.
    due: tuple[DueReminder, ...] = ()
    conditions: tuple[Condition, ...] = ()


class Sweep:
    def __init__(self, db: Database, *, assignments: Assignments, reminders: Reminders, alerts: Alerts) -> None:
        self._db = db
        self._assignments = assignments
        self._reminders = reminders
        self._alerts = alerts
        # Extra idempotent steps (auto-renewal, expiry) registered by the features that own them.
        self.housekeeping: dict[str, Housekeeping] = {}

    def run(self, *, now: datetime, dry_run: bool = False) -> SweepReport:
        if dry_run:
            return SweepReport(
                at=now,
                ran=True,
                due=tuple(self._reminders.due(now=now)),
                conditions=tuple(self._alerts.conditions(now=now)),
            )
        with self._lock() as acquired:
            if not acquired:
                return SweepReport(at=now, ran=False)
            released = self._assignments.release_idle_users(actor=SYSTEM, now=now)
            extra = {name: step(now) for name, step in self.housekeeping.items()}
            planned = self._reminders.plan(now=now)
            changes = self._alerts.sweep(now=now)
            return SweepReport(
                at=now, ran=True, released_users=released, housekeeping=extra, reminders_planned=planned, alerts=changes
            )

    @contextmanager
    def _lock(self) -> Iterator[bool]:
        if self._db.is_sqlite:
            yield True
            return
        with self._db.engine.connect() as connection:
            acquired = bool(connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({SWEEP_LOCK_ID})").scalar())
            connection.commit()
            try:
                yield acquired
            finally:
                if acquired:
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({SWEEP_LOCK_ID})")
                    connection.commit()
