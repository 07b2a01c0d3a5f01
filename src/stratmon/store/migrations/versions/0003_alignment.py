"""Alignment: attributed splits, manual overrides and alignment runs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:01:21.555277
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


FAGOV_ALIGNMENT_COLUMNS = ("line_id", "objective_id", "outside_id", "alignment_rule", "alignment_evidence")


def upgrade() -> None:
    with op.batch_alter_table('fagov_transaction', schema=None) as batch_op:
        for name in FAGOV_ALIGNMENT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))

    op.create_table('alignment_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('iati_identifier', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_by', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alignment_override'))
    )
    with op.batch_alter_table('alignment_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alignment_override_iati_identifier'), ['iati_identifier'], unique=False)

    op.create_table('alignment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.Column('framework_id', sa.Text(), nullable=False),
    sa.Column('crosswalk_digest', sa.Text(), nullable=False),
    sa.Column('last_import_run_id', sa.Integer(), nullable=True),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alignment_run'))
    )
    op.create_table('alignment_split',
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('type_code', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('reporting_org_ref', sa.Text(), nullable=True),
    sa.Column('recipient_key', sa.Text(), nullable=False),
    sa.Column('sector_vocabulary', sa.Text(), nullable=False),
    sa.Column('sector_code', sa.Text(), nullable=False),
    sa.Column('line_id', sa.Text(), nullable=True),
    sa.Column('objective_id', sa.Text(), nullable=True),
    sa.Column('outside_id', sa.Text(), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('amount_micros', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_alignment_split_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['iati_transaction.id'], name=op.f('fk_alignment_split_transaction_id_iati_transaction'), ondelete='CASCADE')
    )
    with op.batch_alter_table('alignment_split', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alignment_split_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_alignment_split_query', ['sector_vocabulary', 'type_code', 'fiscal_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_alignment_split_transaction_id'), ['transaction_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fagov_transaction', schema=None) as batch_op:
        for name in FAGOV_ALIGNMENT_COLUMNS:
            batch_op.drop_column(name)
    with op.batch_alter_table('alignment_split', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alignment_split_transaction_id'))
        batch_op.drop_index('ix_alignment_split_query')
        batch_op.drop_index(batch_op.f('ix_alignment_split_activity_id'))

    op.drop_table('alignment_split')
    op.drop_table('alignment_run')
    with op.batch_alter_table('alignment_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alignment_override_iati_identifier'))

    op.drop_table('alignment_override')
