"""Import benchmark: the real U.S. IATI files against plain lxml parsing, and a large generated file.

Prints one table. Times are wall-clock seconds on this machine, ratios are against
baselines measured in the same run; nothing here asserts anything.

    make bench                     # or: .venv/bin/python bench/import_bench.py [--large-mb 500]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from lxml import etree

from sqlalchemy import insert

from stratmon.config import shared_data_dir
from stratmon.sources.iati import IatiFile
from stratmon.sources.iati_records import SkippedActivity
from stratmon.store import schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import upgrade
from stratmon.store.rows import activity_rows, empty_rows


def best_of(runs: int, work) -> float:
    """The fastest of `runs` timings of `work()` (the least disturbed by the rest of the machine)."""
    timings = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


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


def insert_floor(files: list[Path], folder: Path) -> tuple[float, int]:
    """Floor: inserting the import's rows, already built, into a fresh SQLite database (no parsing).

    This is what any importer storing the same tables must at least pay on SQLite.
    """
    rows, seen, counter = empty_rows(), set(), iter(range(1, 10**9))
    for path in files:
        for activity in IatiFile(path):
            if isinstance(activity, SkippedActivity) or activity.identifier in seen:
                continue
            seen.add(activity.identifier)
            activity_rows(activity, len(seen), 1, lambda _table: next(counter), rows)
    engine = get_engine(f"sqlite:///{folder / f'floor-{time.monotonic_ns()}.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(insert(schema.import_run).values(
            id=1, source_kind="bench", path="", content_hash="", size_bytes=0, started_at=datetime.now(),
            status="bench", records_total=0, records_new=0, records_updated=0, records_unchanged=0,
            records_skipped=0, conflicts=0, transactions=0))
    started = time.perf_counter()
    with engine.begin() as connection:
        writer = BulkWriter(connection)
        for table in (schema.activity, *reversed(schema.ACTIVITY_CONTENT)):
            if rows[table.name]:
                writer.insert(table, rows[table.name])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, sum(len(table_rows) for table_rows in rows.values())


def import_all(files: list[Path], folder: Path) -> float:
    url = f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.db'}"
    engine = get_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    for path in files:
        import_iati_file(engine, path)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def generate_large(files: list[Path], target: Path, megabytes: int) -> tuple[int, int]:
    """Write the real activities over and over, with new identifiers, until `megabytes` is reached."""
    written = transactions = copy = 0
    with target.open("wb") as out:
        out.write(b'<iati-activities version="2.03">\n')
        while written < megabytes * 1024 * 1024:
            for path in files:
                for _event, activity in etree.iterparse(str(path), events=("end",), tag="iati-activity"):
                    identifier = activity.find("iati-identifier")
                    identifier.text = f"{identifier.text}-GEN{copy}"
                    chunk = etree.tostring(activity)
                    out.write(chunk)
                    written += len(chunk)
                    transactions += len(activity.findall("transaction"))
                    activity.clear()
            copy += 1
        out.write(b"</iati-activities>\n")
    return written, transactions


def import_in_subprocess(path: Path, folder: Path) -> tuple[float, float]:
    """(seconds, peak resident MB) of `stratmon import iati` on `path` in a fresh process and database."""
    url = f"sqlite:///{folder / 'large.db'}"
    stratmon = Path(sys.executable).with_name("stratmon")
    subprocess.run([str(stratmon), "init", "--db", url], check=True, capture_output=True)
    code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],capture_output=True);e=time.perf_counter()-t;"
            "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode);"
            "sys.stderr.write(r.stderr.decode()[-2000:])")
    result = subprocess.run([sys.executable, "-c", code, str(stratmon), "import", "iati", str(path), "--db", url],
                            capture_output=True, text=True, check=True)
    seconds, peak_kb, returncode = result.stdout.split()
    if returncode != "0":
        raise SystemExit(f"large import failed: {result.stderr}")
    return float(seconds), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=int, default=int(os.environ.get("STRATMON_BENCH_LARGE_MB", 500)))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    folder = shared_data_dir() / "usg-iati" / "data"
    files = sorted(folder.rglob("*.xml"))
    if not files:
        raise SystemExit(f"no IATI files under {folder}")
    size_mb = sum(f.stat().st_size for f in files) / 1024 / 1024
    with tempfile.TemporaryDirectory(prefix="stratmon-bench-") as tmp:
        tmp_path = Path(tmp)
        tree_seconds = best_of(args.runs, lambda: parse_trees(files))
        stream_seconds = best_of(args.runs, lambda: stream_elements(files))
        import_seconds = min(import_all(files, tmp_path) for _ in range(args.runs))
        floor_seconds, floor_rows = min(insert_floor(files, tmp_path) for _ in range(args.runs))
        (tmp_path / "one").mkdir()
        _one_seconds, one_peak = import_in_subprocess(folder, tmp_path / "one")
        large = tmp_path / "large.xml"
        written, large_transactions = generate_large(files, large, args.large_mb)
        large_seconds, large_peak = import_in_subprocess(large, tmp_path)
    real_transactions = sum(len(etree.parse(str(f)).getroot().findall("iati-activity/transaction")) for f in files)

    rows = [
        ("lxml etree.parse, all files (baseline 1)", f"{tree_seconds:.2f} s", "1.00×", ""),
        ("lxml iterparse, every element (baseline 2)", f"{stream_seconds:.2f} s",
         f"{stream_seconds / tree_seconds:.2f}×", ""),
        (f"SQLite insert of the same {floor_rows:,} rows, prebuilt", f"{floor_seconds:.2f} s",
         f"{floor_seconds / tree_seconds:.2f}× / {floor_seconds / stream_seconds:.2f}×",
         "floor: the rows alone, no parsing"),
        (f"stratmon import, {len(files)} files, {size_mb:.1f} MB", f"{import_seconds:.2f} s",
         f"{import_seconds / tree_seconds:.2f}× / {import_seconds / stream_seconds:.2f}×",
         f"{import_seconds / real_transactions * 1e6:.0f} µs per transaction; peak {one_peak:.0f} MB"),
        (f"stratmon import, generated {written / 1024 / 1024:.0f} MB", f"{large_seconds:.1f} s",
         "", f"{large_seconds / large_transactions * 1e6:.0f} µs per transaction; peak {large_peak:.0f} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Import benchmark — {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, lxml {etree.__version__}")
    print(f"{'what'.ljust(width)}  {'time':>9}  {'ratio (vs 1 / vs 2)':>20}  notes")
    for what, seconds, ratio, notes in rows:
        print(f"{what.ljust(width)}  {seconds:>9}  {ratio:>20}  {notes}")


if __name__ == "__main__":
    main()
