"""Who is involved: customer accounts, resellers (and their Slack org, members and channels), staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.db import Base, enum_column


class PaymentMethod(StrEnum):
    RESELLER = "reseller"  # the reseller bills the customer; we never show them amounts
    CARD = "card"
    INVOICE = "invoice"
    CREDITS = "credits"


class StaffRole(StrEnum):
    ADMIN = "admin"
    SALES = "sales"


PAYMENT_METHODS = tuple(PaymentMethod)
STAFF_ROLES = tuple(StaffRole)


class Reseller(Base):
    __tablename__ = "resellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The reseller's own Slack organisation: its users are this reseller's members.
    slack_team_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    # Where reminder emails about its customers go (validated, normalized addresses; staff set them).
    contact_emails: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))

    accounts: Mapped[list[Account]] = relationship(back_populates="reseller")


class ResellerMember(Base):
    """A Slack user an admin attached to a reseller by hand (beyond the reseller's own team)."""

    __tablename__ = "reseller_members"

    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"), index=True)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime]


class ResellerChannel(Base):
    """The only route from a reseller to a Slack channel: a channel linked to exactly one reseller."""

    __tablename__ = "reseller_channels"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"), index=True)
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime]
    panel_message: Mapped[str | None] = mapped_column(String(32))  # the chat message showing the panel


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("payment_method <> 'reseller' OR reseller_id IS NOT NULL", name="reseller_pays"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, name="payment_method", length=10))
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"), index=True)
    created_at: Mapped[datetime]
    # The end customer's own addresses for reminder emails (validated, normalized; staff set them).
    contact_emails: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # A closed account keeps its history but gets no reminders or alerts and refuses new business.
    closed_at: Mapped[datetime | None]

    reseller: Mapped[Reseller | None] = relationship(back_populates="accounts")


class Staff(Base):
    """A user of the vendor's own workspace with a role. Admins from settings need no row."""

    __tablename__ = "staff"
    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, name="role", length=10))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime]
