"""Reader for indicator results files (CSV or XLSX): one reported value of an indicator per row.

The header row names the columns, in any order, matched whatever their case, spacing, underscores
or hyphens (see COLUMNS, REQUIRED); any other named column refuses the file, so a misspelt one is
never ignored. XLSX: the sheet named "results", else the first. Cells (empty and NULL are missing,
never zero, DESIGN.md rule 4): dates `YYYY-MM-DD` or XLSX date cells, the end not before the start;
value_type baseline, target or actual; value a number ("1,234.5"), or `DNA` / `not available`
("disaggregates not available": `not_available`, no value); country ISO alpha-2, alpha-3 or a name
(kept as alpha-2) or `region-<code>`; scheme and category both or neither. XLSX numbers are taken
exactly as stored: a float through its shortest repr, an integer as is.

A refusal is one `ImportRejected` line naming the file, the row and, for a cell, the column:
`results.csv:4: column 'period_end': '2023-02-30' is not a valid date`. Hostile files: size, rows
and value length are capped; an XLSX must be a zip of few parts declaring a bounded unpacked size
(zipfile never unpacks past a part's declared size: a lying header fails its CRC), with a workbook
and no DOCTYPE in any XML part (entity expansion), whose markup is short and shallow enough for
expat to read in linear time (xlsxsafe.py), read by openpyxl through defusedxml within a time limit.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, NoReturn
from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from lxml import etree
from openpyxl.utils.exceptions import InvalidFileException

from stratmon.i18n import _, format_count, territory_name
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name, iso3_from_iso2
from stratmon.sources.csvsafe import CsvRows, Header, header_key
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.result_records import VALUE_TYPES, ResultRecord
from stratmon.sources.values import MISSING_MARKERS, has_forbidden_characters, parse_number
from stratmon.sources.xlsxsafe import check_part_markup, deadline, looks_like_xml, refuse_if_late
from stratmon.sources.xmlsafe import parser_options, refuse_doctype

COLUMNS = ("indicator", "activity", "country", "period_start", "period_end", "value_type", "value",
           "numerator", "denominator", "scheme", "category", "reason", "comment")
REQUIRED = ("indicator", "period_start", "period_end", "value_type", "value")
RESULTS_SHEET = "results"

# A country office's results for a whole strategy fit in a few thousand rows; these are far above.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_CELL_CHARS = 4000
MAX_NUMBER_DIGITS = 64          # as text, like context values: enough for any measured quantity
# Sheet XML compresses about tenfold, so a full 50 MB workbook unpacks to about 500 MiB.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_ZIP_PARTS = 1000            # a workbook from Excel or LibreOffice has about a dozen
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")

Cell = str | int | float | date | datetime | time | bool | None
_NOT_AVAILABLE = frozenset({"dna", "not available"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REGION = re.compile(r"region-([A-Za-z0-9_.-]{1,57})", re.IGNORECASE)  # fits the store's 64-character keys
_ZIP_MAGIC = b"PK\x03\x04"
_XML_PART_SUFFIXES = (".xml", ".rels", ".vml")
# What openpyxl and the libraries under it raise on a damaged workbook (ContentError is a ValueError:
# cell checks are never run inside these guards).
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, InvalidFileException, DefusedXmlException,
               ParseError, etree.LxmlError, KeyError, ValueError, TypeError, IndexError, OverflowError,
               EOFError, zlib.error, OSError)


def read_results(path: Path | str) -> Iterator[ResultRecord]:
    """The records of one results file (CSV, or XLSX by its content or `.xlsx` name), streamed.

    The file is checked and read as the records are iterated; the first problem raises
    ImportRejected, so a caller that stores records must store them in one transaction.
    """
    path = Path(path)
    if _looks_like_xlsx(path):
        yield from _records(path, _xlsx_rows(path))
    else:
        yield from _records(path, CsvRows(path, max_bytes=MAX_FILE_BYTES), fit_width=True)


def record_from_fields(line: int, fields: Mapping[str, object]) -> ResultRecord:
    """One row given by column name (a web form, a JSON value) as a record, checked by exactly the
    rules a results file's rows follow; ContentError says what is wrong."""
    unknown = sorted(set(fields) - set(COLUMNS))
    if unknown:
        raise ContentError(_("unknown column {name} (the columns are: {columns})").format(
            name=repr(unknown[0][:40]), columns=", ".join(COLUMNS)))
    return _record(line, [fields.get(column) for column in COLUMNS], {column: i for i, column in enumerate(COLUMNS)})


# --- rows to records ----------------------------------------------------------------------------

def _records(path: Path, rows: Iterator[tuple[int, Sequence[Cell]]] | CsvRows, *,
             fit_width: bool = False) -> Iterator[ResultRecord]:
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        raise ImportRejected(path, None, _("empty file: no header row"))
    header = Header(path, first[0], [_as_text(cell).strip() for cell in first[1]])
    columns = _columns(header)
    unnamed = [position for position, name in enumerate(header.names) if not header_key(name)]
    for count, (line, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            _too_many_rows(path, line)
        if fit_width:  # CSV: a short or long row may have its values under the wrong names
            cells = header.fit(line, cells)
        try:
            _check_unnamed(cells, unnamed, len(header.names))
            record = _record(line, cells, columns)
        except ContentError as error:
            raise ImportRejected(path, line, str(error)) from None
        yield record


def _columns(header: Header) -> dict[str, int]:
    """Each known column's position; an unknown or missing required column refuses the file."""
    known = {header_key(column): column for column in COLUMNS}
    positions: dict[str, int] = {}
    for position, name in enumerate(header.names):
        key = header_key(name)
        if not key:
            continue
        if key not in known:
            raise ImportRejected(header.path, header.line, _("unknown column {name} (the columns are: {columns})").format(
                name=repr(name[:40]), columns=", ".join(COLUMNS)))
        positions[known[key]] = position
    for column in REQUIRED:
        if column not in positions:
            raise ImportRejected(header.path, header.line, _("missing column '{name}'").format(name=column))
    return positions


def _check_unnamed(cells: Sequence[Cell], unnamed: list[int], width: int) -> None:
    """A value under no column name (a gap in the header, or past its end) cannot be placed."""
    for position in itertools.chain(unnamed, range(width, len(cells))):
        if position < len(cells) and not _is_blank(cells[position]):
            raise ContentError(_("column {position} has a value but no name in the header").format(
                position=position + 1))


def _record(line: int, cells: Sequence[Cell], columns: dict[str, int]) -> ResultRecord:
    def cell(column: str) -> Cell:
        position = columns.get(column)
        return cells[position] if position is not None and position < len(cells) else None

    period_start = _date("period_start", cell("period_start"))
    period_end = _date("period_end", cell("period_end"))
    if period_end < period_start:
        raise ContentError(_("column 'period_end': {end} is before period_start {start}").format(
            end=repr(period_end.isoformat()), start=repr(period_start.isoformat())))
    value_type = _text("value_type", cell("value_type"), required=True).casefold()
    if value_type not in VALUE_TYPES:
        raise ContentError(_("{what} {value} is not one of {choices}").format(
            what=_what("value_type"), value=_shown(cell("value_type")), choices=", ".join(VALUE_TYPES)))
    value, not_available = _value(cell("value"))
    scheme, category = _text("scheme", cell("scheme")), _text("category", cell("category"))
    if (scheme is None) != (category is None):
        given, lacking = ("scheme", "category") if category is None else ("category", "scheme")
        raise ContentError(_("{what} {value} is given without column '{other}'").format(
            what=_what(given), value=_shown(cell(given)), other=lacking))
    return ResultRecord(
        line=line, indicator=_text("indicator", cell("indicator"), required=True),
        activity=_text("activity", cell("activity")), country=_country(cell("country")),
        period_start=period_start, period_end=period_end, value_type=value_type,
        value=value, not_available=not_available,
        numerator=_number("numerator", cell("numerator")), denominator=_number("denominator", cell("denominator")),
        scheme=scheme, category=category,
        reason=_text("reason", cell("reason")), comment=_text("comment", cell("comment")))


# --- cells ------------------------------------------------------------------------------------------

def _what(column: str) -> str:
    """How a message names a column: "column 'value':"."""
    return _("column '{column}':").format(column=column)


def _shown(cell: Cell) -> str:
    return repr(_as_text(cell).strip()[:40])


def _is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _as_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, (date, time)):
        return cell.isoformat()
    return repr(cell) if isinstance(cell, float) else str(cell)


def _text(column: str, cell: Cell, *, required: bool = False) -> str | None:
    """A cell as stripped text; None when empty or NULL (an error when `required`)."""
    text = _as_text(cell).strip()
    if len(text) > MAX_CELL_CHARS:
        raise ContentError(_("{what} text is longer than {limit} characters").format(
            what=_what(column), limit=format_count(MAX_CELL_CHARS)))
    if has_forbidden_characters(text):
        raise ContentError(_("column {column} contains characters that are not allowed").format(column=repr(column)))
    if text.casefold() in MISSING_MARKERS:
        if required:
            raise ContentError(_("column {column} is empty or NULL").format(column=repr(column)))
        return None
    return text


def _date(column: str, cell: Cell) -> date:
    if isinstance(cell, datetime):  # an XLSX date cell; a time of day would be lost, so it is refused
        if cell.time() == time(0):
            return cell.date()
    elif isinstance(cell, date):
        return cell
    text = _text(column, cell, required=True)
    if not _ISO_DATE.fullmatch(text):
        raise ContentError(_("{what} {value} is not an ISO date").format(what=_what(column), value=_shown(cell)))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ContentError(_("{what} {value} is not a valid date").format(
            what=_what(column), value=_shown(cell))) from None


def _number(column: str, cell: Cell) -> Decimal | None:
    """A number exactly as written or stored; None when missing."""
    if isinstance(cell, str) or cell is None:
        number = parse_number(cell, what=lambda: _what(column))
    elif isinstance(cell, int) and not isinstance(cell, bool):
        number = Decimal(cell)
    elif isinstance(cell, float) and math.isfinite(cell):
        number = Decimal(repr(cell))  # the shortest text that reads back as the stored float: 0.1, not 0.1000…055
    else:
        raise ContentError(_("{what} {value} is not a number").format(what=_what(column), value=_shown(cell)))
    if number is not None and len(format(number, "f")) > MAX_NUMBER_DIGITS:
        raise ContentError(_("column '{column}': '{value}' has too many digits").format(
            column=column, value=_as_text(cell).strip()[:40]))
    return number


def _value(cell: Cell) -> tuple[Decimal | None, bool]:
    """`(value, not_available)`: DNA is an explicit answer, a missing value is an error."""
    if isinstance(cell, str) and " ".join(cell.split()).casefold() in _NOT_AVAILABLE:
        return None, True
    value = _number("value", cell)
    if value is None:
        raise ContentError(_("column {column} is empty or NULL").format(column=repr("value")))
    return value, False


def _country(cell: Cell) -> str | None:
    text = _text("country", cell)
    if text is None:
        return None
    key = _country_key(text)
    if key is None:
        raise ContentError(_("column {column}: {value} is not a country or region code").format(
            column=repr("country"), value=repr(text[:40])))
    return key


@lru_cache(maxsize=4096)
def _country_key(text: str) -> str | None:
    """alpha-2 for a country code or name, `region-<code>` kept as written; None when unknown."""
    if match := _REGION.fullmatch(text):
        return f"region-{match[1]}"
    code = text.upper()
    if len(code) == 2 and code.isalpha():
        # CLDR knows codes ISO has not assigned but publishers use (XK Kosovo); its names of
        # groupings (EU, UN) are no country the name list knows, so they stay refused.
        known = iso3_from_iso2(code) or iso2_from_name(territory_name(code, "en") or "") == code
        return code if known else None
    if len(code) == 3 and code.isalpha() and (alpha_2 := iso2_from_iso3(code)):
        return alpha_2
    return iso2_from_name(text)


# --- XLSX ---------------------------------------------------------------------------------------------

def _looks_like_xlsx(path: Path) -> bool:
    if path.suffix.lower() == ".xlsx":
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    except OSError:
        return False  # the CSV reader says why the file cannot be read


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Sequence[Cell]]]:
    """The non-blank rows of the results sheet as `(row number, values)`, streamed."""
    if not openpyxl.DEFUSEDXML:
        raise ImportRejected(path, None, _("cannot read XLSX safely: openpyxl is not using defusedxml "
                                           "(install defusedxml; do not set OPENPYXL_DEFUSEDXML=False)"))
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportRejected(path, None, _("cannot read the file: {reason}").format(reason=exc.strerror or exc)) from None
    # One handle from the checks to the reading, so the file checked is the file read.
    with handle:
        if os.fstat(handle.fileno()).st_size > MAX_FILE_BYTES:
            raise ImportRejected(path, None, _("file is larger than the limit of {limit} bytes").format(
                limit=MAX_FILE_BYTES))
        until = deadline()
        _check_archive(path, handle, until)
        handle.seek(0)
        workbook = _guarded(path, lambda: openpyxl.load_workbook(handle, read_only=True, data_only=True,
                                                                 keep_links=False))
        try:
            yield from _sheet_rows(path, _results_sheet(path, workbook), until)
        finally:
            workbook.close()


def _check_archive(path: Path, handle: BinaryIO, until: float) -> None:
    """Refuse what is not a zip, a zip bomb, a zip without a workbook, any XML part with a DOCTYPE,
    and any XML part with markup too long or too deep to read safely (xlsxsafe.py)."""
    try:
        bundle = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise ImportRejected(path, None, _("not an XLSX workbook (not a zip archive)")) from None
    with bundle:
        parts = bundle.infolist()
        if len(parts) > MAX_ZIP_PARTS:
            raise ImportRejected(path, None, _("not an XLSX workbook: more than {limit} parts in the archive").format(
                limit=format_count(MAX_ZIP_PARTS)))
        unpacked = sum(part.file_size for part in parts)
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportRejected(path, None, _("the workbook unpacks to {size} bytes, more than the limit of "
                                               "{limit} (a zip bomb?)").format(
                size=format_count(unpacked), limit=format_count(MAX_UNPACKED_BYTES)))
        names = {part.filename for part in parts}
        if missing := [name for name in WORKBOOK_PARTS if name not in names]:
            raise ImportRejected(path, None, _("not an XLSX workbook: no {part} in the archive").format(part=missing[0]))
        for part in parts:
            named_as_xml = part.filename.lower().endswith(_XML_PART_SUFFIXES)
            if named_as_xml or _guarded(path, lambda: looks_like_xml(bundle, part)):
                _guarded(path, lambda: _refuse_doctype(path, bundle, part))
                _guarded(path, lambda: check_part_markup(path, bundle, part, until))


def _refuse_doctype(path: Path, bundle: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DOCTYPE: that is where entity expansion (billion laughs, external
    entities) is declared, and no part Excel writes has one. The project's own scan of the bytes comes
    first; lxml's reading of the root's start tag (no entities, no network) is the second check."""
    with bundle.open(part) as source:
        refuse_doctype(path, source, part.filename)
    with bundle.open(part) as source:
        for _event, element in etree.iterparse(source, events=("start",), **parser_options()):
            docinfo = element.getroottree().docinfo
            if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
                raise ImportRejected(path, None, _("part {part}: DOCTYPE declarations are not allowed").format(
                    part=part.filename))
            return


def _results_sheet(path: Path, workbook: openpyxl.Workbook):
    sheets = workbook.worksheets
    sheet = next((s for s in sheets if s.title.strip().casefold() == RESULTS_SHEET), sheets[0] if sheets else None)
    if sheet is None:
        raise ImportRejected(path, None, _("the workbook has no worksheet"))
    # The dimension a file declares can be wrong or hostile ("A1:XFD1048576"); rows are read as they are.
    sheet.reset_dimensions()
    return sheet


def _sheet_rows(path: Path, sheet, until: float) -> Iterator[tuple[int, Sequence[Cell]]]:
    rows = sheet.iter_rows(values_only=True)
    # openpyxl yields an empty tuple for each row number a sheet skips, so counting every row
    # also bounds a sheet whose only row claims to be row 10^12.
    for line in itertools.count(1):
        if line % 1024 == 0:
            refuse_if_late(path, until, line)
        cells = _guarded(path, lambda: next(rows, None), line)
        if cells is None:
            return
        if line > MAX_ROWS + 1:
            _too_many_rows(path, line)
        if not all(map(_is_blank, cells)):
            yield line, cells


def _guarded(path: Path, call, line: int | None = None):
    """`call()`, turning a damaged or hostile workbook into one line, at `line` when known."""
    try:
        return call()
    except _UNREADABLE as exc:
        while exc.__cause__ is not None:  # openpyxl wraps what went wrong in a long generic ValueError
            exc = exc.__cause__
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ImportRejected(path, line, _("the workbook cannot be read: {reason}").format(reason=reason[:200])) from None


def _too_many_rows(path: Path, line: int) -> NoReturn:
    raise ImportRejected(path, line, _("more than {limit} rows").format(limit=format_count(MAX_ROWS)))
