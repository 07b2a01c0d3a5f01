"""Alignment weighs evidence: each attributed part keeps its confidence and the votes that lost.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows aligned before this revision have neither; the crosswalks changed with it, so the stored
    # alignment reads as stale until `stratmon align` runs again.
    with op.batch_alter_table('alignment_split') as batch:
        batch.add_column(sa.Column('confidence', sa.Text(), nullable=True))
        batch.add_column(sa.Column('contest', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alignment_split') as batch:
        batch.drop_column('contest')
        batch.drop_column('confidence')
