"""Opening XML that may be hostile: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from stratmon.i18n import _
from stratmon.sources.errors import ImportRejected
from stratmon.sources.xmlchars import WIDE_STARTS, ForbiddenCharacterFilter, forbidden_character_note

DEFAULT_MAX_FILE_BYTES = 8 * 1024**3


class CountingReader:
    """A binary file wrapper that counts bytes, hands each chunk on (progress, hashing) and caps the size."""

    def __init__(
        self,
        raw: BinaryIO,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
        on_chunk: Callable[[bytes], None] | None = None,
    ) -> None:
        self._raw = raw
        self._path = path
        self._max_bytes = max_bytes
        self._on_chunk = on_chunk
        self.bytes_read = 0
        self.window_bytes: int | None = None
        self.window_line: int | None = None
        self._window_start = 0

    def start_window(self, max_bytes: int, after_line: int | None) -> None:
        """From here on, refuse to read more than `max_bytes` before the next `start_window`.

        The reader calls this after each activity, so neither one huge activity nor any
        amount of other content between activities can make the parser's tree grow unbounded.
        """
        self.window_bytes, self.window_line, self._window_start = max_bytes, after_line, self.bytes_read

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self.bytes_read += len(chunk)
        if self.bytes_read > self._max_bytes:
            raise ImportRejected(self._path, None, _("file is larger than the limit of {limit} bytes").format(
                limit=self._max_bytes))
        if self.window_bytes is not None and self.bytes_read - self._window_start > self.window_bytes:
            size = self.window_bytes // (1024 * 1024)
            if self.window_line:
                reason = _("more than {size} MiB after line {line} without the end of an iati-activity "
                           "(an activity that large, or other content, is refused)").format(
                    size=size, line=self.window_line)
            else:
                reason = _("more than {size} MiB from the start of the file without the end of an "
                           "iati-activity (an activity that large, or other content, is refused)").format(size=size)
            raise ImportRejected(self._path, self.window_line, reason)
        if self._on_chunk is not None and chunk:
            self._on_chunk(chunk)
        return chunk


def parser_options() -> dict:
    """lxml options that refuse everything a hostile file could use against us.

    `resolve_entities=False` matters: lxml 5+ resolves internal entities by default.
    `huge_tree=False` keeps libxml2's limits on depth (256) and text size (10 MB).
    """
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def syntax_error(path: Path, exc: etree.XMLSyntaxError, *, repairing: bool = False) -> ImportRejected:
    """A located rejection for an XML syntax error; it names a character XML 1.0 forbids that the
    file holds up to there, or, when `repairing` those, an encoding the repair cannot read."""
    line = exc.lineno or (exc.position[0] if exc.position else None)
    # libxml2 sometimes appends ", line N, column M" on a line of its own; keep one line.
    message = re.sub(r",?\s*line \d+, column \d+\s*$", "", " ".join((exc.msg or str(exc)).split()))
    message = message.strip().rstrip(".")
    if "Document is empty" in message or line == 0:
        line = None
    if limit := _limit_reason(message):
        return ImportRejected(path, line, limit)
    reason = _("not well-formed XML: {message}").format(message=message)
    if note := forbidden_character_note(path, line, repairing=repairing):
        reason = f"{reason}; {note}"
    return ImportRejected(path, line, reason)


# libxml2 words its limits as advice to programmers ("try XML_PARSE_HUGE"); these say what was too large.
# Its limit on one text or attribute value is XML_MAX_TEXT_LENGTH, 10,000,000 bytes.
_DEPTH_LIMIT = re.compile(r"Excessive depth in document: (\d+)")


def _limit_reason(message: str) -> str | None:
    if depth := _DEPTH_LIMIT.search(message):
        return _("too large to read safely: elements nested to a depth of more than {depth}").format(depth=depth[1])
    if "Text node too long" in message:
        return _("too large to read safely: a text longer than the limit of 10,000,000 bytes")
    if "Buffer size limit exceeded" in message:
        return _("too large to read safely: a value (a text or an attribute) longer than the limit of "
                 "10,000,000 bytes, starting at or before this line")
    return None


# An XML declaration readable as ASCII bytes, naming an encoding of two or four bytes per unit: a file
# really in such an encoding would spell its declaration with NUL bytes, so this one lies.
_WIDE_ENCODING_DECLARED = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["'](?P<name>(?:UTF|UCS)-?(?:16|32|2|4)[A-Z]*)["']""",
    re.IGNORECASE)


def _refuse_lying_wide_encoding(path: Path, start: bytes) -> None:
    """Refuse a declaration of UTF-16 or UTF-32 on a file written one byte per character: libxml2
    would decode it as the declaration says and report only "Blank needed here"."""
    if declared := _WIDE_ENCODING_DECLARED.match(start):
        raise ImportRejected(path, 1, _("the XML declaration says encoding {encoding}, but the file is not "
                                        "written in it (the declaration itself is plain ASCII)").format(
            encoding=declared["name"].decode("ascii")))


_PROLOG_CHUNK = 64 * 1024
_PROLOG_SPACE = b" \t\r\n"


def doctype_line(source: BinaryIO) -> int | None:
    """The line of a DOCTYPE declaration in the prolog of the XML document `source` reads, or None.

    The project's own check, made on the bytes before any XML library sees them: a DOCTYPE is where
    entity expansion (billion laughs, quadratic blowup) and external entities are declared, and
    libraries differ, version to version, in whether and how they stop them. Reads up to the root's
    start tag only, whatever the length of the comments before it, in bounded memory. Anything that
    is not a declaration, comment, processing instruction or space ends the scan (the parser then
    says what is wrong with it). Callers keep the parser's own look at the document type as a second
    check: a document in an encoding this scan cannot read (UTF-7, say) is caught there.
    """
    chunks = _ascii_compatible_chunks(source)
    buffer, line = b"", 1
    while True:
        stripped = buffer.lstrip(_PROLOG_SPACE)
        line += buffer.count(b"\n", 0, len(buffer) - len(stripped))
        buffer = stripped
        if len(buffer) < 9:  # len(b"<!DOCTYPE")
            more = next(chunks, b"")
            if more:
                buffer += more
                continue
        if buffer[:9].upper() == b"<!DOCTYPE":
            return line
        if buffer.startswith(b"<!--"):
            closing, opener = b"-->", 4  # "<!-->" opens a comment, it does not close one
        elif buffer.startswith(b"<?"):
            closing, opener = b"?>", 2
        else:
            return None  # the root's start tag, or something the parser will refuse on its own
        end = buffer.find(closing, opener)
        while end < 0:
            more = next(chunks, b"")
            if not more:
                return None
            # Keep only what a closing split across chunks needs; a huge comment costs no memory.
            line += buffer.count(b"\n", 0, len(buffer) - 2)
            buffer = buffer[-2:] + more
            end = buffer.find(closing)
        end += len(closing)
        line += buffer.count(b"\n", 0, end)
        buffer = buffer[end:]


def _ascii_compatible_chunks(source: BinaryIO) -> Iterator[bytes]:
    """The document's bytes in chunks, re-encoded as UTF-8 when it is written in UTF-16 or UTF-32,
    so markup characters and newlines are single bytes; other encodings pass as they are."""
    first = source.read(_PROLOG_CHUNK)
    encoding = next((name for start, name in WIDE_STARTS if first.startswith(start)), None)
    if encoding is None:
        yield first.removeprefix(codecs.BOM_UTF8)
        while chunk := source.read(_PROLOG_CHUNK):
            yield chunk
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    yield decoder.decode(first).removeprefix("\ufeff").encode("utf-8")
    while chunk := source.read(_PROLOG_CHUNK):
        yield decoder.decode(chunk).encode("utf-8")


def refuse_doctype(path: Path, source: BinaryIO, part: str | None = None) -> None:
    """Refuse the document `source` reads (the file `path`, or its member `part`) if it declares a DOCTYPE."""
    line = doctype_line(source)
    if line is None:
        return
    if part is None:
        raise ImportRejected(path, line, _("DOCTYPE declarations are not allowed"))
    raise ImportRejected(path, None, _("part {part}: DOCTYPE declarations are not allowed").format(part=part))


# The root's start tag is looked for a kilobyte at a time: lxml's iterparse reads and parses 32 KB first, a
# millisecond a file, and an import looks at each file's root twice (which loader, then its reader).
_ROOT_CHUNK = 1024


def inspect_root(path: Path, *, repair_invalid_characters: bool = False) -> etree._Element:
    """The root element's start tag (no children read), refusing any DOCTYPE; with
    `repair_invalid_characters`, read without the characters XML 1.0 forbids (xmlchars.py).

    Reading stops at the first start tag, so this costs the file's first kilobytes.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
            if not head.strip():
                # Agencies publish some files with no bytes at all: say so, not "no element found".
                raise ImportRejected(path, None, _("the file is empty"))
            _refuse_lying_wide_encoding(path, head)
            handle.seek(0)
            refuse_doctype(path, handle)
            handle.seek(0)
            source = ForbiddenCharacterFilter(handle) if repair_invalid_characters else handle
            parser = etree.XMLPullParser(events=("start",), **parser_options())
            while chunk := source.read(_ROOT_CHUNK):
                parser.feed(chunk)
                for _event, element in parser.read_events():
                    docinfo = element.getroottree().docinfo
                    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
                        raise ImportRejected(path, element.sourceline, _("DOCTYPE declarations are not allowed"))
                    return element
            parser.close()
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc, repairing=repair_invalid_characters) from None
    raise ImportRejected(path, None, _("not well-formed XML: no root element"))
