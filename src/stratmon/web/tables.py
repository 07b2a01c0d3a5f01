"""Tables as the portal shows them and as people download them (CSV, XLSX): one definition each,
names rather than codes, exact figures in the files.

A page builds its `DataTable`s, renders them with the `data_table` macro, and answers
`?download=<name>&format=csv|xlsx` with the same rows through `download_response`. A long table
shows one page of its rows at a time (`show_page`, `?<param>=N`); its downloads hold them all.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import HTTPException
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from stratmon.analysis.errors import QueryError
from stratmon.analysis.paging import page_numbers
from stratmon.i18n import _
from stratmon.spreadsheet import safe_text

KINDS = ("text", "usd", "number", "count", "percent", "date", "moment")  # moment: a datetime, in UTC
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LONG_TEXT = 40  # characters: a cell longer than this reads as a sentence, not a label


@dataclass(frozen=True)
class Column:
    """A column: the row key it reads, its heading, and what kind of value it holds. A column of texts
    in several languages (`InLanguage`, activities' titles) says so with `languages`: pages mark the texts
    in another language than the page's, files give each text's language in a column of its own.
    A column of texts as their publishers wrote them (names, codes, file names; titles too) says so with
    `as_published`: pages mark its cells, so that neither a reader nor a check of the page's language
    takes them for the portal's own words."""

    key: str
    heading: str
    kind: str = "text"
    languages: bool = False
    as_published: bool = False

    @property
    def is_published_text(self) -> bool:
        """Whether the column's texts are the data's, not the portal's (see `as_published`)."""
        return self.languages or self.as_published

    @property
    def numeric(self) -> bool:
        return self.kind in ("usd", "number", "count", "percent")


@dataclass(frozen=True)
class RowWindow:
    """The rows of a table the page shows: page `page` of `per_page` rows, asked for by `?<param>=N`."""

    param: str
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def stop(self) -> int:
        return min(self.total, self.start + self.per_page)

    @property
    def numbers(self) -> list[int | None]:
        return page_numbers(self.page, self.pages)


def page_number(params, param: str) -> int:
    """The page `?param=N` asks for, 1 when it asks for none; QueryError when N is not a page number."""
    text = params.get(param) or "1"
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise QueryError(_("{param} takes a page number (1, 2, …)").format(param=param))
    return int(text)


@dataclass
class DataTable:
    """A titled table. `links` maps (row index, column key) to an address for the page view;
    `window`, when set, is the page of rows the page view shows (downloads hold every row)."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    links: dict[tuple[int, str], str] = field(default_factory=dict)
    note: str | None = None
    window: RowWindow | None = None

    def link(self, index: int, key: str) -> str | None:
        return self.links.get((index, key))

    def show_page(self, param: str, page: int, per_page: int = 50) -> DataTable:
        """Show page `page` of the rows (the last one when past the end), `per_page` at a time, when
        there are more rows than that."""
        if len(self.rows) > per_page:
            last = -(-len(self.rows) // per_page)
            self.window = RowWindow(param, min(page, last), per_page, len(self.rows))
        return self

    @property
    def long_text_keys(self) -> set[str]:
        """The text columns holding sentences among the rows shown (narrow screens give them room)."""
        rows = [row for _index, row in self.shown]
        return {c.key for c in self.columns if not c.numeric and c.kind not in ("date", "moment")
                and any(len(str(row.get(c.key) or "")) > LONG_TEXT for row in rows)}

    @property
    def shown(self) -> list[tuple[int, dict[str, Any]]]:
        """The rows the page view shows, each with its index in `rows` (for `link`)."""
        start, stop = (self.window.start, self.window.stop) if self.window else (0, len(self.rows))
        return [(index, self.rows[index]) for index in range(start, stop)]

    def file_name(self, extension: str) -> str:
        return f"stratmon-{_FILE_NAME_UNSAFE.sub('-', self.name).strip('-') or 'table'}.{extension}"


def _file_value(column: Column, value):
    if value is None:
        return ""
    if column.kind == "usd":
        return f"{Decimal(value):.2f}"
    if column.numeric:
        return str(value)
    if column.kind == "moment" and isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return safe_text(str(value))


def _file_columns(table: DataTable) -> list[tuple[Column, Callable[[dict], Any]]]:
    """The columns of the table's files, each with what it reads from a row: a column of texts in
    several languages is followed by the language of each text (an IATI language code)."""
    found: list[tuple[Column, Callable[[dict], Any]]] = []
    for column in table.columns:
        found.append((column, lambda row, key=column.key: row.get(key)))
        if column.languages:
            found.append((Column(f"{column.key}_lang", _("{heading}: language").format(heading=column.heading)),
                          lambda row, key=column.key: getattr(row.get(key), "lang", None)))
    return found


def table_csv(table: DataTable) -> str:
    """The table as CSV: headings first, dollars with two decimals, text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = _file_columns(table)
    writer.writerow([safe_text(c.heading) for c, _value in columns])
    for row in table.rows:
        writer.writerow([_file_value(c, value(row)) for c, value in columns])
    return out.getvalue()


def table_xlsx(table: DataTable) -> bytes:
    """The table as an Excel workbook: numbers as numbers, text stored as text (never formulas)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", table.title)[:31].strip() or "Table"
    columns = _file_columns(table)
    for column_index, (column, _value) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=column_index, value=ILLEGAL_CHARACTERS_RE.sub("", column.heading))
        cell.data_type = "s"
    for row_index, row in enumerate(table.rows, start=2):
        for column_index, (column, read) in enumerate(columns, start=1):
            value = read(row)
            if value is None:
                continue
            if column.numeric:
                cell = sheet.cell(row=row_index, column=column_index, value=float(value) if column.kind in (
                    "usd", "number", "percent") else int(value))
                cell.number_format = "#,##0.00" if column.kind == "usd" else "General"
            else:
                text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
                cell = sheet.cell(row=row_index, column=column_index, value=ILLEGAL_CHARACTERS_RE.sub("", text))
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download_response(tables: list[DataTable], name: str, file_format: str) -> Response:
    """The table called `name` as a CSV or XLSX file; 404 when the page has no such table."""
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        raise HTTPException(404, _("This page has no table called {name}.").format(name=name[:60]))
    if file_format == "xlsx":
        content, media_type = table_xlsx(table), XLSX_MEDIA_TYPE
    elif file_format == "csv":
        content, media_type = table_csv(table).encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        raise HTTPException(400, _("format takes csv or xlsx"))
    disposition = f'attachment; filename="{table.file_name(file_format)}"'
    return Response(content, media_type=media_type, headers={"content-disposition": disposition})
