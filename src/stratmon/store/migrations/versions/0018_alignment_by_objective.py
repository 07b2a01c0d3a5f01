"""An index of alignment_split by objective: the activities list and API filtered by an objective read that
objective's rows alone, instead of every row of the fiscal years through the funding queries' index.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 21:00:00
"""
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_alignment_split_objective', 'alignment_split',
                    ['objective_id', 'sector_vocabulary', 'type_code', 'fiscal_year'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_alignment_split_objective', table_name='alignment_split')
