"""Each IATI transaction's appropriation account, read once from its extensions into a column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:30:00
"""
from alembic import op
import sqlalchemy as sa

from stratmon.sources.usg_extensions import treasury_account


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Transactions read and updated per round trip: memory stays bounded on any size of database.
BATCH = 5_000


def _fill() -> None:
    # The JSON is read in Python, by the loader's own function, so that both engines (and the two forms
    # agencies publish the account in) give the same symbol without engine-specific JSON SQL.
    transactions = sa.table('iati_transaction', sa.column('id', sa.Integer), sa.column('extensions', sa.JSON),
                            sa.column('treasury_account', sa.Text))
    connection = op.get_bind()
    update = transactions.update().where(transactions.c.id == sa.bindparam('row_id')).values(
        treasury_account=sa.bindparam('symbol'))
    last = None
    while True:
        query = sa.select(transactions.c.id, transactions.c.extensions).where(
            transactions.c.extensions.is_not(None)).order_by(transactions.c.id).limit(BATCH)
        if last is not None:
            query = query.where(transactions.c.id > last)
        batch = connection.execute(query).all()
        if not batch:
            return
        last = batch[-1].id
        found = [{'row_id': row.id, 'symbol': symbol} for row in batch
                 if (symbol := treasury_account(row.extensions))]
        if found:
            connection.execute(update, found)


def upgrade() -> None:
    op.add_column('iati_transaction', sa.Column('treasury_account', sa.Text(), nullable=True))
    _fill()


def downgrade() -> None:
    with op.batch_alter_table('iati_transaction') as batch:
        batch.drop_column('treasury_account')
