"""Characters XML 1.0 forbids, removed as a file streams to the parser (`--repair-invalid-characters`).

XML 1.0 allows tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF. Some publishers send
others: two MCC files of the U.S. publication hold U+0002 in narratives ("sub\\x02activities"). The
parser stops at such a character, so by default the file is refused whole, and the refusal names the
character and the option (`forbidden_character_note`). With the option, `ForbiddenCharacterFilter`
sits between the file and the parser and drops them; what it dropped is reported and recorded.

What is removed: the characters as written in the file — the C0 controls other than tab, LF and CR, and
U+FFFE and U+FFFF. Not removed: character references to them (`&#2;`), which XML 1.0 forbids too. A
reference is markup the publisher wrote on purpose, and the same bytes are plain text inside a CDATA
section, which a byte filter cannot tell apart without parsing; such a file is still refused, with the
parser's own message ("xmlParseCharRef: invalid xmlChar value 2"). No U.S. file holds one. Invalid
UTF-8 is not repaired either: the parser refuses it, as before.

Encodings: a file in UTF-8 (declared, or by default) or US-ASCII is filtered for all of these; a file in
a one-byte encoding (ISO-8859-*, windows-125*) for the C0 controls (it cannot write U+FFFE or U+FFFF).
In both, a byte below 0x20 is always that control character and never part of another character, so
removing it is exact. U+FFFE and U+FFFF are the UTF-8 sequences EF BF BE and EF BF BF, whose lead byte
EF never occurs inside another character; a sequence split across two reads is held back until whole.
A file in any other encoding (UTF-16, UTF-32, Shift_JIS, ...) passes unchanged: the parser refuses it if
it holds a forbidden character, and the refusal says that the repair does not read that encoding.

Memory: one read's bytes and at most two held-back bytes. Newlines are never removed, so the lines the
parser reports stay the lines of the file. The file's content hash is taken on the bytes as published,
before this filter (store/prepare.py).
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stratmon.i18n import _, ngettext


@dataclass(frozen=True)
class _Forbidden:
    """How the forbidden characters are written in a family of encodings."""

    pattern: re.Pattern[bytes]
    sequences: tuple[bytes, ...]  # those of more than one byte, which the end of a read can cut

    def found_in(self, data: bytes) -> bool:
        # Six times quicker than the pattern's search, and most reads hold none.
        return len(data.translate(None, _C0_BYTES)) != len(data) or any(s in data for s in self.sequences)

    def cut_at_end(self, data: bytes) -> int:
        """How many bytes at the end of `data` may start a sequence that the next read completes."""
        for size in (2, 1):
            if any(data.endswith(sequence[:size]) for sequence in self.sequences):
                return size
        return 0


_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_C0_CONTROLS = rb"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_IN_UTF8 = _Forbidden(re.compile(_C0_CONTROLS + rb"|\xef\xbf[\xbe\xbf]"), (b"\xef\xbf\xbe", b"\xef\xbf\xbf"))
_IN_ONE_BYTE = _Forbidden(re.compile(_C0_CONTROLS), ())
# Python's names for the encodings whose bytes below 0x80 are ASCII, one byte a character.
_ONE_BYTE_ENCODINGS = re.compile(r"iso8859-\d+|cp125\d|latin-1")
_UTF8_ENCODINGS = ("utf-8", "utf-8-sig", "ascii")

# Byte patterns that tell a document in a wide encoding from its first bytes (XML 1.0, appendix F).
WIDE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"), (b"\0<\0?", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*["'](?P<name>[A-Za-z][\w.:-]*)["']""")
_HEAD_BYTES = 512
_SCAN_CHUNK = 64 * 1024
# The lines kept of a file's removals (the count is always exact); the report shows the first few.
_LINES_KEPT = 1000
_LINES_SHOWN = 10


def document_encoding(head: bytes) -> str:
    """The encoding of the document whose first bytes are `head`, as XML 1.0 (appendix F) reads it."""
    if head.startswith(codecs.BOM_UTF8):
        return "UTF-8"
    for start, name in WIDE_STARTS:
        if head.startswith(start):
            return name.upper().removesuffix("-LE").removesuffix("-BE")
    declared = _DECLARED_ENCODING.match(head)
    return declared["name"].decode("ascii") if declared else "UTF-8"


def _forbidden_in(encoding: str) -> _Forbidden | None:
    """How forbidden characters are written in `encoding`, or None when this filter cannot read it."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    if name in _UTF8_ENCODINGS:
        return _IN_UTF8
    return _IN_ONE_BYTE if _ONE_BYTE_ENCODINGS.fullmatch(name) else None


@dataclass(frozen=True)
class CharactersRemoved:
    """What the repair removed from one file: how many characters, which, and on which lines."""

    count: int
    code_points: tuple[tuple[int, int], ...]  # (code point, how many), by code point
    lines: tuple[int, ...]  # the first lines with a removal, in order, each once
    line_count: int  # every line with a removal

    def describe(self) -> str:
        """One line for the import summary and the ledger."""
        characters = ngettext("{count} character", "{count} characters", self.count).format(count=self.count)
        which = ", ".join(f"U+{code_point:04X} ×{n}" if len(self.code_points) > 1 else f"U+{code_point:04X}"
                          for code_point, n in self.code_points)
        lines = ", ".join(str(line) for line in self.lines[:_LINES_SHOWN])
        if self.line_count > _LINES_SHOWN:
            lines = _("{lines} and {n} more").format(lines=lines, n=self.line_count - _LINES_SHOWN)
        where = ngettext("on line {lines}", "on lines {lines}", self.line_count).format(lines=lines)
        return _("removed {characters} that XML 1.0 forbids ({which}) {where}").format(
            characters=characters, which=which, where=where)


class ForbiddenCharacterFilter:
    """A binary file wrapper that drops, from what it reads, the characters XML 1.0 forbids.

    The document's encoding is read from its first bytes; in an encoding this filter cannot read,
    everything passes unchanged (`is_repairing` is then False).
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._forbidden: _Forbidden | None = None
        self.encoding: str | None = None  # known after the first read
        self._held = b""  # the start of a sequence the next read may complete
        self._pending = b""  # filtered bytes beyond what the caller asked for
        self.line = 1  # the line of the next byte read
        self._count = 0
        self._code_points: Counter[int] = Counter()
        self._lines: list[int] = []
        self._line_count = 0
        self.first_found: tuple[int, int] | None = None  # (code point, line) of the first removal

    @property
    def is_repairing(self) -> bool:
        return self._forbidden is not None

    @property
    def removed(self) -> CharactersRemoved | None:
        """What was removed so far, or None if nothing."""
        if not self._count:
            return None
        return CharactersRemoved(self._count, tuple(sorted(self._code_points.items())), tuple(self._lines),
                                 self._line_count)

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        if not self._pending:
            self._pending = self._filtered(size)
        if size is None or size < 0 or len(self._pending) <= size:
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def _filtered(self, size: int) -> bytes:
        """The next filtered bytes: empty only at the end of the file."""
        while True:
            chunk = self._raw.read(size)
            if self.encoding is None:
                # The declaration must be whole to be read; a tiny first read takes a little more.
                while chunk and len(chunk) < _HEAD_BYTES and (more := self._raw.read(_HEAD_BYTES)):
                    chunk += more
                self.encoding = document_encoding(chunk)
                self._forbidden = _forbidden_in(self.encoding)
            if not chunk:
                held, self._held = self._held, b""
                return held
            if self._forbidden is None:
                return chunk
            data = self._held + chunk
            keep = self._forbidden.cut_at_end(data)
            data, self._held = data[:len(data) - keep], data[len(data) - keep:]
            cleaned = self._removed_from(data)
            if cleaned:
                return cleaned

    def _removed_from(self, data: bytes) -> bytes:
        if not self._forbidden.found_in(data):
            self.line += data.count(b"\n")
            return data
        pattern = self._forbidden.pattern
        position, line = 0, self.line
        for match in pattern.finditer(data):
            line += data.count(b"\n", position, match.start())
            position = match.start()
            self._record(match.group(), line)
        self.line = line + data.count(b"\n", position)
        return pattern.sub(b"", data)

    def _record(self, character: bytes, line: int) -> None:
        code_point = character[0] if len(character) == 1 else ord(character.decode("utf-8"))
        if self.first_found is None:
            self.first_found = (code_point, line)
        self._count += 1
        self._code_points[code_point] += 1
        if not self._lines or self._lines[-1] != line:
            self._line_count += 1
            if len(self._lines) < _LINES_KEPT:
                self._lines.append(line)


def forbidden_character_note(path: Path, line: int | None, *, repairing: bool) -> str | None:
    """What a refusal at `line` of `path` (for a document that is not well-formed) should add about
    forbidden characters: that the option would remove one found at or before that line, or, when the
    option was given, that it could not read the file's encoding. None when there is nothing to say."""
    with path.open("rb") as raw:
        scan = ForbiddenCharacterFilter(raw)
        more = scan.read(_SCAN_CHUNK)
        if repairing:
            if scan.is_repairing:
                return None
            return _("--repair-invalid-characters left this file as it is: it repairs files in UTF-8 or a "
                     "one-byte encoding, and this one is in {encoding}").format(encoding=scan.encoding)
        # Read on to the refused line only: a refusal early in a large file costs little.
        while more and scan.first_found is None and (line is None or scan.line <= line):
            more = scan.read(_SCAN_CHUNK)
    if scan.first_found is None or (line is not None and scan.first_found[1] > line):
        return None
    code_point, found_line = scan.first_found
    return _("the file holds U+{code_point} on line {line}, a character XML 1.0 forbids: "
             "--repair-invalid-characters removes such characters").format(
        code_point=f"{code_point:04X}", line=found_line)
