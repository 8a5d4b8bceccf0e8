"""webhooks and the event log: events, webhook endpoints, the outbox's webhook medium and failed state

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:30:00

``events`` holds what changed (30 days), written in the transaction of the change; ``webhook_endpoints``
the receivers, with their signing secrets encrypted. Outbox rows gain the medium ``webhook`` and the state
``failed`` (a webhook refused for its whole retry schedule); alerts gain ``webhook_failed`` and
``webhook_disabled``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OLD_KINDS = (
    "lapsed",
    "over_capacity",
    "overdue_invoice",
    "credit_short",
    "failed_redemptions",
    "code_expiring",
    "channel_unreachable",
    "email_failed",
)
NEW_KINDS = (*OLD_KINDS, "webhook_failed", "webhook_disabled")
OLD_MEDIA = ("slack", "email")
NEW_MEDIA = (*OLD_MEDIA, "webhook")
OLD_STATES = ("pending", "claimed", "sent", "cancelled", "dead")
NEW_STATES = (*OLD_STATES, "failed")
EVENT_TYPES = (
    "licenses.added",
    "licenses.renewed",
    "licenses.lapsed",
    "licenses.released",
    "account.over_capacity",
    "account.capacity_restored",
    "code.redeemed",
    "invoice.created",
    "invoice.paid",
    "plan.changed",
    "reminder.due",
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _check(table: str, column: str, values: Sequence[str]) -> None:
    name = op.f(f"ck_{table}_{column}")
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(name, type_="check")
    with op.batch_alter_table(table) as batch:
        batch.create_check_constraint(name, _in(column, values))


def upgrade() -> None:
    _check("alerts", "kind", NEW_KINDS)
    _check("outbox_messages", "medium", NEW_MEDIA)
    _check("outbox_messages", "state", NEW_STATES)
    op.create_table(
        "events",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("account_id", BIGINT, nullable=True),
        sa.Column("reseller_id", BIGINT, nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("amounts", sa.JSON(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("type", EVENT_TYPES), name=op.f("ck_events_type")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_events_account_id_accounts")),
        sa.ForeignKeyConstraint(["reseller_id"], ["resellers.id"], name=op.f("fk_events_reseller_id_resellers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_events_dedupe_key")),
        sqlite_autoincrement=True,  # an event id is a webhook-id: never reused after a prune
    )
    with op.batch_alter_table("events") as batch:
        batch.create_index("ix_events_created_at", ["created_at"], unique=False)
        batch.create_index("ix_events_reseller_id_id", ["reseller_id", "id"], unique=False)
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=True),
        sa.Column("reseller_id", BIGINT, nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=10), server_default=sa.text("'active'"), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("state", ("active", "disabled")), name=op.f("ck_webhook_endpoints_state")),
        sa.ForeignKeyConstraint(
            ["reseller_id"], ["resellers.id"], name=op.f("fk_webhook_endpoints_reseller_id_resellers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_webhook_endpoints_name")),
    )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.create_index(batch.f("ix_webhook_endpoints_reseller_id"), ["reseller_id"], unique=False)


def downgrade() -> None:
    op.drop_table("webhook_endpoints")
    op.drop_table("events")
    op.execute("DELETE FROM outbox_messages WHERE medium = 'webhook'")
    op.execute("UPDATE outbox_messages SET state = 'dead' WHERE state = 'failed'")
    op.execute("DELETE FROM alerts WHERE kind IN ('webhook_failed', 'webhook_disabled')")
    _check("outbox_messages", "state", OLD_STATES)
    _check("outbox_messages", "medium", OLD_MEDIA)
    _check("alerts", "kind", OLD_KINDS)
