"""The one writer of imported data: each file is one database transaction, all or nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, select

from stratmon.i18n import _
from stratmon.sources.errors import ImportRejected
from stratmon.sources.iati import IatiFile
from stratmon.sources.iati_records import Activity, SkippedActivity
from stratmon.store import rollups, schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.rows import Rows, activity_rows, empty_rows
from stratmon.store.runs import ImportReport, Ids, Issue, finish_run, import_transaction, now, start_run

BATCH_ACTIVITIES = 400


def _later(a: Activity, existing) -> bool:
    """Whether `a` should replace the stored version (DESIGN.md rule 1).

    The newer last-updated-datetime wins; on a tie the greater content hash wins, so the
    outcome does not depend on the order in which files are imported.
    """
    mine = a.last_updated.astimezone(timezone.utc).replace(tzinfo=None) if a.last_updated else datetime.min
    theirs = existing.last_updated_at or datetime.min
    return (mine, a.content_hash) > (theirs, existing.content_hash)


class _FileLoader:
    """Writes one file's activities, batch by batch, inside the caller's transaction."""

    def __init__(self, connection: Connection, report: ImportReport, ids: Ids, path: Path) -> None:
        self.connection = connection
        self.report = report
        self.ids = ids
        self.run_id = report.run_id = ids("import_run")
        self.path = str(path)
        self.writer = BulkWriter(connection)

    def run(self, iati_file: IatiFile, strict: bool, started: datetime) -> None:
        start_run(self.connection, self.run_id, "iati", Path(self.path), started, record_kind="activity",
                  format_version=iati_file.version)
        batch: list[Activity] = []
        seen_in_batch: set[str] = set()
        for record in _records(iati_file, self.report, strict):
            # A repeated identifier waits for the next batch, so that rule 1 sees the first copy stored.
            if record.identifier in seen_in_batch or len(batch) >= BATCH_ACTIVITIES:
                self.flush(batch)
                batch, seen_in_batch = [], set()
            batch.append(record)
            seen_in_batch.add(record.identifier)
        self.flush(batch)
        self.report.status = "imported" if self.report.records_new or self.report.records_updated \
            else "unchanged"

    def flush(self, batch: list[Activity]) -> None:
        if not batch:
            return
        activity = schema.activity
        stored = {
            row.iati_identifier: row
            for row in self.connection.execute(
                select(activity.c.id, activity.c.iati_identifier, activity.c.content_hash,
                       activity.c.last_updated_at, activity.c.import_run_id, schema.import_run.c.path)
                .join(schema.import_run, schema.import_run.c.id == activity.c.import_run_id)
                .where(activity.c.iati_identifier.in_([a.identifier for a in batch])))
        }
        rows, replaced = empty_rows(), []
        for record in batch:
            self.report.transactions += len(record.transactions)
            existing = stored.get(record.identifier)
            if existing is None:
                self.report.records_new += 1
                activity_rows(record, self.ids("activity"), self.run_id, self.ids, rows)
            elif existing.content_hash == record.content_hash:
                self.report.records_unchanged += 1
            elif _later(record, existing):
                self.report.records_updated += 1
                replaced.append(existing.id)
                activity_rows(record, existing.id, self.run_id, self.ids, rows)
                self._conflict(record, existing, kept_this_file=True)
            else:
                self.report.records_unchanged += 1
                self._conflict(record, existing, kept_this_file=False)
        self._replace(replaced, rows)

    def _conflict(self, record: Activity, existing, kept_this_file: bool) -> None:
        if existing.import_run_id == self.run_id:
            if kept_this_file:
                message = _("also earlier in this file with different content; kept the version from this file "
                            "(newer last-updated-datetime)")
            else:
                message = _("also earlier in this file with different content; kept the version from {kept} "
                            "(newer last-updated-datetime)")
        elif existing.path == self.path:
            return  # a newer publication of the same file is an update, not a conflict
        elif kept_this_file:
            message = _("also in {path} with different content; kept the version from this file "
                        "(newer last-updated-datetime)")
        else:
            message = _("also in {path} with different content; kept the version from {kept} "
                        "(newer last-updated-datetime)")
        self.report.conflicts += 1
        self.report.add_issue(Issue("conflict", record.line, record.identifier,
                                    message.format(path=existing.path, kept=existing.path)))

    def _replace(self, replaced: list[int], rows: Rows) -> None:
        if replaced:
            for split_table in (schema.transaction_split, schema.alignment_split):
                rollups.count_out(self.connection, split_table, replaced)
            for table in (*schema.ACTIVITY_CONTENT, schema.activity):
                column = table.c.id if table is schema.activity else table.c.activity_id
                self.connection.execute(delete(table).where(column.in_(replaced)))
        for table in (schema.activity, *reversed(schema.ACTIVITY_CONTENT)):
            table_rows = rows[table.name]
            if table_rows:
                self.writer.insert(table, table_rows)
        rollups.count_in(self.connection, schema.transaction_split, rows[schema.transaction_split.name])


def _records(iati_file: IatiFile, report: ImportReport, strict: bool) -> Iterable[Activity]:
    for record in iati_file:
        if isinstance(record, SkippedActivity):
            if strict:
                reason = (f"{record.identifier}: {record.reason}" if record.identifier
                          else _("activity: {reason}").format(reason=record.reason))
                raise ImportRejected(iati_file.path, record.line, reason)
            report.records_skipped += 1
            report.add_issue(Issue("skipped", record.line, record.identifier, record.reason))
            continue
        yield record


def import_iati_file(
    engine: Engine,
    path: Path,
    *,
    strict: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one IATI activity file in one database transaction.

    Raises ImportRejected (and stores nothing) when the file is not well-formed IATI,
    or, with `strict`, when any activity in it cannot be read.
    """
    started, clock = now(), time.perf_counter()
    report = ImportReport(path=path)
    digest = hashlib.sha256()

    def progress(chunk: bytes) -> None:
        digest.update(chunk)
        if on_progress is not None:
            on_progress(len(chunk))

    iati_file = IatiFile(path, on_chunk=progress)
    report.format_version = iati_file.version
    with import_transaction(engine) as connection:
        _FileLoader(connection, report, Ids(connection), path).run(iati_file, strict, started)
        report.seconds = time.perf_counter() - clock
        finish_run(connection, report, digest.hexdigest(), path)
    return report


