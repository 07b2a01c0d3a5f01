"""A result value belongs to the organisation that entered it: `org_ref` is part of the value's key, so
that partners sharing an activity each enter their own value for the same indicator, period and
disaggregate ('' where no organisation entered it, like the key's other empty parts).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

CELL = ('indicator_id', 'activity', 'country_key', 'period_start', 'period_end', 'value_type', 'scheme_code',
        'category')


def upgrade() -> None:
    op.execute("UPDATE result_value SET org_ref = '' WHERE org_ref IS NULL")
    with op.batch_alter_table('result_value', schema=None) as batch_op:
        batch_op.drop_constraint('uq_result_value_key', type_='unique')
        batch_op.alter_column('org_ref', existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint('uq_result_value_key', [*CELL, 'org_ref'])


def downgrade() -> None:
    # Refused by the database where two organisations entered the same cell: keep one first.
    with op.batch_alter_table('result_value', schema=None) as batch_op:
        batch_op.drop_constraint('uq_result_value_key', type_='unique')
        batch_op.alter_column('org_ref', existing_type=sa.Text(), nullable=True)
        batch_op.create_unique_constraint('uq_result_value_key', list(CELL))
    op.execute("UPDATE result_value SET org_ref = NULL WHERE org_ref = ''")
