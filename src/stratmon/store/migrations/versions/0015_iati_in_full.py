"""IATI in full: what the activity tables lacked to give back every element and attribute as published —
each row's element whole when its columns cannot hold it (`published`); an activity's @linked-data-uri,
@budget-not-provided, its file's @linked-data-default and the attributes its columns cannot hold; a
recipient region's @vocabulary-uri; a planned disbursement's provider and receiver type and activity
identifier.

Activities stored before keep what they had: importing their files again fills these in.

Revision ID: 0015
Revises: 0014 (0013 until 0014 lands)
Create Date: 2026-12-10 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0013'  # 0014 is another change under way: this becomes '0014' once it lands
branch_labels = None
depends_on = None

PUBLISHED = ('published', sa.JSON())
# Table → the columns added, in the order schema.py lists them.
COLUMNS = {
    'activity': [('linked_data_uri', sa.Text()), ('budget_not_provided', sa.Text()),
                 ('linked_data_default', sa.Text()), ('published_attributes', sa.JSON())],
    'participating_org': [PUBLISHED],
    'activity_date': [PUBLISHED],
    'related_activity': [PUBLISHED],
    'iati_transaction': [PUBLISHED],
    'recipient': [('vocabulary_uri', sa.Text()), PUBLISHED],
    'sector': [PUBLISHED],
    'budget': [PUBLISHED],
    'planned_disbursement': [('provider_org_type', sa.Text()), ('provider_activity_id', sa.Text()),
                             ('receiver_org_type', sa.Text()), ('receiver_activity_id', sa.Text()), PUBLISHED],
    'location': [PUBLISHED],
    'document_link': [PUBLISHED],
    'result': [PUBLISHED],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for name, kind in columns:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    # SQLite drops a plain column in place (3.35 and later). A batch operation would copy the table and
    # drop the old one, and with foreign keys on, dropping `activity` deletes every row that refers to it.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, columns in COLUMNS.items():
        for name, _kind in reversed(columns):
            if sqlite:
                op.execute(f'ALTER TABLE {table} DROP COLUMN {name}')
            else:
                op.drop_column(table, name)
