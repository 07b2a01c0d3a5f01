"""Narratives: per line of action, country, span of fiscal years and language, every saved version of
the analysts' text (progress, challenges, next steps) with its workflow state.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('narrative_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('first_fy', sa.Integer(), nullable=False),
    sa.Column('last_fy', sa.Integer(), nullable=False),
    sa.Column('lang', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('challenges', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by', sa.Text(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_narrative_version')),
    sa.UniqueConstraint('line_id', 'country', 'first_fy', 'last_fy', 'lang', 'version',
                        name='uq_narrative_version_key')
    )


def downgrade() -> None:
    op.drop_table('narrative_version')
