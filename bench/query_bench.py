"""Funding queries (`stratmon.analysis.funding`, built as the CLI and API build them) against the same
aggregation run directly in DuckDB over the same split rows: the practical floor.

The split rows are copied into DuckDB once per scale, through a CSV file (no DuckDB extension or
dataframe library needed offline). DuckDB answers what `funding()` answers: the grouped USD sums,
and the sums per currency that give the total and the non-USD exclusions.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import select

from stratmon.analysis.funding import NOT_ALIGNED, OUTSIDE_PREFIX, TRANSACTION_TYPES, USD, funding, to_usd
from stratmon.analysis.funding_request import build_query
from stratmon.framework import load_framework
from stratmon.framework.model import Geography
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.splits import NO_SECTOR_SPLIT

from measure import best_within
from table import Row, scale_label, seconds_text

TRANSACTION_TYPE = "disbursement"
SPLIT_COLUMNS = ("type_code", "fiscal_year", "currency", "reporting_org_ref", "recipient_key", "geography",
                 "sector_vocabulary", "sector_code", "amount_micros")
# The columns copied to DuckDB, per table, with their DuckDB types.
DUCKDB_TABLES = {
    "transaction_split": SPLIT_COLUMNS,
    "alignment_split": (*SPLIT_COLUMNS, "line_id", "objective_id", "outside_id"),
}
DUCKDB_TYPES = {"fiscal_year": "INTEGER", "amount_micros": "BIGINT"}
CSV_NULL = "\\N"


@dataclass(frozen=True)
class FundingCase:
    """One funding query: its `--by`, and the same grouping written for DuckDB."""

    name: str
    by: str
    duckdb_table: str
    duckdb_keys: str


CASES = (
    FundingCase("country×fy", "country,fy", "transaction_split", "recipient_key, fiscal_year"),
    FundingCase("line×country×fy", "line,country,fy", "alignment_split",
                f"coalesce(line_id, '{OUTSIDE_PREFIX}' || outside_id, '{NOT_ALIGNED}'), recipient_key, fiscal_year"),
    FundingCase("agency×fy", "agency,fy", "transaction_split", "reporting_org_ref, fiscal_year"),
)


@dataclass(frozen=True)
class QueryTiming:
    case: FundingCase
    scale: int
    engine: str
    ours_seconds: float
    duckdb_seconds: float
    groups: int
    same_answer: bool


def _export_csv(url: str, table_name: str, target: Path) -> None:
    table = schema.metadata.tables[table_name]
    engine = get_engine(url)
    with engine.connect() as connection, target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        result = connection.execution_options(yield_per=50_000).execute(
            select(*(table.c[name] for name in DUCKDB_TABLES[table_name])))
        for partition in result.partitions():
            writer.writerows([CSV_NULL if value is None else value for value in row] for row in partition)
    engine.dispose()


@dataclass(frozen=True)
class DuckdbLoad:
    """Copying one scale's split rows into DuckDB: how long, and how many rows per table."""

    scale: int
    seconds: float
    rows: dict[str, int]


def load_duckdb(url: str, folder: Path, scale: int) -> tuple[duckdb.DuckDBPyConnection, DuckdbLoad]:
    """A DuckDB database in `folder` holding the split rows of the database at `url`."""
    started = time.perf_counter()
    connection = duckdb.connect(str(folder / "splits.duckdb"))
    for table_name, columns in DUCKDB_TABLES.items():
        csv_path = folder / f"{table_name}.csv"
        _export_csv(url, table_name, csv_path)
        types = ", ".join(f"'{name}': '{DUCKDB_TYPES.get(name, 'VARCHAR')}'" for name in columns)
        connection.execute(f"CREATE OR REPLACE TABLE {table_name} AS SELECT * FROM read_csv(?, header = false, "
                           f"delim = ',', quote = '\"', escape = '\"', nullstr = ?, columns = {{{types}}})",
                           [str(csv_path), CSV_NULL])
        csv_path.unlink()
    seconds = time.perf_counter() - started
    rows = {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in DUCKDB_TABLES}
    return connection, DuckdbLoad(scale, seconds, rows)


def _duckdb_in_strategy(geography: Geography) -> tuple[str, list[str]]:
    """DESIGN.md rule 9 written again for DuckDB, from the framework's geography: the framework's
    countries; its own regions unless `align` found the money is for places elsewhere; its context
    regions where `align` found their texts name a Strategy country."""
    parts, params = [], []
    for keys, decided in ((geography.countries, ""), (geography.own_regions, " AND coalesce(geography, '') <> 'out'"),
                          (geography.context_regions, " AND geography = 'in'")):
        if keys:
            parts.append(f"(recipient_key IN ({', '.join('?' * len(keys))}){decided})")
            params += sorted(keys)
    return (f"({' OR '.join(parts)})" if parts else "FALSE"), params


def _duckdb_funding(connection: duckdb.DuckDBPyConnection, case: FundingCase,
                    geography: Geography) -> tuple[list, list]:
    type_code = TRANSACTION_TYPES[TRANSACTION_TYPE]
    in_strategy, places = _duckdb_in_strategy(geography)
    groups = connection.execute(
        f"SELECT {case.duckdb_keys}, sum(amount_micros) FROM {case.duckdb_table} "
        f"WHERE sector_vocabulary = ? AND type_code = ? AND currency = ? AND {in_strategy} GROUP BY ALL",
        [NO_SECTOR_SPLIT, type_code, USD, *places]).fetchall()
    by_currency = connection.execute(
        "SELECT currency, sum(amount_micros) FROM transaction_split WHERE sector_vocabulary = ? AND type_code = ? "
        f"AND {in_strategy} GROUP BY currency", [NO_SECTOR_SPLIT, type_code, *places]).fetchall()
    return groups, by_currency


def time_queries(url: str, duck: duckdb.DuckDBPyConnection, scale: int, engine_name: str) -> list[QueryTiming]:
    """Each case on `url` and on DuckDB, best of several runs; whether both gave the same groups and total."""
    framework = load_framework()
    engine = get_engine(url)
    timings = []
    with engine.connect() as connection:
        for case in CASES:
            query = build_query(framework, case.by, TRANSACTION_TYPE, None, "1", None)
            ours = best_within(lambda: funding(connection, query))
            theirs = best_within(lambda: _duckdb_funding(duck, case, framework.geography))
            result = funding(connection, query)
            groups, by_currency = _duckdb_funding(duck, case, framework.geography)
            usd_total = sum(int(micros) for currency, micros in by_currency if currency == USD)
            same = (len(groups) == len(result.rows) and to_usd(usd_total) == result.total_usd
                    and sum(to_usd(micros) for *_keys, micros in groups) == sum(r.usd for r in result.rows))
            timings.append(QueryTiming(case, scale, engine_name, ours, theirs, len(result.rows), same))
    engine.dispose()
    return timings


def query_rows(timings: list[QueryTiming], loads: list[DuckdbLoad]) -> list[Row]:
    """One row per query, scale and engine: our time, and its ratio to DuckDB's on the same rows."""
    rows = []
    for load in loads:
        counts = " and ".join(f"{count:,} {name}" for name, count in load.rows.items())
        rows.append(Row("copy the split rows into DuckDB (not in the times below)", scale_label(load.scale),
                        "duckdb", seconds_text(load.seconds), "", f"{counts} rows, via CSV"))
    # Engines stay in the order they ran (the sort is stable).
    for timing in sorted(timings, key=lambda t: (CASES.index(t.case), t.scale)):
        answer = "same groups and total as DuckDB" if timing.same_answer else "ANSWER DIFFERS FROM DuckDB"
        rows.append(Row(f"funding by {timing.case.name} (disbursements)", scale_label(timing.scale), timing.engine,
                        seconds_text(timing.ours_seconds), f"{timing.ours_seconds / timing.duckdb_seconds:.1f}× DuckDB",
                        f"DuckDB {seconds_text(timing.duckdb_seconds)} · {timing.groups:,} groups · {answer}"))
    return rows
