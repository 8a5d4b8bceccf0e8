"""The credit ledger (Joan Credits): append-only, per account and currency, every entry with a source."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base

CREDIT_SOURCES = ("topped_up", "promo", "adjustment")


class CreditEntry(Base):
    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint("source IN ('topped_up', 'promo', 'adjustment')", name="source"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_credit_entries_account_id_currency", "account_id", "currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(10))
    amount_minor: Mapped[int]
    at: Mapped[datetime]
    code_id: Mapped[int | None] = mapped_column(ForeignKey("prepaid_codes.id"))
    memo: Mapped[str] = mapped_column(String(200), default="")
