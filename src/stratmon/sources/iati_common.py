"""Small readers shared by the IATI element modules: narratives, codes, numbers, extensions."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_records import Narrative
from stratmon.sources.values import Subject, subject

XML_LANG = standard.XML_LANG
MAX_EXTRA_DEPTH = 12
# A namespace declaration as lxml serialises it on an element's start tag.
NAMESPACE_DECLARATION = re.compile(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"')


def small_int(raw: str | None, what: Subject, low: int, high: int) -> int | None:
    """A small whole number attribute (hierarchy, year), None when absent."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not (low <= int(text) <= high):
        raise ContentError(_("{what} {value} is not a whole number from {low} to {high}").format(
            what=subject(what), value=repr(text[:20]), low=low, high=high))
    return int(text)


def narratives(element: etree._Element) -> list[Narrative]:
    """The `narrative` children of an element; in IATI 1.0x, the element's own text."""
    found = []
    for child in element:
        if child.tag == "narrative":
            text = child.text.strip() if child.text else ""
            if text:
                found.append(Narrative(text, child.get(XML_LANG)))
    if not found and element.text and element.text.strip():
        found.append(Narrative(element.text.strip(), element.get(XML_LANG)))
    return found


def first_text(element: etree._Element | None) -> str | None:
    """The first non-empty narrative of an element (in 1.0x, its own text), or None."""
    if element is None:
        return None
    for child in element:
        if child.tag == "narrative":
            text = child.text
            if text:
                text = text.strip()
                if text:
                    return text
    text = element.text  # IATI 1.0x puts the text on the element itself
    return (text.strip() or None) if text else None


def code_of(element: etree._Element) -> str | None:
    code = element.get("code")
    if code is None:
        return None
    return code.strip() or None


def to_json(element: etree._Element, depth: int = 0) -> dict[str, Any]:
    """Any element as plain JSON data: tag, namespace, attributes, text and children."""
    tag = element.tag
    if tag[0] == "{":
        namespace, _, local = tag[1:].partition("}")
        data: dict[str, Any] = {"tag": local, "ns": namespace}
    else:
        data = {"tag": tag}
    attributes = element.items()  # a list of pairs made in one call, cheaper than the .attrib proxy
    if attributes:
        data["attrs"] = dict(attributes)
    text = element.text
    if text:
        text = text.strip()
        if text:
            data["text"] = text
    if depth < MAX_EXTRA_DEPTH and len(element):
        children = [to_json(child, depth + 1) for child in element if isinstance(child.tag, str)]
        if children:
            data["children"] = children
    return data


# Publishers repeat the elements kept whole: the U.S. files' 23,591 treasury accounts on transactions are 224
# different elements, their 5,818 contact-info 45. Each is read once per process and the reading shared
# (bounded: a hostile file's millions of different elements only empty the cache now and then).
_SHARED: dict[bytes, dict[str, Any]] = {}
MAX_SHARED_ELEMENTS = 4096


def shared_json(element: etree._Element) -> dict[str, Any]:
    """`to_json(element)`, shared with every element serialised alike (serialising an element costs less
    than half of reading it into JSON; the serialisation holds the namespace declarations in scope, so the
    same bytes mean the same element): the result must not be changed."""
    key = etree.tostring(element, with_tail=False)
    found = _SHARED.get(key)
    if found is None:
        if len(_SHARED) >= MAX_SHARED_ELEMENTS:
            _SHARED.clear()
        found = _SHARED[key] = to_json(element)
    return found
