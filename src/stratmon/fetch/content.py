"""Is this answer what was asked for? The Content-Type header and the first bytes, per kind of file.

Publishers' error and login pages come back as HTML, often with status 200; a file that starts like
one is refused whatever its headers say.
"""

from __future__ import annotations

from stratmon.fetch.errors import Refused
from stratmon.i18n import _

HEAD_BYTES = 512
HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")
HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
MAGIC = {"zip": (b"PK\x03\x04", b"PK\x05\x06"), "gzip": (b"\x1f\x8b",)}


def check_content_type(kind: str, content_type: str | None) -> None:
    """Refuse an answer labelled as a web page."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in HTML_MEDIA_TYPES:
        raise Refused(_("the server sent a web page ({content_type}) where {kind} was expected").format(
            content_type=media_type, kind=kind))


def check_head(kind: str, head: bytes) -> None:
    """Refuse a file whose first bytes are not those of `kind`."""
    if not head:
        raise Refused(_("the server sent an empty file"))
    if kind in MAGIC:
        if not head.startswith(MAGIC[kind]):
            raise Refused(_html_refusal(kind, head) or _("the file is not a {kind} archive").format(kind=kind))
        return
    text = _text_start(head)
    if refusal := _html_refusal(kind, head):
        raise Refused(refusal)
    if kind == "xml" and text[:1] != b"<":
        raise Refused(_("the file does not start like XML"))
    if kind == "json" and text[:1] not in (b"{", b"["):
        raise Refused(_("the file does not start like JSON"))
    if kind == "csv" and (text[:1] == b"<" or b"\x00" in head):
        raise Refused(_("the file does not look like CSV text"))


def _text_start(head: bytes) -> bytes:
    for mark in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            head = head[len(mark):]
            break
    return head.lstrip()


def _html_refusal(kind: str, head: bytes) -> str | None:
    start = _text_start(head).lower()
    if start.startswith(b"<?xml"):
        start = start[start.find(b"?>") + 2:].lstrip() if b"?>" in start else start
    while start.startswith(b"<!--") and b"-->" in start:
        start = start[start.find(b"-->") + 3:].lstrip()
    if start.startswith(HTML_STARTS):
        return _("the server sent a web page where {kind} was expected").format(kind=kind)
    return None
