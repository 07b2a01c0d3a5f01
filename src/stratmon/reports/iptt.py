"""The indicator tracking table (IPTT) rendered three ways: CSV for scripts, an Excel workbook and a
self-contained, printable HTML page for people.

Every renderer walks the same items: one per indicator × period × category, or one per indicator
that has no period yet. Labels come translated in the `IpttTable`; the few words added here go
through `_` in the process language, which is the one the table was built in.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from stratmon.analysis.iptt_types import COLUMNS, IpttCell, IpttRow, IpttTable
from stratmon.i18n import _, format_measure, format_percent
from stratmon.spreadsheet import safe_text

PERIOD_COLUMNS = COLUMNS[COLUMNS.index("period"):]
# The IPTT convention for "data not available", kept as is for scripts.
NOT_AVAILABLE_CODE = "DNA"


@dataclass(frozen=True)
class StatusColours:
    """How a status is shown: a light fill and a dark ink that reads on it (Excel's good/neutral/bad)."""

    fill: str
    ink: str


STATUS_COLOURS = {
    "on_track": StatusColours("C6EFCE", "006100"),
    "needs_attention": StatusColours("FFEB9C", "7A4500"),
    "off_track": StatusColours("FFC7CE", "9C0006"),
    "no_target": StatusColours("E4E4E4", "3C3C3C"),
    "no_data": StatusColours("E4E4E4", "3C3C3C"),
}
UNKNOWN_STATUS = StatusColours("FFFFFF", "000000")


def _items(table: IpttTable) -> Iterator[tuple[IpttRow, IpttCell | None]]:
    """Each indicator with each of its cells, or with None when it has no cell."""
    for row in table.rows:
        if not row.cells:
            yield row, None
        for cell in row.cells:
            yield row, cell


def _record(row: IpttRow, cell: IpttCell | None) -> dict[str, Any]:
    """The typed values of one line of the table, keyed by COLUMNS."""
    record = {"indicator_code": row.indicator_code, "indicator": row.indicator_name, "unit": row.unit,
              "line": row.line_name, "objective": row.objective_name, "activity": row.activity,
              "activity_title": row.activity_title, "country": row.country,
              "baseline": row.baseline if row.baseline is not None else row.baseline_text,
              "baseline_year": row.baseline_year, "lop_target": row.lop_target}
    if cell is None:
        return record | dict.fromkeys(PERIOD_COLUMNS) | {"category": row.category}
    # A disaggregate published as an indicator of its own has its category on the row.
    return record | {"period": cell.period_label, "period_start": cell.period_start, "period_end": cell.period_end,
                     "category": cell.category or row.category,
                     "target": cell.target if cell.target is not None else cell.target_text,
                     "actual": cell.actual if cell.actual is not None else cell.actual_text,
                     "percent_achieved": cell.percent_achieved, "status": cell.status, "reason": cell.reason}


def heading(table: IpttTable, key: str) -> str:
    """A column's heading in the table's language, or its key."""
    return table.headings.get(key) or key


# --- CSV ---------------------------------------------------------------------------------------

def _plain(value: Any) -> str:
    """A value as machine-readable text: decimals without exponent or grouping, ISO dates, and
    text that a spreadsheet will not run as a formula (titles are public data)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def _fraction(share: Decimal | None) -> str:
    return "" if share is None else format(share.quantize(Decimal("0.0001"), ROUND_HALF_UP), "f")


def iptt_csv(table: IpttTable, out: TextIO) -> None:
    """The table as CSV on `out`: a header of machine keys (COLUMNS), then one row per indicator ×
    period × category; exact decimals, percent achieved as a fraction, status as its code, text
    that looks like a formula with a leading `'`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row, cell in _items(table):
        record = _record(row, cell)
        if cell is not None and cell.actual_not_available:
            record["actual"] = NOT_AVAILABLE_CODE
        record["percent_achieved"] = _fraction(record["percent_achieved"])
        writer.writerow(_plain(value) for value in record.values())


# --- Excel -------------------------------------------------------------------------------------

SHEET_TITLE_MAX = 31
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 48
DECIMAL_COLUMNS = {"baseline", "lop_target", "target", "actual"}


def _sheet_title(table: IpttTable) -> str:
    """The sheet's name as Excel allows it: at most 31 characters, none of []:*?/\\."""
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", table.headings.get("sheet", "IPTT")).strip()[:SHEET_TITLE_MAX].strip()
    return title or "IPTT"


def _text_cell(sheet, row: int, column: int, value: str):
    """A cell that holds `value` as text even when it looks like a formula (titles are public data)."""
    cell = sheet.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _number_format(value: Decimal) -> str:
    # "#,##0.##" alone would show whole numbers with a trailing separator ("1,234.").
    return "#,##0" if value == value.to_integral_value() else "#,##0.##"


def _sheet_value(key: str, record: dict[str, Any], cell: IpttCell | None) -> Any:
    """What a person reads in the workbook for one column: names rather than codes."""
    if cell is not None:
        if key == "category" and record["category"] is None:
            return _("Total")
        if key == "actual" and cell.actual_not_available:
            return _("not available")
        if key == "status":
            return cell.status_label
    return record[key]


def _write_value(sheet, row: int, column: int, key: str, value: Any):
    if isinstance(value, str):
        return _text_cell(sheet, row, column, value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, Decimal):
        cell.number_format = "0.0%" if key == "percent_achieved" else _number_format(value)
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def iptt_xlsx(table: IpttTable, path: Path) -> None:
    """The table as an Excel workbook at `path`: title, filters and date above a filterable header,
    one row per indicator × period × category, real numbers and dates, statuses coloured."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(table)
    _text_cell(sheet, 1, 1, table.title).font = Font(bold=True, size=14)
    _text_cell(sheet, 2, 1, table.filters)
    _text_cell(sheet, 3, 1, _("Generated on {date}").format(date=_long_date(table)))
    header_row = 5
    widths = [len(heading(table, key)) for key in COLUMNS]
    for column, key in enumerate(COLUMNS, start=1):
        cell = _text_cell(sheet, header_row, column, heading(table, key))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    row_number = header_row
    for row_number, (row, cell) in enumerate(_items(table), start=header_row + 1):
        record = _record(row, cell)
        for column, key in enumerate(COLUMNS, start=1):
            value = _sheet_value(key, record, cell)
            written = _write_value(sheet, row_number, column, key, value)
            widths[column - 1] = max(widths[column - 1], _display_width(value))
            if key == "status" and cell is not None:
                colours = STATUS_COLOURS.get(cell.status, UNKNOWN_STATUS)
                written.fill = PatternFill("solid", fgColor=colours.fill)
                written.font = Font(color=colours.ink)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)  # header and indicator code and name stay
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{row_number}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.save(path)


# --- HTML --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HtmlLine:
    """One category of one period, formatted for reading."""

    category: str | None
    is_total: bool
    target: str
    actual: str
    is_not_available: bool
    percent: str
    status: str
    status_label: str
    reason: str


@dataclass(frozen=True)
class HtmlPeriod:
    label: str
    dates: str
    lines: list[HtmlLine]


@dataclass(frozen=True)
class HtmlIndicator:
    code: str
    name: str
    facts: list[tuple[str, str]]
    is_disaggregated: bool
    periods: list[HtmlPeriod]


def _long_date(table: IpttTable) -> str:
    return format_date(table.generated_on, format="long", locale=table.lang)


def _measure(value: Decimal | None, lang: str, text: str | None = None) -> str:
    if value is None:
        return text or "–"
    return format_measure(value, lang)


def _html_line(cell: IpttCell, lang: str) -> HtmlLine:
    actual = _("not available") if cell.actual_not_available else _measure(cell.actual, lang, cell.actual_text)
    return HtmlLine(cell.category, cell.category is None, _measure(cell.target, lang, cell.target_text), actual,
                    cell.actual_not_available, format_percent(cell.percent_achieved, lang), cell.status,
                    cell.status_label, cell.reason or "")


def _html_periods(row: IpttRow, lang: str) -> list[HtmlPeriod]:
    """The cells grouped by period, in the order given; within a period the total comes first."""
    groups: dict[tuple[str, date, date], list[IpttCell]] = {}
    for cell in row.cells:
        groups.setdefault((cell.period_label, cell.period_start, cell.period_end), []).append(cell)
    periods = []
    for (label, start, end), cells in groups.items():
        dates = " – ".join(format_date(day, format="medium", locale=lang) for day in (start, end))
        cells = sorted(cells, key=lambda cell: cell.category is not None)
        periods.append(HtmlPeriod(label, dates, [_html_line(cell, lang) for cell in cells]))
    return periods


def _facts(table: IpttTable, row: IpttRow) -> list[tuple[str, str]]:
    """The indicator's context as (heading, text), leaving out what is unknown."""
    lang = table.lang
    baseline = row.baseline_text
    if row.baseline is not None:
        baseline = format_measure(row.baseline, lang)
    if baseline is not None:
        if row.baseline_year is not None:
            baseline += f" ({row.baseline_year})"
    activity = " — ".join(part for part in (row.activity, row.activity_title) if part) or None
    facts = [("unit", row.unit), ("line", row.line_name), ("objective", row.objective_name),
             ("activity", activity), ("country", row.country), ("baseline", baseline),
             ("lop_target", None if row.lop_target is None else format_measure(row.lop_target, lang))]
    return [(heading(table, key), text) for key, text in facts if text]


def _html_indicator(table: IpttTable, row: IpttRow) -> HtmlIndicator:
    return HtmlIndicator(row.indicator_code, row.indicator_name, _facts(table, row),
                         any(cell.category is not None for cell in row.cells), _html_periods(row, table.lang))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("stratmon", "reports/templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def iptt_html(table: IpttTable) -> str:
    """The table as a complete HTML5 page with its own styles: one section per indicator with its
    context, then per period and category the target, actual, % achieved, status and reason."""
    template = _environment().get_template("iptt.html")
    return template.render(
        table=table, generated=_("Generated on {date}").format(date=_long_date(table)),
        total=_("Total"), indicators=[_html_indicator(table, row) for row in table.rows],
        headings={key: heading(table, key) for key in COLUMNS},
        colours=STATUS_COLOURS)
