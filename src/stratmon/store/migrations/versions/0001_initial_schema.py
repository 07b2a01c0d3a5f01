"""Initial schema: activities and their content, transactions and their splits, results, the import ledger.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 10:04:13.422551
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_run',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source_kind', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('format_version', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('record_kind', sa.Text(), nullable=False),
    sa.Column('records_total', sa.Integer(), nullable=False),
    sa.Column('records_new', sa.Integer(), nullable=False),
    sa.Column('records_updated', sa.Integer(), nullable=False),
    sa.Column('records_unchanged', sa.Integer(), nullable=False),
    sa.Column('records_skipped', sa.Integer(), nullable=False),
    sa.Column('conflicts', sa.Integer(), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run'))
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_run_content_hash'), ['content_hash'], unique=False)

    op.create_table('activity',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('iati_identifier', sa.Text(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('iati_version', sa.Text(), nullable=True),
    sa.Column('last_updated_text', sa.Text(), nullable=True),
    sa.Column('last_updated_at', sa.DateTime(), nullable=True),
    sa.Column('default_currency', sa.Text(), nullable=True),
    sa.Column('default_lang', sa.Text(), nullable=True),
    sa.Column('hierarchy', sa.Integer(), nullable=True),
    sa.Column('humanitarian', sa.Boolean(), nullable=True),
    sa.Column('reporting_org_ref', sa.Text(), nullable=True),
    sa.Column('reporting_org_type', sa.Text(), nullable=True),
    sa.Column('reporting_org_name', sa.Text(), nullable=True),
    sa.Column('secondary_reporter', sa.Boolean(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('status_code', sa.Text(), nullable=True),
    sa.Column('scope_code', sa.Text(), nullable=True),
    sa.Column('collaboration_type_code', sa.Text(), nullable=True),
    sa.Column('default_flow_type_code', sa.Text(), nullable=True),
    sa.Column('default_finance_type_code', sa.Text(), nullable=True),
    sa.Column('default_aid_type_code', sa.Text(), nullable=True),
    sa.Column('default_tied_status_code', sa.Text(), nullable=True),
    sa.Column('extensions', sa.JSON(), nullable=True),
    sa.Column('other_elements', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_activity_import_run_id_import_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('iati_identifier', name=op.f('uq_activity_iati_identifier'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_import_run_id'), ['import_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_reporting_org_ref'), ['reporting_org_ref'], unique=False)

    op.create_table('import_issue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('iati_identifier', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_run.id'], name=op.f('fk_import_issue_import_run_id_import_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_issue'))
    )
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_issue_import_run_id'), ['import_run_id'], unique=False)

    op.create_table('activity_date',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('iso_date', sa.Date(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_date_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('activity_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_date_activity_id'), ['activity_id'], unique=False)

    op.create_table('activity_narrative',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('element', sa.Text(), nullable=False),
    sa.Column('description_type', sa.Text(), nullable=True),
    sa.Column('lang', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_narrative_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('activity_narrative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_narrative_activity_id'), ['activity_id'], unique=False)

    op.create_table('budget',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_budget_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_activity_id'), ['activity_id'], unique=False)

    op.create_table('document_link',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('format', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=True),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_document_link_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('document_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_link_activity_id'), ['activity_id'], unique=False)

    op.create_table('iati_transaction',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('ref', sa.Text(), nullable=True),
    sa.Column('type_code', sa.Text(), nullable=False),
    sa.Column('transaction_date', sa.Date(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('provider_org_ref', sa.Text(), nullable=True),
    sa.Column('provider_org_type', sa.Text(), nullable=True),
    sa.Column('provider_org_name', sa.Text(), nullable=True),
    sa.Column('provider_activity_id', sa.Text(), nullable=True),
    sa.Column('receiver_org_ref', sa.Text(), nullable=True),
    sa.Column('receiver_org_type', sa.Text(), nullable=True),
    sa.Column('receiver_org_name', sa.Text(), nullable=True),
    sa.Column('receiver_activity_id', sa.Text(), nullable=True),
    sa.Column('disbursement_channel_code', sa.Text(), nullable=True),
    sa.Column('flow_type_code', sa.Text(), nullable=True),
    sa.Column('finance_type_code', sa.Text(), nullable=True),
    sa.Column('aid_type_code', sa.Text(), nullable=True),
    sa.Column('tied_status_code', sa.Text(), nullable=True),
    sa.Column('humanitarian', sa.Boolean(), nullable=True),
    sa.Column('recipients_rebased', sa.Boolean(), nullable=False),
    sa.Column('extensions', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_iati_transaction_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iati_transaction'))
    )
    with op.batch_alter_table('iati_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iati_transaction_activity_id'), ['activity_id'], unique=False)

    op.create_table('location',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.Text(), nullable=True),
    sa.Column('reach_code', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('activity_description', sa.Text(), nullable=True),
    sa.Column('srs_name', sa.Text(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('exactness_code', sa.Text(), nullable=True),
    sa.Column('class_code', sa.Text(), nullable=True),
    sa.Column('feature_designation', sa.Text(), nullable=True),
    sa.Column('location_ids', sa.JSON(), nullable=True),
    sa.Column('administratives', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_location_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_activity_id'), ['activity_id'], unique=False)

    op.create_table('participating_org',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('ref', sa.Text(), nullable=True),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('org_activity_id', sa.Text(), nullable=True),
    sa.Column('crs_channel_code', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_participating_org_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('participating_org', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participating_org_activity_id'), ['activity_id'], unique=False)

    op.create_table('planned_disbursement',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('provider_org_ref', sa.Text(), nullable=True),
    sa.Column('provider_org_name', sa.Text(), nullable=True),
    sa.Column('receiver_org_ref', sa.Text(), nullable=True),
    sa.Column('receiver_org_name', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_planned_disbursement_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('planned_disbursement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planned_disbursement_activity_id'), ['activity_id'], unique=False)

    op.create_table('related_activity',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Text(), nullable=True),
    sa.Column('ref', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_related_activity_activity_id_activity'), ondelete='CASCADE')
    )
    with op.batch_alter_table('related_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_related_activity_activity_id'), ['activity_id'], unique=False)

    op.create_table('result',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.Text(), nullable=True),
    sa.Column('aggregation_status', sa.Boolean(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_result_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result'))
    )
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_activity_id'), ['activity_id'], unique=False)

    op.create_table('recipient',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('vocabulary', sa.Text(), nullable=True),
    sa.Column('percentage', sa.Float(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_recipient_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['iati_transaction.id'], name=op.f('fk_recipient_transaction_id_iati_transaction'), ondelete='CASCADE')
    )
    with op.batch_alter_table('recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipient_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recipient_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('result_indicator',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('measure_code', sa.Text(), nullable=True),
    sa.Column('ascending', sa.Boolean(), nullable=True),
    sa.Column('aggregation_status', sa.Boolean(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('references', sa.JSON(), nullable=True),
    sa.Column('extensions', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_result_indicator_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_result_indicator_result_id_result'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_indicator'))
    )
    with op.batch_alter_table('result_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_indicator_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_indicator_result_id'), ['result_id'], unique=False)

    op.create_table('sector',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('vocabulary', sa.Text(), nullable=False),
    sa.Column('vocabulary_uri', sa.Text(), nullable=True),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('percentage', sa.Float(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_sector_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['iati_transaction.id'], name=op.f('fk_sector_transaction_id_iati_transaction'), ondelete='CASCADE')
    )
    with op.batch_alter_table('sector', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sector_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sector_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('transaction_split',
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('reporting_org_ref', sa.Text(), nullable=True),
    sa.Column('recipient_key', sa.Text(), nullable=False),
    sa.Column('sector_vocabulary', sa.Text(), nullable=False),
    sa.Column('sector_code', sa.Text(), nullable=False),
    sa.Column('amount_micros', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_transaction_split_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['iati_transaction.id'], name=op.f('fk_transaction_split_transaction_id_iati_transaction'), ondelete='CASCADE')
    )
    with op.batch_alter_table('transaction_split', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transaction_split_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_transaction_split_query', ['sector_vocabulary', 'type_code', 'fiscal_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_transaction_split_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('indicator_baseline',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('iso_date', sa.Date(), nullable=True),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('dimensions', sa.JSON(), nullable=True),
    sa.Column('location_refs', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_indicator_baseline_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['result_indicator.id'], name=op.f('fk_indicator_baseline_indicator_id_result_indicator'), ondelete='CASCADE')
    )
    with op.batch_alter_table('indicator_baseline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_baseline_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_baseline_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('indicator_period',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=True),
    sa.Column('period_end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_indicator_period_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['indicator_id'], ['result_indicator.id'], name=op.f('fk_indicator_period_indicator_id_result_indicator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_period'))
    )
    with op.batch_alter_table('indicator_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_period_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_period_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('indicator_period_value',
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('dimensions', sa.JSON(), nullable=True),
    sa.Column('location_refs', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_indicator_period_value_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['indicator_period.id'], name=op.f('fk_indicator_period_value_period_id_indicator_period'), ondelete='CASCADE')
    )
    with op.batch_alter_table('indicator_period_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_period_value_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_period_value_period_id'), ['period_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_period_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_period_value_period_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_period_value_activity_id'))

    op.drop_table('indicator_period_value')
    with op.batch_alter_table('indicator_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_period_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_period_activity_id'))

    op.drop_table('indicator_period')
    with op.batch_alter_table('indicator_baseline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_baseline_indicator_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_baseline_activity_id'))

    op.drop_table('indicator_baseline')
    with op.batch_alter_table('transaction_split', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transaction_split_transaction_id'))
        batch_op.drop_index('ix_transaction_split_query')
        batch_op.drop_index(batch_op.f('ix_transaction_split_activity_id'))

    op.drop_table('transaction_split')
    with op.batch_alter_table('sector', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sector_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_sector_activity_id'))

    op.drop_table('sector')
    with op.batch_alter_table('result_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_indicator_result_id'))
        batch_op.drop_index(batch_op.f('ix_result_indicator_activity_id'))

    op.drop_table('result_indicator')
    with op.batch_alter_table('recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipient_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_recipient_activity_id'))

    op.drop_table('recipient')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_activity_id'))

    op.drop_table('result')
    with op.batch_alter_table('related_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_related_activity_activity_id'))

    op.drop_table('related_activity')
    with op.batch_alter_table('planned_disbursement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planned_disbursement_activity_id'))

    op.drop_table('planned_disbursement')
    with op.batch_alter_table('participating_org', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participating_org_activity_id'))

    op.drop_table('participating_org')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_activity_id'))

    op.drop_table('location')
    with op.batch_alter_table('iati_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iati_transaction_activity_id'))

    op.drop_table('iati_transaction')
    with op.batch_alter_table('document_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_link_activity_id'))

    op.drop_table('document_link')
    with op.batch_alter_table('budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_activity_id'))

    op.drop_table('budget')
    with op.batch_alter_table('activity_narrative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_narrative_activity_id'))

    op.drop_table('activity_narrative')
    with op.batch_alter_table('activity_date', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_date_activity_id'))

    op.drop_table('activity_date')
    with op.batch_alter_table('import_issue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_issue_import_run_id'))

    op.drop_table('import_issue')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_reporting_org_ref'))
        batch_op.drop_index(batch_op.f('ix_activity_import_run_id'))

    op.drop_table('activity')
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_run_content_hash'))

    op.drop_table('import_run')
