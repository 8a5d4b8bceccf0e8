"""What changed, as events the Portal is told about, and the endpoints that are told.

An event row is written by the use case that made the change, in its transaction, so it exists exactly
when the change committed. Amounts are kept apart from the rest of its data (``amounts``), so that the
one rule about who may see them is applied when an event is shown, not each time one is written.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, enum_column


class EventType(StrEnum):
    LICENSES_ADDED = "licenses.added"
    LICENSES_RENEWED = "licenses.renewed"
    LICENSES_LAPSED = "licenses.lapsed"
    LICENSES_RELEASED = "licenses.released"
    ACCOUNT_OVER_CAPACITY = "account.over_capacity"
    ACCOUNT_CAPACITY_RESTORED = "account.capacity_restored"
    CODE_REDEEMED = "code.redeemed"
    INVOICE_CREATED = "invoice.created"
    INVOICE_PAID = "invoice.paid"
    PLAN_CHANGED = "plan.changed"
    REMINDER_DUE = "reminder.due"


class EndpointState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # every delivery failed for three days: no new deliveries until added again


EVENT_TYPES = tuple(EventType)
ENDPOINT_STATES = tuple(EndpointState)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_reseller_id_id", "reseller_id", "id"),
        # An event id is its webhook-id, which receivers de-duplicate on: never reused after a prune (SQLite
        # would hand out max(id) + 1 again without AUTOINCREMENT).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[EventType] = mapped_column(enum_column(EventType, name="type", length=30))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # The account's reseller when the event happened: the scope that may see it.
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    amounts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set by steps that may run twice (the sweep): a second run finds the key taken and records nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime]


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str] | None] = mapped_column(JSON)  # None: every type
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"), index=True)
    # Signing secrets, encrypted under a key derived from the deployment's code key (never stored plain).
    secret: Mapped[str] = mapped_column(String(200))
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_until: Mapped[datetime | None]
    state: Mapped[EndpointState] = mapped_column(
        enum_column(EndpointState, name="state", length=10),
        default=EndpointState.ACTIVE,
        server_default=text("'active'"),
    )
    # Since when every delivery has failed (None after any success); three days of it disable the endpoint.
    failing_since: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]
