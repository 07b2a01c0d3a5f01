"""Bounding the markup of an XLSX part before a spreadsheet library reads it.

openpyxl reads a sheet with Python's expat, fed in chunks of 16 KiB. Expat before 2.6 scans a token
it has not seen the end of again from its start with every chunk, so one long token (a comment, a
processing instruction, a start tag with a long attribute) costs time in the square of its length:
a 37 KB workbook holding a 32 MB comment kept a server busy for minutes. Each XML part is first read
here by libxml2 (lxml's iterparse, `huge_tree` off: linear, with its own limits of 10,000,000 bytes
on one text and a depth of 256), and refused when a comment, processing instruction, start tag, text
or namespace is longer than a spreadsheet ever writes, when elements nest deeper than
`MAX_DEPTH`, or when reading all parts takes longer than `MAX_READ_SECONDS`. What passes holds
only short tokens, which expat reads in linear time. The tree is cleared as it is read, so memory
stays bounded whatever the part's size.
"""

from __future__ import annotations

import codecs
import re
import time
import zipfile
from pathlib import Path

from lxml import etree

from stratmon.i18n import _, format_count
from stratmon.sources.errors import ImportRejected
from stratmon.sources.xmlsafe import parser_options

# Excel and LibreOffice write no comments or processing instructions in a workbook; a cell holds
# at most 32,767 characters (the results reader takes 4,000). These leave wide room for both.
MAX_MARKUP_CHARS = 64 * 1024      # one comment, processing instruction, or start tag's attributes
MAX_TEXT_CHARS = 256 * 1024       # one text node
MAX_DEPTH = 64                    # a sheet nests about seven deep; drawings about twenty
MAX_READ_SECONDS = 60.0           # checking and reading one workbook, from the first part to the last row
_CHECK_CLOCK_EVERY = 4096         # events between looks at the clock


def deadline() -> float:
    """The monotonic time by which a workbook must be read, starting now."""
    return time.monotonic() + MAX_READ_SECONDS


def refuse_if_late(path: Path, until: float, line: int | None = None) -> None:
    """Refuse the workbook once its reading has taken longer than the limit."""
    if time.monotonic() > until:
        raise ImportRejected(path, line, _("the workbook took longer than {seconds} seconds to read "
                                           "(too large or too complex)").format(seconds=format_count(int(MAX_READ_SECONDS))))


def looks_like_xml(bundle: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """Whether a part starts as XML does, whatever its name: a workbook's relationships may give a
    sheet any name, and a part openpyxl reads must not escape the checks by its name."""
    with bundle.open(part) as source:
        start = source.read(64).lstrip(b" \t\r\n")
    return start.startswith((b"<", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def check_part_markup(path: Path, bundle: zipfile.ZipFile, part: zipfile.ZipInfo, until: float) -> None:
    """Refuse the XML part `part` of the workbook `path` if its markup is longer, deeper or slower to
    read than the limits above; one located line says which limit and where."""
    options = {**parser_options(), "remove_comments": False, "remove_pis": False}
    depth = 0
    with bundle.open(part) as source:
        events = etree.iterparse(source, events=("start", "end", "comment", "pi", "start-ns"), **options)
        try:
            for count, (event, item) in enumerate(events):
                if count % _CHECK_CLOCK_EVERY == 0:
                    refuse_if_late(path, until)
                if event == "start":
                    depth += 1
                    if depth > MAX_DEPTH:
                        _refuse(path, part, item.sourceline, _("elements nested deeper than {limit}").format(
                            limit=MAX_DEPTH))
                    if sum(len(name) + len(value) for name, value in item.attrib.items()) > MAX_MARKUP_CHARS:
                        _refuse(path, part, item.sourceline, _too_long(_("a start tag")))
                elif event == "end":
                    depth -= 1
                    _check_text(path, part, item)
                    _forget(item)
                elif event == "start-ns":
                    if sum(map(len, item)) > MAX_MARKUP_CHARS:
                        _refuse(path, part, None, _too_long(_("a namespace declaration")))
                elif len(item.text or "") > MAX_MARKUP_CHARS:  # a comment or processing instruction
                    what = _("a comment") if event == "comment" else _("a processing instruction")
                    _refuse(path, part, item.sourceline, _too_long(what))
        except etree.XMLSyntaxError as exc:
            # libxml2's own limits (10,000,000 bytes in a comment or a text, depth 256) end here too.
            message = re.sub(r",?\s*line \d+, column \d+\s*$", "", " ".join((exc.msg or str(exc)).split()))
            _refuse(path, part, exc.lineno or None, _("not well-formed XML: {message}").format(message=message[:200]))


def _check_text(path: Path, part: zipfile.ZipInfo, element: etree._Element) -> None:
    """The element's own text and the text after its children and its earlier siblings (all read by
    now; earlier ones were forgotten once checked), within the limit."""
    texts = [element.text, *(child.tail for child in element),
             *(sibling.tail for sibling in element.itersiblings(preceding=True))]
    if any(len(text or "") > MAX_TEXT_CHARS for text in texts):
        _refuse(path, part, element.sourceline, _("a text longer than {limit} characters").format(
            limit=format_count(MAX_TEXT_CHARS)))


def _forget(element: etree._Element) -> None:
    """Drop what has been checked: the element's content and its earlier siblings."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _too_long(what: str) -> str:
    return _("{what} longer than {limit} characters").format(what=what, limit=format_count(MAX_MARKUP_CHARS))


def _refuse(path: Path, part: zipfile.ZipInfo, line: int | None, reason: str):
    where = _("part {part}, line {line}").format(part=part.filename, line=line) if line else \
        _("part {part}").format(part=part.filename)
    raise ImportRejected(path, None, _("too large to read safely: {where}: {reason}").format(where=where, reason=reason))
