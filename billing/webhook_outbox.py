"""Webhook deliveries' bookkeeping in the outbox (medium ``webhook``, one row per event and endpoint).

``claim`` hands a batch of ready rows to one deliverer under one fenced lease (one claim token for the
batch; every later write names it, so a deliverer whose lease was taken over changes nothing), with each
row's body and signing secrets. A 2xx is ``delivered``; anything else is ``attempt_failed``: back in the
outbox with the delivery side's backoff, until three days after the event, then ``failed`` with an alert
in the sales channel. An endpoint every delivery of which has failed for three days is disabled (alert).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from billing import events
from billing.db import Database
from billing.models import Alert, Event, OutboxMessage, WebhookEndpoint
from billing.models.events import EndpointState
from billing.models.notices import AlertKind
from billing.models.outbox import OutboxMedium, OutboxState
from billing.outbox import Outbox
from billing.webhooks import Webhooks

RETRY_FOR = timedelta(days=3)
DISABLE_AFTER = timedelta(days=3)
FAILURE_MEMORY = timedelta(days=7)  # how long a failed delivery keeps its alert open
BATCH = 100
_READY = (OutboxState.PENDING, OutboxState.CLAIMED)


@dataclass(frozen=True)
class WebhookClaim:
    id: int
    token: str
    lease_until: datetime
    endpoint_id: int
    endpoint: str
    url: str
    secrets: tuple[str, ...]
    webhook_id: str  # the event's id: the same on every attempt, receivers de-duplicate on it
    body: str
    attempts: int
    deadline: datetime  # the last attempt is due then; after it the delivery is ``failed``


def channel_of(endpoint_id: int) -> str:
    return f"webhook:{endpoint_id}"


def endpoint_of(channel_id: str) -> int:
    return int(channel_id.removeprefix("webhook:"))


def cancel_pending(session: Session, endpoint_id: int, *, now: datetime, reason: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.medium == OutboxMedium.WEBHOOK,
            OutboxMessage.channel_id == channel_of(endpoint_id),
            OutboxMessage.state.in_(_READY),
        )
        .values(state=OutboxState.CANCELLED, claim_token=None, last_error=reason, sent_at=now)
        .execution_options(synchronize_session=False)
    )


def alert_details(endpoint: WebhookEndpoint, failed: int) -> dict[str, Any]:
    return {"endpoint": endpoint.name, "url": endpoint.url, "failed": failed}


def disabled_details(endpoint: WebhookEndpoint) -> dict[str, Any]:
    since = endpoint.failing_since.isoformat() if endpoint.failing_since else None
    return {"endpoint": endpoint.name, "url": endpoint.url, "failing_since": since}


def failed_count(session: Session, endpoint_id: int, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                OutboxMessage.medium == OutboxMedium.WEBHOOK,
                OutboxMessage.channel_id == channel_of(endpoint_id),
                OutboxMessage.state == OutboxState.FAILED,
                OutboxMessage.sent_at > now - FAILURE_MEMORY,
            )
        )
        or 0
    )


def _raise_alert(
    session: Session, kind: AlertKind, endpoint: WebhookEndpoint, details: dict[str, Any], now: datetime
) -> None:
    """Open (or bring up to date) the sales channel's alert about ``endpoint`` at once; the sweep keeps it
    open while its condition holds (``billing.webhook_alerts``)."""
    subject = f"webhook:{endpoint.id}"
    alert = session.scalar(
        select(Alert).where(Alert.kind == kind, Alert.subject_key == subject, Alert.resolved_at.is_(None))
    )
    if alert is None:
        dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
        values = dict(kind=kind, subject_key=subject, account_id=None, reseller_id=None, details=details)
        session.execute(
            dialect.insert(Alert)
            .values(**values, opened_at=now, version=1, delivered_version=0)
            .on_conflict_do_nothing()
        )
    elif alert.details != details:
        alert.details, alert.version = details, alert.version + 1


class WebhookDeliveries:
    def __init__(self, db: Database, *, webhooks: Webhooks, outbox: Outbox) -> None:
        self._db = db
        self._webhooks = webhooks
        self._outbox = outbox

    def claim(self, *, now: datetime, lease: timedelta, limit: int = BATCH) -> list[WebhookClaim]:
        """Up to ``limit`` deliveries ready at ``now``, oldest first, under one lease."""
        token = secrets.token_hex(16)
        with self._db.write() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.medium == OutboxMedium.WEBHOOK,
                    or_(
                        (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.next_attempt_at <= now),
                        (OutboxMessage.state == OutboxState.CLAIMED) & (OutboxMessage.lease_until < now),
                    ),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return []
            found = self._load(session, rows)
            keys: dict[int, tuple[str, ...]] = {}  # each endpoint's secrets, opened once a batch
            claims = []
            for row in rows:
                event, endpoint = found.get(row.id, (None, None))
                if event is None or endpoint is None or endpoint.state != EndpointState.ACTIVE:
                    row.state, row.claim_token, row.last_error, row.sent_at = OutboxState.CANCELLED, None, "gone", now
                    continue
                row.state, row.claim_token, row.lease_until = OutboxState.CLAIMED, token, now + lease
                row.first_claimed_at = row.first_claimed_at or now
                if endpoint.id not in keys:
                    keys[endpoint.id] = tuple(self._webhooks.signing_secrets(endpoint, now=now))
                claims.append(self._claim(row, event, endpoint, token, keys[endpoint.id]))
            return claims

    def _load(
        self, session: Session, rows: Sequence[OutboxMessage]
    ) -> dict[int, tuple[Event | None, WebhookEndpoint | None]]:
        event_ids = {int(row.payload["event_id"]) for row in rows}
        endpoint_ids = {endpoint_of(row.channel_id) for row in rows}
        found_events = {e.id: e for e in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
        endpoints = {
            e.id: e for e in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids)))
        }
        return {
            row.id: (found_events.get(int(row.payload["event_id"])), endpoints.get(endpoint_of(row.channel_id)))
            for row in rows
        }

    def _claim(
        self, row: OutboxMessage, event: Event, endpoint: WebhookEndpoint, token: str, keys: tuple[str, ...]
    ) -> WebhookClaim:
        body = events.body(event, amounts_visible=endpoint.reseller_id is None)
        assert row.lease_until is not None
        return WebhookClaim(
            id=row.id,
            token=token,
            lease_until=row.lease_until,
            endpoint_id=endpoint.id,
            endpoint=endpoint.name,
            url=endpoint.url,
            secrets=keys,
            webhook_id=body["id"],
            body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
            attempts=row.attempts,
            deadline=row.created_at + RETRY_FOR,
        )

    def delivered(self, claims: Sequence[WebhookClaim], *, now: datetime, status: int = 200) -> int:
        """Record 2xx answers; returns how many rows were still this deliverer's to record."""
        if not claims:
            return 0
        with self._db.write() as session:
            done = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([c.id for c in claims]), OutboxMessage.claim_token == claims[0].token)
                .values(
                    state=OutboxState.SENT,
                    claim_token=None,
                    sent_at=now,
                    external_ts=str(status),
                    attempts=OutboxMessage.attempts + 1,
                    last_error=None,
                )
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id.in_({c.endpoint_id for c in claims}), WebhookEndpoint.failing_since.is_not(None)
                )
                .values(failing_since=None)
                .execution_options(synchronize_session=False)
            )
            return int(done.rowcount)  # type: ignore[attr-defined]

    def release(self, claims: Sequence[WebhookClaim], *, now: datetime) -> None:
        """Give back claimed rows not attempted (the lease would not have covered another attempt)."""
        if not claims:
            return
        with self._db.write() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([c.id for c in claims]), OutboxMessage.claim_token == claims[0].token)
                .values(state=OutboxState.PENDING, claim_token=None, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )

    def attempt_failed(
        self, claim: WebhookClaim, *, now: datetime, delay: timedelta, error: str, sales_channel: str | None
    ) -> OutboxState:
        """Not a 2xx: try again after ``delay`` (the last attempt at the deadline), or give up once the
        deadline has passed. Returns the row's new state (or None's stand-in CLAIMED when taken over)."""
        gave_up = now >= claim.deadline
        with self._db.write() as session:
            row = session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
                .with_for_update()
            )
            if row is None:
                return OutboxState.CLAIMED
            row.attempts += 1
            row.claim_token, row.last_error = None, error[:200]
            if gave_up:
                row.state, row.sent_at = OutboxState.FAILED, now
            else:
                row.state, row.next_attempt_at = OutboxState.PENDING, min(now + delay, claim.deadline)
            endpoint = session.get(WebhookEndpoint, claim.endpoint_id, with_for_update=True)
            if endpoint is not None:
                self._endpoint_failed(session, endpoint, now, alert=gave_up)
            if gave_up or (endpoint is not None and endpoint.state == EndpointState.DISABLED):
                session.flush()
                self._outbox.enqueue_alerts(session, now=now, sales_channel=sales_channel)
            return row.state

    def _endpoint_failed(self, session: Session, endpoint: WebhookEndpoint, now: datetime, *, alert: bool) -> None:
        endpoint.failing_since = endpoint.failing_since or now
        if alert:
            session.flush()
            details = alert_details(endpoint, failed_count(session, endpoint.id, now))
            _raise_alert(session, AlertKind.WEBHOOK_FAILED, endpoint, details, now)
        if endpoint.state == EndpointState.ACTIVE and now - endpoint.failing_since >= DISABLE_AFTER:
            endpoint.state, endpoint.disabled_at = EndpointState.DISABLED, now
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.medium == OutboxMedium.WEBHOOK,
                    OutboxMessage.channel_id == channel_of(endpoint.id),
                    OutboxMessage.state == OutboxState.PENDING,
                )
                .values(state=OutboxState.FAILED, sent_at=now, last_error="endpoint disabled")
                .execution_options(synchronize_session=False)
            )
            events.forget_endpoints(session)
            _raise_alert(session, AlertKind.WEBHOOK_DISABLED, endpoint, disabled_details(endpoint), now)
