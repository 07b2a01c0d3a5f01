"""The Strategy's geography: each split row says whether `align` found regional money inside it, the
roll-ups are kept by that too, and the reasons are kept per activity and region.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KEYS = ('type_code', 'fiscal_year', 'currency', 'reporting_org_ref', 'recipient_key', 'geography')
ALIGNED_KEYS = (*KEYS, 'line_id', 'objective_id', 'outside_id')
OPTIONAL = {'currency', 'reporting_org_ref', 'geography', 'line_id', 'objective_id', 'outside_id'}


def _create(name: str, keys: tuple[str, ...]) -> None:
    op.create_table(name,
        *(sa.Column(key, sa.Integer() if key == 'fiscal_year' else sa.Text(), nullable=False, autoincrement=False)
          for key in keys),
        sa.Column('units', sa.BigInteger(), nullable=False),
        sa.Column('remainder', sa.BigInteger(), nullable=False),
        sa.Column('split_rows', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=op.f(f'pk_{name}')))


def _fill(name: str, source: str, keys: tuple[str, ...]) -> None:
    # As in 0007: whole units and a remainder of 0 to 999,999 millionths per group.
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
    for table in ('transaction_split', 'alignment_split'):
        op.add_column(table, sa.Column('geography', sa.Text(), nullable=True))
    op.create_index('ix_transaction_split_recipient', 'transaction_split', ['recipient_key', 'sector_vocabulary'],
                    unique=False)
    # The roll-ups gain a key: made anew from their rows. No money has a geography decision yet, so money
    # to a wider region counts as the Strategy's nowhere until `stratmon align` reads its texts; alignment
    # rows for recipients outside the geography stay until then, in no Strategy figure.
    op.drop_table('split_total')
    op.drop_table('alignment_total')
    _create('split_total', KEYS)
    _create('alignment_total', ALIGNED_KEYS)
    _fill('split_total', 'transaction_split', KEYS)
    _fill('alignment_total', 'alignment_split', ALIGNED_KEYS)
    op.create_table('regional_scope',
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('recipient_key', sa.Text(), nullable=False),
        sa.Column('geography', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('places', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_regional_scope_activity_id_activity'),
                                ondelete='CASCADE'))
    op.create_index(op.f('ix_regional_scope_activity_id'), 'regional_scope', ['activity_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_transaction_split_recipient', table_name='transaction_split')
    op.drop_index(op.f('ix_regional_scope_activity_id'), table_name='regional_scope')
    op.drop_table('regional_scope')
    op.drop_table('split_total')
    op.drop_table('alignment_total')
    with op.batch_alter_table('alignment_split') as batch:
        batch.drop_column('geography')
    with op.batch_alter_table('transaction_split') as batch:
        batch.drop_column('geography')
    keys = KEYS[:-1]
    _create('split_total', keys)
    _create('alignment_total', (*keys, 'line_id', 'objective_id', 'outside_id'))
    _fill('split_total', 'transaction_split', keys)
    _fill('alignment_total', 'alignment_split', (*keys, 'line_id', 'objective_id', 'outside_id'))
