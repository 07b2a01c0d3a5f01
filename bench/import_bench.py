"""Import benchmark: the real U.S. IATI files against plain lxml parsing and an insert floor, and
`stratmon import iati` then `stratmon align` at each scale, each in a fresh process and database.

Times are wall-clock seconds; ratios are against baselines measured in the same run.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import func, insert, select

from stratmon.sources.iati import IatiFile
from stratmon.sources.iati_records import SkippedActivity
from stratmon.store import schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.db import get_engine
from stratmon.store.first_import import put_off
from stratmon.store.import_workers import default_workers
from stratmon.store.migrate import upgrade
from stratmon.store.rows import Rows, activity_rows, empty_rows
from stratmon.store.runs import import_transaction

from generate import real_files, write_large_file
from measure import Measured, best_of, stratmon
from table import Row, scale_label, seconds_text


def parse_trees(files: list[Path]) -> None:
    """Baseline 1: lxml builds each file's tree (no Python work per element)."""
    for path in files:
        etree.parse(str(path))


def stream_elements(files: list[Path]) -> None:
    """Baseline 2: lxml streams every element to Python once and frees it (the least a streaming reader does)."""
    for path in files:
        for _event, element in etree.iterparse(str(path), events=("end",)):
            if element.tag == "iati-activity":
                element.clear()


def built_rows(files: list[Path]) -> Rows:
    """The rows the import stores for `files`, built in this process (first copy of each identifier)."""
    rows, seen, counter = empty_rows(), set(), iter(range(1, 10**9))
    for path in files:
        for activity in IatiFile(path):
            if isinstance(activity, SkippedActivity) or activity.identifier in seen:
                continue
            seen.add(activity.identifier)
            activity_rows(activity, len(seen), 1, lambda _table: next(counter), rows)
    return rows


def insert_floor(rows: Rows, folder: Path) -> float:
    """Floor: inserting the import's rows, already built, into a fresh stratmon SQLite database as the
    importer does a first import (driver tuples, JSON encoded, foreign keys not checked row by row, the
    secondary indexes built after the rows: store/first_import.py; no parsing).

    This is what an importer storing the same tables must at least pay on SQLite.
    """
    engine = get_engine(f"sqlite:///{folder / f'floor-{time.monotonic_ns()}.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(insert(schema.import_run).values(
            id=1, source_kind="bench", path="", content_hash="", size_bytes=0, started_at=datetime.now(),
            status="bench", records_total=0, records_new=0, records_updated=0, records_unchanged=0,
            records_skipped=0, conflicts=0, transactions=0))
    started = time.perf_counter()
    with put_off(engine, [], min_bytes=0), import_transaction(engine, check_references=False) as connection:
        writer = BulkWriter(connection)
        for table in (schema.activity, *reversed(schema.ACTIVITY_CONTENT)):
            if rows[table.name]:
                writer.insert_rows(table, rows[table.name])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def bare_insert_floor(rows: Rows, folder: Path) -> float:
    """The least any SQLite store of these rows costs: the sqlite3 module's executemany of tuples
    already encoded into tables with no types, keys, indexes or constraints, in one transaction."""
    tuples = {table.name: rows[table.name] for table in (schema.activity, *schema.ACTIVITY_CONTENT)
              if rows[table.name]}
    connection = sqlite3.connect(folder / f"bare-{time.monotonic_ns()}.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    for name, table_rows in tuples.items():
        connection.execute(f"CREATE TABLE {name} ({', '.join(f'c{i}' for i in range(len(table_rows[0])))})")
    started = time.perf_counter()
    connection.execute("BEGIN")
    for name, table_rows in tuples.items():
        connection.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(table_rows[0]))})", table_rows)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


@dataclass(frozen=True)
class Baselines:
    """What reading the real files costs without stratmon, and the rows' insert floor."""

    files: int
    megabytes: float
    tree_seconds: float
    stream_seconds: float
    floor_seconds: float
    bare_floor_seconds: float
    floor_rows: int


def measure_baselines(folder: Path, scratch: Path, runs: int) -> Baselines:
    files = real_files(folder)
    rows = built_rows(files)
    return Baselines(len(files), sum(f.stat().st_size for f in files) / 2**20,
                     best_of(runs, lambda: parse_trees(files)), best_of(runs, lambda: stream_elements(files)),
                     min(insert_floor(rows, scratch) for _ in range(runs)),
                     min(bare_insert_floor(rows, scratch) for _ in range(runs)),
                     sum(len(table_rows) for table_rows in rows.values()))


@dataclass(frozen=True)
class ScaledImport:
    """`stratmon import iati` then `stratmon align` of one scale's files into a fresh database."""

    scale: int
    engine: str
    files: int
    megabytes: float
    imported: Measured
    workers: int  # the import's worker processes (its default on this machine)
    transactions: int
    aligned: Measured
    split_rows: int
    in_one_process: Measured | None  # the same import with `--workers 0`, where measured

    @property
    def seconds_per_transaction(self) -> float:
        return self.imported.seconds / self.transactions

    @property
    def align_seconds_per_row(self) -> float:
        return self.aligned.seconds / self.split_rows


def import_scale(url: str, paths: list[Path], scale: int, engine_name: str,
                 other_imports: list[list[str]], one_process_url: str | None = None) -> ScaledImport:
    """Create the database, import every file under `paths` in one command, then `other_imports`
    (`stratmon import` arguments, untimed: what the portal and report show besides IATI), align, count.

    With `one_process_url` (another empty database), the import is first timed there with
    `--workers 0`: read and written by one process, as before import workers existed."""
    in_one_process = None
    if one_process_url is not None:
        stratmon("init", "--db", one_process_url)
        in_one_process = stratmon("import", "iati", *map(str, paths), "--workers", "0", "--db", one_process_url)
    stratmon("init", "--db", url)
    imported = stratmon("import", "iati", *map(str, paths), "--db", url)
    for arguments in other_imports:
        stratmon("import", *arguments, "--db", url)
    aligned = stratmon("align", "--db", url)
    engine = get_engine(url)
    with engine.connect() as connection:
        transactions = connection.execute(select(func.count()).select_from(schema.transaction)).scalar_one()
        split_rows = connection.execute(select(func.count()).select_from(schema.transaction_split)).scalar_one()
    engine.dispose()
    files = [f for path in paths for f in real_files(path)]
    return ScaledImport(scale, engine_name, len(files), sum(f.stat().st_size for f in files) / 2**20,
                        imported, default_workers(len(files)), transactions, aligned, split_rows, in_one_process)


@dataclass(frozen=True)
class LargeFileImport:
    """`stratmon import iati` of one generated file (issue 2: at least 500 MB, memory bounded)."""

    megabytes: float
    activities: int
    imported: Measured


def import_large_file(folder: Path, scratch: Path, megabytes: int) -> LargeFileImport:
    """Write one file of at least `megabytes` MiB from the real activities, import it into a fresh
    SQLite database, and delete both."""
    path, url = scratch / "large.xml", f"sqlite:///{scratch / 'large.db'}"
    activities = write_large_file(folder, path, megabytes)
    stratmon("init", "--db", url)
    imported = stratmon("import", "iati", str(path), "--db", url)
    size = path.stat().st_size / 2**20
    path.unlink()
    for leftover in scratch.glob("large.db*"):
        leftover.unlink()
    return LargeFileImport(size, activities, imported)


def import_rows(baselines: Baselines, imports: list[ScaledImport], large: LargeFileImport | None) -> list[Row]:
    """The baselines, then each scale's import and alignment, per-item ratios against 1× on the same engine."""
    tree, stream = baselines.tree_seconds, baselines.stream_seconds
    real = f"{baselines.files} files, {baselines.megabytes:.0f} MB"
    rows = [
        Row("lxml etree.parse, real files (baseline 1)", "1×", "", seconds_text(tree), "1.00× b1", real),
        Row("lxml iterparse, every element (baseline 2)", "1×", "", seconds_text(stream),
            f"{stream / tree:.2f}× b1"),
        Row(f"insert the import's {baselines.floor_rows:,} rows, prebuilt (floor)", "1×", "sqlite",
            seconds_text(baselines.floor_seconds),
            f"{baselines.floor_seconds / tree:.2f}× b1", "no parsing: what storing them in stratmon's tables costs"),
        Row("the same rows into bare tables (bare floor)", "1×", "sqlite", seconds_text(baselines.bare_floor_seconds),
            f"{baselines.bare_floor_seconds / tree:.2f}× b1",
            "sqlite3 executemany, tuples ready, no types, keys, indexes or constraints"),
    ]
    at_one = {i.engine: i for i in imports if i.scale == 1}
    for result in imports:
        one = at_one.get(result.engine)
        if result.in_one_process is not None:
            seconds = result.in_one_process.seconds
            rows.append(Row("stratmon import iati --workers 0", scale_label(result.scale), result.engine,
                            seconds_text(seconds), f"{seconds / tree:.2f}× b1 / {seconds / stream:.2f}× b2",
                            f"read and written in one process · peak RSS {result.in_one_process.peak_mb:.0f} MB"))
        if result.scale == 1:
            ratio = f"{result.imported.seconds / tree:.2f}× b1 / {result.imported.seconds / stream:.2f}× b2"
        else:
            ratio = f"{result.seconds_per_transaction / one.seconds_per_transaction:.2f}× 1× per tx" if one else ""
        rows.append(Row(f"stratmon import iati ({result.workers} workers)", scale_label(result.scale),
                        result.engine, seconds_text(result.imported.seconds), ratio,
                        f"{result.seconds_per_transaction * 1e6:.0f} µs/transaction · peak memory "
                        f"{result.imported.peak_total_mb:.0f} MB, all processes (largest "
                        f"{result.imported.peak_mb:.0f} MB) · {result.transactions:,} transactions · "
                        f"{result.files} files, {result.megabytes:,.0f} MB"))
    if large is not None:
        rows.append(Row("stratmon import iati, one generated file", "", "sqlite", seconds_text(large.imported.seconds),
                        "", f"peak memory {large.imported.peak_total_mb:.0f} MB, all processes (largest "
                        f"{large.imported.peak_mb:.0f} MB) · {large.megabytes:,.0f} MB, "
                        f"{large.activities:,} activities"))
    for result in imports:
        one = at_one.get(result.engine)
        ratio = (f"{result.align_seconds_per_row / one.align_seconds_per_row:.2f}× 1× per row"
                 if one and result.scale != 1 else "")
        rows.append(Row("stratmon align", scale_label(result.scale), result.engine,
                        seconds_text(result.aligned.seconds), ratio,
                        f"{result.align_seconds_per_row * 1e6:.0f} µs/split row · peak RSS "
                        f"{result.aligned.peak_mb:.0f} MB · {result.split_rows:,} split rows"))
    return rows
