"""The one writer of imported data: each file is one database transaction, all or nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Column, Connection, Engine, Table, bindparam, delete, select

from stratmon.i18n import _
from stratmon.iati.standard import is_version_1
from stratmon.sources.errors import ImportRejected
from stratmon.sources.iati_org import is_organisation_file
from stratmon.sources.iati_records import SkippedActivity
from stratmon.store import first_import, rollups, schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.load_organisation import import_organisation_file
from stratmon.store.prepare import (
    LOCAL_ID_TABLES, NO_RUN, ActivityKey, FileRead, FileRefused, Message, PreparedBatch, prepare_file,
)
from stratmon.store.runs import ImportReport, Ids, Issue, finish_run, import_transaction, now, other_file_conflict, \
    outcome, start_run


def _later(key: ActivityKey, existing) -> bool:
    """Whether `key`'s activity should replace the stored version (DESIGN.md rule 1).

    The newer last-updated-datetime wins; on a tie the greater content hash wins, so the
    outcome does not depend on the order in which files are imported.
    """
    mine = key.last_updated or datetime.min
    theirs = existing.last_updated_at or datetime.min
    return (mine, key.content_hash) > (theirs, existing.content_hash)


# The stored versions of some activities. Written once, with the identifiers bound when it runs: a list
# of literals in the statement would be coerced one by one by SQLAlchemy, for every batch.
_STORED = (select(schema.activity.c.id, schema.activity.c.iati_identifier, schema.activity.c.content_hash,
                  schema.activity.c.last_updated_at, schema.activity.c.import_run_id, schema.import_run.c.path)
           .join(schema.import_run, schema.import_run.c.id == schema.activity.c.import_run_id)
           .where(schema.activity.c.iati_identifier.in_(bindparam("identifiers", expanding=True))))


# The bulk path. A batch whose activities are all new (the usual batch, and every batch of a first import)
# goes in as the reader made it: the database adds to its local ids what makes them database ids (no row
# rebuilt in Python), and its roll-up groups come worked out by the reader; and on SQLite the import runs
# without foreign key enforcement (the loader hands out every id its rows refer to). Other batches (an
# activity replaced or unchanged) take the plain path: rows rebuilt with their ids and counted into the
# roll-up here. False sends every batch the plain way, with references checked by the database: the
# database must come out identical (tests/test_import_bulk.py compares the two, table by table).
BULK = True


class _FileLoader:
    """Writes one file's prepared batches inside the caller's transaction."""

    def __init__(self, connection: Connection, report: ImportReport, ids: Ids, path: Path) -> None:
        self.connection = connection
        self.report = report
        self.ids = ids
        self.run_id = report.run_id = ids("import_run")
        self.path = str(path)
        self.writer = BulkWriter(connection)

    def load(self, batch: PreparedBatch, strict: bool) -> None:
        """Store the batch's activities that DESIGN.md rule 1 keeps; report the others and the skipped."""
        for record in batch.skipped:
            self._skipped(record, strict)
        if not batch.activities:
            return
        kept, replaced = self._decide(batch)
        if not kept:
            return
        if replaced:
            self._delete(replaced)
        if BULK and not replaced and len(kept) == len(batch.activities):
            self._insert_new(batch, kept[1])
            return
        shifts = self._shifts(batch, kept)
        for table in (schema.activity, *reversed(schema.ACTIVITY_CONTENT)):
            if rows := _stored_ids(table, batch.rows.get(table.name, ()), shifts, self.run_id):
                self.writer.insert_rows(table, rows)
                if table is schema.transaction_split:
                    rollups.count_in(self.connection, table, rows)

    def _insert_new(self, batch: PreparedBatch, first_activity_id: int) -> None:
        """Insert a batch whose activities are all new, as the reader made it: its activities take
        consecutive ids from `first_activity_id`, as do the ids its rows hand out, table by table, so one
        number per kind of id turns the batch's local ids into database ids."""
        offsets = (first_activity_id - 1, *(
            self.ids.reserve(table, end - 1) - 1 for table, end in zip(LOCAL_ID_TABLES, batch.next_ids)))
        for table in (schema.activity, *reversed(schema.ACTIVITY_CONTENT)):
            if rows := batch.rows.get(table.name):
                self.writer.insert_rows(table, rows, add=_additions(table, offsets, self.run_id))
        rollups.add_groups(self.connection, schema.transaction_split, batch.split_groups)

    def _decide(self, batch: PreparedBatch) -> tuple[dict[int, int], list[int]]:
        """Which activities to store: local activity id (its place in the batch) → its database id, in the
        batch's order; and the stored ids they replace."""
        stored = {row.iati_identifier: row for row in self.connection.execute(
            _STORED, {"identifiers": [a.identifier for a in batch.activities]})}
        kept: dict[int, int] = {}
        replaced: list[int] = []
        for local_id, key in enumerate(batch.activities, 1):
            self.report.transactions += key.transactions
            existing = stored.get(key.identifier)
            if existing is None:
                self.report.records_new += 1
                kept[local_id] = self.ids("activity")
            elif existing.content_hash == key.content_hash:
                self.report.records_unchanged += 1
            elif _later(key, existing):
                self.report.records_updated += 1
                replaced.append(existing.id)
                kept[local_id] = existing.id
                self._conflict(key, existing, kept_this_file=True)
            else:
                self.report.records_unchanged += 1
                self._conflict(key, existing, kept_this_file=False)
        return kept, replaced

    def _shifts(self, batch: PreparedBatch, kept: dict[int, int]) -> dict[int, tuple[int, ...]]:
        """For each activity kept (local id → database id): its database id, then what to add to each
        LOCAL_ID_TABLES id of its rows (ids reserved for them, in the batch's order)."""
        shifts: dict[int, tuple[int, ...]] = {}
        for local_id, activity_id in kept.items():
            key = batch.activities[local_id - 1]
            ends = batch.activities[local_id].first_ids if local_id < len(batch.activities) else batch.next_ids
            shifts[local_id] = (activity_id, *(
                self.ids.reserve(table, end - first) - first
                for table, first, end in zip(LOCAL_ID_TABLES, key.first_ids, ends)))
        return shifts

    def _skipped(self, record: SkippedActivity, strict: bool) -> None:
        if strict:
            reason = (f"{record.identifier}: {record.reason}" if record.identifier
                      else _("activity: {reason}").format(reason=record.reason))
            raise ImportRejected(self.path, record.line, reason)
        self.report.records_skipped += 1
        self.report.add_issue(Issue("skipped", record.line, record.identifier, record.reason))

    def _conflict(self, key: ActivityKey, existing, kept_this_file: bool) -> None:
        tie = key.last_updated == existing.last_updated_at
        if existing.import_run_id == self.run_id:
            message = _earlier_in_file(kept_this_file, tie, existing.path)
        elif existing.path == self.path:
            return  # a newer publication of the same file is an update, not a conflict
        else:
            message = other_file_conflict(existing.path, kept_this_file, tie)
        self.report.conflicts += 1
        self.report.add_issue(Issue("conflict", key.line, key.identifier, message))

    def _delete(self, replaced: list[int]) -> None:
        """Delete the stored activities `replaced`, with everything that belongs to them."""
        # The deletions find the rows by activity, and PostgreSQL cascades along the foreign keys: those
        # first, if a first import put them off.
        first_import.restore(self.connection)
        for split_table in (schema.transaction_split, schema.alignment_split):
            rollups.count_out(self.connection, split_table, replaced)
        # Their rows in other tables first (what ON DELETE CASCADE takes with an activity): the import
        # runs without foreign key enforcement on SQLite, where the cascade does not run.
        for column in _OWNED_ELSEWHERE:
            self.connection.execute(delete(column.table).where(column.in_(replaced)))
        for table in (*schema.ACTIVITY_CONTENT, schema.activity):
            column = table.c.id if table is schema.activity else table.c.activity_id
            self.connection.execute(delete(table).where(column.in_(replaced)))


def _earlier_in_file(kept_this_file: bool, tie: bool, kept_path: str) -> str:
    """The conflict note for an activity a file holds twice, with different content."""
    if tie and kept_this_file:
        return _("also earlier in this file with different content and the same last-updated-datetime; kept "
                 "the version met later (a tie: the greater content hash decides)")
    if tie:
        return _("also earlier in this file with different content and the same last-updated-datetime; kept "
                 "the version met first (a tie: the greater content hash decides)")
    if kept_this_file:
        return _("also earlier in this file with different content; kept the version from this file "
                 "(newer last-updated-datetime)")
    return _("also earlier in this file with different content; kept the version from {kept} "
             "(newer last-updated-datetime)").format(kept=kept_path)


def _owned_elsewhere() -> tuple[tuple[Column, ...], bool]:
    """The columns by which rows of tables other than the activity's content belong to an activity, ON
    DELETE CASCADE (regional_scope.activity_id); and whether the loader may import without foreign key
    enforcement: not when some other table refers to an activity's content otherwise (restricting its
    deletion, or referring to a transaction or a result), which only the database would then check."""
    content = {table.name for table in (schema.activity, *schema.ACTIVITY_CONTENT)}
    owned, may_skip_checks = [], True
    for table in schema.metadata.sorted_tables:
        if table.name in content:
            continue
        for key in table.foreign_keys:
            if key.column.table.name not in content:
                continue
            if key.column is schema.activity.c.id and (key.ondelete or "").upper() == "CASCADE":
                owned.append(key.parent)
            else:
                may_skip_checks = False
    return tuple(owned), may_skip_checks


_OWNED_ELSEWHERE, _MAY_SKIP_REFERENCE_CHECKS = _owned_elsewhere()


def _additions(table: Table, offsets: tuple[int, ...], run_id: int) -> dict[int, int]:
    """What to add at each place of `table`'s rows to turn the batch's local ids into database ids."""
    activity_place, local_ids, run_place = _id_columns(table)
    add = {activity_place: offsets[0]}
    for place, table_shift in local_ids:
        add[place] = offsets[table_shift]
    if run_place is not None:
        add[run_place] = run_id - NO_RUN
    return add


@lru_cache(maxsize=None)
def _id_columns(table: Table) -> tuple[int, tuple[tuple[int, int], ...], int | None]:
    """Where `table`'s rows hold their activity id, their LOCAL_ID_TABLES ids (place, and which table's
    shift applies: 1 for the first), and the import run's id (the activity table's own)."""
    names = [column.name for column in table.columns]
    activity_place = names.index("id" if table is schema.activity else "activity_id")
    local_ids = []
    for place, column in enumerate(table.columns):
        targets = [fk.column.table.name for fk in column.foreign_keys]
        if column.name == "id" and table.name in LOCAL_ID_TABLES:
            targets = [table.name]
        for target in targets:
            if target in LOCAL_ID_TABLES:
                local_ids.append((place, LOCAL_ID_TABLES.index(target) + 1))
    run_place = names.index("import_run_id") if table is schema.activity else None
    return activity_place, tuple(local_ids), run_place


def _stored_ids(table: Table, rows: list[tuple], shifts: dict[int, tuple[int, ...]], run_id: int) -> list[tuple]:
    """The rows of the activities in `shifts`, with database ids in place of the batch's local ones."""
    activity_place, local_ids, run_place = _id_columns(table)
    stored = []
    for row in rows:
        shift = shifts.get(row[activity_place])
        if shift is None:
            continue
        values = list(row)
        values[activity_place] = shift[0]
        for place, table_shift in local_ids:
            if values[place] is not None:
                values[place] += shift[table_shift]
        if run_place is not None:
            values[run_place] = run_id
        stored.append(tuple(values))
    return stored


def import_prepared_file(
    engine: Engine,
    path: Path,
    messages: Iterator[Message],
    *,
    strict: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one IATI activity file, read into `messages` by `prepare.prepare_file` (here or in a
    worker process), in one database transaction.

    Raises ImportRejected (and stores nothing) when the file is not well-formed IATI, or, with
    `strict`, when any activity in it cannot be read or it does not declare a version of the standard.
    """
    started, clock = now(), time.perf_counter()
    report = ImportReport(path=path)
    opened = next(messages)
    if isinstance(opened, FileRefused):
        raise ImportRejected(path, opened.line, opened.reason)
    report.format_version = opened.version
    if opened.version_problem is not None:
        if strict:
            raise ImportRejected(path, opened.line, opened.version_problem)
        read_as = "1.0x" if is_version_1(opened.version) else "2.0x"
        report.add_issue(Issue("warning", opened.line, None, _("{problem}; read as version {version}").format(
            problem=opened.version_problem, version=read_as)))
    # The loader makes every reference its rows hold (it hands out their ids): the database need not check
    # them row by row (store/runs.import_transaction).
    with import_transaction(engine, check_references=not (BULK and _MAY_SKIP_REFERENCE_CHECKS)) as connection:
        loader = _FileLoader(connection, report, Ids(connection), path)
        start_run(connection, loader.run_id, "iati", path, started, record_kind="activity",
                  format_version=opened.version)
        bytes_done = 0
        for message in messages:
            if isinstance(message, FileRefused):
                raise ImportRejected(path, message.line, message.reason)
            if isinstance(message, FileRead):
                if message.characters_removed is not None:
                    report.record_repair(message.characters_removed)
                break
            loader.load(message, strict)
            if on_progress is not None:
                on_progress(message.bytes_read - bytes_done)
            bytes_done = message.bytes_read
        else:
            raise RuntimeError(f"{path}: the file's reading ended unfinished")
        report.status = outcome(report)
        report.seconds = time.perf_counter() - clock
        finish_run(connection, report, message.sha256, path)
    return report


def import_iati_file(
    engine: Engine,
    path: Path,
    *,
    strict: bool = False,
    on_progress: Callable[[int], None] | None = None,
    repair_invalid_characters: bool = False,
) -> ImportReport:
    """Import one IATI activity file in one database transaction, reading it in this process; an
    organisation file (root `<iati-organisations>`) goes to its own loader, store/load_organisation.py.

    Raises ImportRejected (and stores nothing) when the file is not well-formed IATI, or, with
    `strict`, when any activity in it cannot be read or it does not declare a version of the standard.
    """
    if is_organisation_file(path):
        return import_organisation_file(engine, path, on_progress=on_progress)
    messages = prepare_file(path, repair_invalid_characters=repair_invalid_characters)
    return import_prepared_file(engine, path, messages, strict=strict, on_progress=on_progress)
