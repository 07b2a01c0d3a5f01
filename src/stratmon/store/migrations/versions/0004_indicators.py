"""Indicators and results: users, the indicator registry, disaggregation schemes, result values,
the audit log and data-quality assessments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 12:46:48.455202
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('org_ref', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('name', name=op.f('uq_app_user_name'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('entity', sa.Text(), nullable=False),
    sa.Column('entity_id', sa.Text(), nullable=True),
    sa.Column('field', sa.Text(), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('disaggregation_scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_es', sa.Text(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disaggregation_scheme')),
    sa.UniqueConstraint('code', 'version', name='uq_disaggregation_scheme_version')
    )
    op.create_table('dq_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.Text(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('validity', sa.Text(), nullable=False),
    sa.Column('integrity', sa.Text(), nullable=False),
    sa.Column('precision', sa.Text(), nullable=False),
    sa.Column('reliability', sa.Text(), nullable=False),
    sa.Column('timeliness', sa.Text(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('mitigation', sa.Text(), nullable=True),
    sa.Column('assessor', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dq_assessment'))
    )
    with op.batch_alter_table('dq_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dq_assessment_indicator_code'), ['indicator_code'], unique=False)

    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.Column('objective_id', sa.Text(), nullable=True),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('name_es', sa.Text(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('direction', sa.Text(), nullable=False),
    sa.Column('aggregation', sa.Text(), nullable=False),
    sa.Column('cumulative', sa.Boolean(), nullable=False),
    sa.Column('schemes', sa.JSON(), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('change_log', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('code', name=op.f('uq_indicator_code'))
    )
    op.create_table('result_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('country_key', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value_type', sa.Text(), nullable=False),
    sa.Column('scheme_code', sa.Text(), nullable=False),
    sa.Column('scheme_version', sa.Integer(), nullable=True),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('value_text', sa.Text(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('not_available', sa.Boolean(), nullable=False),
    sa.Column('numerator_text', sa.Text(), nullable=True),
    sa.Column('denominator_text', sa.Text(), nullable=True),
    sa.Column('org_ref', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_result_value_indicator_id_indicator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_value')),
    sa.UniqueConstraint('indicator_id', 'activity', 'country_key', 'period_start', 'period_end', 'value_type', 'scheme_code', 'category', name='uq_result_value_key')
    )
    with op.batch_alter_table('result_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_value_indicator_id'), ['indicator_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('result_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_value_indicator_id'))

    op.drop_table('result_value')
    op.drop_table('indicator')
    with op.batch_alter_table('dq_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dq_assessment_indicator_code'))

    op.drop_table('dq_assessment')
    op.drop_table('disaggregation_scheme')
    op.drop_table('audit_log')
    op.drop_table('app_user')
