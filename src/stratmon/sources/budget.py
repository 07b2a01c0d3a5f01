"""Reader for the State Department's foreign-assistance budget tables by country and account.

Layout (Congressional Budget Justification tables, FY2008–FY2017): `Country`, then one column per
account (`All Accounts` or `Total`, DA, GHP-USAID, ESF, INCLE, ...: every column between the first
and the last is an account), then `Fiscal Year`. Amounts are $ thousands, "113,099" with thousands
separators; "-" is zero; an empty cell is missing. One `BudgetFigure` is yielded per non-empty
cell, in U.S. dollars (× 1000, exact), so a missing cell yields nothing.

Quirks of the published files, all handled here:
- The tables were converted from PDF: a label too long for its cell spills onto the next row
  ("Overseas Private Investment" / "Corporation (OPIC),-164,500,..."), or the label stands alone and
  its amounts follow on the next row with an empty label (the CCRIF line of FY2015 and FY2017).
  A row with a label, a fiscal year and no amounts is therefore joined to the next row that has
  amounts. Runs of spaces in labels are collapsed.
- Rows with neither amounts nor a fiscal year (blank lines, the source URL at the foot) are notes.
- FY2008 prints four rows twice ("Asia Middle East Regional", ...): a row that repeats an earlier
  one exactly (same label, same cells) is dropped; a repeat with other amounts is yielded, and
  the loader reports the conflict.
- FY2012–FY2017 are Windows-1252, not UTF-8 ("Women’s Issues"): a file that is not UTF-8 at
  all is read as Windows-1252; a file mixing the two is refused.
- Account headers are spelt differently from year to year; `account_name` gives one spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from stratmon.i18n import _
from stratmon.sources.countries import iso2_from_name
from stratmon.sources.csvsafe import CsvRows, Header, header_key
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.records import BudgetFigure
from stratmon.sources.values import MAX_AMOUNT, parse_amount

MAX_FILE_BYTES = 256 * 1024 * 1024  # the published tables are about 20 KB each
LEGACY_ENCODING = "cp1252"
THOUSAND = Decimal(1000)
ZERO_MARKS = frozenset({"-", "\u2013", "\u2014"})

# The regional bureaus' subtotal rows, spelt the same in every table FY2008–FY2017.
REGION_LABELS = frozenset({"africa", "east asia and pacific", "europe and eurasia", "near east",
                           "south and central asia", "western hemisphere"})
TOTAL_LABEL = "total"
# Account headers whose spelling changed between years, folded (see `account_name`).
_ACCOUNT_SPELLINGS = {"total": "All Accounts", "all accounts": "All Accounts", "pl 480": "P.L. 480",
                      "p.l. 480": "P.L. 480"}
_GLOBAL_HEALTH = re.compile(r"(GHCS|GHP)[ -](USAID|STATE)", re.IGNORECASE)
_FISCAL_YEAR = re.compile(r"\d{4}")


def account_name(printed: str) -> str:
    """One spelling per account: "GHP- USAID" and "GHP USAID" → "GHP-USAID", "Total" → "All Accounts",
    "Other**" → "Other" (the asterisks point to footnotes)."""
    name = re.sub(r"\s*-\s*", "-", " ".join(printed.split())).rstrip("*").strip()
    if match := _GLOBAL_HEALTH.fullmatch(name):
        return f"{match[1].upper()}-{match[2].upper()}"
    return _ACCOUNT_SPELLINGS.get(name.casefold(), name)


def row_kind(label: str) -> tuple[str, str | None]:
    """`(kind, recipient_key)` of a row label: total, region, country (with its ISO code) or program."""
    folded = label.casefold()
    if folded == TOTAL_LABEL:
        return "total", None
    if folded in REGION_LABELS:
        return "region", None
    code = iso2_from_name(label)
    return ("country", code) if code else ("program", None)


class _Table:
    """A budget table's columns, from its header."""

    def __init__(self, path: Path, header: Header) -> None:
        self.path = path
        self.header = header
        names = header.names
        if not names or header_key(names[0]) != "country":
            raise ImportRejected(path, header.line, _("not a State Department budget table: the first column is "
                                                      "{name}, expected 'Country'").format(
                name=repr(names[0] if names else '')))
        if header.find("Fiscal Year") is None:
            raise ImportRejected(path, header.line, _("missing column '{name}'").format(name="Fiscal Year"))
        if header_key(names[-1]) != "fiscal year":
            raise ImportRejected(path, header.line, _("column 'Fiscal Year' is not the last column"))
        self.printed = names[1:-1]
        if not self.printed:
            raise ImportRejected(path, header.line, _("no account columns between 'Country' and 'Fiscal Year'"))
        self.accounts = [account_name(name) for name in self.printed]
        for position, account in enumerate(self.accounts):
            if not account:
                raise ImportRejected(path, header.line, _("column {position} has no name").format(
                    position=position + 2))
            if account in self.accounts[:position]:
                raise ImportRejected(path, header.line, _("column {column} repeats account {account}").format(
                    column=repr(self.printed[position]), account=repr(account)))
        self.fiscal_year_name = names[-1]
        self._kinds: dict[str, tuple[str, str | None]] = {}

    def figures(self, rows: CsvRows) -> Iterator[BudgetFigure]:
        """One figure per non-empty cell of the data rows, joining wrapped labels."""
        wrapped: list[str] = []  # label parts waiting for the row with the amounts
        seen: set[tuple[str, ...]] = set()
        for line, cells in rows:
            cells = self.header.fit(line, cells)
            label = " ".join(cells[0].split())
            cells_of_accounts = cells[1:-1]
            if not any(cell.strip() for cell in cells_of_accounts):
                if label and cells[-1].strip():
                    wrapped.append(label)
                continue
            label = " ".join([*wrapped, label]).strip()
            wrapped = []
            printed = (label, *cells[1:])
            if printed in seen:
                continue
            seen.add(printed)
            try:
                yield from self._row(line, label, cells_of_accounts, cells[-1])
            except ContentError as exc:
                raise ImportRejected(self.path, line, str(exc)) from None

    def _row(self, line: int, label: str, cells: list[str], fiscal_year_text: str) -> Iterator[BudgetFigure]:
        if not label:
            raise ContentError(_("a row with amounts has no label (column 'Country' is empty)"))
        if not _FISCAL_YEAR.fullmatch(fiscal_year_text.strip()):
            raise ContentError(_("column {column}: {value} is not a fiscal year").format(
                column=repr(self.fiscal_year_name), value=repr(fiscal_year_text.strip()[:40])))
        fiscal_year = int(fiscal_year_text)
        kind, recipient_key = self._kinds.get(label) or self._kinds.setdefault(label, row_kind(label))
        for printed, account, cell in zip(self.printed, self.accounts, cells):
            amount = _dollars(cell, printed)
            if amount is not None:
                yield BudgetFigure(line, fiscal_year, label, recipient_key, kind, account, amount)


def _dollars(cell: str, column: str) -> Decimal | None:
    """A cell's $ thousands as dollars: "1,234" → 1234000, "-" → 0, empty → None."""
    text = cell.strip()
    if text in ZERO_MARKS:
        return Decimal(0)
    thousands = parse_amount(text, what=lambda: _("column {column}:").format(column=repr(column)))
    if thousands is None:
        return None
    dollars = thousands * THOUSAND
    if abs(dollars) > MAX_AMOUNT:
        raise ContentError(_("column {column}: {value} thousand is too large to store").format(
            column=repr(column), value=repr(text[:40])))
    return dollars


def read_budget(path: Path | str, *, on_chunk: Callable[[bytes], None] | None = None,
                max_bytes: int = MAX_FILE_BYTES) -> Iterator[BudgetFigure]:
    """The figures of one budget table, streamed; the header is checked at once.

    A bad row raises ImportRejected while iterating. `on_chunk` receives every byte read.
    """
    path = Path(path)
    rows = CsvRows(path, fallback=LEGACY_ENCODING, max_bytes=max_bytes, on_chunk=on_chunk)
    return _Table(path, rows.header()).figures(rows)
