"""deployment facts: the code key's fingerprint

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:10:00

One row per fact about the deployment. The first is ``code_key_fingerprint``: a keyed hash of a fixed label
under ``JOANBOT_CODE_KEY`` (never the key), so that a process started with another key refuses to run
instead of answering "no such code" to valid codes. A database without it takes the key it is next opened
with.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_facts",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployment_facts")),
    )


def downgrade() -> None:
    op.drop_table("deployment_facts")
