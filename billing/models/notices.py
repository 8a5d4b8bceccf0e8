"""What the daily sweep decided people must hear about: renewal reminders and problem alerts.

Both are rows with a uniqueness constraint behind them, so the decision is made once however many
sweeps run: a reminder is unique per (cohort, renewal date, threshold); an alert is unique per
(kind, subject) among the open ones, and a condition that comes back later opens a new alert.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, enum_column

REMINDER_THRESHOLDS = (45, 30, 14, 7)


class AlertKind(StrEnum):
    LAPSED = "lapsed"
    OVER_CAPACITY = "over_capacity"
    OVERDUE_INVOICE = "overdue_invoice"
    CREDIT_SHORT = "credit_short"
    FAILED_REDEMPTIONS = "failed_redemptions"
    CODE_EXPIRING = "code_expiring"
    CHANNEL_UNREACHABLE = "channel_unreachable"
    EMAIL_FAILED = "email_failed"  # a mail server refused a contact address for good (5xx)
    WEBHOOK_FAILED = "webhook_failed"  # an event was refused by a webhook endpoint for three days
    WEBHOOK_DISABLED = "webhook_disabled"  # every delivery to an endpoint failed for three days: it is off


ALERT_KINDS = tuple(AlertKind)


class DropReason(StrEnum):
    """Why a planned reminder was never sent: it would have arrived too late to be true."""

    RENEWAL_PASSED = "renewal_passed"  # its renewal date had come by the time it could go
    SUPERSEDED = "superseded"  # a later threshold of the same block was due by then: only that one goes

    @property
    def words(self) -> str:
        return "renewal date passed" if self is DropReason.RENEWAL_PASSED else "a later reminder is due"


class ReminderNotice(Base):
    __tablename__ = "reminder_notices"
    __table_args__ = (
        UniqueConstraint("cohort_id", "renews_on", "threshold"),
        Index("ix_reminder_notices_renews_on", "renews_on"),
        Index(
            "ix_reminder_notices_undelivered",
            "id",
            sqlite_where=text("delivery_id IS NULL"),
            postgresql_where=text("delivery_id IS NULL"),
        ),
        Index(
            "ix_reminder_notices_unemailed",
            "id",
            sqlite_where=text("emailed_at IS NULL"),
            postgresql_where=text("emailed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    renews_on: Mapped[date]
    threshold: Mapped[int]
    due_on: Mapped[date]
    late: Mapped[bool]
    planned_at: Mapped[datetime]
    # Set when the notice has been put into an outbox message (a digest may carry several).
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    # Set when its emails were put into the outbox (or it was decided that none go: no contacts, stale).
    emailed_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(100))
    # Set when the reminder was dropped unsent (to Slack and by email alike), and why.
    dropped_at: Mapped[datetime | None]
    dropped_reason: Mapped[DropReason | None] = mapped_column(enum_column(DropReason, name="dropped_reason", length=20))


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_open_subject",
            "kind",
            "subject_key",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, name="kind", length=30))
    subject_key: Mapped[str] = mapped_column(String(120))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    # Every change (opened, details changed, acknowledged, resolved) bumps the version; the delivery side
    # posts version 1 and edits the message in place for later versions.
    version: Mapped[int] = mapped_column(default=1)
    delivered_version: Mapped[int] = mapped_column(default=0)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class EmailFailure(Base):
    """A contact address a mail server refused for good (5xx) for one outbox email: the alert's source."""

    __tablename__ = "email_failures"
    __table_args__ = (UniqueConstraint("outbox_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    reply: Mapped[str] = mapped_column(String(200))
    failed_at: Mapped[datetime]
