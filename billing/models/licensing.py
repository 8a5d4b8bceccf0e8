"""License cohorts (blocks of licenses with their own dates) and the devices/users assigned to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.db import Base, enum_column
from billing.models.catalog import LicenseKind, PlanLevel, Solution


class CohortOrigin(StrEnum):
    """How a cohort came to be: a redeemed code, a subscription paid one of three ways, or an import."""

    CODE = "code"
    CARD = "card"
    INVOICE = "invoice"
    CREDITS = "credits"
    IMPORTED = "imported"  # a block brought in from the vendor's existing book (``joanbot import``)


class ReleaseReason(StrEnum):
    REMOVED = "removed"
    IDLE_60_DAYS = "idle_60_days"


class PlanChangeStatus(StrEnum):
    SCHEDULED = "scheduled"  # waits for the renewal on ``effective_on``
    APPLIED = "applied"  # carried out (at once, or by that renewal)
    REPLACED = "replaced"  # a later change took its place before it applied
    WITHDRAWN = "withdrawn"


COHORT_ORIGINS = tuple(CohortOrigin)
PLAN_CHANGE_STATUSES = tuple(PlanChangeStatus)
RELEASE_REASONS = tuple(ReleaseReason)


class Cohort(Base):
    """N licenses of one solution, level and kind, active on ``[starts_on, ends_on)``.

    ``ends_on`` is the renewal date. Auto-renewing cohorts (card/invoice) move it on by one term from
    ``anchor_on`` at each renewal; code cohorts never do, they are renewed by a successor cohort that
    names them in ``renews_cohort_id`` (unique: a cohort is renewed at most once).
    """

    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        Index("ix_cohorts_account_id_solution_id", "account_id", "solution_id"),
        Index("ix_cohorts_ends_on", "ends_on"),
        # The renewal housekeeping's due selection: the few auto-renewing cohorts by renewal date (the clause
        # is the one SQLAlchemy renders for ``auto_renew.is_(True)``, so each planner matches the index).
        Index(
            "ix_cohorts_auto_renew_ends_on",
            "ends_on",
            sqlite_where=text("auto_renew IS 1"),
            postgresql_where=text("auto_renew IS true"),
        ),
        # The renewal housekeeping's own selection (``renewal.renew_due``): auto-renewing cohorts of the billed
        # methods by renewal date, without reading the auto-renewing code blocks from the table.
        Index(
            "ix_cohorts_auto_renew_origin_ends_on",
            "origin",
            "ends_on",
            sqlite_where=text("auto_renew IS 1"),
            postgresql_where=text("auto_renew IS true"),
        ),
        # The breakdown (an account's cohorts still running) and the redeem flow's renewal candidates.
        Index("ix_cohorts_account_id_ends_on", "account_id", "ends_on"),
        Index(
            "ix_cohorts_unrenewed_account_id_solution_id",
            "account_id",
            "solution_id",
            "ends_on",
            sqlite_where=text("renewed_at IS NULL"),
            postgresql_where=text("renewed_at IS NULL"),
        ),
        # The renewal forecast's aggregate, from the index alone: every column it reads, behind the date.
        Index(
            "ix_cohorts_forecast",
            "ends_on",
            "account_id",
            "solution_id",
            "plan_level_id",
            "term_months",
            "auto_renew",
            "units",
            "renewed_at",
        ),
        # The sweep's lapsed blocks (``event_records.record_lapsed``): unrenewed cohorts that do not renew by
        # themselves, by renewal date (the month behind today, not the year of renewed ones among them).
        Index(
            "ix_cohorts_lapsing_ends_on",
            "ends_on",
            sqlite_where=text("renewed_at IS NULL AND auto_renew IS 0"),
            postgresql_where=text("renewed_at IS NULL AND auto_renew IS false"),
        ),
        # The daily sweep's due selection: unrenewed cohorts by renewal date.
        Index(
            "ix_cohorts_unrenewed_ends_on",
            "ends_on",
            sqlite_where=text("renewed_at IS NULL"),
            postgresql_where=text("renewed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"))
    plan_level_id: Mapped[int] = mapped_column(ForeignKey("plan_levels.id"))
    license_kind: Mapped[LicenseKind] = mapped_column(enum_column(LicenseKind, name="license_kind", length=10))
    units: Mapped[int]
    anchor_on: Mapped[date]
    term_months: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    auto_renew: Mapped[bool]
    origin: Mapped[CohortOrigin] = mapped_column(enum_column(CohortOrigin, name="origin", length=10))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("prepaid_codes.id"), unique=True)
    renews_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), unique=True)
    renewed_at: Mapped[datetime | None]
    reference: Mapped[str | None] = mapped_column(String(200))  # an imported block's own (a code's is on it)
    created_at: Mapped[datetime]
    # The calendar date of creation in the account's time zone: reminders whose threshold had already
    # passed on this day are never sent.
    created_on: Mapped[date]

    solution: Mapped[Solution] = relationship()
    level: Mapped[PlanLevel] = relationship()

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_on


class Assignment(Base):
    """A device or user occupying one license. Released rows stay, with the reason, as history."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_active_subject",
            "account_id",
            "solution_id",
            "subject",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
        Index("ix_assignments_kind_last_active_at", "license_kind", "last_active_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"))
    license_kind: Mapped[LicenseKind] = mapped_column(enum_column(LicenseKind, name="license_kind", length=10))
    subject: Mapped[str] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime]
    last_active_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    release_reason: Mapped[ReleaseReason | None] = mapped_column(
        enum_column(ReleaseReason, name="release_reason", length=20)
    )


class PlanChange(Base):
    """A change of a subscription's level or interval: applied at once (an upgrade, a switch to yearly) or
    scheduled for the renewal on ``effective_on`` (a downgrade, a switch to monthly). At most one is
    scheduled per cohort; the renewal that carries it out marks it applied in its own transaction."""

    __tablename__ = "plan_changes"
    __table_args__ = (
        CheckConstraint("from_term_months > 0 AND to_term_months > 0", name="terms_positive"),
        Index(
            "uq_plan_changes_scheduled_cohort",
            "cohort_id",
            unique=True,
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    from_level_id: Mapped[int] = mapped_column(ForeignKey("plan_levels.id"))
    to_level_id: Mapped[int] = mapped_column(ForeignKey("plan_levels.id"))
    from_term_months: Mapped[int]
    to_term_months: Mapped[int]
    effective_on: Mapped[date]
    status: Mapped[PlanChangeStatus] = mapped_column(enum_column(PlanChangeStatus, name="status", length=10))
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]

    to_level: Mapped[PlanLevel] = relationship(foreign_keys=[to_level_id])
