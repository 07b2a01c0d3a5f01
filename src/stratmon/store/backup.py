"""Backing up the whole database to a portable archive, and restoring it (`stratmon backup|restore`).

The archive format is in `backup_format`; here is how it meets a database. A backup reads every table
of the schema inside one read transaction (one consistent snapshot, while imports and web users go on),
streaming rows, so memory stays bounded however large the tables.

A restore refuses, changing nothing, an archive from a newer schema, a database holding data (unless
forced), and an archive any of whose files does not match its manifest's row count and checksum, all
checked before anything is written. It then replaces the database's contents in one transaction: all of
the archive or, on any error, none of it. An archive from an older schema is restored into a new
database at that schema, which is then migrated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, Table, Text, cast, literal_column, select
from sqlalchemy.exc import DBAPIError

from stratmon import __version__
from stratmon.i18n import _
from stratmon.store.backup_format import (
    MANIFEST,
    ORDER_STORAGE,
    ArchiveReader,
    ArchiveRejected,
    ArchiveWriter,
    Manifest,
    TableEntry,
    column_kind,
)
from stratmon.store.bulk import BulkWriter
from stratmon.store.db import is_sqlite
from stratmon.store.migrate import SchemaOutOfDate, alembic_config, current_revision, head_revision, upgrade
from stratmon.store.runs import take_import_lock, without_cyclic_gc
from stratmon.store.schema import metadata

# Rows fetched per round trip when reading, and inserted per statement when restoring; a few at a time
# for tables holding documents, whose rows can be megabytes each.
BATCH_ROWS = 2000
BATCH_ROWS_WITH_FILES = 4
# Tables an archive leaves out: the data version (store/data_version.py) belongs to the database it counts
# the changes of; a restore moves the restored database's own, never sets it back to the archive's.
NOT_BACKED_UP = frozenset({"alembic_version", "data_version"})

Progress = Callable[[str, int], None]


class RestoreRefused(Exception):
    """The database cannot take this archive as it stands (not empty, or at another schema)."""


@dataclass
class RestoreResult:
    manifest: Manifest
    revision: str  # the database's schema revision now
    migrated_from: str | None  # the archive's older schema revision, when the restore migrated it


def _now_text() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


# ----------------------------------------------------------------------------------------- backup

def backup_database(engine: Engine, path: Path, *, on_rows: Progress | None = None) -> Manifest:
    """Write every table of the (current) schema to a new archive at `path`, atomically."""
    writer = ArchiveWriter(path)
    try:
        with _snapshot(engine) as connection:
            manifest = Manifest(schema_revision=_revision_in(connection), created_at=_now_text(),
                                source_engine=engine.dialect.name, software_version=__version__)
            for table in backed_up_tables():
                entry = TableEntry(table.name, [(c.name, column_kind(c.type)) for c in table.columns],
                                   [c.name for c in table.primary_key.columns] or ORDER_STORAGE)
                writer.write_table(entry, _read_table(connection, table, entry, on_rows))
                manifest.tables.append(entry)
        writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return manifest


def backed_up_tables() -> list[Table]:
    """The schema's tables an archive holds, in the order it holds them."""
    return [table for table in metadata.sorted_tables if table.name not in NOT_BACKED_UP]


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction, seeing one consistent state of the whole database (SQLite's write-ahead
    log and PostgreSQL's repeatable read both give it, without stopping writers)."""
    options = {} if is_sqlite(engine) else {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def _batch_rows(entry: TableEntry) -> int:
    return BATCH_ROWS_WITH_FILES if any(kind == "binary" for _name, kind in entry.columns) else BATCH_ROWS


def _revision_in(connection: Connection) -> str:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _read_table(connection: Connection, table: Table, entry: TableEntry, on_rows: Progress | None) -> Iterator:
    """The table's rows in the archive's order, fetched a batch at a time."""
    sqlite = connection.dialect.name == "sqlite"
    # JSON is read as the text stored, so that it comes back byte for byte and JSON null stays apart
    # from SQL NULL.
    columns = [cast(c, Text) if kind == "json" else c for c, (_n, kind) in zip(table.columns, entry.columns)]
    if entry.order == ORDER_STORAGE:
        order = [literal_column("rowid" if sqlite else "ctid")]
    else:
        # Text keys in byte order on both engines (PostgreSQL would otherwise sort by its locale).
        order = [c if sqlite or column_kind(c.type) != "text" else c.collate("C") for c in table.primary_key.columns]
    result = connection.execute(select(*columns).order_by(*order),
                                execution_options={"stream_results": True, "yield_per": _batch_rows(entry)})
    count = 0
    for partition in result.partitions():
        yield from partition
        count += len(partition)
        if on_rows is not None:
            on_rows(table.name, count)


# ---------------------------------------------------------------------------------------- restore

def _not_empty() -> RestoreRefused:
    return RestoreRefused(_("the database is not empty; restore into an empty database, or add --force to replace "
                            "everything in it"))


def restore_database(engine: Engine, path: Path, *, force: bool = False,
                     on_rows: Progress | None = None) -> RestoreResult:
    """Replace the database's contents with the archive's. Refuses, changing nothing, an archive that is
    damaged or from a newer schema, and (unless `force`) a database that holds data."""
    with ArchiveReader(path) as archive:
        revision, head = archive.manifest.schema_revision, head_revision(engine)
        current = _check_restorable(engine, path, revision, head, force)
        archive.verify()
        if current is None:
            _create_schema(engine, revision)
        _load(engine, archive, force, on_rows)
    if revision != head:
        upgrade(engine)
    return RestoreResult(archive.manifest, head, revision if revision != head else None)


def _check_restorable(engine: Engine, path: Path, revision: str, head: str, force: bool) -> str | None:
    """Refuse what the database cannot take, before reading the archive's tables; returns the
    database's schema revision (None when it has none yet)."""
    known = _known_revisions(engine)
    if revision not in known:
        raise RestoreRefused(_("{path}: the archive is from a newer schema ({revision}) than this version of "
                               "Strategy Monitor knows ({head}); upgrade Strategy Monitor to restore it").format(
            path=path, revision=revision, head=head))
    current = current_revision(engine)
    if current is not None and current not in known:
        raise RestoreRefused(_("the database is at a newer schema ({revision}) than this version of Strategy "
                               "Monitor knows").format(revision=current))
    if current is not None and not force and _holds_data(engine):
        raise _not_empty()
    if current is not None and revision != head:
        raise RestoreRefused(_("{path}: the archive is from an older schema ({revision}); restore it into a new, "
                               "empty database, which is then migrated to {head}").format(
            path=path, revision=revision, head=head))
    if current is not None and current != head:
        raise SchemaOutOfDate(current)
    return current


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()}


def _create_schema(engine: Engine, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _holds_data(engine: Engine) -> bool:
    with engine.connect() as connection:
        return _any_rows(connection, list(_tables_found(connection).values()))


def _tables_found(connection: Connection) -> dict[str, Table]:
    """The database's tables as they are (the schema's own, at an older revision, or anything else)."""
    found = MetaData()
    found.reflect(connection)
    return {name: table for name, table in found.tables.items() if name not in NOT_BACKED_UP}


def _any_rows(connection: Connection, tables: list[Table]) -> bool:
    return any(connection.execute(select(literal_column("1")).select_from(table).limit(1)).first()
               for table in tables)


def _load(engine: Engine, archive: ArchiveReader, force: bool, on_rows: Progress | None) -> None:
    """Replace every table's rows with the archive's, in one transaction."""
    manifest = archive.manifest
    with without_cyclic_gc(), engine.connect().execution_options(sqlite_immediate=True) as connection, \
            connection.begin():
        take_import_lock(connection, engine)
        tables = _tables_at(connection, manifest.schema_revision == head_revision(engine))
        _check_tables_match(archive, tables)
        # Checked again under the write lock: data may have arrived since the first look.
        if not force and _any_rows(connection, list(tables.values())):
            raise _not_empty()
        _clear(connection, [tables[entry.name] for entry in manifest.tables])
        writer = BulkWriter(connection)
        for entry in manifest.tables:
            _load_table(connection, writer, archive, entry, tables[entry.name], on_rows)
        if not is_sqlite(engine):
            _reset_sequences(connection, list(tables.values()))
            # PostgreSQL plans queries from table statistics, which a bulk load leaves empty until
            # autovacuum gets round to it; until then the activity finder takes seconds, not
            # milliseconds. Gathered in the restore's transaction, they arrive with its rows.
            connection.exec_driver_sql("ANALYZE")


def _tables_at(connection: Connection, is_head: bool) -> dict[str, Table]:
    """The tables to restore into: the schema's own at the newest revision, else those the older
    revision made."""
    if is_head:
        return {table.name: table for table in backed_up_tables()}
    return _tables_found(connection)


def _check_tables_match(archive: ArchiveReader, tables: dict[str, Table]) -> None:
    listed = {entry.name for entry in archive.manifest.tables}
    if listed != set(tables):
        raise ArchiveRejected(archive.path, MANIFEST, _("its tables do not match its schema revision: {tables}").format(
            tables=", ".join(sorted(listed ^ set(tables)))))
    for entry in archive.manifest.tables:
        if set(entry.column_names) != set(tables[entry.name].columns.keys()):
            raise ArchiveRejected(archive.path, MANIFEST, _("the columns of table {table} do not match its schema "
                                                            "revision").format(table=entry.name))


def _clear(connection: Connection, tables: list[Table]) -> None:
    """Empty the tables inside the restore's transaction. On PostgreSQL, TRUNCATE (transactional there)
    also gives each table fresh storage, so that rows keep the order they are inserted in."""
    if is_sqlite(connection.engine):
        for table in reversed(tables):
            connection.execute(table.delete())
    else:
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql(f"TRUNCATE TABLE {', '.join(quote(t.name) for t in tables)}")


def _load_table(connection: Connection, writer: BulkWriter, archive: ArchiveReader, entry: TableEntry,
                table: Table, on_rows: Progress | None) -> None:
    try:
        writer.insert_stream(table, entry.column_names, _values_for(connection, archive, entry, table, on_rows),
                             batch_rows=_batch_rows(entry))
    except (DBAPIError, connection.dialect.loaded_dbapi.Error) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ArchiveRejected(archive.path, entry.file, _("the database refused a row: {reason}").format(
            reason=reason)) from None


def _values_for(connection: Connection, archive: ArchiveReader, entry: TableEntry, table: Table,
                on_rows: Progress | None) -> Iterator[tuple]:
    """The archive's rows of one table, each value as the engine keeps it (SQLite holds dates as text,
    booleans as 0 and 1; JSON is already the stored text)."""
    processors = [(i, processor) for i, (name, kind) in enumerate(entry.columns) if kind != "json"
                  and (processor := table.columns[name].type.bind_processor(connection.dialect)) is not None]
    count = 0
    for values in archive.rows(entry):
        for i, processor in processors:
            if values[i] is not None:
                values[i] = processor(values[i])
        yield tuple(values)
        count += 1
        if on_rows is not None and count % BATCH_ROWS == 0:
            on_rows(entry.name, count)
    if on_rows is not None:
        on_rows(entry.name, count)


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move each PostgreSQL key sequence past the largest key restored, so that new rows get new keys."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            continue
        sequence = connection.exec_driver_sql("SELECT pg_get_serial_sequence(%s, %s)",
                                              (quote(table.name), keys[0].name)).scalar_one()
        if sequence is not None:
            connection.exec_driver_sql(
                f"SELECT setval(%s, COALESCE((SELECT MAX({quote(keys[0].name)}) FROM {quote(table.name)}), 0) + 1, "
                "false)", (sequence,))
