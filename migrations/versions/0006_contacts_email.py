"""contacts and reminder emails: contact addresses, the outbox's medium, email failures

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:30:00

Accounts and resellers get a list of contact addresses (JSON, empty by default). Outbox rows say their
medium (``slack`` for every existing row, or ``email``). A reminder records when its emails were put in
the outbox; reminders decided before this revision count as done, so switching email on never mails
old news. ``email_failures`` keeps the addresses a mail server refused for good, the source of the
``email_failed`` alert (a new value of the alerts' kind CHECK).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "lapsed",
    "over_capacity",
    "overdue_invoice",
    "credit_short",
    "failed_redemptions",
    "code_expiring",
    "channel_unreachable",
)
NEW_KINDS = (*OLD_KINDS, "email_failed")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _kinds(values: Sequence[str]) -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint(op.f("ck_alerts_kind"), type_="check")
    with op.batch_alter_table("alerts") as batch:
        batch.create_check_constraint(op.f("ck_alerts_kind"), _in("kind", values))


def upgrade() -> None:
    for table in ("accounts", "resellers"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("contact_emails", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("medium", sa.String(length=10), server_default=sa.text("'slack'"), nullable=False))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.create_check_constraint(op.f("ck_outbox_messages_medium"), _in("medium", ("slack", "email")))
    with op.batch_alter_table("reminder_notices") as batch:
        batch.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
    notices = sa.table("reminder_notices", sa.column("emailed_at"), sa.column("planned_at"))
    op.execute(notices.update().values(emailed_at=notices.c.planned_at))
    with op.batch_alter_table("reminder_notices") as batch:
        batch.create_index(
            "ix_reminder_notices_unemailed",
            ["id"],
            unique=False,
            sqlite_where=sa.text("emailed_at IS NULL"),
            postgresql_where=sa.text("emailed_at IS NULL"),
        )
    _kinds(NEW_KINDS)
    op.create_table(
        "email_failures",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("outbox_id", BIGINT, nullable=False),
        sa.Column("account_id", BIGINT, nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("reply", sa.String(length=200), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_email_failures_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox_messages.id"], name=op.f("fk_email_failures_outbox_id_outbox_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_failures")),
        sa.UniqueConstraint("outbox_id", "address", name=op.f("uq_email_failures_outbox_id_address")),
    )
    with op.batch_alter_table("email_failures") as batch:
        batch.create_index(batch.f("ix_email_failures_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_table("email_failures")
    op.execute("DELETE FROM alerts WHERE kind = 'email_failed'")
    _kinds(OLD_KINDS)
    with op.batch_alter_table("reminder_notices") as batch:
        batch.drop_index("ix_reminder_notices_unemailed")
        batch.drop_column("emailed_at")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_medium"), type_="check")
        batch.drop_column("medium")
    for table in ("accounts", "resellers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("contact_emails")
