"""Pre-paid codes, their redemptions and failed redemption attempts.

No plaintext code is stored: a code is found by its public 4-symbol prefix and proven by a keyed hash
(HMAC-SHA256 under a deployment secret, with a per-code salt).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.db import Base, enum_column
from billing.models.catalog import PlanLevel, Solution
from billing.models.ledger import CreditSource


class CodeKind(StrEnum):
    SUBSCRIPTION = "subscription"
    CREDIT = "credit"


class CodeStatus(StrEnum):
    ISSUED = "issued"
    REDEEMED = "redeemed"
    VOIDED = "voided"


CODE_KINDS = tuple(CodeKind)
CODE_STATUSES = tuple(CodeStatus)
CREDIT_CODE_SOURCES = (CreditSource.TOPPED_UP, CreditSource.PROMO)


class PrepaidCode(Base):
    __tablename__ = "prepaid_codes"
    __table_args__ = (
        UniqueConstraint("prefix", "digest"),
        CheckConstraint(
            "kind <> 'subscription' OR (solution_id IS NOT NULL AND plan_level_id IS NOT NULL"
            " AND units > 0 AND term_months BETWEEN 1 AND 120)",
            name="subscription_fields",
        ),
        CheckConstraint(
            "kind <> 'credit' OR (amount_minor > 0 AND currency IS NOT NULL"
            " AND credit_source IN ('topped_up', 'promo'))",
            name="credit_fields",
        ),
        Index("ix_prepaid_codes_batch", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), index=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_version: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[CodeKind] = mapped_column(enum_column(CodeKind, name="kind", length=12))
    status: Mapped[CodeStatus] = mapped_column(
        enum_column(CodeStatus, name="status", length=10), default=CodeStatus.ISSUED
    )
    # Subscription codes.
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("solutions.id"))
    plan_level_id: Mapped[int | None] = mapped_column(ForeignKey("plan_levels.id"))
    units: Mapped[int | None]
    term_months: Mapped[int | None]
    # Credit codes.
    amount_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    credit_source: Mapped[CreditSource | None] = mapped_column(
        enum_column(CreditSource, name="credit_source", length=10)
    )
    # Whom it is meant for, until when, and why.
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    redeem_by: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(String(200))
    batch: Mapped[str] = mapped_column(String(32))
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime]
    voided_by: Mapped[str | None] = mapped_column(String(100))
    voided_at: Mapped[datetime | None]

    solution: Mapped[Solution | None] = relationship()
    level: Mapped[PlanLevel | None] = relationship()
    redemption: Mapped[Redemption | None] = relationship(back_populates="code")


class Redemption(Base):
    """The one redemption of a code. ``UNIQUE(code_id)`` is the database's own guard on single use."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("prepaid_codes.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    redeemed_by: Mapped[str] = mapped_column(String(100))
    on_behalf: Mapped[bool]
    redeemed_at: Mapped[datetime]
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    credit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("credit_entries.id"))
    renewed_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"))
    # A replayed request (a repeated Confirm click) finds its first result by this key.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    code: Mapped[PrepaidCode] = relationship(back_populates="redemption")


class RedeemAttempt(Base):
    """A failed redemption attempt: feeds the per-actor and per-account rate limits and the alert."""

    __tablename__ = "redeem_attempts"
    __table_args__ = (
        Index("ix_redeem_attempts_actor_at", "actor", "at"),
        Index("ix_redeem_attempts_account_id_at", "account_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(40))
    prefix: Mapped[str | None] = mapped_column(String(4))
