"""Readers for context indicators: country-year outcomes in four published CSV layouts.

- `read_owid`: Our World in Data grapher CSV (Entity, Code, Year, <value column>, [more columns]).
- `read_wdi`: World Bank WDI raw CSV (a preamble, then one row per country with years as columns).
- `read_datahub`: datahub.io long CSV (Country Name, Country Code, Year, Value).
- `read_cbp`: CBP Nationwide Encounters, summed by fiscal year and citizenship.

Each reader streams its file and yields `ContextValue`s lazily. Only countries are kept: rows of
aggregates ("World", "LCN", "OWID_WRL", CBP's "OTHER") are left out. What a series is (its
indicator code, unit and source) comes from `data/context_indicators.csv`; an `indicator`
argument overrides the code. Bad input raises `ImportRejected` naming the line and the column.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name
from stratmon.sources.csvsafe import MAX_LINE_BYTES, CsvRows, Header, Wording
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.records import ContextValue
from stratmon.sources.values import parse_date, parse_number

MAX_FILE_BYTES = 512 * 1024 * 1024
# The store keeps each value exactly as text of at most 64 characters (context_value.value_text).
MAX_VALUE_CHARS = 64
MAX_DIMENSION_CHARS = 128
# World Bank DataBank exports write ".." for a missing value.
_DATABANK_MISSING = ".."
_YEAR = re.compile(r"-?\d{1,4}")
# WDI indicator names end with their unit in brackets: "Personal remittances, received (% of GDP)".
_UNIT_IN_NAME = re.compile(r"\(([^()]+)\)\s*$")

OWID_COLUMNS = ("Entity", "Code", "Year")
WDI_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
DATAHUB_COLUMNS = ("Country Name", "Country Code", "Year", "Value")
CBP_COLUMNS = ("Fiscal Year", "Demographic", "Citizenship", "Encounter Count")
# The columns that tell the layouts apart, for the hint when a file is read as the wrong one.
_SIGNATURES = (("cbp", {"Fiscal Year", "Citizenship", "Encounter Count"}),
               ("wdi", {"Country Name", "Country Code", "Indicator Code"}),
               ("datahub", set(DATAHUB_COLUMNS)),
               ("owid", set(OWID_COLUMNS)))


def _wording() -> Wording:
    """Context files are refused in the wording their users knew before `csvsafe` was shared."""
    return Wording(too_large=_("file is {size_grouped} bytes; the limit is {limit_grouped}"),
                   long_line=_("line is longer than {limit_grouped} bytes"),
                   not_utf8=_("not UTF-8 text: byte 0x{byte} at position {column} of the line"),
                   nul=_("not text: NUL byte at position {column} of the line"),
                   malformed=_("malformed CSV: {error}"),
                   short_row=_("row ends before column '{name}'"),
                   long_row=_("row has {cells} cells but the header has {width} (an unquoted comma in a value?)"),
                   names_nul_first=False)


@dataclass(frozen=True, slots=True)
class _Series:
    indicator: str
    unit: str
    source: str


# --- the catalogue of known series --------------------------------------------------------------

@lru_cache(maxsize=1)
def _catalogue() -> tuple[tuple[str, str, _Series], ...]:
    path = resources.files("stratmon.sources") / "data" / "context_indicators.csv"
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return tuple((row["layout"], row["match"].casefold(), _Series(row["indicator"], row["unit"], row["source"]))
                     for row in rows)


def _series(layout: str, match: str, indicator: str | None, *, unit_in_file: str = "") -> _Series | None:
    """The catalogue row for what the file names, else for `indicator`, else the layout's publisher
    with the file's own unit; None when neither the file nor the caller names the indicator."""
    rows = _catalogue()
    known = next((s for lay, m, s in rows if lay == layout and m == match.casefold()), None)
    if known is not None:
        return replace(known, indicator=indicator) if indicator else known
    if not indicator:
        return None
    named = next((s for _, m, s in rows if m != "*" and s.indicator == indicator), None)
    if named is not None:
        return named
    publisher = next(s.source for lay, m, s in rows if lay == layout and m == "*")
    return _Series(indicator, unit_in_file, publisher)


# --- reading CSV safely --------------------------------------------------------------------------

def _rows(path: Path) -> CsvRows:
    """The file's non-blank CSV rows, each with the line it starts on (1-based)."""
    return CsvRows(path, max_bytes=MAX_FILE_BYTES, max_line_bytes=MAX_LINE_BYTES, wording=_wording())


def _layout_of(header: Header) -> str | None:
    if header.find("Data Source") == 0:
        return "wdi"
    return next((layout for layout, needed in _SIGNATURES if all(map(header.has_any, needed))), None)


def _columns(header: Header, required: tuple[str, ...], layout: str) -> dict[str, int]:
    """The position of each required column; a missing one rejects the file."""
    positions: dict[str, int] = {}
    for name in required:
        position = header.find(name)
        if position is None:
            other = _layout_of(header)
            if other and other != layout:
                reason = _("missing column '{name}' (the file looks like the {layout} layout)").format(
                    name=name, layout=other)
            else:
                reason = _("missing column '{name}'").format(name=name)
            raise ImportRejected(header.path, header.line, reason)
        positions[name] = position
    return positions


def _year(path: Path, line: int, text: str, column: str) -> int:
    if not _YEAR.fullmatch(text.strip()):
        raise ImportRejected(path, line, _("column '{column}': '{value}' is not an integer year").format(
            column=column, value=text.strip()[:40]))
    return int(text)


def _number(path: Path, line: int, text: str, column: str) -> Decimal | None:
    """The value exactly as printed; None when it is missing."""
    if text.strip() == _DATABANK_MISSING:
        return None
    try:
        value = parse_number(text, what=lambda: _("column '{column}':").format(column=column))
    except ContentError as error:
        raise ImportRejected(path, line, str(error)) from None
    if value is not None and len(format(value, "f")) > MAX_VALUE_CHARS:
        raise ImportRejected(path, line, _("column '{column}': '{value}' has too many digits").format(
            column=column, value=text.strip()[:40]))
    return value


def _country(code: str, known: dict[str, str | None]) -> str | None:
    if code not in known:
        known[code] = iso2_from_iso3(code)
    return known[code]


# --- the long layouts: OWID and datahub -----------------------------------------------------------

def _long_values(path: Path, rows: CsvRows, header: Header, positions: tuple[int, int, int],
                 series: _Series) -> Iterator[ContextValue]:
    """Values of a country, year, value table; rows without an ISO3 country code are left out."""
    code_at, year_at, value_at = positions
    year_name, value_name = header.names[year_at], header.names[value_at]
    countries: dict[str, str | None] = {}
    for line, row in rows:
        row = header.fit(line, row)
        year = _year(path, line, row[year_at], year_name)
        value = _number(path, line, row[value_at], value_name)
        country = _country(row[code_at], countries)
        if value is not None and country is not None:
            yield ContextValue(line, series.indicator, country, year, "calendar", value,
                               series.unit, series.source, None)


def read_owid(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of an Our World in Data grapher CSV.

    The value column is the first after Entity, Code and Year; its header names the series in
    the catalogue unless `indicator` is given (an unknown header needs it). Aggregates and
    sub-national series (an empty or `OWID_*` code) are left out. OWID files carry no vintage.
    """
    path = Path(path)
    rows = _rows(path)
    header = rows.header()
    columns = _columns(header, OWID_COLUMNS, "owid")
    value_at = next((i for i in range(len(header.names)) if i not in columns.values()), None)
    if value_at is None:
        raise ImportRejected(path, header.line, _("missing the value column after 'Year'"))
    value_name = header.names[value_at]
    series = _series("owid", value_name, indicator, unit_in_file=value_name)
    if series is None:
        raise ImportRejected(path, header.line, _("unknown value column '{column}': name its indicator "
                                                  "(--indicator)").format(column=value_name))
    yield from _long_values(path, rows, header, (columns["Code"], columns["Year"], value_at), series)


def read_datahub(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of a datahub.io World Bank data package CSV (Country Name, Country Code, Year, Value).

    The file says nothing of what it measures: the series comes from `indicator`, else from the
    file name through the catalogue (`gdp.csv`, `population.csv`).
    """
    path = Path(path)
    rows = _rows(path)
    header = rows.header()
    columns = _columns(header, DATAHUB_COLUMNS, "datahub")
    series = _series("datahub", path.name, indicator)
    if series is None:
        raise ImportRejected(path, None, _("cannot tell which indicator '{file}' holds: name it "
                                           "(--indicator)").format(file=path.name))
    yield from _long_values(path, rows, header, (columns["Country Code"], columns["Year"], columns["Value"]),
                            series)


# --- World Bank WDI: years as columns --------------------------------------------------------------

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


def _wdi_years(header: Header, after: int) -> list[tuple[int, str, int]]:
    """(position, column name, year) of each year column; an empty trailing column is ignored."""
    years = []
    for position in range(after + 1, len(header.names)):
        name = header.names[position]
        if name and not _YEAR.fullmatch(name):
            raise ImportRejected(header.path, header.line, _("column '{column}' is not a year").format(column=name))
        if name:
            years.append((position, name, int(name)))
    if not years:
        raise ImportRejected(header.path, header.line, _("no year columns after 'Indicator Code'"))
    return years


def _wdi_series(code: str, name: str, indicator: str | None) -> _Series:
    # A series the catalogue does not know keeps its WDI code; its unit is the one its name gives.
    unit = _UNIT_IN_NAME.search(name)
    return (_series("wdi", code, indicator)
            or _series("wdi", code, code, unit_in_file=unit[1] if unit else name))


def read_wdi(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of a World Bank WDI raw CSV (as the World Bank API and website download it).

    The preamble's "Last Updated Date" is each value's vintage; an empty cell is a missing value.
    The series comes from the Indicator Code through the catalogue, else it is the code itself.
    """
    path = Path(path)
    rows = _rows(path)
    vintage, header = _wdi_preamble(path, rows)
    columns = _columns(header, WDI_COLUMNS, "wdi")
    years = _wdi_years(header, max(columns.values()))
    series_by_code: dict[str, _Series] = {}
    countries: dict[str, str | None] = {}
    for line, row in rows:
        row = header.fit(line, row)
        code = row[columns["Indicator Code"]].strip()
        if not code or len(code) > 64:
            raise ImportRejected(path, line, _("column 'Indicator Code': '{value}' is not an indicator code").format(
                value=code[:40]))
        if code not in series_by_code:
            series_by_code[code] = _wdi_series(code, row[columns["Indicator Name"]].strip(), indicator)
        series = series_by_code[code]
        country = _country(row[columns["Country Code"]], countries)
        for position, name, year in years:
            value = _number(path, line, row[position], name)
            if value is not None and country is not None:
                yield ContextValue(line, series.indicator, country, year, "calendar", value,
                                   series.unit, series.source, vintage)


# --- CBP Nationwide Encounters ----------------------------------------------------------------------

class EncounterSums:
    """CBP encounters summed by fiscal year and citizenship over months, regions, states and titles of
    authority: an iterator of `ContextValue`, the total (dimension "") and one value per demographic.

    Citizenships that name no country ("OTHER", and any name the country list does not know) are
    left out; `skipped_citizenships` maps each to the encounters left out, complete once iterated.
    """

    def __init__(self, path: Path | str, indicator: str | None = None) -> None:
        self.path = Path(path)
        self.skipped_citizenships: Counter[str] = Counter()
        self._values = self._read(indicator)

    def __iter__(self) -> EncounterSums:
        return self

    def notes(self) -> list[str]:
        """What the import report should say was left out (complete once iterated)."""
        return [_("citizenship {name} names no country: {count} encounters left out").format(
            name=name, count=count) for name, count in sorted(self.skipped_citizenships.items())]

    def __next__(self) -> ContextValue:
        return next(self._values)

    def _read(self, indicator: str | None) -> Iterator[ContextValue]:
        rows = _rows(self.path)
        header = rows.header()
        columns = _columns(header, CBP_COLUMNS, "cbp")
        series = _series("cbp", "Encounter Count", indicator)
        sums: dict[tuple[int, str, str], list[int]] = {}  # (FY, country, demographic) → [first line, count]
        countries: dict[str, str | None] = {}
        for line, row in rows:
            row = header.fit(line, row)
            fiscal_year, demographic, citizenship, count = self._fields(line, row, columns)
            if count is None:
                continue
            if citizenship not in countries:
                countries[citizenship] = iso2_from_name(citizenship)
            country = countries[citizenship]
            if country is None:
                self.skipped_citizenships[citizenship] += count
                continue
            for key in ((fiscal_year, country, ""), (fiscal_year, country, demographic)):
                sums.setdefault(key, [line, 0])[1] += count
        for (fiscal_year, country, demographic), (line, count) in sorted(sums.items()):
            yield ContextValue(line, series.indicator, country, fiscal_year, "fiscal", Decimal(count),
                               series.unit, series.source, None, demographic)

    def _fields(self, line: int, row: list[str], columns: dict[str, int]) -> tuple[int, str, str, int | None]:
        fiscal_year = _year(self.path, line, row[columns["Fiscal Year"]], "Fiscal Year")
        demographic = row[columns["Demographic"]].strip()
        citizenship = row[columns["Citizenship"]].strip()
        if not demographic or len(demographic) > MAX_DIMENSION_CHARS:
            raise ImportRejected(self.path, line, _("column 'Demographic': '{value}' is not a demographic").format(
                value=demographic[:40]))
        if not citizenship:
            raise ImportRejected(self.path, line, _("column 'Citizenship' is empty"))
        text = row[columns["Encounter Count"]]
        count = _number(self.path, line, text, "Encounter Count")
        if count is not None and (count != count.to_integral_value() or count < 0):
            raise ImportRejected(self.path, line, _("column 'Encounter Count': '{value}' is not a whole number "
                                                    "of encounters").format(value=text.strip()[:40]))
        return fiscal_year, demographic, citizenship, None if count is None else int(count)


def read_cbp(path: Path | str, indicator: str | None = None) -> EncounterSums:
    """Encounters of a CBP Nationwide Encounters CSV by fiscal year and citizenship (see `EncounterSums`)."""
    return EncounterSums(path, indicator)


_READERS = {"owid": read_owid, "wdi": read_wdi, "datahub": read_datahub, "cbp": read_cbp}
LAYOUTS = tuple(_READERS)


def read_context(path: Path | str, fmt: str, indicator: str | None = None) -> Iterator[ContextValue]:
    """The values of a context-indicator file in layout `fmt` (one of LAYOUTS)."""
    reader = _READERS.get(fmt)
    if reader is None:
        raise ValueError(f"unknown context layout {fmt!r}; expected one of {', '.join(LAYOUTS)}")
    return reader(path, indicator)
