"""The credit ledger (Joan Credits): append-only, per account and currency, every entry with a source.

A positive entry is a lot (a top-up, a promo grant, a credit for removed licenses). A negative entry spends
part of one lot on one invoice, and its ``CreditSpend`` row says which: a lot's remaining credit is its
amount plus the entries spending it, and a balance is the sum of the entries.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.db import Base, enum_column


class CreditSource(StrEnum):
    TOPPED_UP = "topped_up"  # paid for
    PROMO = "promo"  # given away
    ADJUSTMENT = "adjustment"  # a correction, or the credit for licenses removed mid-term

    @property
    def words(self) -> str:
        """As people read it: ``topped-up credit``."""
        return {"topped_up": "topped-up credit", "promo": "promo credit", "adjustment": "adjustment credit"}[self]


CREDIT_SOURCES = tuple(CreditSource)


class CreditEntry(Base):
    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
        Index("ix_credit_entries_account_id_currency", "account_id", "currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[CreditSource] = mapped_column(enum_column(CreditSource, name="source", length=10))
    amount_minor: Mapped[int]
    at: Mapped[datetime]
    code_id: Mapped[int | None] = mapped_column(ForeignKey("prepaid_codes.id"))
    memo: Mapped[str] = mapped_column(String(200), default="")


class CreditSpend(Base):
    """Which lot a negative entry spent, on which invoice. A lot is spent at most once per invoice."""

    __tablename__ = "credit_spends"
    __table_args__ = (UniqueConstraint("invoice_id", "lot_id"), Index("ix_credit_spends_lot_id", "lot_id"))

    entry_id: Mapped[int] = mapped_column(ForeignKey("credit_entries.id"), primary_key=True, autoincrement=False)
    lot_id: Mapped[int] = mapped_column(ForeignKey("credit_entries.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
