"""The outbox: messages to deliver to a chat channel, written in the same transaction as the decision.

Generic on purpose (the payload is opaque JSON); the delivery side claims rows with a fenced lease,
paces each channel, and records the message id (``external_ts``) it got back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, enum_column


class OutboxState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    DEAD = "dead"  # gave up after the last attempt
    FAILED = "failed"  # a webhook whose receiver refused it for the whole retry schedule (three days)


class DeliveryFailure(StrEnum):
    """How the last failed attempt failed, as the delivery side classified it."""

    RETRYABLE = "retryable"
    UNREACHABLE = "unreachable"  # the channel cannot be posted to (gone, archived, or the bot is not in it)


class OutboxMedium(StrEnum):
    """How a message travels: a chat post (``channel_id`` is the channel) or an email (``channel_id`` is
    the pacing key of the mail server)."""

    SLACK = "slack"
    EMAIL = "email"
    WEBHOOK = "webhook"  # ``channel_id`` is ``webhook:<endpoint id>``


OUTBOX_STATES = tuple(OutboxState)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    medium: Mapped[OutboxMedium] = mapped_column(
        enum_column(OutboxMedium, name="medium", length=10), default=OutboxMedium.SLACK, server_default=text("'slack'")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[OutboxState] = mapped_column(
        enum_column(OutboxState, name="state", length=10), default=OutboxState.PENDING
    )
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    first_claimed_at: Mapped[datetime | None]
    outcome_unknown: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime]
    external_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    failure: Mapped[DeliveryFailure | None] = mapped_column(enum_column(DeliveryFailure, name="failure", length=12))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ChannelPacing(Base):
    """The earliest instant the next message may go to a channel (about one per second per channel)."""

    __tablename__ = "channel_pacing"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_post_at: Mapped[datetime]
