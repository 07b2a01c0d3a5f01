"""An empty results file for country offices to fill in: CSV (the header row only) or XLSX.

The XLSX template has a "results" sheet (the header in bold and frozen, value_type limited to a
list) and a "help" sheet explaining each column in the chosen language. Column names are never
translated: they are what `stratmon.sources.results` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from stratmon.i18n import _, language, set_language
from stratmon.sources.result_records import VALUE_TYPES
from stratmon.sources.results import COLUMNS, MAX_ROWS, REQUIRED, RESULTS_SHEET

FORMATS = ("csv", "xlsx")
HELP_SHEET = "help"
# Wide enough for a typical value of each column (IATI identifiers are long; comments longer).
_WIDTHS = {"indicator": 16, "activity": 30, "country": 10, "period_start": 13, "period_end": 13,
           "value_type": 12, "value": 16, "numerator": 14, "denominator": 14, "scheme": 12,
           "category": 14, "reason": 40, "comment": 40}


def write_template(path: Path | str, file_format: str, lang: str) -> None:
    """Write an empty results template to `path` as `file_format` ("csv" or "xlsx").

    The XLSX help sheet is written in `lang` (one of `stratmon.i18n.SUPPORTED`); the CSV template
    is the header row alone, the same in every language.
    """
    path = Path(path)
    if file_format == "csv":
        path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    elif file_format == "xlsx":
        with _language(lang):
            _write_xlsx(path)
    else:
        raise ValueError(f"unknown template format {file_format!r}; expected one of {', '.join(FORMATS)}")


@contextmanager
def _language(lang: str) -> Iterator[None]:
    # The language is process-wide (i18n); switch it for the help texts only.
    previous = language()
    set_language(lang)
    try:
        yield
    finally:
        set_language(previous)


def _column_help() -> dict[str, str]:
    return {
        "indicator": _("Code of the indicator, as in the strategy's indicator catalogue."),
        "activity": _("IATI identifier of the activity reporting the value. Empty for a value at "
                      "objective level."),
        "country": _("Country: ISO code (GT or GTM) or name. For a region, region-<code>. Empty when "
                     "the value is not for one country."),
        "period_start": _("First day of the period the value covers, as YYYY-MM-DD."),
        "period_end": _("Last day of the period the value covers, as YYYY-MM-DD; not before period_start."),
        "value_type": _("baseline, target or actual."),
        "value": _("The value, a number such as 1234.5 (1,234.5 is accepted). Write DNA (disaggregates "
                   "not available) when a disaggregated value is not available; an empty cell is an error."),
        "numerator": _("For a percentage indicator: the numerator of the value."),
        "denominator": _("For a percentage indicator: the denominator of the value."),
        "scheme": _("Disaggregation scheme code, such as sex or age. Empty for the total; required "
                    "with category."),
        "category": _("Category within the scheme, such as female. Empty for the total; required "
                      "with scheme."),
        "reason": _("Why an actual value missed its target."),
        "comment": _("Any note about the value."),
    }


def _write_xlsx(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RESULTS_SHEET
    sheet.append(COLUMNS)
    bold = Font(bold=True)
    for position, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=position).font = bold
        sheet.column_dimensions[get_column_letter(position)].width = _WIDTHS[column]
    sheet.freeze_panes = "A2"
    _limit_value_type(sheet)
    _write_help(workbook.create_sheet(HELP_SHEET))
    workbook.save(path)


def _limit_value_type(sheet) -> None:
    letter = get_column_letter(COLUMNS.index("value_type") + 1)
    choices = ",".join(VALUE_TYPES)
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True, showErrorMessage=True,
                                errorTitle=_("Not a value type"), error=_("Choose one of: {choices}").format(choices=choices))
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def _write_help(sheet) -> None:
    sheet.append((_("Column"), _("Required"), _("What to write")))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    texts = _column_help()
    for column in COLUMNS:
        sheet.append((column, _("yes") if column in REQUIRED else _("no"), texts[column]))
    sheet.append(())
    for note in (_("One row per value: a total (no scheme, no category) or one disaggregate."),
                 _("DNA means \"disaggregates not available\": the value was asked for and cannot be given. "
                   "It is not zero and not a missing value."),
                 _("Empty cells and NULL mean missing, never zero. Do not rename, translate or add columns.")):
        sheet.append(("", "", note))
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    for row in sheet.iter_rows(min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
