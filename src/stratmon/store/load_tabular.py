"""Loading the tabular sources: ForeignAssistance.gov, budget tables, context indicators.

Each file is one database transaction. Figures with a natural key (a recipient's obligations
in a fiscal year; an indicator's value for a country and year) are compared with what is
stored: identical → unchanged, different → replaced (the newer file wins), absent → new.
ForeignAssistance.gov's activity-level rows have no key: a file replaces the rows stored for
the recipients it covers, and a file already imported whole is recorded as unchanged.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, func, select

from stratmon.i18n import _
from stratmon.sources.records import BudgetFigure, ContextValue, FagovTransaction, FundingFigure
from stratmon.sources.values import optional_micros as _micros
from stratmon.store import schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.runs import ImportReport, Ids, Issue, finish_run, import_transaction, now, start_run

BATCH_ROWS = 2000


@dataclass(frozen=True)
class KeyedTable:
    """How one kind of record is stored: its table, natural key, row, and the key columns
    whose values select a slice small enough to compare in memory (an indicator, a year)."""

    table: Table
    key: tuple[str, ...]
    to_row: Callable[[Any], dict[str, Any]]
    scope: tuple[str, ...]

    def key_of(self, row: dict[str, Any]) -> tuple:
        return tuple(row[column] for column in self.key)


FIGURES = KeyedTable(schema.fagov_figure, ("recipient_key", "fiscal_year", "fiscal_period", "transaction_type"),
                     lambda r: {"source_line": r.line, "recipient_key": r.recipient_key,
                                "recipient_name": r.recipient_name, "fiscal_year": r.fiscal_year,
                                "fiscal_period": r.fiscal_period, "transaction_type": r.transaction_type,
                                "current_micros": _micros(r.current_usd),
                                "constant_micros": _micros(r.constant_usd)},
                     ("transaction_type",))
BUDGET = KeyedTable(schema.budget_figure, ("fiscal_year", "label", "account"),
                    lambda r: {"source_line": r.line, "fiscal_year": r.fiscal_year, "label": r.label,
                               "recipient_key": r.recipient_key, "kind": r.kind, "account": r.account,
                               "amount_micros": _micros(r.amount_usd)},
                    ("fiscal_year",))
CONTEXT = KeyedTable(schema.context_value, ("indicator", "country_key", "year", "period", "dimension", "source"),
                     lambda r: {"source_line": r.line, "indicator": r.indicator, "country_key": r.country_key,
                                "year": r.year, "period": r.period, "dimension": r.dimension,
                                "value_text": format(r.value, "f"), "value": float(r.value), "unit": r.unit,
                                "source": r.source, "vintage": r.vintage},
                     ("indicator", "source"))
KEYED = {FundingFigure: FIGURES, BudgetFigure: BUDGET, ContextValue: CONTEXT}
# Columns that do not make two stored values different.
_BOOKKEEPING = {"import_run_id", "source_line"}


def _batches(records: Iterable, size: int) -> Iterator[list]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


class _TabularLoader:
    def __init__(self, connection: Connection, report: ImportReport, run_id: int) -> None:
        self.connection = connection
        self.report = report
        self.run_id = run_id
        self.writer = BulkWriter(connection)
        self.stored: dict[str, dict[tuple, dict[str, Any]]] = {}
        self.loaded_scopes: set[tuple] = set()
        self.fagov_scope: set[tuple[str, int]] = set()

    def load(self, records: Iterable) -> None:
        for batch in _batches(records, BATCH_ROWS):
            fagov = [r for r in batch if isinstance(r, FagovTransaction)]
            if fagov:
                self._fagov_transactions(fagov)
            keyed: dict[KeyedTable, list] = {}
            for record in batch:
                spec = KEYED.get(type(record))
                if spec is not None:
                    keyed.setdefault(spec, []).append(record)
            for spec, records_of_kind in keyed.items():
                self._keyed(spec, records_of_kind)
        if self.fagov_scope:
            self._replace_older_fagov_rows()

    def _repeat(self, key: tuple, row: dict[str, Any]) -> None:
        self.report.conflicts += 1
        self.report.add_issue(Issue("conflict", row["source_line"], None, _(
            "repeats {key}; the later row is kept").format(key=", ".join(map(str, key)))))

    def _stored(self, spec: KeyedTable, rows: dict[tuple, dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
        """What is stored for the slices these rows fall in, read once per slice per file.

        Reading whole slices (one indexed query each) rather than looking keys up in batches
        keeps both engines fast: long IN lists of row values defeat SQLite's index and cost
        PostgreSQL seconds of planning.
        """
        cache = self.stored.setdefault(spec.table.name, {})
        table = spec.table
        for scope in {(table.name, *(row[c] for c in spec.scope)) for row in rows.values()} - self.loaded_scopes:
            self.loaded_scopes.add(scope)
            query = select(table).where(*(table.c[c] == v for c, v in zip(spec.scope, scope[1:])))
            for stored in self.connection.execute(query):
                mapping = dict(stored._mapping)
                cache[spec.key_of(mapping)] = mapping
        return cache

    def _keyed(self, spec: KeyedTable, records: list) -> None:
        rows: dict[tuple, dict[str, Any]] = {}
        for record in records:
            row = {"import_run_id": self.run_id, **spec.to_row(record)}
            key = spec.key_of(row)
            if key in rows:
                self._repeat(key, row)
            rows[key] = row
        stored = self._stored(spec, rows)
        changed, fresh = [], []
        for key, row in rows.items():
            old = stored.get(key)
            if old is not None and old["import_run_id"] == self.run_id:
                self._repeat(key, row)
                changed.append(key)
                fresh.append(row)
            elif old is None:
                fresh.append(row)
                self.report.records_new += 1
            elif all(old[c] == row[c] for c in row if c not in _BOOKKEEPING):
                self.report.records_unchanged += 1
                continue
            else:
                changed.append(key)
                fresh.append(row)
                self.report.records_updated += 1
            stored[key] = row
        table = spec.table
        if changed:
            by_key = delete(table).where(*(table.c[c] == bindparam(f"k_{c}") for c in spec.key))
            self.connection.execute(by_key, [{f"k_{c}": v for c, v in zip(spec.key, key)} for key in changed])
        if fresh:
            self.writer.insert(table, fresh)

    def _fagov_transactions(self, records: list[FagovTransaction]) -> None:
        rows = []
        for r in records:
            self.fagov_scope.add((r.recipient_key, r.fiscal_year))
            rows.append({
                "import_run_id": self.run_id, "source_line": r.line, "activity_id": r.activity_id,
                "activity_name": r.activity_name, "recipient_key": r.recipient_key,
                "recipient_name": r.recipient_name, "managing_agency": r.managing_agency,
                "managing_sub_agency": r.managing_sub_agency, "implementing_partner": r.implementing_partner,
                "implementing_partner_category": r.implementing_partner_category, "us_category": r.us_category,
                "us_sector": r.us_sector, "dac_sector": r.dac_sector, "dac_purpose": r.dac_purpose,
                "funding_account": r.funding_account, "funding_agency": r.funding_agency, "aid_type": r.aid_type,
                "transaction_type": r.transaction_type, "fiscal_year": r.fiscal_year,
                "transaction_date": r.transaction_date, "current_micros": _micros(r.current_usd),
                "constant_micros": _micros(r.constant_usd), "submission_id": r.submission_id,
                # Attributed by `stratmon align`, not by the import.
                "line_id": None, "objective_id": None, "outside_id": None, "alignment_rule": None,
                "alignment_evidence": None})
        self.writer.insert(schema.fagov_transaction, rows)
        self.report.records_new += len(rows)

    def _replace_older_fagov_rows(self) -> None:
        """Rows of earlier files for the recipients and fiscal years this file covers give way to it."""
        table = schema.fagov_transaction
        removed = 0
        for recipient_key, fiscal_year in sorted(self.fagov_scope):
            removed += self.connection.execute(delete(table).where(
                table.c.recipient_key == recipient_key, table.c.fiscal_year == fiscal_year,
                table.c.import_run_id != self.run_id)).rowcount
        if removed:
            self.report.add_issue(Issue("replaced", None, None, _(
                "replaced rows of earlier files (rows: {rows}; recipient-years: {scopes})").format(
                rows=removed, scopes=len(self.fagov_scope))))


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _already_loaded(connection: Connection, source_kind: str, content_hash: str) -> bool:
    """Whether a file with this content was imported and its activity-level rows are all still there."""
    run = schema.import_run
    earlier = connection.execute(select(run.c.id, run.c.records_new).where(
        run.c.source_kind == source_kind, run.c.content_hash == content_hash, run.c.status == "imported")
        .order_by(run.c.id.desc())).first()
    if earlier is None or not earlier.records_new:
        return False
    table = schema.fagov_transaction
    still = connection.execute(select(func.count()).select_from(table)
                               .where(table.c.import_run_id == earlier.id)).scalar_one()
    return still == earlier.records_new


def import_tabular_file(
    engine: Engine,
    path: Path,
    source_kind: str,
    read: Callable[[Path], Iterable],
    *,
    record_kind: str = "row",
    skip_if_loaded: bool = False,
) -> ImportReport:
    """Import one tabular file (`read(path)` yields its records) in one database transaction.

    Raises ImportRejected (storing nothing) when the reader refuses the file.
    """
    started, clock = now(), time.perf_counter()
    report = ImportReport(path=path)
    content_hash = _file_hash(path)
    with import_transaction(engine) as connection:
        run_id = report.run_id = Ids(connection)("import_run")
        start_run(connection, run_id, source_kind, path, started, record_kind=record_kind,
                  content_hash=content_hash, size_bytes=path.stat().st_size)
        if not (skip_if_loaded and _already_loaded(connection, source_kind, content_hash)):
            records = read(path)
            _TabularLoader(connection, report, run_id).load(records)
            # Readers may say what they left out on purpose (e.g. CBP's "OTHER" citizenship).
            for note in getattr(records, "notes", lambda: [])():
                report.add_issue(Issue("skipped", None, None, note))
        report.status = "imported" if report.records_new or report.records_updated else "unchanged"
        report.seconds = time.perf_counter() - clock
        finish_run(connection, report, content_hash, path)
    return report
