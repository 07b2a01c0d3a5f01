"""Reader for ForeignAssistance.gov CSV downloads: the country summary and the complete file.

The layout is told by the header: `current_amount` marks the country summary (one figure per
recipient, fiscal year and transaction type → `FundingFigure`); `Activity ID` / `Current Dollar
Amount` mark the complete activity-level file (one row per transaction → `FagovTransaction`).
Column names match whatever their case, spacing, underscores or hyphens.

Publisher's conventions this reader follows:
- `Fiscal Year` is text: "2019", or "1976tq" for the July–September 1976 transition quarter.
  `FagovTransaction` has no period field, so a complete-file row of 1976tq counts in FY1976.
- `Country Code` is ISO 3166-1 alpha-3 for countries. Regions and the world (CNA "Central
  America Region", LCN, WLD, ...) are not countries: they are keyed `region-<code>` and never
  spread. Former states and territories without an ISO code (ANT Netherlands Antilles, SDF
  Sudan (former), YUF, ...; some printed with the code NULL, such as "Soviet Union (former)") are
  keyed the same way, so they are never merged into a present-day country; a NULL code is
  replaced by the name in capitals (`region-SOVIET_UNION_FORMER`). A non-ISO code whose name
  is a country (CS-KM "Kosovo") is that country (XK).
- Amounts are U.S. dollars as printed; empty and NULL are missing (None), negatives are kept.

Reading the CSV itself (decoding, size caps, header lookup) is `csvsafe`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name, normalise_name
from stratmon.sources.csvsafe import CsvRows, Header
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.records import FagovTransaction, FundingFigure
from stratmon.sources.values import MAX_AMOUNT, MISSING_MARKERS, parse_amount, parse_date

MAX_FILE_BYTES = 16 * 1024**3  # the complete file is about 3.2 GB (2025)
MAX_SUMMARY_FIGURES = 250_000  # ten times the 2023 country summary


# --- ForeignAssistance.gov vocabulary ----------------------------------------------------------------

# Transaction Type ID → this project's name (records.FAGOV_TRANSACTION_TYPES).
TRANSACTION_TYPE_BY_ID = {"1": "appropriated_planned", "2": "obligation", "3": "disbursement",
                          "18": "budget_request", "19": "initial_allocation"}
TRANSACTION_TYPE_BY_NAME = {
    "appropriated and planned": "appropriated_planned",
    "obligations": "obligation", "obligation": "obligation",
    "disbursements": "disbursement", "disbursement": "disbursement",
    "president's budget requests": "budget_request", "president's budget request": "budget_request",
    "initial allocations": "initial_allocation", "initial allocation": "initial_allocation",
}
# DESIGN.md rule 4: missing, never zero or text ("NULL" is how the files print it); spelt out
# so that the hot path needs no case folding.
_MISSING = frozenset(spelling for marker in MISSING_MARKERS for spelling in (marker, marker.upper(), marker.title()))
_FISCAL_YEAR = re.compile(r"(\d{4})(tq)?", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z0-9-]{1,16}")
_MAX_REGION_CODE = 57  # `region-` + this fits the store's 64-character keys
_OTHER_DATE_FORMATS = ("%d%b%Y", "%m/%d/%Y")  # besides ISO: 01OCT2019 and 10/1/2019, as exports print them


def _text(cells: list[str], position: int | None) -> str | None:
    """A text cell stripped; None when the column is absent or the cell is empty or NULL."""
    if position is None:
        return None
    value = cells[position].strip()
    return None if value in _MISSING else value


class _Columns:
    """What both layouts share: recipient, transaction type, fiscal year and amounts, decoded with caches."""

    def __init__(self, header: Header, *, current: tuple[str, ...], constant: tuple[str, ...]) -> None:
        self.names = header.names
        self.code = header.require("Country Code")
        self.name = header.require("Country Name")
        self.type_id = header.find("Transaction Type ID")
        self.type_name = header.find("Transaction Type Name")
        if self.type_id is None and self.type_name is None:
            header.require("Transaction Type Name")
        self.fiscal_year = header.require("Fiscal Year")
        self.current = header.require(*current)
        self.constant = header.require(*constant)
        self._current_what = _("column {column}:").format(column=repr(self.names[self.current]))
        self._constant_what = _("column {column}:").format(column=repr(self.names[self.constant]))
        self._recipients: dict[tuple[str, str], tuple[str, str]] = {}
        self._types: dict[tuple[str, str], str] = {}
        self._years: dict[str, tuple[int, str]] = {}

    def recipient(self, cells: list[str]) -> tuple[str, str]:
        """`(recipient_key, recipient_name)` of a row."""
        raw = (cells[self.code], cells[self.name])
        found = self._recipients.get(raw)
        if found is None:
            found = self._recipients[raw] = self._resolve_recipient(*raw)
        return found

    def _resolve_recipient(self, code_cell: str, name_cell: str) -> tuple[str, str]:
        code, name = (cell.strip() for cell in (code_cell, name_cell))
        code, name = ("" if cell in _MISSING else cell for cell in (code, name))
        if code and not _CODE.fullmatch(code):
            raise ContentError(_("column {column}: {value} is not a country or region code").format(
                column=repr(self.names[self.code]), value=repr(code[:40])))
        iso2 = (iso2_from_iso3(code) if len(code) == 3 else None) or (iso2_from_name(name) if name else None)
        if iso2:
            return iso2, name or code
        if not code and not name:
            raise ContentError(_("columns {code} and {name} are both empty").format(
                code=repr(self.names[self.code]), name=repr(self.names[self.name])))
        # A name becomes a code with underscores: IATI keys use `region-<vocabulary>-<code>`.
        region = code.upper() if code else normalise_name(name).replace(" ", "_").upper()
        return f"region-{region[:_MAX_REGION_CODE]}", name or code

    def transaction_type(self, cells: list[str]) -> str:
        raw = (cells[self.type_id].strip() if self.type_id is not None else "",
               cells[self.type_name].strip() if self.type_name is not None else "")
        found = self._types.get(raw)
        if found is None:
            found = self._types[raw] = self._resolve_type(*raw)
        return found

    def _resolve_type(self, type_id: str, type_name: str) -> str:
        by_name = TRANSACTION_TYPE_BY_NAME.get(" ".join(type_name.replace("\u2019", "'").casefold().split()))
        if type_id:
            by_id = TRANSACTION_TYPE_BY_ID.get(type_id)
            if by_id is None:
                known = ", ".join(TRANSACTION_TYPE_BY_ID)
                raise ContentError(_("column {column}: {value} is not a ForeignAssistance.gov transaction type "
                                     "({known})").format(column=repr(self.names[self.type_id]),
                                                         value=repr(type_id[:40]), known=known))
            if type_name and by_name != by_id:
                raise ContentError(_("column {column}: {value} does not match Transaction Type ID {type_id}").format(
                    column=repr(self.names[self.type_name]), value=repr(type_name[:40]), type_id=type_id))
            return by_id
        if by_name is None:
            column = self.names[self.type_name] if self.type_name is not None else "Transaction Type Name"
            raise ContentError(_("column {column}: {value} is not a ForeignAssistance.gov transaction type").format(
                column=repr(column), value=repr(type_name[:40])))
        return by_name

    def fiscal_period(self, cells: list[str]) -> tuple[int, str]:
        """`(fiscal_year, fiscal_period)`: "2019" → (2019, ""), "1976tq" → (1976, "tq")."""
        text = cells[self.fiscal_year]
        found = self._years.get(text)
        if found is None:
            match = _FISCAL_YEAR.fullmatch(text.strip())
            if not match:
                raise ContentError(_("column {column}: {value} is not a fiscal year (YYYY, or YYYYtq for a "
                                     "transition quarter)").format(column=repr(self.names[self.fiscal_year]),
                                                                   value=repr(text.strip()[:40])))
            found = self._years[text] = (int(match[1]), "tq" if match[2] else "")
        return found

    def amounts(self, cells: list[str]) -> tuple[Decimal | None, Decimal | None]:
        """`(current, constant)` U.S. dollars, None where missing."""
        return (parse_amount(cells[self.current], what=self._current_what),
                parse_amount(cells[self.constant], what=self._constant_what))


class _SummaryLayout:
    """The country summary (`us_foreign_aid_country.csv`)."""

    def __init__(self, header: Header) -> None:
        self.columns = _Columns(header, current=("current_amount",), constant=("constant_amount",))

    def read(self, line: int, cells: list[str]) -> FundingFigure:
        columns = self.columns
        key, name = columns.recipient(cells)
        fiscal_year, period = columns.fiscal_period(cells)
        current, constant = columns.amounts(cells)
        return FundingFigure(line, key, name, fiscal_year, period, columns.transaction_type(cells), current,
                             constant)


class _CompleteLayout:
    """The complete activity-level file (`us_foreign_aid_complete.csv`)."""

    # The complete file holds transactions only; budget figures are in the country summary.
    TYPES = ("obligation", "disbursement")

    def __init__(self, header: Header) -> None:
        self.columns = _Columns(header, current=("Current Dollar Amount",),
                                constant=("Constant Dollar Amount",))
        self.activity_id = header.require("Activity ID")
        self.date = header.find("Transaction Date")
        # Optional descriptive columns: None when the file does not have them.
        optional = {
            "activity_name": header.find("Activity Name"),
            "managing_agency": header.find("Managing Agency Name", "Managing Agency Acronym"),
            "managing_sub_agency": header.find("Managing Sub-agency or Bureau Name",
                                               "Managing Sub-agency or Bureau Acronym"),
            "implementing_partner": header.find("Implementing Partner Name"),
            "implementing_partner_category": header.find("Implementing Partner Category Name"),
            "us_category": header.find("US Category Name"),
            "us_sector": header.find("US Sector Name"),
            # DAC sector and purpose by code (IATI sector vocabularies 2 and 1); names are in the codelists.
            "dac_sector": header.find("International Sector Code", "International Sector Name"),
            "dac_purpose": header.find("International Purpose Code", "International Purpose Name"),
            "funding_account": header.find("Funding Account Name"),
            "funding_agency": header.find("Funding Agency Name", "Funding Agency Acronym"),
            "aid_type": header.find("aid_type_name", "Aid Type Name", "Aid Type Group Name"),
            "submission_id": header.find("Submission ID"),
        }
        self.optional = tuple(optional.items())

    def read(self, line: int, cells: list[str]) -> FagovTransaction:
        columns = self.columns
        activity_id = _text(cells, self.activity_id)
        if activity_id is None:
            raise ContentError(_("column {column} is empty or NULL").format(
                column=repr(columns.names[self.activity_id])))
        transaction_type = columns.transaction_type(cells)
        if transaction_type not in self.TYPES:
            raise ContentError(_("transaction type {type} is not an obligation or disbursement: the complete file "
                                 "holds transactions only").format(type=repr(transaction_type)))
        key, name = columns.recipient(cells)
        current, constant = columns.amounts(cells)
        fields = {field: _text(cells, position) for field, position in self.optional}
        return FagovTransaction(
            line=line, activity_id=activity_id, recipient_key=key, recipient_name=name,
            transaction_type=transaction_type, fiscal_year=columns.fiscal_period(cells)[0],
            transaction_date=self._transaction_date(cells), current_usd=current, constant_usd=constant,
            **fields)

    def _transaction_date(self, cells: list[str]) -> date | None:
        text = _text(cells, self.date)
        if text is None:
            return None
        try:
            return parse_date(text)
        except ContentError:
            pass
        for pattern in _OTHER_DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ContentError(_("column {column}: {value} is not a date").format(
            column=repr(self.columns.names[self.date]), value=repr(text[:40])))


def _layout(path: Path, header: Header) -> _SummaryLayout | _CompleteLayout:
    if header.has_any("Activity ID", "Current Dollar Amount", "Constant Dollar Amount"):
        return _CompleteLayout(header)
    if header.has_any("current_amount", "constant_amount"):
        return _SummaryLayout(header)
    raise ImportRejected(path, header.line, _("not a ForeignAssistance.gov file: the header has neither "
                                              "'current_amount' (country summary) nor 'Current Dollar Amount' "
                                              "(complete file), it starts {columns}").format(columns=header.preview()))


def read_fagov(path: Path | str, *, on_chunk: Callable[[bytes], None] | None = None,
               max_bytes: int = MAX_FILE_BYTES) -> Iterator[FundingFigure | FagovTransaction]:
    """The records of a ForeignAssistance.gov CSV file.

    The header is checked at once; a bad row raises ImportRejected while iterating.
    `on_chunk` receives every byte read, in order (progress, hashing).
    """
    path = Path(path)
    rows = CsvRows(path, max_bytes=max_bytes, on_chunk=on_chunk)
    header = rows.header()
    layout = _layout(path, header)
    records = _parsed(path, header, layout.read, rows)
    return _summed_by_key(path, records) if isinstance(layout, _SummaryLayout) else records


def _parsed(path: Path, header: Header, read: Callable, rows: CsvRows) -> Iterator:
    """One record per data row, streamed; a bad row raises ImportRejected naming its line."""
    for line, cells in rows:
        cells = header.fit(line, cells)
        try:
            yield read(line, cells)
        except ContentError as exc:
            raise ImportRejected(path, line, str(exc)) from None


def _summed_by_key(path: Path, figures: Iterator[FundingFigure]) -> Iterator[FundingFigure]:
    """One figure per recipient, fiscal year (or quarter) and transaction type, in file order.

    The summary is grouped by income group too, and a few recipients have rows in two groups
    (World FY2021 obligations: $17,660,529,293 with no income group, $1,709,519 as UMIC). A
    `FundingFigure` is the recipient's figure, so such rows are summed, exactly; the figure keeps
    the line of its first row. The summary is small (23,166 rows in 2023), so it is held whole,
    up to MAX_SUMMARY_FIGURES.
    """
    merged: dict[tuple, FundingFigure] = {}
    for figure in figures:
        key = (figure.recipient_key, figure.fiscal_year, figure.fiscal_period, figure.transaction_type)
        earlier = merged.get(key)
        if earlier is None:
            if len(merged) >= MAX_SUMMARY_FIGURES:
                raise ImportRejected(path, figure.line, _("more than {count} figures: too many for a country "
                                                          "summary").format(count=MAX_SUMMARY_FIGURES))
            merged[key] = figure
        else:
            earlier.current_usd = _sum(earlier.current_usd, figure.current_usd)
            earlier.constant_usd = _sum(earlier.constant_usd, figure.constant_usd)
            # Each row is within MAX_AMOUNT, but a hostile file can repeat a key until the sum is not.
            if any(total is not None and abs(total) > MAX_AMOUNT
                   for total in (earlier.current_usd, earlier.constant_usd)):
                raise ImportRejected(path, figure.line, _(
                    "with the rows before it for the same recipient, fiscal year and transaction type (from "
                    "line {first}), this row makes a figure too large to store").format(first=earlier.line))
    yield from merged.values()


def _sum(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    """The sum of two amounts, either of which may be missing (None only when both are)."""
    if first is None or second is None:
        return second if first is None else first
    return first + second
