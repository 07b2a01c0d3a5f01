"""Keeping the funding roll-ups (`split_total`, `alignment_total`) equal to the sums of their split rows.

Every writer of split rows calls these inside its own transaction: rows inserted are counted in,
rows about to be deleted are counted out, and a table emptied empties its roll-up. Readers
therefore never see a roll-up that disagrees with the rows beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Connection, Table, delete, func, literal, select

from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

MICROS = 1_000_000
# Roll-up keys that may be absent from a split row; stored as '' (see schema.ROLLUP_KEYS).
OPTIONAL_KEYS = frozenset({"currency", "reporting_org_ref", "geography", "line_id", "objective_id", "outside_id"})
ABSENT = ""
_CHUNK = 500


def rollup_of(split_table: Table) -> Table:
    """The roll-up kept for `transaction_split` or `alignment_split`."""
    return schema.alignment_total if split_table is schema.alignment_split else schema.split_total


def _keys(rollup: Table) -> list[str]:
    return [column.name for column in rollup.primary_key.columns]


Groups = list[tuple[tuple, int, int]]  # (roll-up key values, micros, split rows)


def count_in(connection: Connection, split_table: Table, rows: Iterable[tuple]) -> None:
    """Add split rows, given as the tuples the loader inserts (`bulk.driver_rows`), to their roll-up."""
    add_groups(connection, split_table, groups_of(split_table, rows))


def groups_of(split_table: Table, rows: Iterable[tuple]) -> Groups:
    """What split rows (tuples as `bulk.driver_rows` makes them) add to their roll-up, by key, in the order
    the keys first come. Needs no connection: import workers work it out for the batches they read."""
    rollup = rollup_of(split_table)
    keys = _keys(rollup)
    position = {column.name: i for i, column in enumerate(split_table.columns)}
    key_positions = [position[name] for name in keys]
    vocabulary, amount = position["sector_vocabulary"], position["amount_micros"]
    totals: dict[tuple, list[int]] = {}
    for row in rows:
        if row[vocabulary] != NO_SECTOR_SPLIT:
            continue
        key = tuple(ABSENT if row[i] is None else row[i] for i in key_positions)
        total = totals.get(key)
        if total is None:
            totals[key] = [row[amount], 1]
        else:
            total[0] += row[amount]
            total[1] += 1
    return [(key, micros, count) for key, (micros, count) in totals.items()]


def add_groups(connection: Connection, split_table: Table, groups: Groups) -> None:
    """Add `groups_of` some split rows to their roll-up (the rows are inserted in the same transaction)."""
    rollup = rollup_of(split_table)
    _merge(connection, rollup, _keys(rollup), groups)


def count_out(connection: Connection, split_table: Table, activity_ids: Sequence[int]) -> None:
    """Take the split rows of `activity_ids` out of their roll-up (call before deleting or changing them)."""
    _count_stored(connection, split_table, activity_ids, -1)
    rollup = rollup_of(split_table)
    connection.execute(delete(rollup).where(rollup.c.split_rows == 0))


def count_stored_in(connection: Connection, split_table: Table, activity_ids: Sequence[int]) -> None:
    """Add the stored split rows of `activity_ids` to their roll-up (after changing them in place)."""
    _count_stored(connection, split_table, activity_ids, 1)


def _count_stored(connection: Connection, split_table: Table, activity_ids: Sequence[int], sign: int) -> None:
    rollup = rollup_of(split_table)
    keys = _keys(rollup)
    columns = [_stored_key(split_table.c[name]) for name in keys]
    amount, vocabulary = split_table.c.amount_micros, split_table.c.sector_vocabulary
    for start in range(0, len(activity_ids), _CHUNK):
        # Grouped by vocabulary too, and the recipient-only split kept here, not in the WHERE clause: given
        # both, SQLite read every recipient-only row of the table through the vocabulary index for each
        # chunk (quadratic: a 100× alignment spent its time here), where the activities' own index reads
        # only theirs.
        statement = (select(vocabulary, *columns, *_exact_sum(amount), func.count())
                     .where(split_table.c.activity_id.in_(activity_ids[start:start + _CHUNK]))
                     .group_by(vocabulary, *columns))
        groups = [(tuple(row[1:-3]), sign * (int(row[-3]) * MICROS + int(row[-2])), sign * int(row[-1]))
                  for row in connection.execute(statement) if row[0] == NO_SECTOR_SPLIT]
        _merge(connection, rollup, keys, groups)


def clear(connection: Connection, split_table: Table) -> None:
    """Empty the roll-up of `split_table` (when the table is emptied, to be written again whole)."""
    connection.execute(delete(rollup_of(split_table)))


def _exact_sum(amount) -> tuple:
    # Integer division (truncating, as `%` does, on both engines): see analysis.funding.exact_sum.
    return func.sum(amount.op("/")(MICROS)), func.sum(amount % MICROS)


def _stored_key(column):
    if column.name in OPTIONAL_KEYS:
        return func.coalesce(column, literal(ABSENT)).label(column.name)
    return column


def _merge(connection: Connection, rollup: Table, keys: list[str], groups: list[tuple[tuple, int, int]]) -> None:
    """Add (key values, micros, split rows) to the roll-up, creating the groups it lacks."""
    if not groups:
        return
    statement = _upsert(connection.dialect.name, rollup, tuple(keys))
    values = []
    for key, micros, count in groups:
        units, remainder = divmod(micros, MICROS)
        values.append({**dict(zip(keys, key)), "units": units, "remainder": remainder, "split_rows": count})
    connection.execute(statement, values)


@lru_cache(maxsize=None)
def _upsert(dialect_name: str, rollup: Table, keys: tuple[str, ...]):
    """The statement `_merge` runs: made once, as the importer merges groups batch after batch."""
    # Imported here: an import into SQLite need not load PostgreSQL's dialect (a few hundredths of a second).
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(rollup)
    # Two remainders make 0 to 2 units less 2 millionths; grouped, or the division binds tighter.
    carry = (rollup.c.remainder + statement.excluded.remainder).self_group()
    statement = statement.on_conflict_do_update(index_elements=keys, set_={
        "units": rollup.c.units + statement.excluded.units + carry.op("/")(MICROS),
        "remainder": carry % MICROS,
        "split_rows": rollup.c.split_rows + statement.excluded.split_rows,
    })
    return statement
