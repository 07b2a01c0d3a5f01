"""Readers for context indicators: country-year outcomes in four published CSV layouts.

- `read_owid`: Our World in Data grapher CSV (Entity, Code, Year, <value column>, [more columns]); a
  dataset CSV without Code names its countries by name only (Entity, Year, <value column>, ...).
- `read_wdi`: World Bank WDI raw CSV (a preamble, then one row per country with years as columns); also
  the same data as a DataBank export and in long form (`sources/context_worldbank.py`).
- `read_datahub`: datahub.io long CSV (Country Name, Country Code, Year, Value).
- `read_cbp`: CBP Nationwide Encounters, summed by fiscal year and citizenship.

Each reader streams its file and yields `ContextValue`s lazily. Only countries are kept: rows of
aggregates ("World", "LCN", "OWID_WRL", CBP's "OTHER") are left out. What a series is (its
indicator code, unit and source) comes from `data/context_indicators.csv`; an `indicator`
argument overrides the code. Bad input raises `ImportRejected` naming the line and the column.
What the readers share is in `sources/context_common.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.context_common import (
    CBP_COLUMNS, DATAHUB_COLUMNS, MAX_DIMENSION_CHARS, OWID_COLUMNS, Series, context_rows, country_by_code,
    country_by_name, parse_value, parse_year, required_columns, series_for)
from stratmon.sources.context_worldbank import read_wdi
from stratmon.sources.csvsafe import CsvRows, Header
from stratmon.sources.countries import iso2_from_name
from stratmon.sources.errors import ImportRejected
from stratmon.sources.records import ContextValue

__all__ = ["LAYOUTS", "EncounterSums", "read_cbp", "read_context", "read_datahub", "read_owid", "read_wdi"]


# --- the long layouts: OWID and datahub -----------------------------------------------------------

def _long_values(path: Path, rows: CsvRows, header: Header, positions: tuple[int, int, int],
                 series: Series, *, by_name: bool = False) -> Iterator[ContextValue]:
    """Values of a country, year, value table; rows without an ISO3 country code (or, `by_name`, a
    country name) are left out."""
    code_at, year_at, value_at = positions
    year_name, value_name = header.names[year_at], header.names[value_at]
    countries: dict[str, str | None] = {}
    for line, row in rows:
        row = header.fit(line, row)
        year = parse_year(path, line, row[year_at], year_name)
        value = parse_value(path, line, row[value_at], value_name)
        country = country_by_name(row[code_at], countries) if by_name else country_by_code(row[code_at], countries)
        if value is not None and country is not None:
            yield ContextValue(line, series.indicator, country, year, "calendar", value,
                               series.unit, series.source, None)


def read_owid(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of an Our World in Data grapher CSV.

    The value column is the first after Entity, Code and Year; its header names the series in
    the catalogue unless `indicator` is given (an unknown header needs it). Aggregates and
    sub-national series (an empty or `OWID_*` code) are left out. OWID files carry no vintage.
    A file without Code (OWID's older dataset CSVs) is read by country name: names that are no
    country ("World", "Latin America and Caribbean", income groups) are left out.
    """
    path = Path(path)
    rows = context_rows(path)
    header = rows.header()
    by_name = not header.has_any("Code") and header.has_any("Entity") and header.has_any("Year")
    required = tuple(column for column in OWID_COLUMNS if column != "Code") if by_name else OWID_COLUMNS
    columns = required_columns(header, required, "owid")
    value_at = next((i for i in range(len(header.names)) if i not in columns.values()), None)
    if value_at is None:
        raise ImportRejected(path, header.line, _("missing the value column after 'Year'"))
    value_name = header.names[value_at]
    series = series_for("owid", value_name, indicator, unit_in_file=value_name)
    if series is None:
        raise ImportRejected(path, header.line, _("unknown value column '{column}': name its indicator "
                                                  "(--indicator)").format(column=value_name))
    code_at = columns["Entity"] if by_name else columns["Code"]
    yield from _long_values(path, rows, header, (code_at, columns["Year"], value_at), series, by_name=by_name)


def read_datahub(path: Path | str, indicator: str | None = None) -> Iterator[ContextValue]:
    """Values of a datahub.io World Bank data package CSV (Country Name, Country Code, Year, Value).

    The file says nothing of what it measures: the series comes from `indicator`, else from the
    file name through the catalogue (`gdp.csv`, `population.csv`).
    """
    path = Path(path)
    rows = context_rows(path)
    header = rows.header()
    columns = required_columns(header, DATAHUB_COLUMNS, "datahub")
    series = series_for("datahub", path.name, indicator)
    if series is None:
        raise ImportRejected(path, None, _("cannot tell which indicator '{file}' holds: name it "
                                           "(--indicator)").format(file=path.name))
    yield from _long_values(path, rows, header, (columns["Country Code"], columns["Year"], columns["Value"]),
                            series)


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
        rows = context_rows(self.path)
        header = rows.header()
        columns = required_columns(header, CBP_COLUMNS, "cbp")
        series = series_for("cbp", "Encounter Count", indicator)
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
        fiscal_year = parse_year(self.path, line, row[columns["Fiscal Year"]], "Fiscal Year")
        demographic = row[columns["Demographic"]].strip()
        citizenship = row[columns["Citizenship"]].strip()
        if not demographic or len(demographic) > MAX_DIMENSION_CHARS:
            raise ImportRejected(self.path, line, _("column 'Demographic': '{value}' is not a demographic").format(
                value=demographic[:40]))
        if not citizenship:
            raise ImportRejected(self.path, line, _("column 'Citizenship' is empty"))
        text = row[columns["Encounter Count"]]
        count = parse_value(self.path, line, text, "Encounter Count")
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
