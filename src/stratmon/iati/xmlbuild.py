"""Small builders for writing IATI XML: attributes from stored values, narratives, coded elements,
and elements kept whole as JSON (`sources.iati_common.to_json`) turned back into XML."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from stratmon.iati.standard import XML_LANG

# Characters XML 1.0 cannot hold. Text read from XML never has them, but a value that reached
# the store another way must not make the whole file unwritable.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text_of(value: Any) -> str:
    """A stored value as IATI writes it: booleans as 1/0, dates as ISO dates, numbers in plain
    decimal notation (the shortest text that reads back as the same float)."""
    if type(value) is str:
        # Printable text is always XML-safe (the check runs in C); only the rest is scanned.
        return value if value.isprintable() else _NOT_XML.sub("", value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return _NOT_XML.sub("", value if isinstance(value, str) else str(value))


def attributes(pairs: dict[str, Any]) -> dict[str, str]:
    """Attributes from stored values; absent (None) values are left out."""
    return {name: text_of(value) for name, value in pairs.items() if value is not None}


def add(parent: etree._Element, tag: str, pairs: dict[str, Any] | None = None, text: Any = None) -> etree._Element:
    """A child element with these attributes and text."""
    element = etree.SubElement(parent, tag, attributes(pairs or {}))
    if text is not None:
        element.text = text_of(text)
    return element


def narrative(parent: etree._Element, text: str | None, lang: str | None = None) -> None:
    """A `narrative` child, with `xml:lang` when the language is known; nothing for no text."""
    if text is not None:
        add(parent, "narrative", {XML_LANG: lang}, text)


def add_named(parent: etree._Element, tag: str, pairs: dict[str, Any], name: str | None) -> etree._Element:
    """An element (an organisation, a recipient, a sector...) whose name is its narrative."""
    element = add(parent, tag, pairs)
    narrative(element, name)
    return element


def add_narrated(parent: etree._Element, tag: str, text: str | None) -> None:
    """An element holding one narrative (a title, a description, a comment), when there is text."""
    if text is not None:
        narrative(add(parent, tag), text)


def add_code(parent: etree._Element, tag: str, code: str | None) -> None:
    """A coded element (`<activity-status code="2"/>`), when there is a code."""
    if code is not None:
        add(parent, tag, {"code": code})


def as_published(parent: etree._Element, row: Any) -> bool:
    """Write a stored row's element as published, when the importer kept it whole (its `published`: its
    columns could not give all of it back); whether it did."""
    if row.published is None:
        return False
    from_json(parent, row.published)
    return True


def from_json(parent: etree._Element, data: dict) -> etree._Element:
    """An element kept whole by the importer (tag, namespace, attributes, text, children)."""
    tag = f"{{{data['ns']}}}{data['tag']}" if data.get("ns") else data["tag"]
    element = add(parent, tag, data.get("attrs"), data.get("text"))
    for child in data.get("children") or ():
        from_json(element, child)
    return element
