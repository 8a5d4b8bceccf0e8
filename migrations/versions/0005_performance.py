"""performance: indexes for the breakdown and the renewal candidates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:50:00

The renewal housekeeping reads the few auto-renewing cohorts due (it walked ``ix_cohorts_ends_on`` over
every cohort that ever ended). The breakdown reads an account's cohorts still running (``account_id``, ``ends_on > today``) and the redeem
flow its unrenewed cohorts of one solution in a date window; both were served by ``(account_id,
solution_id)`` plus a read of every row of the account's history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNRENEWED = sa.text("renewed_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_cohorts_auto_renew_ends_on",
        "cohorts",
        ["ends_on"],
        sqlite_where=sa.text("auto_renew IS 1"),
        postgresql_where=sa.text("auto_renew IS true"),
    )
    op.create_index("ix_cohorts_account_id_ends_on", "cohorts", ["account_id", "ends_on"])
    op.create_index(
        "ix_cohorts_unrenewed_account_id_solution_id",
        "cohorts",
        ["account_id", "solution_id", "ends_on"],
        sqlite_where=UNRENEWED,
        postgresql_where=UNRENEWED,
    )


def downgrade() -> None:
    op.drop_index("ix_cohorts_unrenewed_account_id_solution_id", table_name="cohorts")
    op.drop_index("ix_cohorts_account_id_ends_on", table_name="cohorts")
    op.drop_index("ix_cohorts_auto_renew_ends_on", table_name="cohorts")
