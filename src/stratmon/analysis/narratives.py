"""Narratives as readers and analysts see them: the approved text of each cell (line of action, country,
span of fiscal years) in the reader's language, the cells without one (gaps), a narrative's versions,
and where every narrative of a span stands in its workflow.

Reads `narrative_version` only (store/narratives.py writes it; narratives/workflow.py says what its
states mean). The published text of a narrative is its version approved last; `approved_before` (a
report's `--as-of`, the day after it) keeps out what was approved later, so a report of a past date
reads as it did then, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.i18n import SUPPORTED
from stratmon.narratives.workflow import Cell, Parts
from stratmon.store import schema


@dataclass(frozen=True)
class NarrativeVersion:
    """One saved version of a narrative, with its workflow state."""

    id: int
    cell: Cell
    lang: str
    version: int
    parts: Parts
    status: str
    source: str
    created_by: str
    created_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str | None


@dataclass(frozen=True)
class ShownNarrative:
    """What a reader is shown for one cell: the approved text (in the reader's language if there is
    one, else in the other, marked), or nothing, a gap."""

    cell: Cell
    text: NarrativeVersion | None  # None: no approved narrative, a gap

    def is_in(self, lang: str) -> bool:
        return self.text is not None and self.text.lang == lang


def day_after(as_of: date) -> datetime:
    """The first moment after the day `as_of` (UTC, as the store's timestamps): what was approved on
    that day counts, what came after does not."""
    return datetime.combine(as_of + timedelta(days=1), time())


def _version(row) -> NarrativeVersion:
    return NarrativeVersion(row.id, Cell(row.line_id, row.country, row.first_fy, row.last_fy), row.lang, row.version,
                            Parts(row.progress, row.challenges, row.next_steps), row.status, row.source,
                            row.created_by, row.created_at, row.submitted_by, row.submitted_at, row.reviewed_by,
                            row.reviewed_at, row.review_reason)


def _of_span(fiscal_years: FiscalYears) -> list:
    table = schema.narrative_version
    return [table.c.first_fy == fiscal_years.first, table.c.last_fy == fiscal_years.last]


def is_bounded(fiscal_years: FiscalYears) -> bool:
    """Whether a span can have narratives: they are written for a first and a last fiscal year."""
    return fiscal_years.first is not None and fiscal_years.last is not None


def approved(connection: Connection, fiscal_years: FiscalYears,
             approved_before: datetime | None = None) -> dict[tuple[str, str, str], NarrativeVersion]:
    """The published text of every narrative of the span, by (line, country, language): its version
    approved last (before `approved_before`, when given)."""
    if not is_bounded(fiscal_years):
        return {}
    table = schema.narrative_version
    conditions = [*_of_span(fiscal_years), table.c.status == "approved"]
    if approved_before is not None:
        conditions.append(table.c.reviewed_at < approved_before)
    found: dict[tuple[str, str, str], NarrativeVersion] = {}
    # Oldest approval first, so the last one written is the last approved (the version breaks a tie).
    for row in connection.execute(select(table).where(*conditions).order_by(table.c.reviewed_at, table.c.version)):
        found[(row.line_id, row.country, row.lang)] = _version(row)
    return found


def shown_narratives(connection: Connection, cells: list[Cell], lang: str,
                     approved_before: datetime | None = None) -> list[ShownNarrative]:
    """For each cell (all of one span), what a reader in `lang` is shown, in the cells' order."""
    if not cells:
        return []
    span = FiscalYears(cells[0].first_fy, cells[0].last_fy)
    published = approved(connection, span, approved_before)
    others = [other for other in SUPPORTED if other != lang]
    shown = []
    for cell in cells:
        text = next((published[(cell.line, cell.country, choice)] for choice in (lang, *others)
                     if (cell.line, cell.country, choice) in published), None)
        shown.append(ShownNarrative(cell, text))
    return shown


def versions(connection: Connection, cell: Cell) -> list[NarrativeVersion]:
    """Every version of the narratives of one cell, in both languages, newest first."""
    table = schema.narrative_version
    rows = connection.execute(select(table).where(
        table.c.line_id == cell.line, table.c.country == cell.country, table.c.first_fy == cell.first_fy,
        table.c.last_fy == cell.last_fy).order_by(table.c.lang, table.c.version.desc()))
    return [_version(row) for row in rows]


def newest_versions(connection: Connection, fiscal_years: FiscalYears) -> dict[tuple[str, str, str], NarrativeVersion]:
    """The newest version of every narrative of the span, by (line, country, language)."""
    if not is_bounded(fiscal_years):
        return {}
    table = schema.narrative_version
    found: dict[tuple[str, str, str], NarrativeVersion] = {}
    for row in connection.execute(select(table).where(*_of_span(fiscal_years)).order_by(table.c.version)):
        found[(row.line_id, row.country, row.lang)] = _version(row)
    return found


def waiting(connection: Connection) -> list[NarrativeVersion]:
    """Narratives whose newest version is submitted, waiting for approval, oldest submission first."""
    table = schema.narrative_version
    newest = {}
    for row in connection.execute(select(table).order_by(table.c.version)):
        newest[(row.line_id, row.country, row.first_fy, row.last_fy, row.lang)] = row
    rows = [row for row in newest.values() if row.status == "submitted"]
    return [_version(row) for row in sorted(rows, key=lambda row: (row.submitted_at, row.id))]


def spans(connection: Connection) -> list[FiscalYears]:
    """The spans narratives are written for, longest first, then newest."""
    table = schema.narrative_version
    found = connection.execute(select(table.c.first_fy, table.c.last_fy).distinct())
    return [FiscalYears(first, last) for first, last in sorted(found, key=lambda s: (s[0] - s[1], -s[1]))]


@dataclass(frozen=True)
class NarrativeState:
    """Where one narrative (a cell, in one language) stands: its newest version and its published one."""

    cell: Cell
    lang: str
    newest: NarrativeVersion | None
    published: NarrativeVersion | None


def framework_cells(framework, fiscal_years: FiscalYears, countries: list[str] | None = None) -> list[Cell]:
    """Every cell of a bounded span: each line of action by each country, in the framework's order
    (of `countries` only, when given)."""
    codes = [c.code for c in framework.countries if countries is None or c.code in countries]
    return [Cell(line.id, code, fiscal_years.first, fiscal_years.last)
            for line in framework.lines_of_action for code in codes]


def states(connection: Connection, framework, fiscal_years: FiscalYears,
           countries: list[str] | None = None) -> list[NarrativeState]:
    """Every narrative a bounded span can have, in both languages, and where each stands."""
    newest, published = newest_versions(connection, fiscal_years), approved(connection, fiscal_years)
    return [NarrativeState(cell, lang, newest.get((cell.line, cell.country, lang)),
                           published.get((cell.line, cell.country, lang)))
            for cell in framework_cells(framework, fiscal_years, countries) for lang in SUPPORTED]
