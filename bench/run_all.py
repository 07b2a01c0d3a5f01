"""Strategy Monitor benchmarks (issue 8, point 1): one table, ratios measured in the same run.

First, one generated IATI file of --large-mb MB imported on SQLite (issue 2: memory stays bounded
whatever the file size). Then, at each scale (1× is the real U.S. IATI files; N× adds N-1 rewritten copies with new identifiers)
and on each engine: import and alignment, funding queries against DuckDB over the same rows,
and, at the --app-scales, API throughput under concurrent clients and report generation.
Last, when the shared data folder has its archive, the whole U.S. IATI publication (world_bench.py):
import, alignment and first page renders against lxml parsing of the same files.
Nothing here asserts anything; progress goes to standard error, the table to standard output.

    make bench                                        # scales 1,10,100 on SQLite and PostgreSQL
    make bench BENCH_ARGS="--scales 1,10 --engines sqlite"
    make bench BENCH_ARGS="--postgres-scales 1,10"     # 1×, 10×, 100× on SQLite; PostgreSQL to 10×
    make bench BENCH_ARGS="--only world"               # the whole publication only
    .venv/bin/python bench/run_all.py --help

PostgreSQL: `$STRATMON_BENCH_POSTGRES_URL`, else a throwaway cluster (see postgres.py).
Disk: the N× files (about 43 MB × N) and each scale's databases live in $TMPDIR while it runs.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import stratmon
from stratmon.config import shared_data_dir

from api_bench import PAGE_PATHS, Load, PageLoads, api_rows, measure_cheap_under_exports, measure_pages, page_rows
from generate import ensure_copies, real_folder
from import_bench import ScaledImport, import_large_file, import_rows, import_scale, measure_baselines
from machine import describe
from postgres import drop_database, fresh_database, postgres_server, server_version
from query_bench import DuckdbLoad, QueryTiming, load_duckdb, query_rows, time_queries
from report_bench import ReportTiming, measure_reports, measure_startup, report_rows
from table import format_table
from world_bench import measure_world, world_archive, world_rows

ENGINES = ("sqlite", "postgresql")
# The other public sources the portal and the report show, imported (untimed) at the app scales.
OTHER_SOURCES = (("fagov", "foreignaid-explorer-country", ()), ("budget", "state-cbj-budget-by-country", ()),
                 ("context", "owid-context", ("--format", "owid")))
STARTED = time.perf_counter()


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=_numbers, default=[1, 10, 100],
                        help="multiples of the real volume (default 1,10,100; include 1 for the ratios)")
    parser.add_argument("--engines", type=lambda t: [e.strip() for e in t.split(",") if e.strip()],
                        default=list(ENGINES), help="sqlite, postgresql or both (default both)")
    parser.add_argument("--postgres-scales", type=_numbers, default=None,
                        help="the scales at which PostgreSQL runs too (default: every scale)")
    parser.add_argument("--app-scales", type=_numbers, default=[1],
                        help="scales at which to measure the API and the reports (default 1)")
    parser.add_argument("--clients", type=_numbers, default=[16, 64], help="concurrent API clients (default 16,64)")
    parser.add_argument("--api-seconds", type=float, default=15, help="seconds per path and client count")
    parser.add_argument("--large-mb", type=int, default=500,
                        help="size of the one generated file imported on SQLite (default 500; 0: none)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the in-process baselines")
    parser.add_argument("--only", choices=("world", "api"), default=None,
                        help="run only this part: world (the whole U.S. IATI publication, from the shared archive), "
                             "or api (the pages and API on the database --api-db names)")
    parser.add_argument("--api-db", default=None, metavar="URL",
                        help="with --only api: a database already imported and aligned (it is only read)")
    args = parser.parse_args()
    if (args.only == "api") != bool(args.api_db):
        parser.error("--only api and --api-db URL go together")
    unknown = [e for e in args.engines if e not in ENGINES]
    if unknown or not args.engines:
        parser.error(f"--engines takes {', '.join(ENGINES)}; got {', '.join(unknown) or '-'}")
    if any(scale < 1 for scale in args.scales):
        parser.error("--scales are whole multiples, 1 or more")
    return args


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


def other_source_imports() -> list[list[str]]:
    """`stratmon import` arguments for the other sources the shared data folder has."""
    imports = []
    for kind, folder, options in OTHER_SOURCES:
        path = shared_data_dir() / folder
        if path.is_dir():
            imports.append([kind, str(path), *options])
    return imports


@dataclass
class Results:
    """Everything measured, gathered across scales and engines, printed at the end."""

    imports: list[ScaledImport] = field(default_factory=list)
    duckdb_loads: list[DuckdbLoad] = field(default_factory=list)
    queries: list[QueryTiming] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    pages: list[PageLoads] = field(default_factory=list)
    reports: list[ReportTiming] = field(default_factory=list)


def bench_scale(scale: int, args: argparse.Namespace, work: Path, server: str | None, results: Results) -> None:
    """One scale on every engine: import and align, queries against DuckDB, then the API and reports."""
    progress(f"{scale}×: writing the files")
    paths = ensure_copies(real_folder(), work / "generated", scale)
    scale_dir = work / f"{scale}x"
    scale_dir.mkdir()
    is_app_scale = scale in args.app_scales
    duck = None
    for engine_name in args.engines:
        if engine_name == "postgresql" and args.postgres_scales is not None and scale not in args.postgres_scales:
            continue
        database = f"stratmon_bench_{scale}x"
        url = (f"sqlite:///{scale_dir / 'stratmon.db'}" if engine_name == "sqlite"
               else fresh_database(server, database))
        progress(f"{scale}× {engine_name}: import and align")
        # At 1×, the import is also timed in one process (`--workers 0`), in a database of its own.
        one_process = (None if scale != 1 else f"sqlite:///{scale_dir / 'one-process.db'}"
                       if engine_name == "sqlite" else fresh_database(server, f"{database}_one"))
        results.imports.append(import_scale(url, paths, scale, engine_name,
                                            other_source_imports() if is_app_scale else [], one_process))
        if one_process is not None and engine_name == "postgresql":
            drop_database(server, f"{database}_one")
        if duck is None:
            progress(f"{scale}×: copying the split rows into DuckDB")
            duck, duckdb_load = load_duckdb(url, scale_dir, scale)
            results.duckdb_loads.append(duckdb_load)
        progress(f"{scale}× {engine_name}: funding queries")
        results.queries += time_queries(url, duck, scale, engine_name)
        if is_app_scale:
            progress(f"{scale}× {engine_name}: pages and API against a static file, cold and warm, "
                     f"{len(args.clients)} × {2 * (len(PAGE_PATHS) + 1)} × {args.api_seconds:.0f} s")
            results.pages.append(measure_pages(url, scale, engine_name, args.clients, args.api_seconds, scale_dir))
            progress(f"{scale}× {engine_name}: cheap requests under concurrent IATI exports")
            results.loads += measure_cheap_under_exports(url, scale, engine_name, args.api_seconds,
                                                         scale_dir / f"serve-exports-{engine_name}.log")
            progress(f"{scale}× {engine_name}: reports")
            results.reports += measure_reports(url, scale_dir, scale, engine_name)
        if engine_name == "postgresql":
            drop_database(server, database)
    duck.close()
    shutil.rmtree(scale_dir)


def bench_real_files(args: argparse.Namespace, work: Path, server: str | None) -> list[tuple[str, list]]:
    """The Strategy's real files and their N× copies: baselines, imports, queries, API and reports."""
    results = Results()
    progress("baselines: lxml parsing and the insert floor, real files")
    baselines = measure_baselines(real_folder(), work, args.runs)
    startup = measure_startup(args.runs)
    large = None
    if args.large_mb:
        progress(f"one generated file of {args.large_mb} MB: import on SQLite")
        large = import_large_file(real_folder(), work, args.large_mb)
    for scale in sorted(set(args.scales)):
        bench_scale(scale, args, work, server, results)
    return [("import (lxml baselines b1, b2; per-item ratios against 1× on the same engine)",
             import_rows(baselines, results.imports, large)),
            ("funding queries (ours ÷ DuckDB on the same rows)", query_rows(results.queries, results.duckdb_loads)),
            ("pages and API on loopback against a static file from the same server (stratmon serve, 1 worker; "
             "clients on the same machine; warm: the page cache kept the answer; cold: the cache off, every request "
             "makes it)", page_rows(results.pages)),
            ("API on loopback (stratmon serve, 1 worker; clients on the same machine)", api_rows(results.loads)),
            ("reports (whole command)", report_rows(startup, results.reports) if results.reports else [])]


def bench_api_only(args: argparse.Namespace, work: Path) -> list[tuple[str, list]]:
    """The pages and API on an existing database (`--only api --api-db URL`), nothing imported."""
    engine_name = "sqlite" if args.api_db.startswith("sqlite") else "postgresql"
    progress(f"{engine_name}: pages and API against a static file, cold and warm")
    pages = measure_pages(args.api_db, 1, engine_name, args.clients, args.api_seconds, work)
    progress(f"{engine_name}: cheap requests under concurrent IATI exports")
    loads = measure_cheap_under_exports(args.api_db, 1, engine_name, args.api_seconds, work / "serve-exports.log")
    return [("pages and API on loopback against a static file from the same server (stratmon serve, 1 worker; "
             "clients on the same machine; warm: the page cache kept the answer; cold: the cache off)",
             page_rows([pages])),
            ("API on loopback (stratmon serve, 1 worker; clients on the same machine)", api_rows(loads))]


def main() -> None:
    args = parse_args()
    # The commands measured start from compiled modules, as an installed copy does, even where the
    # environment says not to write them (PYTHONDONTWRITEBYTECODE): else each command would compile
    # stratmon's sources again, a tenth of a second of every start that no user pays.
    compileall.compile_dir(Path(stratmon.__file__).parent, quiet=1)
    codelists = shared_data_dir() / "iati-codelists"
    if "STRATMON_CODELISTS" not in os.environ and codelists.is_dir():
        os.environ["STRATMON_CODELISTS"] = str(codelists)
    only_world = args.only == "world"
    if args.only == "api":
        with tempfile.TemporaryDirectory(prefix="stratmon-bench-") as work:
            sections = bench_api_only(args, Path(work))
        print("\n".join(describe(None)))
        print(format_table(sections))
        print(f"Whole run: {(time.perf_counter() - STARTED) / 60:.1f} min")
        return
    if only_world and not world_archive().is_file():
        raise SystemExit(f"no archive of the whole publication at {world_archive()}")
    if not only_world and not any(real_folder().rglob("*.xml")):
        raise SystemExit(f"no IATI files under {real_folder()}")
    sections = []
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stratmon-bench-")))
        server = stack.enter_context(postgres_server()) if "postgresql" in args.engines and not only_world else None
        header = describe(server_version(server) if server else None)
        if not only_world:
            sections += bench_real_files(args, work, server)
        if world_archive().is_file():
            world = measure_world(work, args.runs, other_source_imports(), progress)
            sections.append(("whole U.S. IATI publication (SQLite; ratios against lxml etree.parse of the same "
                             "files, baseline w)", world_rows(world)))
        else:
            progress(f"whole publication: no archive at {world_archive()}; not measured")
    print("\n".join(header))
    print(format_table(sections))
    print(f"Whole run: {(time.perf_counter() - STARTED) / 60:.1f} min")


if __name__ == "__main__":
    main()
