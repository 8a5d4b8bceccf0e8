"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:38:12.682569
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('request_ref', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_subject', ['subject_type', 'subject_id'], unique=False)

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

    op.create_table('resellers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slack_team_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resellers')),
    sa.UniqueConstraint('slack_team_id', name=op.f('uq_resellers_slack_team_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_resellers_slug'))
    )
    op.create_table('solutions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('license_kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("license_kind IN ('device', 'user')", name=op.f('ck_solutions_license_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solutions')),
    sa.UniqueConstraint('slug', name=op.f('uq_solutions_slug'))
    )
    op.create_table('staff',
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'sales')", name=op.f('ck_staff_role')),
    sa.PrimaryKeyConstraint('slack_user_id', name=op.f('pk_staff'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('reseller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("payment_method <> 'reseller' OR reseller_id IS NOT NULL", name=op.f('ck_accounts_reseller_pays')),
    sa.CheckConstraint("payment_method IN ('reseller', 'card', 'invoice', 'credits')", name=op.f('ck_accounts_payment_method')),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_accounts_reseller_id_resellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('slug', name=op.f('uq_accounts_slug'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_reseller_id'), ['reseller_id'], unique=False)

    op.create_table('plan_levels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('rank', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_plan_levels_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_levels')),
    sa.UniqueConstraint('solution_id', 'rank', name=op.f('uq_plan_levels_solution_id_rank')),
    sa.UniqueConstraint('solution_id', 'slug', name=op.f('uq_plan_levels_solution_id_slug'))
    )
    op.create_table('reseller_channels',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('reseller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('linked_by', sa.String(length=100), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('panel_ts', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_reseller_channels_reseller_id_resellers')),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_reseller_channels'))
    )
    with op.batch_alter_table('reseller_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reseller_channels_reseller_id'), ['reseller_id'], unique=False)

    op.create_table('reseller_members',
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('reseller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_reseller_members_reseller_id_resellers')),
    sa.PrimaryKeyConstraint('slack_user_id', name=op.f('pk_reseller_members'))
    )
    with op.batch_alter_table('reseller_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reseller_members_reseller_id'), ['reseller_id'], unique=False)

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

    op.create_table('assignments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('license_kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('assigned_by', sa.String(length=100), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('release_reason', sa.String(length=20), nullable=True),
    sa.CheckConstraint("license_kind IN ('device', 'user')", name=op.f('ck_assignments_license_kind')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_assignments_account_id_accounts')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_assignments_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_kind_last_active_at', ['license_kind', 'last_active_at'], unique=False)
        batch_op.create_index('uq_assignments_active_subject', ['account_id', 'solution_id', 'subject'], unique=True, sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))

    op.create_table('invoices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('total_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credit_applied_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_paid_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.CheckConstraint("status IN ('open', 'paid', 'partially_paid', 'void')", name=op.f('ck_invoices_status')),
    sa.CheckConstraint('amount_paid_minor >= 0', name=op.f('ck_invoices_paid_not_negative')),
    sa.CheckConstraint('credit_applied_minor + amount_paid_minor <= total_minor', name=op.f('ck_invoices_not_overpaid')),
    sa.CheckConstraint('credit_applied_minor >= 0', name=op.f('ck_invoices_credit_not_negative')),
    sa.CheckConstraint('total_minor >= 0', name=op.f('ck_invoices_total_not_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_invoices_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_account_id_issued_on', ['account_id', 'issued_on'], unique=False)
        batch_op.create_index('ix_invoices_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('prepaid_codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=False),
    sa.Column('salt', sa.LargeBinary(length=16), nullable=False),
    sa.Column('digest', sa.LargeBinary(length=32), nullable=False),
    sa.Column('key_version', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('plan_level_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('units', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('term_months', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('credit_source', sa.String(length=10), nullable=True),
    sa.Column('reseller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('redeem_by', sa.Date(), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_by', sa.String(length=100), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'credit' OR (amount_minor > 0 AND currency IS NOT NULL AND credit_source IN ('topped_up', 'promo'))", name=op.f('ck_prepaid_codes_credit_fields')),
    sa.CheckConstraint("kind <> 'subscription' OR (solution_id IS NOT NULL AND plan_level_id IS NOT NULL AND units > 0 AND term_months BETWEEN 1 AND 120)", name=op.f('ck_prepaid_codes_subscription_fields')),
    sa.CheckConstraint("kind IN ('subscription', 'credit')", name=op.f('ck_prepaid_codes_kind')),
    sa.CheckConstraint("status IN ('issued', 'redeemed', 'voided')", name=op.f('ck_prepaid_codes_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_prepaid_codes_account_id_accounts')),
    sa.ForeignKeyConstraint(['plan_level_id'], ['plan_levels.id'], name=op.f('fk_prepaid_codes_plan_level_id_plan_levels')),
    sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_prepaid_codes_reseller_id_resellers')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_prepaid_codes_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepaid_codes')),
    sa.UniqueConstraint('prefix', 'digest', name=op.f('uq_prepaid_codes_prefix_digest'))
    )
    with op.batch_alter_table('prepaid_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepaid_codes_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_prepaid_codes_batch', ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_prepaid_codes_prefix'), ['prefix'], unique=False)
        batch_op.create_index(batch_op.f('ix_prepaid_codes_reseller_id'), ['reseller_id'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_level_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interval', sa.String(length=5), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unit_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("interval IN ('month', 'year')", name=op.f('ck_prices_interval')),
    sa.CheckConstraint('unit_minor >= 0', name=op.f('ck_prices_unit_minor_not_negative')),
    sa.ForeignKeyConstraint(['plan_level_id'], ['plan_levels.id'], name=op.f('fk_prices_plan_level_id_plan_levels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices')),
    sa.UniqueConstraint('plan_level_id', 'interval', 'currency', name=op.f('uq_prices_plan_level_id_interval_currency'))
    )
    op.create_table('redeem_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('prefix', sa.String(length=4), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_redeem_attempts_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redeem_attempts'))
    )
    with op.batch_alter_table('redeem_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_redeem_attempts_account_id_at', ['account_id', 'at'], unique=False)
        batch_op.create_index('ix_redeem_attempts_actor_at', ['actor', 'at'], unique=False)

    op.create_table('cohorts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_level_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('license_kind', sa.String(length=10), nullable=False),
    sa.Column('units', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor_on', sa.Date(), nullable=False),
    sa.Column('term_months', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('auto_renew', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('renews_cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.CheckConstraint("license_kind IN ('device', 'user')", name=op.f('ck_cohorts_license_kind')),
    sa.CheckConstraint('ends_on > starts_on', name=op.f('ck_cohorts_ends_after_start')),
    sa.CheckConstraint('units > 0', name=op.f('ck_cohorts_units_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_cohorts_account_id_accounts')),
    sa.ForeignKeyConstraint(['code_id'], ['prepaid_codes.id'], name=op.f('fk_cohorts_code_id_prepaid_codes')),
    sa.ForeignKeyConstraint(['plan_level_id'], ['plan_levels.id'], name=op.f('fk_cohorts_plan_level_id_plan_levels')),
    sa.ForeignKeyConstraint(['renews_cohort_id'], ['cohorts.id'], name=op.f('fk_cohorts_renews_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_cohorts_solution_id_solutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohorts')),
    sa.UniqueConstraint('code_id', name=op.f('uq_cohorts_code_id')),
    sa.UniqueConstraint('renews_cohort_id', name=op.f('uq_cohorts_renews_cohort_id'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index('ix_cohorts_account_id_solution_id', ['account_id', 'solution_id'], unique=False)
        batch_op.create_index('ix_cohorts_ends_on', ['ends_on'], unique=False)
        batch_op.create_index('ix_cohorts_unrenewed_ends_on', ['ends_on'], unique=False, sqlite_where=sa.text('renewed_at IS NULL'), postgresql_where=sa.text('renewed_at IS NULL'))

    op.create_table('credit_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('amount_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.CheckConstraint("source IN ('topped_up', 'promo', 'adjustment')", name=op.f('ck_credit_entries_source')),
    sa.CheckConstraint('amount_minor <> 0', name=op.f('ck_credit_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_credit_entries_account_id_accounts')),
    sa.ForeignKeyConstraint(['code_id'], ['prepaid_codes.id'], name=op.f('fk_credit_entries_code_id_prepaid_codes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entries'))
    )
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_credit_entries_account_id_currency', ['account_id', 'currency'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('credit_spends',
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('lot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['credit_entries.id'], name=op.f('fk_credit_spends_entry_id_credit_entries')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_spends_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_entries.id'], name=op.f('fk_credit_spends_lot_id_credit_entries')),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_credit_spends')),
    sa.UniqueConstraint('invoice_id', 'lot_id', name=op.f('uq_credit_spends_invoice_id_lot_id'))
    )
    with op.batch_alter_table('credit_spends', schema=None) as batch_op:
        batch_op.create_index('ix_credit_spends_lot_id', ['lot_id'], unique=False)

    op.create_table('license_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('delta', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('units_after', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.CheckConstraint("kind IN ('start', 'add', 'reduce', 'cancel')", name=op.f('ck_license_changes_kind')),
    sa.CheckConstraint('units_after >= 0', name=op.f('ck_license_changes_units_after_not_negative')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_license_changes_cohort_id_cohorts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_changes'))
    )
    with op.batch_alter_table('license_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_changes_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('redemptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('redeemed_by', sa.String(length=100), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('credit_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('renewed_cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_redemptions_account_id_accounts')),
    sa.ForeignKeyConstraint(['code_id'], ['prepaid_codes.id'], name=op.f('fk_redemptions_code_id_prepaid_codes')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_redemptions_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['credit_entry_id'], ['credit_entries.id'], name=op.f('fk_redemptions_credit_entry_id_credit_entries')),
    sa.ForeignKeyConstraint(['renewed_cohort_id'], ['cohorts.id'], name=op.f('fk_redemptions_renewed_cohort_id_cohorts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemptions')),
    sa.UniqueConstraint('code_id', name=op.f('uq_redemptions_code_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_redemptions_idempotency_key'))
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemptions_account_id'), ['account_id'], unique=False)

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
        batch_op.create_index('ix_reminder_notices_renews_on', ['renews_on'], unique=False)
        batch_op.create_index('ix_reminder_notices_undelivered', ['id'], unique=False, sqlite_where=sa.text('delivery_id IS NULL'), postgresql_where=sa.text('delivery_id IS NULL'))

    op.create_table('invoice_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cohort_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('change_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('service_start', sa.Date(), nullable=False),
    sa.Column('service_end', sa.Date(), nullable=False),
    sa.Column('quantity', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fraction_num', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('fraction_den', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint("kind IN ('term', 'proration')", name=op.f('ck_invoice_lines_kind')),
    sa.CheckConstraint('amount_minor >= 0', name=op.f('ck_invoice_lines_amount_not_negative')),
    sa.CheckConstraint('fraction_num > 0 AND fraction_num <= fraction_den', name=op.f('ck_invoice_lines_fraction_in_range')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_invoice_lines_quantity_positive')),
    sa.CheckConstraint('service_end > service_start', name=op.f('ck_invoice_lines_service_period')),
    sa.ForeignKeyConstraint(['change_id'], ['license_changes.id'], name=op.f('fk_invoice_lines_change_id_license_changes')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_invoice_lines_cohort_id_cohorts')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('change_id', name=op.f('uq_invoice_lines_change_id'))
    )
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_index('ix_invoice_lines_cohort_id_service_end', ['cohort_id', 'service_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_lines_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index('uq_invoice_lines_term_period', ['cohort_id', 'service_start'], unique=True, sqlite_where=sa.text("kind = 'term'"), postgresql_where=sa.text("kind = 'term'"))

    op.create_table('line_credits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('change_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_line_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credit_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_line_credits_amount_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_line_credits_quantity_positive')),
    sa.ForeignKeyConstraint(['change_id'], ['license_changes.id'], name=op.f('fk_line_credits_change_id_license_changes')),
    sa.ForeignKeyConstraint(['credit_entry_id'], ['credit_entries.id'], name=op.f('fk_line_credits_credit_entry_id_credit_entries')),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], name=op.f('fk_line_credits_invoice_line_id_invoice_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_line_credits'))
    )
    with op.batch_alter_table('line_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_line_credits_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_line_credits_credit_entry_id'), ['credit_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_line_credits_invoice_line_id'), ['invoice_line_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('line_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_line_credits_invoice_line_id'))
        batch_op.drop_index(batch_op.f('ix_line_credits_credit_entry_id'))
        batch_op.drop_index(batch_op.f('ix_line_credits_change_id'))

    op.drop_table('line_credits')
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_invoice_lines_term_period', sqlite_where=sa.text("kind = 'term'"), postgresql_where=sa.text("kind = 'term'"))
        batch_op.drop_index(batch_op.f('ix_invoice_lines_invoice_id'))
        batch_op.drop_index('ix_invoice_lines_cohort_id_service_end')

    op.drop_table('invoice_lines')
    with op.batch_alter_table('reminder_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_notices_undelivered', sqlite_where=sa.text('delivery_id IS NULL'), postgresql_where=sa.text('delivery_id IS NULL'))
        batch_op.drop_index('ix_reminder_notices_renews_on')
        batch_op.drop_index(batch_op.f('ix_reminder_notices_account_id'))

    op.drop_table('reminder_notices')
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemptions_account_id'))

    op.drop_table('redemptions')
    with op.batch_alter_table('license_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_changes_cohort_id'))

    op.drop_table('license_changes')
    with op.batch_alter_table('credit_spends', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_spends_lot_id')

    op.drop_table('credit_spends')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_entries_account_id_currency')

    op.drop_table('credit_entries')
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_index('ix_cohorts_unrenewed_ends_on', sqlite_where=sa.text('renewed_at IS NULL'), postgresql_where=sa.text('renewed_at IS NULL'))
        batch_op.drop_index('ix_cohorts_ends_on')
        batch_op.drop_index('ix_cohorts_account_id_solution_id')

    op.drop_table('cohorts')
    with op.batch_alter_table('redeem_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_redeem_attempts_actor_at')
        batch_op.drop_index('ix_redeem_attempts_account_id_at')

    op.drop_table('redeem_attempts')
    op.drop_table('prices')
    with op.batch_alter_table('prepaid_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepaid_codes_reseller_id'))
        batch_op.drop_index(batch_op.f('ix_prepaid_codes_prefix'))
        batch_op.drop_index('ix_prepaid_codes_batch')
        batch_op.drop_index(batch_op.f('ix_prepaid_codes_account_id'))

    op.drop_table('prepaid_codes')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_status_due_on')
        batch_op.drop_index('ix_invoices_account_id_issued_on')

    op.drop_table('invoices')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_active_subject', sqlite_where=sa.text('released_at IS NULL'), postgresql_where=sa.text('released_at IS NULL'))
        batch_op.drop_index('ix_assignments_kind_last_active_at')

    op.drop_table('assignments')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_subject', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_alerts_account_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('reseller_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reseller_members_reseller_id'))

    op.drop_table('reseller_members')
    with op.batch_alter_table('reseller_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reseller_channels_reseller_id'))

    op.drop_table('reseller_channels')
    op.drop_table('plan_levels')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_reseller_id'))

    op.drop_table('accounts')
    op.drop_table('staff')
    op.drop_table('solutions')
    op.drop_table('resellers')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_state_next_attempt_at')

    op.drop_table('outbox_messages')
    op.drop_table('channel_pacing')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_subject')
        batch_op.drop_index('ix_audit_events_at')
        batch_op.drop_index(batch_op.f('ix_audit_events_account_id'))

    op.drop_table('audit_events')

