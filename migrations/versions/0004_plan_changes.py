"""plan changes: the plan_changes table, and 'plan' as a license change kind

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:20:00

A subscription's level or interval changes at once (an upgrade, a switch to yearly: a ``license_changes``
row of kind ``plan`` with its credit and charge) or at the next renewal (a downgrade, a switch to monthly:
a ``plan_changes`` row ``scheduled`` until the renewal carries it out). At most one change is scheduled
per cohort (a partial unique index).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_KINDS = "kind IN ('start', 'add', 'reduce', 'cancel')"
NEW_KINDS = "kind IN ('start', 'add', 'reduce', 'cancel', 'plan')"
STATUSES = "status IN ('scheduled', 'applied', 'replaced', 'withdrawn')"


def _kinds(check: str) -> None:
    with op.batch_alter_table("license_changes") as batch:
        batch.drop_constraint(op.f("ck_license_changes_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_license_changes_kind"), check)


def upgrade() -> None:
    _kinds(NEW_KINDS)
    op.create_table(
        "plan_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("cohort_id", ID, nullable=False),
        sa.Column("from_level_id", ID, nullable=False),
        sa.Column("to_level_id", ID, nullable=False),
        sa.Column("from_term_months", ID, nullable=False),
        sa.Column("to_term_months", ID, nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "from_term_months > 0 AND to_term_months > 0", name=op.f("ck_plan_changes_terms_positive")
        ),
        sa.CheckConstraint(STATUSES, name=op.f("ck_plan_changes_status")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_plan_changes_cohort_id_cohorts")),
        sa.ForeignKeyConstraint(
            ["from_level_id"], ["plan_levels.id"], name=op.f("fk_plan_changes_from_level_id_plan_levels")
        ),
        sa.ForeignKeyConstraint(
            ["to_level_id"], ["plan_levels.id"], name=op.f("fk_plan_changes_to_level_id_plan_levels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_changes")),
    )
    op.create_index(op.f("ix_plan_changes_cohort_id"), "plan_changes", ["cohort_id"], unique=False)
    op.create_index(
        "uq_plan_changes_scheduled_cohort",
        "plan_changes",
        ["cohort_id"],
        unique=True,
        sqlite_where=sa.text("status = 'scheduled'"),
        postgresql_where=sa.text("status = 'scheduled'"),
    )


def downgrade() -> None:
    op.drop_index("uq_plan_changes_scheduled_cohort", table_name="plan_changes")
    op.drop_index(op.f("ix_plan_changes_cohort_id"), table_name="plan_changes")
    op.drop_table("plan_changes")
    _kinds(OLD_KINDS)
