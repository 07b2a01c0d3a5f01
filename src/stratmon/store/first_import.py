"""What a first import puts off until its last file is in: the secondary indexes of the tables an IATI
import fills and, on PostgreSQL, their foreign keys.

Keeping an index while rows arrive costs an index insert per row; building it from the finished table
sorts once (on the real U.S. files, a fifth of the importer's writing on SQLite). A foreign key costs
PostgreSQL a lookup of the parent row for every row inserted, by a trigger (nearly half of the real
files' writing there); added to the finished tables, it is checked in one join per key. SQLite checks
foreign keys only where the connection enforces them, and the IATI loader imports without enforcement
there anyway (store/runs.import_transaction): on SQLite, the keys stay.

So a first import (the activity table empty, files of `DEFER_FROM_BYTES` or more in one command) drops
those indexes and keys in a transaction of its own, imports each file in its own transaction as always,
and makes them again once the last file is done, whatever ended the command (a rejected file, an error,
Ctrl-C). Unique indexes and primary keys stay: they hold identifiers to one row each, and the importer
reads by them. The loader makes every reference its rows hold (it hands out their ids), so adding the
keys back finds nothing to refuse. A file's import that deletes what it replaces (an identifier in two
files) makes them again first, in its own transaction, so that its deletions find rows by index and
PostgreSQL's cascades run.

A kill during such an import leaves the data as consistent as ever (each file in or out whole) and some
indexes and keys missing: every answer stays the same, only slower, until the next `stratmon import
iati` or `stratmon init` makes them again (`restore`). They are made from the schema (store/schema.py),
which the migrations keep equal to the database (`stratmon init` makes them once at the newest revision).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, ForeignKeyConstraint, Index, Table, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from stratmon.store import schema
from stratmon.store.db import is_sqlite
from stratmon.store.runs import import_transaction

# Below this much to import in one command, keeping indexes and keys row by row costs little: no DDL.
DEFER_FROM_BYTES = 8 * 2**20
# The tables an IATI import fills (alignment_split is `stratmon align`'s).
TABLES = (schema.activity, *(table for table in schema.ACTIVITY_CONTENT if table is not schema.alignment_split))


def non_unique_indexes(table: Table) -> list[Index]:
    """`table`'s indexes that a writer of many rows may drop and make again after (by name)."""
    return [index for index in sorted(table.indexes, key=lambda i: i.name) if not index.unique]


def deferrable_indexes() -> list[Index]:
    """The non-unique indexes of the tables an IATI import fills."""
    return [index for table in TABLES for index in non_unique_indexes(table)]


def deferrable_foreign_keys(connection: Connection) -> list[ForeignKeyConstraint]:
    """The foreign keys of the tables an IATI import fills, where the database checks them while the
    import runs (PostgreSQL; none on SQLite)."""
    if connection.dialect.name == "sqlite":
        return []
    return [key for table in TABLES for key in sorted(table.foreign_key_constraints, key=lambda k: k.name)]


def _present(connection: Connection) -> tuple[set[str], set[str]]:
    """The names of the indexes, and of the foreign keys, the database has."""
    if connection.dialect.name == "sqlite":
        indexes = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        return set(indexes), set()
    indexes = connection.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))
    keys = connection.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f' "
                                   "AND connamespace = current_schema()::regnamespace"))
    return set(indexes.scalars()), set(keys.scalars())


def restore(connection: Connection) -> int:
    """Make, in the caller's transaction, the deferrable indexes and keys the database lacks; how many."""
    indexes, keys = _present(connection)
    made = 0
    for index in deferrable_indexes():
        if index.name not in indexes:
            connection.execute(CreateIndex(index))
            made += 1
    for key in deferrable_foreign_keys(connection):
        if key.name not in keys:
            connection.execute(AddConstraint(key))
            made += 1
    return made


def restore_missing(engine: Engine) -> int:
    """`restore` in a transaction of its own (after a kill during a first import); how many were made."""
    with import_transaction(engine) as connection:
        return restore(connection)


@contextmanager
def put_off(engine: Engine, paths: list[Path], *, min_bytes: int = DEFER_FROM_BYTES) -> Iterator[bool]:
    """Around the import of `paths` (one command): whether the deferrable indexes and keys were dropped
    for it (a first import of at least `min_bytes`), made again when the block ends however it ends.
    Otherwise they are kept row by row, and any that a killed import left missing are made first."""
    size = sum(path.stat().st_size for path in paths)
    with import_transaction(engine) as connection:
        first = connection.execute(select(schema.activity.c.id).limit(1)).first() is None
        deferring = first and size >= min_bytes
        if deferring:
            indexes, keys = _present(connection)
            for key in deferrable_foreign_keys(connection):
                if key.name in keys:
                    connection.execute(DropConstraint(key))
            for index in deferrable_indexes():
                if index.name in indexes:
                    connection.execute(DropIndex(index))
        else:
            restore(connection)
    if not deferring:
        yield False
        return
    try:
        yield True
    finally:
        with _log_copied_meanwhile(engine):
            restore_missing(engine)


@contextmanager
def _log_copied_meanwhile(engine: Engine) -> Iterator[None]:
    """On SQLite, while the block runs: the write-ahead log copied into the database file by a thread of
    its own. A first import leaves its whole content in the log (store/runs.IMPORT_CHECKPOINT_PAGES), which
    SQLite would otherwise copy alone at the last connection's close; here the copy overlaps the making of
    the indexes (the reading side is done, so a core is free). A copy that cannot finish is no loss: SQLite
    copies what remains later."""
    if not is_sqlite(engine):
        yield
        return

    def copy() -> None:
        with suppress(DBAPIError, sqlite3.Error), engine.connect() as connection:
            # On the driver's connection, outside any transaction (a checkpoint cannot run inside one).
            connection.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    thread = threading.Thread(target=copy, name="stratmon-log-copy", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
