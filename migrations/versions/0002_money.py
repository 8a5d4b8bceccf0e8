"""money: invoices and their lines, payments, license-count changes, credit spent on invoices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:21:29.317366
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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
    with op.batch_alter_table('license_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_changes_cohort_id'))

    op.drop_table('license_changes')
    with op.batch_alter_table('credit_spends', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_spends_lot_id')

    op.drop_table('credit_spends')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_status_due_on')
        batch_op.drop_index('ix_invoices_account_id_issued_on')

    op.drop_table('invoices')
