"""Reading an IATI file into batches ready to insert: the part of an import that needs no database.

It runs in import worker processes (store/import_workers.py) or in the importing process itself, and
yields messages: `FileOpened`, then `PreparedBatch`es, then `FileRead` — or `FileRefused` as soon as
the file turns out not to be well-formed IATI. A batch holds, for each of its activities, what the
loader needs to decide whether to store it (DESIGN.md rule 1), and the rows of every table as driver
tuples whose ids are local to the batch; the loader gives them database ids (store/load.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from stratmon.sources.errors import ImportRejected
from stratmon.sources.iati import IatiFile
from stratmon.sources.iati_records import Activity, SkippedActivity
from stratmon.sources.xmlchars import CharactersRemoved
from stratmon.store import rollups, schema
from stratmon.store.rows import activity_rows, empty_rows

BATCH_ACTIVITIES = 400
# Tables whose ids an activity's rows hand out (besides the activity's own), in `first_ids` order.
LOCAL_ID_TABLES = ("iati_transaction", "result", "result_indicator", "indicator_period")
# Stands in for the import run's id, which only the loader knows.
NO_RUN = 0


class ActivityKey(NamedTuple):
    """What the loader needs to know of one activity to decide whether to store it.

    A named tuple rather than a dataclass: a batch carries hundreds through a pipe, and a tuple is rebuilt
    from a pickle in C where a dataclass's state is set back field by field in Python."""

    identifier: str
    line: int
    content_hash: str
    last_updated: datetime | None  # UTC, naive, as stored
    transactions: int
    first_ids: tuple[int, ...]  # its rows' first local id in each LOCAL_ID_TABLES table


@dataclass(frozen=True, slots=True)
class FileOpened:
    """The file is an IATI activity file of this version; batches follow. `version_problem` says what is
    wrong when the version is missing or not one of the standard's (its root is at `line`)."""

    version: str | None
    version_problem: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """Up to BATCH_ACTIVITIES activities, with no identifier twice (a repeat starts the next batch, so
    that rule 1 finds the first copy stored), and the skipped activities met since the last batch."""

    activities: list[ActivityKey]
    skipped: list[SkippedActivity]
    # Table name → driver tuples. Activity ids are 1..len(activities) (the activity's place in the
    # batch); ids of LOCAL_ID_TABLES count from 1 in each batch; the activity's run id is NO_RUN.
    rows: dict[str, list[tuple]]
    next_ids: tuple[int, ...]  # one past the last local id used in each LOCAL_ID_TABLES table
    bytes_read: int  # of the file, so far
    # What the batch's split rows add to the funding roll-up (rollups.groups_of), worked out here rather
    # than in the importer, which uses it when it stores every activity of the batch.
    split_groups: rollups.Groups = ()


@dataclass(frozen=True, slots=True)
class FileRead:
    """The whole file was read."""

    sha256: str  # of the file as published
    characters_removed: CharactersRemoved | None = None  # by --repair-invalid-characters


@dataclass(frozen=True, slots=True)
class FileRefused:
    """The file is not well-formed IATI (ImportRejected's place and reason): store nothing from it."""

    line: int | None
    reason: str


Message = FileOpened | PreparedBatch | FileRead | FileRefused


def prepare_file(path: Path, *, repair_invalid_characters: bool = False) -> Iterator[Message]:
    """Read `path` into messages, streaming: one batch of rows is built at a time; with
    `repair_invalid_characters`, without the characters XML 1.0 forbids (sources/xmlchars.py)."""
    digest = hashlib.sha256()
    bytes_read = 0

    def counted(chunk: bytes) -> None:
        nonlocal bytes_read
        digest.update(chunk)
        bytes_read += len(chunk)

    try:
        iati_file = IatiFile(path, on_chunk=counted, repair_invalid_characters=repair_invalid_characters)
        yield FileOpened(iati_file.version, iati_file.version_problem, iati_file.line)
        batch = _BatchBuilder()
        for record in iati_file:
            if isinstance(record, SkippedActivity):
                batch.skipped.append(record)
                continue
            if len(batch.activities) >= BATCH_ACTIVITIES or record.identifier in batch.identifiers:
                yield batch.built(bytes_read)
                batch = _BatchBuilder()
            batch.add(record)
        if batch.activities or batch.skipped:
            yield batch.built(bytes_read)
    except ImportRejected as exc:
        yield FileRefused(exc.line, exc.reason)
        return
    yield FileRead(digest.hexdigest(), iati_file.characters_removed)


class _BatchBuilder:
    def __init__(self) -> None:
        self.activities: list[ActivityKey] = []
        self.skipped: list[SkippedActivity] = []
        self.identifiers: set[str] = set()
        self._rows = empty_rows()
        self._last_ids = dict.fromkeys(LOCAL_ID_TABLES, 0)

    def _next_id(self, table: str) -> int:
        self._last_ids[table] += 1
        return self._last_ids[table]

    def add(self, record: Activity) -> None:
        last_updated = record.last_updated
        if last_updated is not None:
            last_updated = last_updated.astimezone(timezone.utc).replace(tzinfo=None)
        first_ids = tuple(self._last_ids[table] + 1 for table in LOCAL_ID_TABLES)
        self.activities.append(ActivityKey(record.identifier, record.line, record.content_hash, last_updated,
                                           len(record.transactions), first_ids))
        self.identifiers.add(record.identifier)
        activity_rows(record, len(self.activities), NO_RUN, self._next_id, self._rows)

    def built(self, bytes_read: int) -> PreparedBatch:
        rows = {name: table_rows for name, table_rows in self._rows.items() if table_rows}
        next_ids = tuple(self._last_ids[table] + 1 for table in LOCAL_ID_TABLES)
        splits = rows.get(schema.transaction_split.name)
        groups = rollups.groups_of(schema.transaction_split, splits) if splits else []
        return PreparedBatch(self.activities, self.skipped, rows, next_ids, bytes_read, groups)
