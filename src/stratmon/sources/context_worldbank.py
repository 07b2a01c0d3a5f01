"""World Bank data in the three forms its files reach us in, all read by `read_wdi` (`--format wdi`):

- the WDI raw CSV, as the World Bank API and website download it: a preamble ("Data Source", "Last
  Updated Date", the vintage), then one row per country and indicator with years as columns;
- a DataBank export (the Worldwide Governance Indicators): Series Name and Series Code, years as
  "2015 [YR2015]", ".." for a missing value, and a footer whose "Last Updated" is the vintage;
- long form, one row per country, year and indicator (year, entity_code, indicator_code, value), as ONE
  Campaign writes WDI series: no vintage.

Rows of aggregates (no ISO3 country code: LCN, WLD) are left out. The series comes from the indicator or
series code through the catalogue, else it is the code itself with the unit its name gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.context_common import (
    DATABANK_COLUMNS, WDI_COLUMNS, WDI_LONG_COLUMNS, YEAR_TEXT, Series, context_rows, country_by_code,
    parse_value, parse_year, required_columns, series_for)
from stratmon.sources.csvsafe import CsvRows, Header
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.records import ContextValue
from stratmon.sources.values import parse_date

# DataBank names each year column "2015 [YR2015]" and ends with a footer whose last line is
# "Last Updated: 03/18/2026" (month/day/year).
_DATABANK_YEAR = re.compile(r"(\d{4}) \[YR(\d{4})\]")
_DATABANK_UPDATED = re.compile(r"Last Updated: (\d{2})/(\d{2})/(\d{4})")
# WDI indicator names end with their unit in brackets: "Personal remittances, received (% of GDP)".
_UNIT_IN_NAME = re.compile(r"\(([^()]+)\)\s*$")


def _wdi_preamble(path: Path, rows: CsvRows) -> tuple[str | None, Header]:
    """The "Last Updated Date" and the header row that follows the preamble."""
    vintage = None
    for line, row in rows:
        label = row[0].strip()
        if label == "Last Updated Date":
            vintage = _vintage(path, line, row[1] if len(row) > 1 else "")
        elif label != "Data Source":
            return vintage, Header(path, line, row, wording=rows.wording)
    raise ImportRejected(path, None, _("empty file: no header row"))


def _vintage(path: Path, line: int, text: str) -> str | None:
    try:
        day = parse_date(text, what="'Last Updated Date'")
    except ContentError as error:
        raise ImportRejected(path, line, str(error)) from None
    return day.isoformat() if day else None


def _wdi_years(header: Header, after: int, *, databank: bool = False) -> list[tuple[int, str, int]]:
    """(position, column name, year) of each year column ("2015", or in a DataBank export "2015 [YR2015]");
    an empty trailing column is ignored."""
    years = []
    for position in range(after + 1, len(header.names)):
        name = header.names[position]
        if not name:
            continue
        bracketed = _DATABANK_YEAR.fullmatch(name) if databank else None
        if bracketed and bracketed[1] == bracketed[2]:
            years.append((position, name, int(bracketed[1])))
        elif YEAR_TEXT.fullmatch(name):
            years.append((position, name, int(name)))
        else:
            raise ImportRejected(header.path, header.line, _("column '{column}' is not a year").format(column=name))
    if not years:
        reason = _("no year columns after 'Series Code'") if databank else _("no year columns after 'Indicator Code'")
        raise ImportRejected(header.path, header.line, reason)
    return years


def _wdi_series(code: str, name: str, indicator: str | None) -> Series:
    # A series the catalogue does not know keeps its WDI code; its unit is the one its name gives.
    unit = _UNIT_IN_NAME.search(name)
    return (series_for("wdi", code, indicator)
            or series_for("wdi", code, code, unit_in_file=unit[1] if unit else name))


def _indicator_code(path: Path, line: int, text: str, column: str) -> str:
    code = text.strip()
    if not code or len(code) > 64:
        raise ImportRejected(path, line, _("column '{column}': '{value}' is not an indicator code").format(
            column=column, value=code[:40]))
    return code


def read_wdi(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of World Bank data in the three forms its files reach us in:

    - the WDI raw CSV (as the World Bank API and website download it): the preamble's "Last Updated
      Date" is each value's vintage;
    - a DataBank export (Series Name, Series Code, years as "2015 [YR2015]"; e.g. the Worldwide
      Governance Indicators): the footer's "Last Updated" date is the vintage;
    - long form, one row per country and year (year, entity_code, indicator_code, value, as ONE
      Campaign writes WDI series): no vintage.

    An empty cell (or DataBank's "..") is a missing value. The series comes from the indicator or
    series code through the catalogue, else it is the code itself.
    """
    path = Path(path)
    rows = context_rows(path)
    vintage, header = _wdi_preamble(path, rows)
    if header.has_any("Series Code"):
        yield from _databank_values(path, rows, header, indicator)
    elif all(header.has_any(name) for name in ("Year", "Value", "Indicator Code")):
        yield from _wdi_long_values(path, rows, header, vintage, indicator)
    else:
        yield from _wdi_wide_values(path, rows, header, vintage, indicator)


def _wdi_wide_values(path: Path, rows: CsvRows, header: Header, vintage: str | None,
                     indicator: str | None, *, code_column: str = "Indicator Code",
                     name_column: str = "Indicator Name", databank: bool = False) -> Iterator[ContextValue]:
    """One row per country and series, one column per year."""
    columns = required_columns(header, DATABANK_COLUMNS if databank else WDI_COLUMNS, "wdi")
    years = _wdi_years(header, max(columns.values()), databank=databank)
    series_by_code: dict[str, Series] = {}
    countries: dict[str, str | None] = {}
    footer_from = None
    for line, row in rows:
        if databank and not _cell(row, columns[code_column]).strip():
            footer_from = footer_from or line  # DataBank's footer: "Data from database: ...", "Last Updated: ..."
            continue
        if footer_from is not None:
            raise ImportRejected(path, line, _("a row of data after the footer that starts on line {line}").format(
                line=footer_from))
        row = header.fit(line, row)
        code = _indicator_code(path, line, row[columns[code_column]], code_column)
        if code not in series_by_code:
            series_by_code[code] = _wdi_series(code, row[columns[name_column]].strip(), indicator)
        series = series_by_code[code]
        country = country_by_code(row[columns["Country Code"]], countries)
        for position, name, year in years:
            value = parse_value(path, line, row[position], name)
            if value is not None and country is not None:
                yield ContextValue(line, series.indicator, country, year, "calendar", value,
                                   series.unit, series.source, vintage)


def _cell(row: list[str], position: int) -> str:
    return row[position] if position < len(row) else ""


def _databank_values(path: Path, rows: CsvRows, header: Header, indicator: str | None) -> Iterator[ContextValue]:
    """A DataBank export: the WDI layout under DataBank's names, its vintage in the footer (read first,
    in a pass of its own, so that memory stays bounded)."""
    yield from _wdi_wide_values(path, rows, header, _databank_vintage(path), indicator, code_column="Series Code",
                                name_column="Series Name", databank=True)


def _databank_vintage(path: Path) -> str | None:
    """The date of the footer's "Last Updated: MM/DD/YYYY" line, if the file has one."""
    for line, row in context_rows(path):
        found = _DATABANK_UPDATED.fullmatch(row[0].strip())
        if found:
            month, day, year = found.groups()
            return _vintage(path, line, f"{year}-{month}-{day}")
    return None


def _wdi_long_values(path: Path, rows: CsvRows, header: Header, vintage: str | None,
                     indicator: str | None) -> Iterator[ContextValue]:
    """One row per country, year and series; rows of aggregates (no ISO3 code) are left out."""
    columns = required_columns(header, WDI_LONG_COLUMNS, "wdi")
    names = {key: header.names[position] for key, position in columns.items()}
    name_at = header.find("Indicator Name")
    series_by_code: dict[str, Series] = {}
    countries: dict[str, str | None] = {}
    for line, row in rows:
        row = header.fit(line, row)
        code = _indicator_code(path, line, row[columns["Indicator Code"]], names["Indicator Code"])
        if code not in series_by_code:
            series_by_code[code] = _wdi_series(code, row[name_at].strip() if name_at is not None else "", indicator)
        series = series_by_code[code]
        year = parse_year(path, line, row[columns["Year"]], names["Year"])
        value = parse_value(path, line, row[columns["Value"]], names["Value"])
        country = country_by_code(row[columns["Entity Code"]], countries)
        if value is not None and country is not None:
            yield ContextValue(line, series.indicator, country, year, "calendar", value,
                               series.unit, series.source, vintage)
