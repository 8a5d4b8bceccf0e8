"""Catalog tables: solutions, their plan levels and unit prices. Loaded from a file, never edited by hand."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.db import Base, enum_column


class LicenseKind(StrEnum):
    DEVICE = "device"
    USER = "user"


class BillingInterval(StrEnum):
    MONTH = "month"
    YEAR = "year"


LICENSE_KINDS = tuple(LicenseKind)
INTERVALS = tuple(BillingInterval)


class Solution(Base):
    __tablename__ = "solutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    license_kind: Mapped[LicenseKind] = mapped_column(enum_column(LicenseKind, name="license_kind", length=10))

    levels: Mapped[list[PlanLevel]] = relationship(
        back_populates="solution", order_by="PlanLevel.rank", cascade="all, delete-orphan"
    )


class PlanLevel(Base):
    __tablename__ = "plan_levels"
    __table_args__ = (
        UniqueConstraint("solution_id", "slug"),
        UniqueConstraint("solution_id", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("solutions.id"))
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int]

    solution: Mapped[Solution] = relationship(back_populates="levels")
    prices: Mapped[list[Price]] = relationship(back_populates="level", cascade="all, delete-orphan")


class Price(Base):
    """Unit price of one license for one billing interval, in one currency, in minor units."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("plan_level_id", "interval", "currency"),
        CheckConstraint("unit_minor >= 0", name="unit_minor_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_level_id: Mapped[int] = mapped_column(ForeignKey("plan_levels.id"))
    interval: Mapped[BillingInterval] = mapped_column(enum_column(BillingInterval, name="interval", length=5))
    currency: Mapped[str] = mapped_column(String(3))
    unit_minor: Mapped[int]

    level: Mapped[PlanLevel] = relationship(back_populates="prices")
