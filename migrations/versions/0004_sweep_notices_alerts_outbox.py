"""sweep notices alerts outbox

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 21:21:44.007212
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('channel_pacing',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('next_post_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_channel_pacing'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('first_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_unknown', sa.Boolean(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_ts', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'claimed', 'sent', 'cancelled', 'dead')", name=op.f('ck_outbox_messages_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject_key', sa.String(length=120), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reseller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('delivered_version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_alerts_account_id_accounts')),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_alerts_reseller_id_resellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_account_id'), ['account_id'], unique=False)
        batch_op.create_index('uq_alerts_open_subject', ['kind', 'subject_key'], unique=True, sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))

    op.create_table('reminder_notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('renews_on', sa.Date(), nullable=False),
    sa.Column('threshold', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_reminder_notices_account_id_accounts')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_reminder_notices_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['delivery_id'], ['outbox_messages.id'], name=op.f('fk_reminder_notices_delivery_id_outbox_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_notices')),
    sa.UniqueConstraint('cohort_id', 'renews_on', 'threshold', name=op.f('uq_reminder_notices_cohort_id_renews_on_threshold'))
    )
    with op.batch_alter_table('reminder_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_notices_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_reminder_notices_undelivered', ['id'], unique=False, sqlite_where=sa.text('delivery_id IS NULL'), postgresql_where=sa.text('delivery_id IS NULL'))

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index('ix_cohorts_unrenewed_ends_on', ['ends_on'], unique=False, sqlite_where=sa.text('renewed_at IS NULL'), postgresql_where=sa.text('renewed_at IS NULL'))




def downgrade() -> None:

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index('ix_cohorts_unrenewed_ends_on', sqlite_where=sa.text('renewed_at IS NULL'), postgresql_where=sa.text('renewed_at IS NULL'))

    with op.batch_alter_table('reminder_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_notices_undelivered', sqlite_where=sa.text('delivery_id IS NULL'), postgresql_where=sa.text('delivery_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_reminder_notices_account_id'))

    op.drop_table('reminder_notices')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_subject', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alerts_account_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_state_next_attempt_at')

    op.drop_table('outbox_messages')
    op.drop_table('channel_pacing')

