"""Import runs: the ledger entry every import opens and closes, and what it reports."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from stratmon.i18n import _
from stratmon.sources.xmlchars import CharactersRemoved
from stratmon.store import schema
from stratmon.store.db import is_sqlite

# A hostile file could hold millions of bad records; the report keeps the first ones.
MAX_ISSUES = 10_000
# Taken by every importer on PostgreSQL so that id allocation never races.
IMPORT_LOCK_KEY = 0x5354524D


@dataclass
class Issue:
    """Something the import report tells the user about one activity."""

    kind: str  # "skipped" | "conflict" | "warning" | "repaired" (the file, by --repair-invalid-characters)
    line: int | None
    identifier: str | None
    message: str


@dataclass
class ImportReport:
    """What one file's import did."""

    path: Path
    # "imported": it stored something; "unchanged": all it holds was stored already; "skipped": nothing in
    # it could be read.
    status: str = "imported"
    run_id: int | None = None
    format_version: str | None = None
    records_new: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    records_skipped: int = 0
    conflicts: int = 0
    transactions: int = 0
    characters_removed: int = 0  # by --repair-invalid-characters
    seconds: float = 0.0
    issues: list[Issue] = field(default_factory=list)
    # What the file held besides its records, by name (an organisation file's budgets): `import_count`.
    counts: dict[str, int] = field(default_factory=dict)

    def add_issue(self, issue: Issue) -> None:
        """Record an issue (the first MAX_ISSUES are kept; later ones are only counted)."""
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(issue)
        elif len(self.issues) == MAX_ISSUES:
            self.issues.append(Issue("warning", None, None, _("further issues were counted but not recorded")))

    def record_repair(self, removed: CharactersRemoved) -> None:
        """Report the characters removed from the file: first among its issues, whatever their number."""
        self.characters_removed = removed.count
        self.issues.insert(0, Issue("repaired", removed.lines[0], None, removed.describe()))

    @property
    def records_total(self) -> int:
        return self.records_new + self.records_updated + self.records_unchanged + self.records_skipped


class Ids:
    """Hands out primary keys; safe because the importer holds the write lock."""

    TABLES = (schema.import_run, schema.activity, schema.transaction, schema.result,
              schema.result_indicator, schema.indicator_period)

    def __init__(self, connection: Connection) -> None:
        self._last = dict(zip((t.name for t in self.TABLES), connection.execute(_LAST_IDS).one()))

    def __call__(self, table: str) -> int:
        self._last[table] += 1
        return self._last[table]

    def reserve(self, table: str, count: int) -> int:
        """Take `count` consecutive ids of `table`; returns the first."""
        first = self._last[table] + 1
        self._last[table] += count
        return first


# The last id of each table Ids hands out, in one statement made once: it runs once per imported file.
_LAST_IDS = select(*(select(func.coalesce(func.max(t.c.id), 0)).scalar_subquery() for t in Ids.TABLES))


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@contextmanager
def without_cyclic_gc():
    """Pause the cyclic garbage collector: an import makes millions of short-lived objects and no
    reference cycles, so the collector would only rescan them (about a quarter of the time)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def import_transaction(engine: Engine, *, check_references: bool = True) -> Iterator[Connection]:
    """One file's import: a write transaction holding the import lock, committed on success and
    rolled back whole on any error, with the cyclic collector paused (and on SQLite, the settings of
    `_sqlite_import_settings`).

    `check_references=False` is for a writer that makes every reference it writes itself (the IATI
    loader hands out the ids its rows refer to): on SQLite the transaction then runs without foreign key
    enforcement, which otherwise looks up the parent of every row inserted (about a tenth of the real
    files' insert time). Such a writer deletes what ON DELETE CASCADE would have taken with it itself.
    """
    with without_cyclic_gc(), engine.connect().execution_options(sqlite_immediate=True) as connection:
        settings = _sqlite_import_settings(connection, check_references) if is_sqlite(engine) else nullcontext()
        with settings, connection.begin():
            take_import_lock(connection, engine)
            yield connection


# How many pages SQLite's write-ahead log may hold before an import's commit copies them into the database
# (SQLite's default: 1,000, 4 MB). Each copy waits for the disk twice, and the pages an import's files all
# write (the last of each table) are copied again at each: one file after another, the real files' import
# made about twenty. The log may grow to this before the next commit copies it (64 MB).
IMPORT_CHECKPOINT_PAGES = 16_384


@contextmanager
def _sqlite_import_settings(connection: Connection, check_references: bool) -> Iterator[None]:
    """Around a SQLite import's transaction: the write-ahead log copied into the database less often, and
    without `check_references`, no foreign key enforcement (import_transaction). SQLite reads
    `foreign_keys` only outside a transaction, so both are set before BEGIN and set back after the commit or
    rollback, before the connection returns to the pool (or the connection is discarded)."""
    # On the driver's connection, which runs outside a transaction here (store/db.py: autocommit mode).
    driver = connection.connection.dbapi_connection
    checkpoint_pages = driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    settings = {"wal_autocheckpoint": (IMPORT_CHECKPOINT_PAGES, checkpoint_pages)}
    if not check_references:
        settings["foreign_keys"] = ("OFF", "ON")
    for name, (during, _after) in settings.items():
        driver.execute(f"PRAGMA {name}={during}")
    try:
        yield
    finally:
        try:
            for name, (_during, after) in settings.items():
                driver.execute(f"PRAGMA {name}={after}")
        except Exception:
            connection.invalidate()  # never back to the pool as the import left it
            raise


def take_import_lock(connection: Connection, engine: Engine) -> None:
    """Serialise importers: SQLite's BEGIN IMMEDIATE already did; PostgreSQL takes an advisory lock."""
    if not is_sqlite(engine):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK_KEY})")


# The ledger's statements, made once and given their values when they run: statements built with their
# values would be coerced value by value at every file.
_START = insert(schema.import_run)
_FINISH = update(schema.import_run).where(schema.import_run.c.id == bindparam("run_id"))
_COUNT = insert(schema.import_count)
_ISSUE = insert(schema.import_issue)
# The counts of a report that the ledger keeps, in columns of the same names.
_LEDGER_COUNTS = ("records_new", "records_updated", "records_unchanged", "records_skipped", "conflicts", "transactions")


def start_run(connection: Connection, run_id: int, source_kind: str, path: Path, started: datetime, *,
              record_kind: str, format_version: str | None = None, content_hash: str = "",
              size_bytes: int = 0) -> None:
    """Open the ledger entry of an import (it commits or rolls back with the import)."""
    connection.execute(_START, {
        "id": run_id, "source_kind": source_kind, "path": str(path), "content_hash": content_hash,
        "size_bytes": size_bytes, "format_version": format_version, "started_at": started, "status": "running",
        "record_kind": record_kind, "records_total": 0, **dict.fromkeys(_LEDGER_COUNTS, 0)})


def finish_run(connection: Connection, report: ImportReport, content_hash: str, path: Path) -> None:
    """Close the ledger entry of an import with what it did: counts, status, issues."""
    connection.execute(_FINISH, {
        "run_id": report.run_id, "content_hash": content_hash, "size_bytes": path.stat().st_size,
        "finished_at": now(), "status": report.status, "records_total": report.records_total,
        **{name: getattr(report, name) for name in _LEDGER_COUNTS}})
    if report.counts:
        connection.execute(_COUNT, [
            {"import_run_id": report.run_id, "name": name, "count": count} for name, count in report.counts.items()])
    if report.issues:
        connection.execute(_ISSUE, [
            {"import_run_id": report.run_id, "kind": i.kind, "line": i.line, "iati_identifier": i.identifier,
             "message": i.message} for i in report.issues])


def other_file_conflict(stored_path: str, kept_this_file: bool, tie: bool = False) -> str:
    """The conflict note for a record that another file holds too, with different content: which
    version was kept (the newer `last-updated-datetime` wins; on a tie, the greater content hash:
    DESIGN.md rule 1)."""
    if tie:
        if kept_this_file:
            message = _("also in {path} with different content and the same last-updated-datetime; kept the "
                        "version from this file (a tie: the greater content hash decides)")
        else:
            message = _("also in {path} with different content and the same last-updated-datetime; kept the "
                        "version from {kept} (a tie: the greater content hash decides)")
    elif kept_this_file:
        message = _("also in {path} with different content; kept the version from this file "
                    "(newer last-updated-datetime)")
    else:
        message = _("also in {path} with different content; kept the version from {kept} "
                    "(newer last-updated-datetime)")
    return message.format(path=stored_path, kept=stored_path)


def outcome(report: ImportReport) -> str:
    """A finished import's status: "imported" when it stored anything; "skipped" when nothing in the
    file could be read (every record skipped); else "unchanged"."""
    if report.records_new or report.records_updated:
        return "imported"
    if report.records_skipped and not report.records_unchanged:
        return "skipped"
    return "unchanged"
