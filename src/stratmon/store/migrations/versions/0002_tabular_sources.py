"""Tabular sources: ForeignAssistance.gov figures and transactions, budget tables, context indicators.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:04:13.591729
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('budget_figure',
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('recipient_key', sa.Text(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('account', sa.Text(), nullable=False),
    sa.Column('amount_micros', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_budget_figure_import_run_id_import_run')),
    sa.UniqueConstraint('fiscal_year', 'label', 'account', name='uq_budget_figure_key')
    )
    with op.batch_alter_table('budget_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_figure_import_run_id'), ['import_run_id'], unique=False)

    op.create_table('context_value',
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('country_key', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period', sa.Text(), nullable=False),
    sa.Column('dimension', sa.Text(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('vintage', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_context_value_import_run_id_import_run')),
    sa.UniqueConstraint('indicator', 'country_key', 'year', 'period', 'dimension', 'source', name='uq_context_value_key')
    )
    with op.batch_alter_table('context_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_context_value_import_run_id'), ['import_run_id'], unique=False)

    op.create_table('fagov_figure',
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('recipient_key', sa.Text(), nullable=False),
    sa.Column('recipient_name', sa.Text(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('fiscal_period', sa.Text(), nullable=False),
    sa.Column('transaction_type', sa.Text(), nullable=False),
    sa.Column('current_micros', sa.BigInteger(), nullable=True),
    sa.Column('constant_micros', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_fagov_figure_import_run_id_import_run')),
    sa.UniqueConstraint('recipient_key', 'fiscal_year', 'fiscal_period', 'transaction_type', name='uq_fagov_figure_key')
    )
    with op.batch_alter_table('fagov_figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fagov_figure_import_run_id'), ['import_run_id'], unique=False)

    op.create_table('fagov_transaction',
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.BigInteger(), nullable=True),
    sa.Column('activity_id', sa.Text(), nullable=True),
    sa.Column('activity_name', sa.Text(), nullable=True),
    sa.Column('recipient_key', sa.Text(), nullable=False),
    sa.Column('recipient_name', sa.Text(), nullable=True),
    sa.Column('managing_agency', sa.Text(), nullable=True),
    sa.Column('managing_sub_agency', sa.Text(), nullable=True),
    sa.Column('implementing_partner', sa.Text(), nullable=True),
    sa.Column('implementing_partner_category', sa.Text(), nullable=True),
    sa.Column('us_category', sa.Text(), nullable=True),
    sa.Column('us_sector', sa.Text(), nullable=True),
    sa.Column('dac_sector', sa.Text(), nullable=True),
    sa.Column('dac_purpose', sa.Text(), nullable=True),
    sa.Column('funding_account', sa.Text(), nullable=True),
    sa.Column('funding_agency', sa.Text(), nullable=True),
    sa.Column('aid_type', sa.Text(), nullable=True),
    sa.Column('transaction_type', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('transaction_date', sa.Date(), nullable=True),
    sa.Column('current_micros', sa.BigInteger(), nullable=True),
    sa.Column('constant_micros', sa.BigInteger(), nullable=True),
    sa.Column('submission_id', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_fagov_transaction_import_run_id_import_run'))
    )
    with op.batch_alter_table('fagov_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fagov_transaction_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fagov_transaction_import_run_id'), ['import_run_id'], unique=False)
        batch_op.create_index('ix_fagov_transaction_query', ['recipient_key', 'fiscal_year', 'transaction_type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fagov_transaction', schema=None) as batch_op:
        batch_op.drop_index('ix_fagov_transaction_query')
        batch_op.drop_index(batch_op.f('ix_fagov_transaction_import_run_id'))
        batch_op.drop_index(batch_op.f('ix_fagov_transaction_activity_id'))

    op.drop_table('fagov_transaction')
    with op.batch_alter_table('fagov_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fagov_figure_import_run_id'))

    op.drop_table('fagov_figure')
    with op.batch_alter_table('context_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_context_value_import_run_id'))

    op.drop_table('context_value')
    with op.batch_alter_table('budget_figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_figure_import_run_id'))

    op.drop_table('budget_figure')
