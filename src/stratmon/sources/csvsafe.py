"""Reading CSV that may be hostile: strict decoding, bounded size, every refusal located.

`CsvRows` streams a file's non-blank rows with the physical line each starts on; `Header` finds
columns by name and checks each row's width against it. Every failure is an `ImportRejected`
naming the file, the line where known, and one line of reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from stratmon.i18n import _, format_count
from stratmon.sources.errors import ImportRejected
from stratmon.sources.xmlsafe import CountingReader

MAX_LINE_BYTES = 1024 * 1024
MAX_ROW_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


@dataclass(frozen=True, slots=True)
class Wording:
    """How a reader words its refusals: `str.format` templates, already translated (so make one
    when a file is read, not when a module is imported), by default those of the
    ForeignAssistance.gov and budget-table readers. A template may use `size` and `limit` (bytes;
    `size_grouped` and `limit_grouped` are the same with the language's thousands separators),
    `byte` (two hex digits) and `column` (its 1-based position in the line), `error` (the csv
    module's), `cells` and `width` (counts) and `name` (the first column a short row lacks)."""

    too_large: str = field(default_factory=lambda: _("file is larger than the limit of {limit} bytes"))
    long_line: str = field(default_factory=lambda: _("line is longer than {limit} bytes"))
    not_utf8: str = field(default_factory=lambda: _("not UTF-8: byte 0x{byte} at column {column}"))
    nul: str = field(default_factory=lambda: _("NUL byte: not a text file, or not UTF-8 (UTF-16?)"))
    malformed: str = field(default_factory=lambda: _("not valid CSV: {error}"))
    short_row: str = field(default_factory=lambda: _("row has {cells} fields, the header has {width}"))
    long_row: str = field(default_factory=lambda: _("row has {cells} fields, the header has {width}"))
    # A line holding both a NUL and a byte that is not UTF-8 (UTF-16 text) is refused either way;
    # this says which of the two its reason names.
    names_nul_first: bool = True


class CsvRows:
    """The non-blank rows of a CSV file as `(line, cells)`, streamed; `line` is where the row starts.

    Decoding is strict UTF-8 (a byte-order mark is allowed). `fallback` declares a single-byte
    encoding accepted for a file that is not UTF-8 at all; a file mixing it with UTF-8 is refused.
    The file, each line and each row are size-capped, so memory stays small whatever the input;
    a NUL byte is refused (PostgreSQL cannot store it in text). `on_chunk` receives every byte
    read, in order (progress, hashing). The rows are read once: `header` takes the first of them.
    """

    def __init__(self, path: Path | str, *, max_bytes: int, max_line_bytes: int = MAX_LINE_BYTES,
                 max_row_bytes: int = MAX_ROW_BYTES, fallback: str | None = None,
                 on_chunk: Callable[[bytes], None] | None = None, wording: Wording | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.max_line_bytes = max_line_bytes
        self.max_row_bytes = max_row_bytes
        self.fallback = fallback
        self.on_chunk = on_chunk
        self.wording = wording or Wording()
        self.encoding: str | None = None  # decided by the first line that is not ASCII
        self._line = 0
        self._row_bytes = 0
        self._row_start = 1
        self._at_end = False  # the last line has been handed to the csv module and it asked for more
        self._rows = self._read()

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows

    def header(self) -> Header:
        """The first row, read now, as the header; an empty file is refused."""
        first = next(self._rows, None)
        if first is None:
            raise ImportRejected(self.path, None, _("empty file: no header row"))
        return Header(self.path, *first, wording=self.wording)

    def _read(self) -> Iterator[tuple[int, list[str]]]:
        try:
            size = self.path.stat().st_size
            handle = self.path.open("rb")
        except OSError as exc:
            raise ImportRejected(self.path, None, _("cannot read the file: {reason}").format(
                reason=exc.strerror or exc)) from None
        with handle:
            if size > self.max_bytes:
                reason = self.wording.too_large.format(
                    size=size, limit=self.max_bytes, size_grouped=format_count(size),
                    limit_grouped=format_count(self.max_bytes))
                raise ImportRejected(self.path, None, reason)
            source = CountingReader(handle, self.path, max_bytes=self.max_bytes, on_chunk=self.on_chunk)
            reader = csv.reader(self._lines(source), strict=True)
            while True:
                start = self._row_start = self._line + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    # Both of these are most often a quote left open: name the row it opened in.
                    if self._at_end:  # the end of the file inside a quoted value
                        raise ImportRejected(self.path, start, _(
                            "the row starting on this line opens a quote that is never closed")) from None
                    if "field limit" in str(exc):  # the csv module's cap on one value
                        raise ImportRejected(self.path, start, _(
                            "the row starting on this line has a value longer than {limit} characters "
                            "(an unclosed quote?)").format(limit=format_count(csv.field_size_limit()))) from None
                    raise ImportRejected(self.path, self._line, self.wording.malformed.format(error=exc)) from None
                self._row_bytes = 0
                # The first cell settles almost every row, without a generator per row.
                if cells and (cells[0].strip() or any(cell.strip() for cell in cells)):
                    yield start, cells

    def _lines(self, source: CountingReader) -> Iterator[str]:
        rest = b""
        while chunk := source.read(_CHUNK_BYTES):
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                yield self._decode(line) + "\n"
            if len(rest) > self.max_line_bytes:
                self._line += 1
                self._reject_long_line()
        if rest:
            yield self._decode(rest)
        # Only a reader inside a quoted value asks for more once the last line is handed over.
        self._at_end = True

    def _decode(self, line: bytes) -> str:
        self._line += 1
        self._row_bytes += len(line)
        if len(line) > self.max_line_bytes:
            self._reject_long_line()
        if self._row_bytes > self.max_row_bytes:  # named where the row, and so its open quote, starts
            raise ImportRejected(self.path, self._row_start, _(
                "row is longer than {limit} bytes (an unclosed quote?)").format(limit=self.max_row_bytes))
        nul_first = self.wording.names_nul_first
        if nul_first and (nul := line.find(b"\x00")) >= 0:
            self._reject(self.wording.nul.format(column=nul + 1))
        text = line.decode("ascii") if line.isascii() else self._decode_text(line)
        if not nul_first and (nul := text.find("\x00")) >= 0:
            self._reject(self.wording.nul.format(column=nul + 1))
        return text

    def _decode_text(self, line: bytes) -> str:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return self._decode_fallback(line, exc)
        if self.encoding not in (None, "utf-8"):
            self._reject(_("mixes UTF-8 with {encoding}").format(encoding=self.encoding))
        self.encoding = "utf-8"
        return text[1:] if self._line == 1 and text.startswith("\ufeff") else text

    def _decode_fallback(self, line: bytes, error: UnicodeDecodeError) -> str:
        byte, column = f"{line[error.start]:02x}", error.start + 1
        if self.fallback is None or self.encoding == "utf-8":
            self._reject(self.wording.not_utf8.format(byte=byte, column=column))
        if _UTF8_MULTIBYTE.search(line):
            self._reject(_("mixes UTF-8 with {encoding}: byte 0x{byte} at column {column}").format(
                encoding=self.fallback, byte=byte, column=column))
        try:
            text = line.decode(self.fallback)
        except UnicodeDecodeError:
            self._reject(_("neither UTF-8 nor {encoding}: byte 0x{byte} at column {column}").format(
                encoding=self.fallback, byte=byte, column=column))
        self.encoding = self.fallback
        return text

    def _reject_long_line(self) -> NoReturn:
        self._reject(self.wording.long_line.format(limit=self.max_line_bytes,
                                                   limit_grouped=format_count(self.max_line_bytes)))

    def _reject(self, reason: str) -> NoReturn:
        raise ImportRejected(self.path, self._line, reason)


def header_key(name: str) -> str:
    """A column name folded for matching: case, spacing, underscores and hyphens do not count."""
    return " ".join(name.replace("_", " ").replace("-", " ").casefold().split())


class Header:
    """A file's header row: its column names, found by folded name (see `header_key`)."""

    def __init__(self, path: Path, line: int, cells: list[str], *, wording: Wording | None = None) -> None:
        self.path = path
        self.line = line
        self.wording = wording or Wording()
        self.names = [cell.strip() for cell in cells]
        self._positions: dict[str, int] = {}
        for position, name in enumerate(self.names):
            key = header_key(name)
            if key in self._positions:
                raise ImportRejected(path, line, _("column {name} appears twice").format(name=repr(name)))
            if key:
                self._positions[key] = position

    def find(self, *names: str) -> int | None:
        """The position of the first of `names` present, or None."""
        return next((self._positions[key] for key in map(header_key, names) if key in self._positions), None)

    def require(self, *names: str) -> int:
        """The position of the first of `names` present; the file is refused when none is."""
        position = self.find(*names)
        if position is None:
            raise ImportRejected(self.path, self.line, _("missing column '{name}'").format(name=names[0]))
        return position

    def has_any(self, *names: str) -> bool:
        """Whether any of `names` is a column."""
        return self.find(*names) is not None

    def preview(self, count: int = 4) -> str:
        """The first column names, quoted, for messages."""
        shown = ", ".join(repr(name) for name in self.names[:count])
        return shown + (", ..." if len(self.names) > count else "")

    def fit(self, line: int, cells: list[str]) -> list[str]:
        """The row at `line` cut to the header's width.

        A row that ends before a named column, or has a value past the last column, is refused:
        its cells may not be under the names they were written for. Blank cells past the end and
        missing cells under unnamed columns (a header's trailing comma) say nothing, so they pass.
        """
        width = len(self.names)
        if len(cells) == width:
            return cells
        missing = next((name for name in self.names[len(cells):] if name), None)
        if missing is not None:
            self._reject_width(line, self.wording.short_row, cells, name=missing)
        if any(cell.strip() for cell in cells[width:]):
            self._reject_width(line, self.wording.long_row, cells)
        return cells[:width]

    def _reject_width(self, line: int, template: str, cells: list[str], name: str = "") -> NoReturn:
        reason = template.format(cells=len(cells), width=len(self.names), name=name)
        raise ImportRejected(self.path, line, reason)
