"""sweep indexes: the renewal housekeeping's and the lapsed blocks' selections by their own partial indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:20:00

Two housekeeping steps of the daily sweep read more of ``cohorts`` than they keep. ``renew_due`` (the
auto-renewing cohorts of the billed methods, by renewal date) read every auto-renewing cohort up to today
from the table, code blocks among them, to keep the card, invoice and credits ones: (origin, ends_on) behind
``auto_renew`` answers it from the index. ``record_lapsed`` (unrenewed cohorts that do not renew by
themselves, their renewal date in the last 30 days) read every cohort of the month, renewed or not: a partial
index of exactly its rows. On 1,000,000 cohorts (PostgreSQL) the two reads went from about 95 ms each to
under 1 ms and about 40 ms.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cohorts_auto_renew_origin_ends_on",
        "cohorts",
        ["origin", "ends_on"],
        sqlite_where=sa.text("auto_renew IS 1"),
        postgresql_where=sa.text("auto_renew IS true"),
    )
    op.create_index(
        "ix_cohorts_lapsing_ends_on",
        "cohorts",
        ["ends_on"],
        sqlite_where=sa.text("renewed_at IS NULL AND auto_renew IS 0"),
        postgresql_where=sa.text("renewed_at IS NULL AND auto_renew IS false"),
    )


def downgrade() -> None:
    op.drop_index("ix_cohorts_lapsing_ends_on", table_name="cohorts")
    op.drop_index("ix_cohorts_auto_renew_origin_ends_on", table_name="cohorts")
