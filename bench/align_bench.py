"""Alignment benchmark: `stratmon align` and line-of-action queries on the real U.S. IATI data.

Baselines, measured in the same run on the same database: reading every split row the
aligner reads, and copying those rows inside SQLite (the least a writer of as many rows
pays). Prints one table; nothing here asserts anything.

    .venv/bin/python bench/align_bench.py    (`make bench` times align at every scale: run_all.py)
"""

from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path

from sqlalchemy import func, select, text

from stratmon.align.crosswalk import load_crosswalks
from stratmon.align.run import align
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.config import shared_data_dir
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import upgrade

from measure import best_of


def read_splits(engine) -> None:
    """Baseline 1: every transaction_split row fetched into Python."""
    with engine.connect() as connection:
        connection.execute(select(schema.transaction_split)).all()


def copy_splits(engine) -> None:
    """Baseline 2: SQLite copies the split rows into a scratch table (no Python per row)."""
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS scratch_split"))
        connection.execute(text("CREATE TABLE scratch_split AS SELECT * FROM transaction_split WHERE 0"))
        connection.execute(text("INSERT INTO scratch_split SELECT * FROM transaction_split"))


def main() -> None:
    folder = shared_data_dir() / "usg-iati" / "data"
    files = sorted(folder.rglob("*.xml"))
    if not files:
        raise SystemExit(f"no IATI files under {folder}")
    crosswalks = load_crosswalks()
    with tempfile.TemporaryDirectory(prefix="stratmon-align-bench-") as tmp:
        engine = get_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        for path in files:
            import_iati_file(engine, path)
        read_seconds = best_of(3, lambda: read_splits(engine))
        copy_seconds = best_of(3, lambda: copy_splits(engine))
        align_seconds = best_of(3, lambda: align(engine, crosswalks))
        with engine.connect() as connection:
            splits = connection.execute(select(func.count()).select_from(schema.transaction_split)).scalar_one()
            aligned_rows = connection.execute(select(func.count()).select_from(schema.alignment_split)).scalar_one()
            plain_seconds = best_of(5, lambda: funding(connection, FundingQuery(("country", "fy"))))
            line_seconds = best_of(5, lambda: funding(connection, FundingQuery(("country", "fy", "line"))))
        engine.dispose()

    rows = [
        (f"read {splits:,} split rows (baseline 1)", read_seconds, 1.0, ""),
        ("SQLite copies them, no Python (baseline 2)", copy_seconds, copy_seconds / read_seconds, ""),
        ("stratmon align, everything", align_seconds, align_seconds / read_seconds,
         f"{aligned_rows:,} rows written; {align_seconds / splits * 1e6:.0f} µs per split row"),
        ("funding --by country,fy", plain_seconds, plain_seconds / read_seconds, ""),
        ("funding --by country,fy,line", line_seconds, line_seconds / read_seconds,
         f"{line_seconds / plain_seconds:.2f}× the query without line"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Alignment benchmark — {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"{'what'.ljust(width)}  {'time':>9}  {'vs 1':>7}  notes")
    for what, seconds, ratio, notes in rows:
        print(f"{what.ljust(width)}  {seconds:>7.2f} s  {ratio:>6.2f}×  {notes}")


if __name__ == "__main__":
    main()
