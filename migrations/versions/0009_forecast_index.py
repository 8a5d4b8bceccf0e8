"""forecast: a covering index for the renewal forecast's aggregate

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:30:00

The forecast sums every block renewing in a window of months (a quarter of a large book for 12 months):
with ``ix_cohorts_ends_on`` alone it read each of those rows from the table. This index holds every column
the aggregate reads, behind ``ends_on``, so both databases answer it from the index alone (PostgreSQL with
an index-only scan once the table is vacuumed, as autovacuum does after a bulk load).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["ends_on", "account_id", "solution_id", "plan_level_id", "term_months", "auto_renew", "units", "renewed_at"]


def upgrade() -> None:
    op.create_index("ix_cohorts_forecast", "cohorts", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_cohorts_forecast", table_name="cohorts")
