"""Funding roll-ups: split rows summed by every funding key but the sector; transactions without value indexed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEYS = ('type_code', 'fiscal_year', 'currency', 'reporting_org_ref', 'recipient_key')
ALIGNED_KEYS = (*KEYS, 'line_id', 'objective_id', 'outside_id')
OPTIONAL = {'currency', 'reporting_org_ref', 'line_id', 'objective_id', 'outside_id'}


def _create(name: str, keys: tuple[str, ...]) -> None:
    op.create_table(name,
        *(sa.Column(key, sa.Integer() if key == 'fiscal_year' else sa.Text(), nullable=False, autoincrement=False)
          for key in keys),
        sa.Column('units', sa.BigInteger(), nullable=False),
        sa.Column('remainder', sa.BigInteger(), nullable=False),
        sa.Column('split_rows', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=op.f(f'pk_{name}')))


def _fill(name: str, source: str, keys: tuple[str, ...]) -> None:
    # The sums of the rows already stored, in the form store/rollups.py keeps them from now on:
    # whole units and a remainder of 0 to 999,999 millionths.
    columns = ', '.join(f"coalesce({key}, '')" if key in OPTIONAL else key for key in keys)
    connection = op.get_bind()
    groups = connection.execute(sa.text(
        f"SELECT {columns}, sum(amount_micros / 1000000), sum(amount_micros % 1000000), count(*) "
        f"FROM {source} WHERE sector_vocabulary = '' GROUP BY {columns}")).all()
    rows = []
    for *key, units, remainder, count in groups:
        units, remainder = divmod(int(units) * 1_000_000 + int(remainder), 1_000_000)
        rows.append({**dict(zip(keys, key)), 'units': units, 'remainder': remainder, 'split_rows': count})
    if rows:
        table = sa.table(name, *(sa.column(c) for c in (*keys, 'units', 'remainder', 'split_rows')))
        connection.execute(table.insert(), rows)


def upgrade() -> None:
    _create('split_total', KEYS)
    _create('alignment_total', ALIGNED_KEYS)
    _fill('split_total', 'transaction_split', KEYS)
    _fill('alignment_total', 'alignment_split', ALIGNED_KEYS)
    op.create_index('ix_iati_transaction_without_value', 'iati_transaction', ['type_code', 'fiscal_year'],
                    unique=False, sqlite_where=sa.text('value_micros IS NULL'),
                    postgresql_where=sa.text('value_micros IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_iati_transaction_without_value', table_name='iati_transaction',
                  sqlite_where=sa.text('value_micros IS NULL'), postgresql_where=sa.text('value_micros IS NULL'))
    op.drop_table('alignment_total')
    op.drop_table('split_total')
