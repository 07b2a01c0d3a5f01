"""Everything the store keeps of a set of activities, read in batches, for writing them out again
(`stratmon.iati.export`).

Rows come back per activity in the order they were published: tables with their own id by id. The
others keep no position, so they are read unsorted, in storage order: the loader inserts an
activity's rows in document order, SQLite keeps them in rowid (insertion) order and PostgreSQL in
heap order, which for rows written together is the order they were written. (Sorting them by
`activity_id` alone would not do: PostgreSQL's sort is not stable.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, Row, Table, select

from stratmon.store import schema

BATCH_IDENTIFIERS = 200

# The tables holding an activity's content as published; the split tables are derived from them.
CONTENT_TABLES: tuple[Table, ...] = (
    schema.activity_narrative, schema.participating_org, schema.activity_date, schema.related_activity,
    schema.recipient, schema.sector, schema.transaction, schema.budget, schema.planned_disbursement,
    schema.location, schema.document_link, schema.result, schema.result_indicator, schema.indicator_baseline,
    schema.indicator_period, schema.indicator_period_value,
)


@dataclass
class StoredActivity:
    """One activity row and, per content table name, its rows in published order."""

    activity: Row
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def of(self, table: Table) -> list[Row]:
        """The activity's rows of `table`."""
        return self.rows.get(table.name, [])


def stored_activities(connection: Connection, identifiers: Iterable[str],
                      batch_size: int = BATCH_IDENTIFIERS) -> Iterator[StoredActivity]:
    """The stored activities with these IATI identifiers, in the order given; identifiers the store
    does not hold are passed over. Reads `batch_size` activities at a time, so memory stays bounded."""
    batch: list[str] = []
    for identifier in identifiers:
        batch.append(identifier)
        if len(batch) >= batch_size:
            yield from _batch(connection, batch)
            batch = []
    if batch:
        yield from _batch(connection, batch)


def _batch(connection: Connection, identifiers: list[str]) -> Iterator[StoredActivity]:
    activity = schema.activity
    found = {row.iati_identifier: StoredActivity(row) for row in connection.execute(
        select(activity).where(activity.c.iati_identifier.in_(identifiers)))}
    by_id = {stored.activity.id: stored for stored in found.values()}
    if by_id:
        for table in CONTENT_TABLES:
            for row in connection.execute(_content_query(table, list(by_id))):
                by_id[row.activity_id].rows.setdefault(table.name, []).append(row)
    for identifier in dict.fromkeys(identifiers):
        if identifier in found:
            yield found[identifier]


def _content_query(table: Table, activity_ids: list[int]):
    query = select(table).where(table.c.activity_id.in_(activity_ids))
    return query.order_by(table.c.id) if "id" in table.c else query
