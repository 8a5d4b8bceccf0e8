"""typed states: CHECK constraints for every status and kind column, the outbox failure kind, panel_message

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:50:00

The models map statuses and kinds as StrEnums stored as their values (the stored strings are unchanged).
Columns that had no CHECK constraint get one; ``outbox_messages.failure`` records how the delivery side
classified the last failure (the alert for unreachable channels reads it instead of chat API error
strings); ``reseller_channels.panel_ts`` becomes the neutral ``panel_message``. Batch mode recreates the
tables on SQLite, which cannot add a constraint in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_CHECKS = {
    "prepaid_codes": ("credit_source", ("topped_up", "promo", "adjustment")),
    "cohorts": ("origin", ("code", "card", "invoice", "credits", "import")),
    "assignments": ("release_reason", ("removed", "idle_60_days")),
    "alerts": (
        "kind",
        (
            "lapsed",
            "over_capacity",
            "overdue_invoice",
            "credit_short",
            "failed_redemptions",
            "code_expiring",
            "channel_unreachable",
        ),
    ),
}
FAILURES = ("retryable", "unreachable")
# The chat errors the delivery side classified as "unreachable" when this revision was written: rows
# already failing with them keep raising their alert.
UNREACHABLE_ERRORS = ("not_in_channel", "channel_not_found", "is_archived")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for table, (column, values) in NEW_CHECKS.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _in(column, values))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("failure", sa.String(length=12), nullable=True))
    outbox = sa.table("outbox_messages", sa.column("failure", sa.String), sa.column("last_error", sa.String))
    op.execute(outbox.update().where(outbox.c.last_error.in_(UNREACHABLE_ERRORS)).values(failure="unreachable"))
    op.execute(
        outbox.update()
        .where(outbox.c.last_error.is_not(None), outbox.c.last_error.not_in(UNREACHABLE_ERRORS))
        .values(failure="retryable")
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.create_check_constraint(op.f("ck_outbox_messages_failure"), _in("failure", FAILURES))
    with op.batch_alter_table("reseller_channels") as batch:
        batch.alter_column("panel_ts", new_column_name="panel_message", existing_type=sa.String(length=32))


def downgrade() -> None:
    with op.batch_alter_table("reseller_channels") as batch:
        batch.alter_column("panel_message", new_column_name="panel_ts", existing_type=sa.String(length=32))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_failure"), type_="check")
        batch.drop_column("failure")
    for table, (column, _values) in reversed(NEW_CHECKS.items()):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
