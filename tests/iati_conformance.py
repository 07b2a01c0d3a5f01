"""Fact-level comparison of an IATI activity file with its export (tests/test_iati_conformance.py).

Written from the IATI schema alone, without importing `stratmon`: a *fact* is one element at its
path, one attribute value at its element's path, or one text at its element's path, counted with
multiplicity over the file (the root's attributes and every `iati-activity` subtree; comments and
processing instructions are not facts). Paths name each element from `iati-activities` down, with
Clark notation for namespaced names, so `.../transaction/aid-type/@vocabulary = 2` is one fact.

Normalisations, applied to both sides before comparing, and nothing else:
- the root's `version` and `generated-datetime` (an export is a new file, of version 2.03);
- surrounding whitespace of texts and attribute values (indentation; IATI gives it no meaning);
- number formatting: `value` texts, `pos` coordinates, `@percentage` and the `@value` of a baseline,
  target or actual compare as numbers when they are numbers ("3000" = "3000.00", "1,000" = "1000");
- booleans by their xsd:boolean value ("true" = "1", "false" = "0");
- currency left implicit: a `value` without `@currency` in an activity with `@default-currency` has
  that currency.

`lost(original, exported)` is what the original states that the export does not; `embedded` checks
more strictly that every element of the original comes back whole, with its own attributes, text and
children, under a parent that is itself the original's (sibling order aside).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation

from lxml import etree

ROOT_ATTRIBUTES_OF_THE_FILE = ("version", "generated-datetime")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NUMERIC_TEXT = frozenset({"value", "pos"})
NUMERIC_ATTRIBUTES = frozenset({"percentage"})
VALUED = frozenset({"baseline", "target", "actual"})
# The attributes of type xsd:boolean in the 2.0x activity schemas (iati-activities-schema.xsd and
# iati-common.xsd: humanitarian, ascending, aggregation-status, attached, significance of
# crs-add/other-flags, priority of fss, secondary-reporter).
BOOLEAN_ATTRIBUTES = frozenset({"humanitarian", "ascending", "aggregation-status", "attached", "priority",
                                "secondary-reporter"})
Fact = tuple[str, ...]


def _number(text: str) -> str:
    try:
        return format(Decimal(text.replace(",", "")).normalize(), "f")
    except InvalidOperation:
        return text


def _boolean(text: str) -> str:
    return {"true": "1", "false": "0"}.get(text, text)


def _attribute(element: etree._Element, name: str, value: str) -> str:
    value = value.strip()
    if name in NUMERIC_ATTRIBUTES or (name == "value" and element.tag in VALUED):
        return _number(value)
    if name in BOOLEAN_ATTRIBUTES or (name == "significance" and element.tag == "other-flags"):
        return _boolean(value)
    return value


def _text(element: etree._Element) -> str | None:
    text = (element.text or "").strip()
    if not text:
        return None
    if element.tag == "pos":
        return " ".join(_number(part) for part in text.split())
    return _number(text) if element.tag in NUMERIC_TEXT else text


def _attributes(element: etree._Element, default_currency: str | None) -> dict[str, str]:
    found = {name: _attribute(element, name, value) for name, value in element.items()}
    if element.tag == "value" and "currency" not in found and default_currency:
        found["currency"] = default_currency.strip()
    return found


def facts(root: etree._Element) -> Counter[Fact]:
    """Every fact of a parsed `iati-activities` document."""
    found: Counter[Fact] = Counter()
    top = root.tag
    for name, value in _attributes(root, None).items():
        if name not in ROOT_ATTRIBUTES_OF_THE_FILE:
            found[(top, f"@{name}", value)] += 1
    for activity in root:
        if isinstance(activity.tag, str):
            _walk(activity, top, activity.get("default-currency"), found)
    return found


def _walk(element: etree._Element, parent_path: str, default_currency: str | None, found: Counter[Fact]) -> None:
    path = f"{parent_path}/{element.tag}"
    found[(path,)] += 1
    for name, value in _attributes(element, default_currency).items():
        found[(path, f"@{name}", value)] += 1
    text = _text(element)
    if text is not None:
        found[(path, "text()", text)] += 1
    for child in element:
        if isinstance(child.tag, str):
            _walk(child, path, default_currency, found)


def lost(original: etree._Element, exported: etree._Element) -> Counter[Fact]:
    """The facts of `original` that `exported` does not state (as a multiset)."""
    return facts(original) - facts(exported)


# --------------------------------------------------------------------------- whole elements

def _shape(element: etree._Element, default_currency: str | None) -> tuple:
    return element.tag, set(_attributes(element, default_currency).items()), _text(element)


def embeds(original: etree._Element, exported: etree._Element, default_currency: str | None = None) -> bool:
    """Whether `exported` holds all of `original`: the same tag, every attribute and the text, and each child
    of the original embedded in a child of the export of its own (a matching, found by augmenting paths)."""
    tag, attributes, text = _shape(original, default_currency)
    other_tag, other_attributes, other_text = _shape(exported, default_currency)
    if tag != other_tag or text != other_text or not attributes <= other_attributes:
        return False
    wanted = [c for c in original if isinstance(c.tag, str)]
    offered = [c for c in exported if isinstance(c.tag, str)]
    fits = [[j for j, other in enumerate(offered) if other.tag == child.tag and embeds(child, other, default_currency)]
            for child in wanted]
    taken: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in taken or place(taken[j], seen):
                    taken[j] = i
                    return True
        return False

    return all(place(i, set()) for i in range(len(wanted)))


def not_embedded(original: etree._Element, exported: etree._Element) -> list[str]:
    """The children of each original `iati-activity` (matched to the export's by identifier) that no child
    of the exported activity embeds, serialised for a failure message; empty when all of it came back."""
    exported_by_id = {a.findtext("iati-identifier", "").strip(): a for a in exported if isinstance(a.tag, str)}
    missing = []
    for activity in original:
        if not isinstance(activity.tag, str):
            continue
        other = exported_by_id.get(activity.findtext("iati-identifier", "").strip())
        currency = activity.get("default-currency")
        if other is not None and embeds(activity, other, currency):
            continue
        if other is None:
            missing.append(f"iati-activity {activity.findtext('iati-identifier')!r} not exported")
            continue
        if not set(_shape(activity, currency)[1]) <= _shape(other, currency)[1]:
            missing.append(f"attributes of iati-activity {dict(activity.items())}")
        for child in activity:
            if isinstance(child.tag, str) and not any(embeds(child, c, currency) for c in other):
                missing.append(etree.tostring(child, encoding="unicode", with_tail=False)[:400])
    return missing
