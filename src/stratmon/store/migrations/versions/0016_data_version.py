"""The data version: one row moved, by triggers, with every committed change a public answer can show,
so that the portal can serve pages, downloads and API answers from a cache that is never stale
(store/data_version.py says which tables move it and why the others need not).

SQLite: a trigger per row and kind of write on each tracked table adds one to the version. PostgreSQL:
a constraint trigger per tracked table, deferred to the commit, moves it once per transaction, and a
statement trigger moves it on TRUNCATE. The row's `epoch` is random, so that a database made again
never repeats a version an earlier one had.

A later migration that rebuilds a tracked table on SQLite (batch mode) must create its triggers again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12 12:00:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# The tables whose writes move the version, as of this revision (store/data_version.TRACKED).
TRACKED = ('import_run', 'alignment_run', 'alignment_override', 'result_value', 'indicator', 'disaggregation_scheme',
           'dq_assessment', 'document', 'narrative_version')
SQLITE_EVENTS = ('INSERT', 'UPDATE', 'DELETE')

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION stratmon_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_in = txid_current()
     WHERE id = 1 AND changed_in IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    table = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('epoch', sa.Text(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('changed_in', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'epoch': secrets.token_hex(8), 'version': 1, 'changed_in': None}])
    if op.get_bind().dialect.name == 'sqlite':
        for name in TRACKED:
            for event in SQLITE_EVENTS:
                op.execute(f'CREATE TRIGGER data_version_{name}_{event.lower()} AFTER {event} ON {name} '
                           f'BEGIN UPDATE data_version SET version = version + 1 WHERE id = 1; END')
    else:
        op.execute(POSTGRESQL_FUNCTION)
        for name in TRACKED:
            op.execute(f'CREATE CONSTRAINT TRIGGER data_version_{name} AFTER INSERT OR UPDATE OR DELETE ON {name} '
                       f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stratmon_data_changed()')
            op.execute(f'CREATE TRIGGER data_version_{name}_truncate AFTER TRUNCATE ON {name} '
                       f'FOR EACH STATEMENT EXECUTE FUNCTION stratmon_data_changed()')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in TRACKED:
            for event in SQLITE_EVENTS:
                op.execute(f'DROP TRIGGER IF EXISTS data_version_{name}_{event.lower()}')
    else:
        for name in TRACKED:
            op.execute(f'DROP TRIGGER IF EXISTS data_version_{name} ON {name}')
            op.execute(f'DROP TRIGGER IF EXISTS data_version_{name}_truncate ON {name}')
        op.execute('DROP FUNCTION IF EXISTS stratmon_data_changed()')
    op.drop_table('data_version')
