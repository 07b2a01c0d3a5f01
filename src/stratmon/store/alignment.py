"""Writing alignment: attributed split rows, the alignment ledger, and manual overrides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.schema import CreateIndex, DropIndex

from stratmon.store import rollups, schema
from stratmon.store.bulk import BulkWriter, driver_rows
from stratmon.store.first_import import non_unique_indexes
from stratmon.store.runs import now
from stratmon.store.splits import NO_SECTOR_SPLIT

BATCH = 5_000


@dataclass(frozen=True)
class Override:
    """A person's attribution of an activity's money, as recorded."""

    id: int
    iati_identifier: str
    target: str
    reason: str
    created_by: str
    created_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def replace_alignment(connection: Connection, rows: Iterable[dict], activity_ids: list[int] | None) -> int:
    """Replace the alignment rows of `activity_ids` (all of them when None); returns rows written."""
    table = schema.alignment_split
    with _indexes_made_after(connection, table, activity_ids is None):
        if activity_ids is None:
            connection.execute(delete(table))
            rollups.clear(connection, table)
        else:
            rollups.count_out(connection, table, activity_ids)
            for start in range(0, len(activity_ids), 500):
                connection.execute(delete(table).where(table.c.activity_id.in_(activity_ids[start:start + 500])))
        writer = BulkWriter(connection)
        written = 0
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            values = driver_rows(table, batch)
            writer.insert_rows(table, values)
            rollups.count_in(connection, table, values)
            written += len(batch)
    return written


@contextmanager
def _indexes_made_after(connection: Connection, table: Table, whole_table: bool) -> Iterator[None]:
    """Around the rewriting of `table`'s rows: on SQLite, when the whole table is written again, its non-unique
    indexes dropped first and made from the finished table after (one sort each, rather than an index insert
    per row: a 10× alignment took a tenth longer with one more index kept row by row, and no longer made
    so). In the caller's transaction, which rolls back on any error (align.run uses `import_transaction`): a
    failed alignment leaves them as they were.

    Not on PostgreSQL, where dropping an index locks its table against readers until the transaction ends:
    the portal would wait for the whole alignment. SQLite's readers go on reading the last commit."""
    if not whole_table or connection.dialect.name != "sqlite":
        yield
        return
    indexes = non_unique_indexes(table)
    for index in indexes:
        connection.execute(DropIndex(index, if_exists=True))  # one missing (dropped by hand) is made again below
    yield
    for index in indexes:
        connection.execute(CreateIndex(index))


def record_geography(connection: Connection, decisions: dict[tuple[int, str], tuple[str, str, str | None]],
                     activity_ids: list[int] | None) -> None:
    """Store whether each activity's money to a framework region is inside the Strategy's geography:
    on its split rows (keeping their roll-up equal to them) and, with the reason, in `regional_scope`.
    For `activity_ids` only, or for every activity (decisions of earlier runs not made again are cleared)."""
    split, scope = schema.transaction_split, schema.regional_scope
    stored: dict[tuple[int, str], str | None] = {}
    statement = select(split.c.activity_id, split.c.recipient_key, split.c.geography).distinct()
    keys = sorted({key for _activity, key in decisions})
    if activity_ids is None:
        chunks = [statement.where(split.c.sector_vocabulary == NO_SECTOR_SPLIT,
                                  or_(split.c.geography.is_not(None), split.c.recipient_key.in_(keys)))]
    else:
        # By the activities' index alone (see rollups._count_stored), with every sector vocabulary: the rows of
        # one (activity, recipient) share its geography, as the importer writes them (none) and as the updates
        # below set it (by activity and recipient), and each recipient has a row of no vocabulary (splits.py).
        chunks = [statement.where(split.c.activity_id.in_(activity_ids[start:start + 500]))
                  for start in range(0, len(activity_ids), 500)]
    for chunk in chunks:
        for activity_id, key, geography in connection.execute(chunk):
            stored[(activity_id, key)] = geography
    changed_set = {activity_id for (activity_id, key), geography in stored.items()
                   if (decisions.get((activity_id, key)) or (None,))[0] != geography}
    changed = sorted(changed_set)
    if changed:
        rollups.count_out(connection, split, changed)
        for start in range(0, len(changed), 500):
            connection.execute(update(split).where(split.c.activity_id.in_(changed[start:start + 500]))
                               .values(geography=None))
        values = [{"b_activity": activity_id, "b_key": key, "b_geography": decision}
                  for (activity_id, key), (decision, _reason, _places) in decisions.items()
                  if activity_id in changed_set]
        if values:
            connection.execute(update(split).where(split.c.activity_id == bindparam("b_activity"),
                                                   split.c.recipient_key == bindparam("b_key"))
                               .values(geography=bindparam("b_geography")), values)
        rollups.count_stored_in(connection, split, changed)
    if activity_ids is None:
        connection.execute(delete(scope))
    else:
        for start in range(0, len(activity_ids), 500):
            connection.execute(delete(scope).where(scope.c.activity_id.in_(activity_ids[start:start + 500])))
    rows = [{"activity_id": activity_id, "recipient_key": key, "geography": decision, "reason": reason,
             "places": places} for (activity_id, key), (decision, reason, places) in sorted(decisions.items())]
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(scope), rows[start:start + BATCH])


def record_alignment_run(connection: Connection, *, framework_id: str, crosswalk_digest: str,
                         transactions: int, rows: int) -> None:
    """Note that alignment now reflects every import so far and these crosswalks."""
    connection.execute(insert(schema.alignment_run).values(
        finished_at=now(), framework_id=framework_id, crosswalk_digest=crosswalk_digest,
        last_import_run_id=newest_aligned_import(connection), transactions=transactions, rows=rows))


ALIGNED_SOURCES = ("iati", "fagov")


def newest_aligned_import(connection: Connection) -> int | None:
    """The ledger id of the newest import, of a source that alignment covers, that changed data."""
    return connection.execute(newest_aligned_import_query()).scalar_one()


def newest_aligned_import_query() -> Select:
    """`newest_aligned_import` as a query, for a reader that asks it with more (`alignment_state`)."""
    # Runs that found a file unchanged wrote nothing, so they cannot make alignment stale.
    run = schema.import_run
    return select(func.max(run.c.id)).where(run.c.source_kind.in_(ALIGNED_SOURCES), run.c.status == "imported")


def add_override(connection: Connection, iati_identifier: str, target: str, reason: str, user: str) -> int:
    """Record an override, revoking the one it replaces; returns its id."""
    revoke_override(connection, iati_identifier, user)
    result = connection.execute(insert(schema.alignment_override).values(
        iati_identifier=iati_identifier, target=target, reason=reason, created_by=user, created_at=now()))
    return result.inserted_primary_key[0]


def revoke_override(connection: Connection, iati_identifier: str, user: str) -> int:
    """Revoke the active override of an activity (kept in the history); returns how many."""
    table = schema.alignment_override
    result = connection.execute(update(table).where(
        table.c.iati_identifier == iati_identifier, table.c.revoked_at.is_(None)).values(
        revoked_by=user, revoked_at=now()))
    return result.rowcount


def overrides(connection: Connection, iati_identifier: str | None = None, *,
              active_only: bool = False) -> list[Override]:
    """Recorded overrides, oldest first: of one activity or of all."""
    table = schema.alignment_override
    statement = select(table).order_by(table.c.id)
    if iati_identifier is not None:
        statement = statement.where(table.c.iati_identifier == iati_identifier)
    if active_only:
        statement = statement.where(table.c.revoked_at.is_(None))
    return [Override(**row._mapping) for row in connection.execute(statement)]
