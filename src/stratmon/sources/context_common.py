"""What every context-indicator reader shares: the catalogue of known series, the file's rows read
safely, and located errors for columns, years and values; countries by ISO3 code or by name.

The readers themselves are in `sources/context.py` (OWID, datahub, CBP, and the dispatch on
layout) and `sources/context_worldbank.py` (the World Bank's three forms of WDI data).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name
from stratmon.sources.csvsafe import MAX_LINE_BYTES, CsvRows, Header, Wording
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.values import parse_number

MAX_FILE_BYTES = 512 * 1024 * 1024
# The store keeps each value exactly as text of at most 64 characters (context_value.value_text).
MAX_VALUE_CHARS = 64
MAX_DIMENSION_CHARS = 128
# World Bank DataBank exports write ".." for a missing value.
DATABANK_MISSING = ".."
YEAR_TEXT = re.compile(r"-?\d{1,4}")

OWID_COLUMNS = ("Entity", "Code", "Year")
WDI_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
WDI_LONG_COLUMNS = ("Year", "Entity Code", "Indicator Code", "Value")
DATABANK_COLUMNS = ("Country Name", "Country Code", "Series Name", "Series Code")
DATAHUB_COLUMNS = ("Country Name", "Country Code", "Year", "Value")
CBP_COLUMNS = ("Fiscal Year", "Demographic", "Citizenship", "Encounter Count")
# The columns that tell the layouts apart, for the hint when a file is read as the wrong one.
SIGNATURES = (("cbp", {"Fiscal Year", "Citizenship", "Encounter Count"}),
              ("wdi", {"Country Name", "Country Code", "Indicator Code"}),
              ("wdi", {"Country Code", "Series Code"}),
              ("wdi", {"Entity Code", "Indicator Code", "Year", "Value"}),
              ("datahub", set(DATAHUB_COLUMNS)),
              ("owid", set(OWID_COLUMNS)))


def wording() -> Wording:
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
class Series:
    """What a file's series is: its catalogue code, unit and source."""

    indicator: str
    unit: str
    source: str


# --- the catalogue of known series --------------------------------------------------------------

@lru_cache(maxsize=1)
def catalogue() -> tuple[tuple[str, str, Series], ...]:
    path = resources.files("stratmon.sources") / "data" / "context_indicators.csv"
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return tuple((row["layout"], row["match"].casefold(), Series(row["indicator"], row["unit"], row["source"]))
                     for row in rows)


def series_for(layout: str, match: str, indicator: str | None, *, unit_in_file: str = "") -> Series | None:
    """The catalogue row for what the file names, else for `indicator`, else the layout's publisher
    with the file's own unit; None when neither the file nor the caller names the indicator."""
    rows = catalogue()
    known = next((s for lay, m, s in rows if lay == layout and m == match.casefold()), None)
    if known is not None:
        return replace(known, indicator=indicator) if indicator else known
    if not indicator:
        return None
    named = next((s for _, m, s in rows if m != "*" and s.indicator == indicator), None)
    if named is not None:
        return named
    publisher = next(s.source for lay, m, s in rows if lay == layout and m == "*")
    return Series(indicator, unit_in_file, publisher)


# --- reading CSV safely --------------------------------------------------------------------------

def context_rows(path: Path) -> CsvRows:
    """The file's non-blank CSV rows, each with the line it starts on (1-based)."""
    return CsvRows(path, max_bytes=MAX_FILE_BYTES, max_line_bytes=MAX_LINE_BYTES, wording=wording())


def layout_of(header: Header) -> str | None:
    """The layout a header looks like, for hints when a file is read as another."""
    if header.find("Data Source") == 0:
        return "wdi"
    return next((layout for layout, needed in SIGNATURES if all(map(header.has_any, needed))), None)


def required_columns(header: Header, required: tuple[str, ...], layout: str) -> dict[str, int]:
    """The position of each required column; a missing one rejects the file."""
    positions: dict[str, int] = {}
    for name in required:
        position = header.find(name)
        if position is None:
            other = layout_of(header)
            if other and other != layout:
                reason = _("missing column '{name}' (the file looks like the {layout} layout)").format(
                    name=name, layout=other)
            else:
                reason = _("missing column '{name}'").format(name=name)
            raise ImportRejected(header.path, header.line, reason)
        positions[name] = position
    return positions


def parse_year(path: Path, line: int, text: str, column: str) -> int:
    """An integer year; anything else rejects the file at `line`."""
    if not YEAR_TEXT.fullmatch(text.strip()):
        raise ImportRejected(path, line, _("column '{column}': '{value}' is not an integer year").format(
            column=column, value=text.strip()[:40]))
    return int(text)


def parse_value(path: Path, line: int, text: str, column: str) -> Decimal | None:
    """The value exactly as printed; None when it is missing."""
    if text.strip() == DATABANK_MISSING:
        return None
    try:
        value = parse_number(text, what=lambda: _("column '{column}':").format(column=column))
    except ContentError as error:
        raise ImportRejected(path, line, str(error)) from None
    if value is not None and len(format(value, "f")) > MAX_VALUE_CHARS:
        raise ImportRejected(path, line, _("column '{column}': '{value}' has too many digits").format(
            column=column, value=text.strip()[:40]))
    return value


def country_by_code(code: str, known: dict[str, str | None]) -> str | None:
    """The ISO2 code of an ISO3 code (None for aggregates), remembered in `known`."""
    if code not in known:
        known[code] = iso2_from_iso3(code)
    return known[code]


def country_by_name(name: str, known: dict[str, str | None]) -> str | None:
    """The ISO2 code of a country name in English or Spanish (None for regions), remembered in `known`."""
    if name not in known:
        known[name] = iso2_from_name(name)
    return known[name]
