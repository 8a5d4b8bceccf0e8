"""dropped reminders: a reminder that could only go after its renewal date, or after a later threshold

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:30:00

A planned reminder that could not be sent before its renewal date came, or before a later threshold of
the same block was due (after an outage), is never sent: ``dropped_at`` says when that was decided and
``dropped_reason`` why (``renewal_passed`` or ``superseded``). Existing reminders stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASONS = ("renewal_passed", "superseded")


def upgrade() -> None:
    with op.batch_alter_table("reminder_notices") as batch:
        batch.add_column(sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dropped_reason", sa.String(length=20), nullable=True))
    with op.batch_alter_table("reminder_notices") as batch:
        batch.create_check_constraint(
            op.f("ck_reminder_notices_dropped_reason"), f"dropped_reason IN ({', '.join(repr(r) for r in REASONS)})"
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder_notices") as batch:
        batch.drop_constraint(op.f("ck_reminder_notices_dropped_reason"), type_="check")
    with op.batch_alter_table("reminder_notices") as batch:
        batch.drop_column("dropped_reason")
        batch.drop_column("dropped_at")
