"""Invoices of card, invoice and credits accounts, their lines, payments, and license-count changes.

An invoice is immutable once issued except for ``amount_paid_minor`` and ``status``; a correction is a new
document. ``UNIQUE(cohort, service_start) WHERE kind = 'term'`` on the lines is what keeps a renewal (or a
re-run of the sweep) from billing a cohort's period twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.db import Base, enum_column


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    VOID = "void"


class LineKind(StrEnum):
    TERM = "term"  # a full term, billed at a start or a renewal
    PRORATION = "proration"  # part of a period, for licenses added mid-term


class ChangeKind(StrEnum):
    START = "start"
    ADD = "add"
    REDUCE = "reduce"
    CANCEL = "cancel"
    PLAN = "plan"  # an upgrade or a switch to yearly, at once (scheduled changes are ``PlanChange`` rows)


INVOICE_STATUSES = tuple(InvoiceStatus)
LINE_KINDS = tuple(LineKind)
CHANGE_KINDS = tuple(ChangeKind)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("credit_applied_minor >= 0", name="credit_not_negative"),
        CheckConstraint("amount_paid_minor >= 0", name="paid_not_negative"),
        CheckConstraint("credit_applied_minor + amount_paid_minor <= total_minor", name="not_overpaid"),
        Index("ix_invoices_account_id_issued_on", "account_id", "issued_on"),
        Index("ix_invoices_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime]
    issued_on: Mapped[date]  # in the account's time zone
    due_on: Mapped[date]
    total_minor: Mapped[int]
    credit_applied_minor: Mapped[int]
    amount_paid_minor: Mapped[int]
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus, name="status", length=14))
    memo: Mapped[str] = mapped_column(String(200))

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.id", back_populates="invoice")

    @property
    def number(self) -> str:
        return invoice_number(self.id)

    @property
    def remaining_minor(self) -> int:
        return self.total_minor - self.credit_applied_minor - self.amount_paid_minor


def invoice_number(invoice_id: int) -> str:
    return f"INV-{invoice_id:06d}"


class LicenseChange(Base):
    """One immutable change of an auto-renewing cohort's license count (or its cancellation)."""

    __tablename__ = "license_changes"
    __table_args__ = (CheckConstraint("units_after >= 0", name="units_after_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, name="kind", length=10))
    effective_on: Mapped[date]
    delta: Mapped[int]
    units_after: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))


class InvoiceLine(Base):
    """A charge: ``quantity`` x ``unit_minor`` x ``fraction_num / fraction_den``, rounded once, half-up."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("fraction_num > 0 AND fraction_num <= fraction_den", name="fraction_in_range"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("service_end > service_start", name="service_period"),
        Index(
            "uq_invoice_lines_term_period",
            "cohort_id",
            "service_start",
            unique=True,
            sqlite_where=text("kind = 'term'"),
            postgresql_where=text("kind = 'term'"),
        ),
        Index("ix_invoice_lines_cohort_id_service_end", "cohort_id", "service_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    change_id: Mapped[int | None] = mapped_column(ForeignKey("license_changes.id"), unique=True)
    kind: Mapped[LineKind] = mapped_column(enum_column(LineKind, name="kind", length=10))
    description: Mapped[str] = mapped_column(String(200))
    service_start: Mapped[date]
    service_end: Mapped[date]
    quantity: Mapped[int]
    unit_minor: Mapped[int]
    fraction_num: Mapped[int]
    fraction_den: Mapped[int]
    amount_minor: Mapped[int]

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class LineCredit(Base):
    """Credit for licenses removed mid-period, against the charge line that paid for them."""

    __tablename__ = "line_credits"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("license_changes.id"), index=True)
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    credit_entry_id: Mapped[int] = mapped_column(ForeignKey("credit_entries.id"), index=True)
    quantity: Mapped[int]
    amount_minor: Mapped[int]


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int]
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(200))
