"""An index of alignment_split by line of action: a line's page ranks its largest activities from the line's
rows alone, instead of reading every row of its fiscal years through the funding queries' index.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:30:00
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_alignment_split_line', 'alignment_split',
                    ['line_id', 'sector_vocabulary', 'type_code', 'fiscal_year'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_alignment_split_line', table_name='alignment_split')
