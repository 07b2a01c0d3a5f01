"""Loading IATI organisation files: each file is one database transaction, all or nothing.

Identity is the organisation identifier, as the iati-identifier is an activity's (DESIGN.md rule 1):
the same organisation with the same content is stored once (a re-import is "unchanged"); with other
content, the newer last-updated-datetime wins (on a tie, the greater content hash, so that the order of
imports does not matter) and replaces the stored version whole; a different file's losing or winning
version is recorded as a conflict in the import report.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, func, select

from stratmon.sources.iati_org import OrganisationFile
from stratmon.sources.iati_org_records import COUNTED, BudgetLine, Organisation, RecipientOrgBudget
from stratmon.sources.iati_records import Narrative
from stratmon.sources.values import optional_micros
from stratmon.store import schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.runs import ImportReport, Ids, Issue, finish_run, import_transaction, now, other_file_conflict, \
    start_run

SOURCE_KIND = "iati-org"
RECORD_KIND = "organisation"


def import_organisation_file(engine: Engine, path: Path, *,
                             on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import one IATI organisation file in one database transaction.

    Raises ImportRejected (and stores nothing) when the file is not a well-formed organisation file or
    any of its content cannot be read.
    """
    started, clock = now(), time.perf_counter()
    # Every count, zeros too: the summary tells an organisation file by its counts.
    report = ImportReport(path=path, counts=dict.fromkeys(COUNTED, 0))
    digest = hashlib.sha256()
    organisation_file = OrganisationFile(path, on_chunk=digest.update)
    report.format_version = organisation_file.version
    with import_transaction(engine) as connection:
        loader = _OrganisationLoader(connection, report, path)
        start_run(connection, report.run_id, SOURCE_KIND, path, started, record_kind=RECORD_KIND,
                  format_version=organisation_file.version)
        for organisation in organisation_file:
            loader.load(organisation)
        report.status = "imported" if report.records_new or report.records_updated else "unchanged"
        report.seconds = time.perf_counter() - clock
        finish_run(connection, report, digest.hexdigest(), path)
    if on_progress is not None:
        on_progress(path.stat().st_size)
    return report


def _naive_utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment is not None else None


class _OrganisationLoader:
    """Writes one file's organisations inside the caller's transaction (which holds the import lock)."""

    def __init__(self, connection: Connection, report: ImportReport, path: Path) -> None:
        self.connection = connection
        self.report = report
        self.path = str(path)
        report.run_id = Ids(connection)("import_run")
        self.writer = BulkWriter(connection)
        self.last_ids = {table.name: connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
                         for table in (schema.iati_organisation, schema.organisation_budget)}

    def _next_id(self, table: str) -> int:
        self.last_ids[table] += 1
        return self.last_ids[table]

    def load(self, organisation: Organisation) -> None:
        """Store `organisation` unless the stored version is the same or newer."""
        for name, count in organisation.counts().items():
            self.report.counts[name] += count
        table = schema.iati_organisation
        stored = self.connection.execute(
            select(table.c.id, table.c.content_hash, table.c.last_updated_at, schema.import_run.c.path)
            .join(schema.import_run, schema.import_run.c.id == table.c.import_run_id)
            .where(table.c.organisation_identifier == organisation.identifier)).first()
        if stored is None:
            self.report.records_new += 1
        elif stored.content_hash == organisation.content_hash:
            self.report.records_unchanged += 1
            return
        else:
            last_updated = _naive_utc(organisation.last_updated)
            tie = last_updated == stored.last_updated_at
            if (last_updated or datetime.min, organisation.content_hash) > \
                    (stored.last_updated_at or datetime.min, stored.content_hash):
                self.report.records_updated += 1
                self._conflict(organisation, stored.path, kept_this_file=True, tie=tie)
                self._delete(stored.id)
            else:
                self.report.records_unchanged += 1
                self._conflict(organisation, stored.path, kept_this_file=False, tie=tie)
                return
        self._insert(organisation)

    def _conflict(self, organisation: Organisation, stored_path: str, kept_this_file: bool, tie: bool) -> None:
        if stored_path == self.path:
            return  # a newer publication of the same file is an update, not a conflict
        self.report.conflicts += 1
        self.report.add_issue(Issue("conflict", organisation.line, organisation.identifier,
                                    other_file_conflict(stored_path, kept_this_file, tie)))

    def _delete(self, organisation_id: int) -> None:
        for table in schema.ORGANISATION_CONTENT:
            self.connection.execute(delete(table).where(table.c.organisation_id == organisation_id))
        self.connection.execute(delete(schema.iati_organisation).where(schema.iati_organisation.c.id == organisation_id))

    def _insert(self, organisation: Organisation) -> None:
        organisation_id = self._next_id("iati_organisation")
        reporting = organisation.reporting_org
        self.writer.insert(schema.iati_organisation, [{
            "id": organisation_id, "organisation_identifier": organisation.identifier,
            "import_run_id": self.report.run_id, "source_line": organisation.line,
            "content_hash": organisation.content_hash, "iati_version": organisation.iati_version,
            "last_updated_text": organisation.last_updated_text,
            "last_updated_at": _naive_utc(organisation.last_updated),
            "default_currency": organisation.default_currency, "default_lang": organisation.default_lang,
            "name": organisation.name(organisation.default_lang or "en"),
            "names": [{"lang": n.lang, "text": n.text} for n in organisation.names] or None,
            "reporting_org_ref": reporting.ref, "reporting_org_type": reporting.type,
            "reporting_org_name": reporting.name, "secondary_reporter": organisation.secondary_reporter,
            "extensions": organisation.extensions or None}])
        budgets, lines = [], []
        for budget in organisation.budgets:
            budget_id = self._next_id("organisation_budget")
            budgets.append({
                "id": budget_id, "organisation_id": organisation_id, "source_line": budget.line, "kind": budget.kind,
                "status": budget.status, **_recipient(budget), "period_start": budget.period_start,
                "period_end": budget.period_end, "value_text": budget.value_text,
                "value_micros": optional_micros(budget.value), "currency": budget.currency,
                "value_date": budget.value_date})
            lines.extend(_line_row(line, budget_id, organisation_id, organisation.default_lang) for line in budget.lines)
        documents = [{
            "organisation_id": organisation_id, "source_line": d.line, "url": d.url, "format": d.format,
            "title": d.title, "description": d.description, "categories": d.categories or None,
            "languages": d.languages or None, "document_date": d.document_date,
            "recipient_countries": d.recipient_countries or None} for d in organisation.documents]
        for table, rows in ((schema.organisation_budget, budgets), (schema.organisation_budget_line, lines),
                            (schema.organisation_document, documents)):
            if rows:
                self.writer.insert(table, rows)


def _recipient(budget) -> dict:
    """The recipient columns of a budget row (all None for total-budget and total-expenditure)."""
    if isinstance(budget, RecipientOrgBudget):
        org = budget.recipient_org
        return {"recipient_code": None, "recipient_vocabulary": None, "recipient_key": None,
                "recipient_org_ref": org.ref, "recipient_name": org.name}
    if hasattr(budget, "code"):
        return {"recipient_code": budget.code, "recipient_vocabulary": getattr(budget, "vocabulary", None),
                "recipient_key": budget.recipient_key, "recipient_org_ref": None, "recipient_name": budget.name}
    return dict.fromkeys(("recipient_code", "recipient_vocabulary", "recipient_key", "recipient_org_ref",
                          "recipient_name"))


def _line_row(line: BudgetLine, budget_id: int, organisation_id: int, default_lang: str | None) -> dict:
    return {"budget_id": budget_id, "organisation_id": organisation_id, "source_line": line.line, "ref": line.ref,
            "value_text": line.value_text, "value_micros": optional_micros(line.value), "currency": line.currency,
            "value_date": line.value_date, "narrative": _text(line.narratives, default_lang)}


def _text(narratives: list[Narrative], default_lang: str | None) -> str | None:
    """The narrative in the organisation's default language (or with none), else the first."""
    for narrative in narratives:
        if narrative.lang in (None, default_lang):
            return narrative.text
    return narratives[0].text if narratives else None
