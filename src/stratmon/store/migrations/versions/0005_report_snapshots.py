"""Report snapshots: the figures of each report, by data snapshot, for `report --since`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:41:54.725331
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_snapshot',
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('snapshot', name=op.f('pk_report_snapshot'))
    )


def downgrade() -> None:
    op.drop_table('report_snapshot')
