"""The whole U.S. IATI publication (issue 23, point 5): every file of the shared archive
`usg-iati-world/usg-iati-world.tar.xz` (1,833 files, about 569 MB unpacked, 21 agencies, every country
they publish for) imported, aligned and served, against plain lxml parsing of the same files.

Measured on SQLite, each in a fresh process, with the whole run's baseline `w` (lxml `etree.parse` of
every file, best of --runs):
- `stratmon import iati --repair-invalid-characters` of the unpacked folder, default workers, with the
  peak memory of all its processes; files the importer refuses (the archive's empty ones) are rejected
  as a user would see them, and counted.
- `stratmon align`, with its peak memory, after the other public sources the portal shows (untimed).
- the first render of the home page, the Guatemala page and the activities page: for each, a fresh
  `stratmon serve` on loopback, and the first HTTP request once it listens (what the first visitor after
  a restart waits for); the second request is noted beside it.

It runs when the archive is there (the shared data folder: `$STRATMON_SHARED_DATA`, else `../shared/data`),
unpacked into the run's temporary folder. Nothing here asserts anything.

    make bench BENCH_ARGS="--only world"
"""

from __future__ import annotations

import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from lxml import etree
from sqlalchemy import func, select

from stratmon.config import shared_data_dir
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.import_workers import default_workers

from api_bench import REQUEST_TIMEOUT_SECONDS, serving
from generate import real_files
from measure import Measured, best_of, stratmon
from table import Row, seconds_text

PAGES = ("/en/", "/en/countries/GT", "/en/activities")
SCALE = "world"
ENGINE = "sqlite"
# `stratmon import` exits 1 when it rejected some files (here the archive's empty ones) and imported the rest.
SOME_FILES_REJECTED = 1


def world_archive() -> Path:
    """Where the whole publication's archive is expected."""
    return shared_data_dir() / "usg-iati-world" / "usg-iati-world.tar.xz"


@dataclass(frozen=True)
class PageRender:
    """A page's first request to a freshly started server, and its second."""

    path: str
    status: int
    first_seconds: float
    second_seconds: float
    kilobytes: float
    listening_seconds: float  # from starting `stratmon serve` to its port taking connections


@dataclass(frozen=True)
class WorldBench:
    files: int
    megabytes: float
    unpack_seconds: float
    parse_seconds: float  # baseline w
    parse_refused: int  # files lxml itself refuses (empty, not well-formed)
    imported: Measured
    workers: int
    runs: int  # of the files, those in the import ledger (imported or unchanged); the others were rejected
    repaired: int  # of them, files with characters removed
    activities: int
    transactions: int
    aligned: Measured
    split_rows: int
    pages: list[PageRender]


def unpack(archive: Path, folder: Path) -> list[Path]:
    """The archive's files under `folder`, in the order `stratmon import iati` reads a folder."""
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return real_files(folder)


def parse_every_file(files: list[Path]) -> int:
    """Baseline w: lxml builds each file's tree; returns how many files it refuses."""
    refused = 0
    for path in files:
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError:
            refused += 1
    return refused


def _count(connection, table, *where) -> int:
    return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def first_render(url: str, path: str, log: Path) -> PageRender:
    """`path` from a fresh `stratmon serve`: its first request, then its second."""
    started = time.perf_counter()
    with serving(url, log, ready_path=None) as address, httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS) as http:
        listening = time.perf_counter() - started
        timings, response = [], None
        for _ in range(2):
            before = time.perf_counter()
            response = http.get(address + path)
            timings.append(time.perf_counter() - before)
    return PageRender(path, response.status_code, timings[0], timings[1], len(response.content) / 1024, listening)


def measure_world(work: Path, runs: int, other_imports: list[list[str]],
                  progress: Callable[[str], None]) -> WorldBench:
    """Unpack the archive into `work`, then the baseline, the import, the alignment and the pages."""
    folder, url = work / "world", f"sqlite:///{work / 'world.db'}"
    progress(f"whole publication: unpacking {world_archive()}")
    started = time.perf_counter()
    files = unpack(world_archive(), folder)
    unpack_seconds = time.perf_counter() - started
    progress(f"whole publication: lxml parsing of {len(files)} files (best of {runs})")
    refused = parse_every_file(files)
    parse_seconds = best_of(runs, lambda: parse_every_file(files))
    progress("whole publication: stratmon import iati --repair-invalid-characters")
    stratmon("init", "--db", url)
    imported = stratmon("import", "iati", str(folder), "--repair-invalid-characters", "--db", url,
                        exit_codes=(0, SOME_FILES_REJECTED))
    for arguments in other_imports:
        stratmon("import", *arguments, "--db", url)
    progress("whole publication: stratmon align")
    aligned = stratmon("align", "--db", url)
    engine = get_engine(url)
    with engine.connect() as connection:
        counts = {"runs": _count(connection, schema.import_run, schema.import_run.c.path.startswith(str(folder))),
                  "repaired": _count(connection, schema.import_issue, schema.import_issue.c.kind == "repaired"),
                  "activities": _count(connection, schema.activity),
                  "transactions": _count(connection, schema.transaction),
                  "split_rows": _count(connection, schema.transaction_split)}
    engine.dispose()
    pages = []
    for number, path in enumerate(PAGES):
        progress(f"whole publication: first GET {path}")
        pages.append(first_render(url, path, work / f"world-serve-{number}.log"))
    return WorldBench(files=len(files), megabytes=sum(f.stat().st_size for f in files) / 2**20,
                      unpack_seconds=unpack_seconds, parse_seconds=parse_seconds, parse_refused=refused,
                      imported=imported, workers=default_workers(len(files)), aligned=aligned, pages=pages, **counts)


def world_rows(world: WorldBench) -> list[Row]:
    """The baseline, the import, the alignment and the pages, each against baseline w."""
    base = world.parse_seconds

    def row(what: str, seconds: float, notes: str, engine: str = ENGINE) -> Row:
        return Row(what, SCALE, engine, seconds_text(seconds), f"{seconds / base:.2f}× w", notes)

    imported, aligned = world.imported, world.aligned
    rows = [
        row("lxml etree.parse, every file (baseline w)", base,
            f"{world.files:,} files, {world.megabytes:,.0f} MB · {world.parse_refused} refused by lxml · "
            f"unpacked in {seconds_text(world.unpack_seconds)}", engine=""),
        row(f"stratmon import iati --repair-invalid-characters ({world.workers} workers)", imported.seconds,
            f"peak memory {imported.peak_total_mb:.0f} MB, all processes (largest {imported.peak_mb:.0f} MB) · "
            f"{world.runs:,} files imported, {world.repaired} of them repaired, "
            f"{world.files - world.runs} rejected · {world.activities:,} activities, "
            f"{world.transactions:,} transactions"),
        row("stratmon align", aligned.seconds,
            f"peak RSS {aligned.peak_mb:.0f} MB · {world.split_rows:,} split rows"),
    ]
    for page in world.pages:
        rows.append(row(f"first GET {page.path} after start", page.first_seconds,
                        f"HTTP {page.status}, {page.kilobytes:,.0f} KB · second request "
                        f"{seconds_text(page.second_seconds)} · listening {seconds_text(page.listening_seconds)} "
                        "after `stratmon serve`"))
    return rows
