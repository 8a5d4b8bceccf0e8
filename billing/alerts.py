"""Problem ("bouncer") alerts as state: opened when a condition appears, resolved when it clears.

Each sweep computes the set of current conditions with set-based queries and reconciles it with the
open alerts: new conditions open an alert (version 1, to be posted), cleared ones resolve (a new
version, to be edited in place), changed details bump the version. A condition that comes back after it
cleared opens a new alert. Acknowledging is a person's action and also bumps the version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import audit, event_records
from billing.actors import Actor
from billing.conditions import CONDITIONS, Condition, ConditionSource
from billing.db import Database
from billing.errors import Conflict, NotFound
from billing.models import Account, Alert
from billing.models.notices import AlertKind
from billing.webhook_alerts import WEBHOOK_CONDITIONS


class AlertNotFound(NotFound):
    code = "alert_not_found"


class AlertAlreadyAcknowledged(Conflict):
    code = "alert_already_acknowledged"


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    subject_key: str
    account_id: int | None
    reseller_id: int | None
    details: dict[str, Any]
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    version: int
    channel_id: str | None
    message_ts: str | None


def alert_view(alert: Alert) -> AlertView:
    return AlertView(
        alert.id,
        alert.kind,
        alert.subject_key,
        alert.account_id,
        alert.reseller_id,
        dict(alert.details),
        alert.opened_at,
        alert.acknowledged_at,
        alert.acknowledged_by,
        alert.resolved_at,
        alert.version,
        alert.channel_id,
        alert.message_ts,
    )


@dataclass(frozen=True)
class AlertChanges:
    opened: int
    resolved: int
    updated: int


def reconcile(session: Session, conditions: Iterable[Condition], now: datetime) -> AlertChanges:
    closed = set(session.scalars(select(Account.id).where(Account.closed_at.is_not(None))))
    # A closed account gets no alerts: its conditions are not raised, and its open alerts resolve.
    current = {(c.kind, c.subject_key): c for c in conditions if c.account_id not in closed}
    open_alerts = {
        (a.kind, a.subject_key): a for a in session.scalars(select(Alert).where(Alert.resolved_at.is_(None)))
    }
    opened = resolved = updated = 0
    for key, condition in current.items():
        alert = open_alerts.get(key)
        if alert is None:
            session.add(
                Alert(
                    kind=condition.kind,
                    subject_key=condition.subject_key,
                    account_id=condition.account_id,
                    reseller_id=condition.reseller_id,
                    details=condition.details,
                    opened_at=now,
                    version=1,
                    delivered_version=0,
                )
            )
            opened += 1
            if condition.kind == AlertKind.OVER_CAPACITY:
                event_records.capacity_changed(
                    session, key[1], condition.account_id, condition.details, over=True, now=now
                )
        elif alert.details != condition.details:
            alert.details = condition.details
            alert.version += 1
            updated += 1
    for key, alert in open_alerts.items():
        if key not in current:
            alert.resolved_at = now
            alert.version += 1
            resolved += 1
            if alert.kind == AlertKind.OVER_CAPACITY:
                event_records.capacity_changed(session, key[1], alert.account_id, alert.details, over=False, now=now)
    session.flush()
    return AlertChanges(opened, resolved, updated)


class Alerts:
    def __init__(self, db: Database, *, sources: tuple[ConditionSource, ...] = CONDITIONS + WEBHOOK_CONDITIONS) -> None:
        self._db = db
        self._sources = sources

    def conditions(self, *, now: datetime) -> list[Condition]:
        with self._db.read() as session:
            return [c for source in self._sources for c in source(session, now)]

    def sweep(self, *, now: datetime) -> AlertChanges:
        """Open, update and resolve alerts to match the conditions at ``now``."""
        with self._db.write() as session:
            return reconcile(session, [c for source in self._sources for c in source(session, now)], now)

    def acknowledge(self, *, alert_id: int, actor: Actor, now: datetime) -> AlertView:
        with self._db.write() as session:
            alert = session.get(Alert, alert_id, with_for_update=True)
            if alert is None or not (actor.is_staff or (actor.reseller_id and actor.reseller_id == alert.reseller_id)):
                raise AlertNotFound("no such alert")
            if alert.acknowledged_at is not None:
                raise AlertAlreadyAcknowledged(f"already acknowledged by {alert.acknowledged_by}")
            alert.acknowledged_at, alert.acknowledged_by = now, actor.ref
            alert.version += 1
            audit.record(
                session,
                actor=actor,
                action="alert.acknowledged",
                subject_type="alert",
                subject_id=alert.id,
                account_id=alert.account_id,
                at=now,
                details={"kind": alert.kind},
            )
            return alert_view(alert)

    def get(self, *, alert_id: int) -> AlertView:
        with self._db.read() as session:
            alert = session.get(Alert, alert_id)
            if alert is None:
                raise AlertNotFound("no such alert")
            return alert_view(alert)

    def open_alerts(self, *, actor: Actor, limit: int = 50) -> list[AlertView]:
        query = select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.opened_at.desc()).limit(limit)
        if not actor.is_staff:
            if actor.reseller_id is None:
                return []
            query = query.where(Alert.reseller_id == actor.reseller_id)
        with self._db.read() as session:
            return [alert_view(a) for a in session.scalars(query)]
