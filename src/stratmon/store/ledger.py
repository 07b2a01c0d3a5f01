"""Reading the import ledger: which files were imported, when, with what outcome."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from stratmon.store import schema


@dataclass
class ImportRun:
    id: int
    source_kind: str
    path: str
    content_hash: str
    size_bytes: int
    format_version: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    record_kind: str
    records_total: int
    records_new: int
    records_updated: int
    records_unchanged: int
    records_skipped: int
    conflicts: int
    transactions: int
    issues: list[dict] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)  # characters removed by --repair-invalid-characters
    counts: dict[str, int] = field(default_factory=dict)  # besides the records: an organisation file's budgets

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("started_at", "finished_at"):
            data[key] = data[key].isoformat() + "Z" if data[key] else None
        return data


def import_runs(connection: Connection, *, with_issues: bool = False) -> list[ImportRun]:
    """Every import run, oldest first, with its repairs (always: a repaired file is not the file as
    published) and optionally its other issues."""
    runs = [ImportRun(**row._mapping) for row in
            connection.execute(select(schema.import_run).order_by(schema.import_run.c.id))]
    by_id = {run.id: run for run in runs}
    count = schema.import_count
    for row in connection.execute(select(count).order_by(count.c.import_run_id, count.c.name)):
        by_id[row.import_run_id].counts[row.name] = row.count
    issue = schema.import_issue
    issues = select(issue).order_by(issue.c.id)
    for row in connection.execute(issues if with_issues else issues.where(issue.c.kind == "repaired")):
        run = by_id[row.import_run_id]
        (run.repairs if row.kind == "repaired" else run.issues).append(
            {"kind": row.kind, "line": row.line, "iati_identifier": row.iati_identifier, "message": row.message})
    return runs
