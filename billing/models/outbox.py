"""The outbox: messages to deliver to a chat channel, written in the same transaction as the decision.

Generic on purpose (the payload is opaque JSON); the delivery side claims rows with a fenced lease,
paces each channel, and records the message id (``external_ts``) it got back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base

OUTBOX_STATES = ("pending", "claimed", "sent", "cancelled", "dead")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'claimed', 'sent', 'cancelled', 'dead')", name="state"),
        Index("ix_outbox_messages_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    first_claimed_at: Mapped[datetime | None]
    outcome_unknown: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime]
    external_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ChannelPacing(Base):
    """The earliest instant the next message may go to a channel (about one per second per channel)."""

    __tablename__ = "channel_pacing"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_post_at: Mapped[datetime]
