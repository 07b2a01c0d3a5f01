"""IATI organisation files: each agency's organisation record, its budgets (total, per recipient organisation,
country and region) and expenditure with their lines, its documents; and the counts an import run keeps
besides its records (an organisation file's budgets), for the import ledger.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('iati_organisation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organisation_identifier', sa.Text(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('iati_version', sa.Text(), nullable=True),
    sa.Column('last_updated_text', sa.Text(), nullable=True),
    sa.Column('last_updated_at', sa.DateTime(), nullable=True),
    sa.Column('default_currency', sa.Text(), nullable=True),
    sa.Column('default_lang', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('names', sa.JSON(), nullable=True),
    sa.Column('reporting_org_ref', sa.Text(), nullable=True),
    sa.Column('reporting_org_type', sa.Text(), nullable=True),
    sa.Column('reporting_org_name', sa.Text(), nullable=True),
    sa.Column('secondary_reporter', sa.Boolean(), nullable=True),
    sa.Column('extensions', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_iati_organisation_import_run_id_import_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iati_organisation')),
    sa.UniqueConstraint('organisation_identifier', name=op.f('uq_iati_organisation_organisation_identifier'))
    )
    op.create_index(op.f('ix_iati_organisation_import_run_id'), 'iati_organisation', ['import_run_id'], unique=False)
    op.create_index(op.f('ix_iati_organisation_reporting_org_ref'), 'iati_organisation', ['reporting_org_ref'], unique=False)
    op.create_table('import_count',
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_import_count_import_run_id_import_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_run_id', 'name', name=op.f('pk_import_count'))
    )
    op.create_table('organisation_budget',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('recipient_code', sa.Text(), nullable=True),
    sa.Column('recipient_vocabulary', sa.Text(), nullable=True),
    sa.Column('recipient_key', sa.Text(), nullable=True),
    sa.Column('recipient_org_ref', sa.Text(), nullable=True),
    sa.Column('recipient_name', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['iati_organisation.id'], name=op.f('fk_organisation_budget_organisation_id_iati_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_budget'))
    )
    op.create_index(op.f('ix_organisation_budget_organisation_id'), 'organisation_budget', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_organisation_budget_recipient_key'), 'organisation_budget', ['recipient_key'], unique=False)
    op.create_table('organisation_document',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('format', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=True),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('recipient_countries', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['iati_organisation.id'], name=op.f('fk_organisation_document_organisation_id_iati_organisation'), ondelete='CASCADE')
    )
    op.create_index(op.f('ix_organisation_document_organisation_id'), 'organisation_document', ['organisation_id'], unique=False)
    op.create_table('organisation_budget_line',
    sa.Column('budget_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('ref', sa.Text(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['budget_id'], ['organisation_budget.id'], name=op.f('fk_organisation_budget_line_budget_id_organisation_budget'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['iati_organisation.id'], name=op.f('fk_organisation_budget_line_organisation_id_iati_organisation'), ondelete='CASCADE')
    )
    op.create_index(op.f('ix_organisation_budget_line_budget_id'), 'organisation_budget_line', ['budget_id'], unique=False)
    op.create_index(op.f('ix_organisation_budget_line_organisation_id'), 'organisation_budget_line', ['organisation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_organisation_budget_line_organisation_id'), table_name='organisation_budget_line')
    op.drop_index(op.f('ix_organisation_budget_line_budget_id'), table_name='organisation_budget_line')
    op.drop_table('organisation_budget_line')
    op.drop_index(op.f('ix_organisation_document_organisation_id'), table_name='organisation_document')
    op.drop_table('organisation_document')
    op.drop_index(op.f('ix_organisation_budget_recipient_key'), table_name='organisation_budget')
    op.drop_index(op.f('ix_organisation_budget_organisation_id'), table_name='organisation_budget')
    op.drop_table('organisation_budget')
    op.drop_table('import_count')
    op.drop_index(op.f('ix_iati_organisation_reporting_org_ref'), table_name='iati_organisation')
    op.drop_index(op.f('ix_iati_organisation_import_run_id'), table_name='iati_organisation')
    op.drop_table('iati_organisation')
