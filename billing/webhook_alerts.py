"""The sales channel's alerts about webhook endpoints, as conditions the sweep keeps (or resolves):
an endpoint with a delivery that failed for good in the last week, and an endpoint disabled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.conditions import Condition, ConditionSource
from billing.models import OutboxMessage, WebhookEndpoint
from billing.models.events import EndpointState
from billing.models.notices import AlertKind
from billing.models.outbox import OutboxMedium, OutboxState
from billing.webhook_outbox import FAILURE_MEMORY, alert_details, channel_of, disabled_details


def failed_webhooks(session: Session, now: datetime) -> Iterable[Condition]:
    counts = dict(
        session.execute(
            select(OutboxMessage.channel_id, func.count())
            .where(
                OutboxMessage.medium == OutboxMedium.WEBHOOK,
                OutboxMessage.state == OutboxState.FAILED,
                OutboxMessage.sent_at > now - FAILURE_MEMORY,
            )
            .group_by(OutboxMessage.channel_id)
        ).all()
    )
    if not counts:
        return
    for endpoint in session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)):
        failed = counts.get(channel_of(endpoint.id))
        if failed:
            details = alert_details(endpoint, int(failed))
            yield Condition(AlertKind.WEBHOOK_FAILED, f"webhook:{endpoint.id}", None, None, details)


def disabled_webhooks(session: Session, now: datetime) -> Iterable[Condition]:
    for endpoint in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.state == EndpointState.DISABLED)):
        details = disabled_details(endpoint)
        yield Condition(AlertKind.WEBHOOK_DISABLED, f"webhook:{endpoint.id}", None, None, details)


WEBHOOK_CONDITIONS: tuple[ConditionSource, ...] = (failed_webhooks, disabled_webhooks)
