"""The monitoring and evaluation report rendered for people: a self-contained HTML page that
WeasyPrint prints to PDF, and the same content as Markdown.

Every word comes translated in the `Report` (its texts and `labels`); this module only formats
numbers and dates in the report's language and lays them out. Output depends on the report alone,
so the same report gives the same bytes. Each figure in the HTML keeps its exact value in a
`data-value` attribute, which is how tests trace a printed figure back to `stratmon funding`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from weasyprint import HTML

from stratmon.analysis.report_types import CELL_KINDS, Chart, Column, Report, Section, Table
from stratmon.i18n import InLanguage, format_count, format_measure, format_money, format_percent
from stratmon.markup import with_code

try:  # WeasyPrint 68+ takes a URLFetcher; earlier versions any callable
    from weasyprint.urls import URLFetcher as _FetcherBase
except ImportError:  # pragma: no cover - older WeasyPrint
    _FetcherBase = object

NUMERIC_KINDS = ("money", "number", "percent")
_MONEY = Column("usd", "", "money")  # a figure outside a table (beside a narrative)
REQUIRED_LABELS = ("contents", "page", "generated", "snapshot", "software")
MISSING = "–"  # a figure the report does not have, as iptt.py shows it


class ReportLabelsMissing(ValueError):
    """The report lacks fixed words a renderer needs; the builder must supply them translated."""

    def __init__(self, missing: list[str]):
        super().__init__(f"report labels missing: {', '.join(missing)}")
        self.missing = missing


# --- cells, shared by every renderer -------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One table cell: what people read, and for figures the exact value as a plain decimal."""

    column: str
    kind: str
    text: str
    value: str | None  # "" for a missing figure; None for text and year cells
    lang: str | None = None  # a text's language where the data says it and it is not the report's
    is_published: bool = False  # the data's words (`InLanguage`: a title, a name), not the report's


def _figure(value: object) -> Decimal | None:
    """A figure as Decimal; floats are refused because they would not trace back exactly."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"a figure must be Decimal or int, not {type(value).__name__}: {value!r}")


def _formatted(kind: str, figure: Decimal, lang: str) -> str:
    if kind == "money":
        return format_money(figure, lang)
    if kind == "percent":
        return format_percent(figure, lang)
    if figure == figure.to_integral_value() and figure.as_tuple().exponent >= 0:
        return format_count(int(figure), lang)  # counts read as whole numbers
    return format_measure(figure, lang)


def _cell(column: Column, value: object, lang: str) -> Cell:
    """A value of `column` formatted by its kind; a text in a figure column is shown as it is."""
    if column.kind not in CELL_KINDS:
        raise ValueError(f"column {column.key!r}: unknown kind {column.kind!r}")
    if column.kind not in NUMERIC_KINDS:
        text_lang = getattr(value, "lang", None)  # `InLanguage`: an activity's title published in English only
        return Cell(column.key, column.kind, "" if value is None else str(value), None,
                    text_lang if text_lang != lang else None, column.as_published or isinstance(value, InLanguage))
    if isinstance(value, str):  # the publisher's words where a figure was expected ("No Target")
        return Cell(column.key, column.kind, value, "", is_published=True)
    figure = _figure(value)
    if figure is None:
        return Cell(column.key, column.kind, MISSING, "")
    return Cell(column.key, column.kind, _formatted(column.kind, figure, lang), format(figure, "f"))


def _cells(table: Table, row: dict, lang: str) -> list[Cell]:
    return [_cell(column, row.get(column.key), lang) for column in table.columns]


@dataclass(frozen=True)
class TableView:
    table: Table
    rows: list[list[Cell]]
    total: list[Cell] | None


def _table_view(table: Table, lang: str) -> TableView:
    total = None if table.total is None else _cells(table, table.total, lang)
    return TableView(table, [_cells(table, row, lang) for row in table.rows], total)


def _labels(report: Report) -> dict[str, str]:
    missing = [key for key in REQUIRED_LABELS if not report.labels.get(key)]
    if missing:
        raise ReportLabelsMissing(missing)
    return report.labels


def _long_date(report: Report) -> str:
    return format_date(report.generated_on, format="long", locale=report.lang)


# --- HTML ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartView:
    chart: Chart
    svg: str


@dataclass(frozen=True)
class SectionView:
    number: int
    anchor: str
    section: Section
    charts: list[ChartView]
    tables: list[TableView]

    @property
    def is_empty(self) -> bool:
        """Nothing to read but tables without rows: the section then says so in one line."""
        return _is_empty(self.section) and not self.charts


def _is_empty(section: Section) -> bool:
    """A section with no words, no narratives, no chart and only tables without rows."""
    return not (section.paragraphs or section.narratives or section.charts
                or any(table.rows for table in section.tables))


# A chart drawn to a file may start with an XML declaration or doctype, which HTML does not allow
# inside a document.
_SVG_PROLOGUE = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)


def _svg_markup(svg: str) -> str:
    return _SVG_PROLOGUE.sub("", svg).strip()


def _css_string(text: str) -> Markup:
    """`text` as a quoted CSS string for a <style> element, where HTML escapes do not apply:
    everything but letters, digits and spaces is hex-escaped, so nothing in it can end the string
    or the element."""
    # The space after each escape ends it (CSS consumes it), so a space that follows survives.
    escaped = "".join(char if char.isalnum() or char == " " else f"\\{ord(char):06x} " for char in text)
    return Markup(f'"{escaped}"')


def _section_views(report: Report, chart_svgs: dict[str, str]) -> list[SectionView]:
    return [SectionView(number, f"section-{number}", section,
                        [ChartView(chart, _svg_markup(chart_svgs[chart.key]))
                         for chart in section.charts if chart.key in chart_svgs],
                        [_table_view(table, report.lang) for table in section.tables])
            for number, section in enumerate(report.sections, start=1)]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("stratmon", "reports/templates"),
                              autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    environment.filters["css_string"] = _css_string
    environment.filters["with_code"] = with_code
    return environment


def report_html(report: Report, chart_svgs: dict[str, str]) -> str:
    """The report as one self-contained HTML5 document, styled for screen and for print (A4): a
    cover, a table of contents, the numbered sections with their charts (`chart_svgs`: Chart.key →
    SVG; a chart without one is left out) and tables, and a closing line on where figures come from."""
    template = _environment().get_template("report.html")
    return template.render(report=report, labels=_labels(report), generated=_long_date(report),
                           sections=_section_views(report, chart_svgs),
                           money=lambda value: _cell(_MONEY, value, report.lang))


# --- PDF -------------------------------------------------------------------------------------------

class FetchRefused(Exception):
    """The report asked for an outside resource; it is self-contained, so nothing is fetched."""


class _RefuseFetching(_FetcherBase):
    """A WeasyPrint URL fetcher that fetches nothing, whatever the URL (file:, http:, data:)."""

    def fetch(self, url, headers=None):
        raise FetchRefused(f"the report is self-contained; refusing to fetch {url}")

    def __call__(self, url):
        return self.fetch(url)


def report_pdf(html: str, path: Path) -> None:
    """Print `html` (from `report_html`) to a PDF file at `path`, fetching nothing from outside it."""
    HTML(string=html, base_url=None, url_fetcher=_RefuseFetching()).write_pdf(path)


# --- Markdown --------------------------------------------------------------------------------------

# CommonMark's inline markers and raw HTML; a backslash makes each one literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_LIST_OR_HEADING = re.compile(r"^([#+\-])")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])(?=\s|$)")


def _md(text: str) -> str:
    """`text` as literal Markdown on one line: no markup, raw HTML or table break can come from it."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _ORDERED_ITEM.sub(r"\1\\\2", _LIST_OR_HEADING.sub(r"\\\1", text))


def _md_row(texts: list[str]) -> str:
    return "| " + " | ".join(texts) + " |"


def _md_table(view: TableView) -> list[str]:
    """The table's title, the table, and its note: three Markdown blocks."""
    table = view.table
    lines = [_md_row([_md(column.heading) for column in table.columns]),
             _md_row(["---:" if column.kind in NUMERIC_KINDS else ":---" for column in table.columns])]
    for index, row in enumerate(view.rows):
        lines.append(_md_row([_md(cell.text) + (f" ({cell.lang})" if cell.lang else "") for cell in row]))
        if table.row_note(index):
            # A row's note (an indicator's disaggregates) reads under it, after an arrow.
            lines.append(_md_row([f"↳ {_md(table.row_note(index))}"] + [""] * (len(row) - 1)))
    if view.total is not None:
        lines.append(_md_row([f"**{_md(cell.text)}**" if cell.text else "" for cell in view.total]))
    blocks = [f"### {_md(table.title)}", "\n".join(lines)]
    return blocks + [f"*{_md(table.note)}*"] if table.note else blocks


def _md_provenance(report: Report, labels: dict[str, str]) -> str:
    return "\n".join([f"- {_md(labels['generated'])}: {_md(_long_date(report))}",
                      f"- {_md(labels['snapshot'])}: {_md(report.snapshot)}",
                      f"- {_md(labels['software'])}: {_md(report.software_version)}"])


def _md_narratives(section: Section, lang: str) -> list[str]:
    """A section's narratives: per line of action, each narrative with its figure and parts, then the gaps."""
    blocks: list[str] = []
    for group in section.narratives:
        blocks.append(f"### {_md(group.title)}")
        for entry in group.entries:
            blocks.append(f"#### {_md(entry.heading)}")
            blocks.append(f"{_md(entry.figure_label)}: {_md(_cell(_MONEY, entry.figure, lang).text)}"
                          + (f" · *{_md(entry.language_note)}*" if entry.language_note else ""))
            blocks += [f"**{_md(heading)}** {_md(text)}" for heading, text in entry.parts]
            blocks.append(f"*{_md(entry.approval)}*")
        if group.gaps:
            blocks.append("\n".join(f"- {_md(gap)}" for gap in group.gaps))
    return blocks


def report_markdown(report: Report) -> str:
    """The report as Markdown (GitHub tables): the same words and figures as the HTML, charts left
    out since each has its table beside it."""
    labels = _labels(report)
    blocks = [f"# {_md(report.title)}"] + ([_md(report.subtitle)] if report.subtitle else [])
    blocks += [_md_provenance(report, labels), f"## {_md(labels['contents'])}",
               "\n".join(f"{number}. {_md(section.title)}"
                         for number, section in enumerate(report.sections, start=1))]
    for number, section in enumerate(report.sections, start=1):
        blocks.append(f"## {number}. {_md(section.title)}")
        if _is_empty(section) and labels.get("no_section"):
            blocks.append(f"*{_md(labels['no_section'])}*")
            continue
        blocks += [_md(paragraph) for paragraph in section.paragraphs]
        blocks += _md_narratives(section, report.lang)
        for table in section.tables:
            blocks += _md_table(_table_view(table, report.lang))
    blocks += ["---", _md_provenance(report, labels)]
    return "\n\n".join(block for block in blocks if block) + "\n"
