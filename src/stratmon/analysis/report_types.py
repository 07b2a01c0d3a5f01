"""The monitoring and evaluation report as plain data: what `stratmon report` renders.

Every text is already in the report's language; numbers stay numbers (Decimal) so that each
renderer formats them its own way and tests can trace them back to `stratmon funding`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CELL_KINDS = ("text", "money", "number", "percent", "year")


@dataclass(frozen=True)
class Column:
    """A table column: a stable key, its heading, and how its values read; `as_published` when its texts
    are (or quote) the data's words (publishers' names and comments, citations), not the report's."""

    key: str
    heading: str
    kind: str = "text"             # one of CELL_KINDS; money is USD, percent a fraction (0.5 = 50 %)
    as_published: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the report; `key` is stable across languages (tests and anchors use it)."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict, ...]         # column key → str | Decimal | int | None
    total: dict | None = None      # a footer row, same keys (None: no footer)
    note: str | None = None
    # Per row, a line printed under it across the table (an indicator's disaggregates): part of the
    # row, never a row of its own, so in no count. Empty, or None for a row: no line.
    row_notes: tuple[str | None, ...] = ()

    def row_note(self, index: int) -> str | None:
        return self.row_notes[index] if index < len(self.row_notes) else None


@dataclass(frozen=True)
class ChartEvent:
    """An event marked on a chart: a line at `position` (0–1) across the category `x`, labelled `label`."""

    x: str
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A chart drawn from the same figures as a table beside it."""

    key: str
    title: str
    kind: str                      # "bar" (one series) | "stacked_bar" (series in `color`) | "line"
    data: tuple[dict, ...]         # records with the fields named below
    x: str
    y: str
    x_title: str
    y_title: str
    color: str | None = None       # the field that splits series
    color_title: str | None = None
    events: tuple[ChartEvent, ...] = ()  # marked on "stacked_bar" and "line" charts, whose x are years
    note: str | None = None        # printed under the chart
    # Series (or, on a "bar" chart, bars) that have a colour of their own, in the order series are
    # drawn: (name, "#rrggbb"), e.g. the lines of action in the framework's colours and order.
    colours: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NarrativeEntry:
    """An approved narrative, written by people (never generated), beside its figure."""

    heading: str                   # what it is about: a country, or a line of action
    figure_label: str              # "Disbursed, FY2016–FY2021"
    figure: Decimal | None         # USD
    lang: str                      # the language the text is written in
    language_note: str | None      # said when that is not the report's language
    parts: tuple[tuple[str, str], ...]  # (heading, text): progress, challenges, next steps
    approval: str                  # which version, approved when


@dataclass(frozen=True)
class NarrativeGroup:
    """The narratives of one line of action, and the cells that have none (gaps, listed, never filled)."""

    key: str
    title: str
    entries: tuple[NarrativeEntry, ...]
    gaps: tuple[str, ...]          # "No approved narrative for Enhancing Security, Honduras, FY2016–FY2021."


@dataclass(frozen=True)
class Section:
    """One numbered section: paragraphs of generated prose, then charts and tables (and, in the
    narratives section, the narratives people wrote)."""

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    narratives: tuple[NarrativeGroup, ...] = ()


@dataclass(frozen=True)
class Report:
    """The whole report, in one language."""

    lang: str
    title: str
    subtitle: str                  # scope: fiscal years and countries, in words
    generated_on: date
    sections: tuple[Section, ...]
    snapshot: str                  # hash of the import ledger and alignment the figures come from
    software_version: str
    labels: dict[str, str] = field(default_factory=dict)  # fixed words renderers need, translated:
    # "contents", "page", "generated", "snapshot", "software", "prepared_by"
