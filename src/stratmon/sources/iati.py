"""Streaming reader for IATI activity files (versions 2.01–2.03, and 1.0x upgraded to 2.0x as read).

Yields one `Activity` per `iati-activity`, or a `SkippedActivity` naming the line of the element that
could not be read and the reason. A file that is not well-formed IATI raises `ImportRejected`; one that
declares no version, or one the standard does not have, is read (as 2.0x, or 1.0x for "1.x"), and
`version_problem` says what is wrong. An activity of version 1.0x is rewritten in its 2.0x form before it is read
(iati_upgrade.py), so that everything downstream meets 2.0x only. With `repair_invalid_characters`,
the characters XML 1.0 forbids are removed as the file is read (xmlchars.py) and `characters_removed`
says what went. Memory stays bounded: each activity's subtree is dropped once read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources import iati_elements as el
from stratmon.sources.iati_activity import fill_activity
from stratmon.sources.iati_common import NAMESPACE_DECLARATION, small_int
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.iati_records import Activity, Org, SkippedActivity
from stratmon.sources.iati_upgrade import upgrade_activity
from stratmon.sources.values import parse_datetime
from stratmon.sources.xmlchars import CharactersRemoved, ForbiddenCharacterFilter
from stratmon.sources.xmlsafe import CountingReader, inspect_root, parser_options, syntax_error

# The most source text read between the ends of two activities (the largest real U.S. activity
# is well under 1 MiB); it bounds the memory the parser's tree can take.
MAX_ACTIVITY_BYTES = 16 * 1024 * 1024


class IatiFile:
    """An IATI activity file, read lazily: iterate it to get its activities."""

    def __init__(self, path: Path | str, *, on_chunk: Callable[[bytes], None] | None = None,
                 repair_invalid_characters: bool = False) -> None:
        self.path = Path(path)
        self.on_chunk = on_chunk  # sees the bytes as published, before any repair
        self.repair_invalid_characters = repair_invalid_characters
        self.characters_removed: CharactersRemoved | None = None  # known once the file is read
        root = inspect_root(self.path, repair_invalid_characters=repair_invalid_characters)
        if root.tag != standard.ACTIVITIES_ROOT:
            name = etree.QName(root)
            if name.namespace:
                reason = _("not an IATI activity file: root element is <{element}> in namespace {namespace}, "
                           "expected <{expected}> with no namespace").format(
                    element=name.localname, namespace=name.namespace, expected=standard.ACTIVITIES_ROOT)
            else:
                reason = _("not an IATI activity file: root element is <{element}>, expected <{expected}> "
                           "with no namespace").format(element=name.localname, expected=standard.ACTIVITIES_ROOT)
            raise ImportRejected(self.path, root.sourceline, reason)
        self.version: str | None = root.get("version")
        self.generated: str | None = root.get("generated-datetime")
        self.linked_data_default: str | None = root.get("linked-data-default")
        self.line: int | None = root.sourceline
        self.version_problem = _version_problem(self.version)
        self._version_1 = standard.is_version_1(self.version)

    def __iter__(self) -> Iterator[Activity | SkippedActivity]:
        try:
            with self.path.open("rb") as raw:
                source = CountingReader(raw, self.path, on_chunk=self.on_chunk)
                source.start_window(MAX_ACTIVITY_BYTES, None)
                repaired = ForbiddenCharacterFilter(source) if self.repair_invalid_characters else None
                context = etree.iterparse(repaired or source, events=("end",), tag=standard.ACTIVITY,
                                          **parser_options())
                holder = None  # the activity that holds an activity deeper down, once one is met
                for _event, element in context:
                    parent = element.getparent()
                    if parent is None or parent.getparent() is not None:
                        # Nested: the activity that holds it, which ends later, reports it; dropping it would cut
                        # its holder.
                        holder = _top_level(element) if parent is not None else holder
                        continue
                    yield self._read(element, holds_activity=element is holder)
                    source.start_window(MAX_ACTIVITY_BYTES, element.sourceline)
                    _drop(element)
                root = context.root
        except etree.XMLSyntaxError as exc:
            raise syntax_error(self.path, exc, repairing=self.repair_invalid_characters) from None
        if repaired is not None:
            self.characters_removed = repaired.removed
        if root is None or root.tag != standard.ACTIVITIES_ROOT:
            raise ImportRejected(self.path, None, _("not an IATI activity file"))

    def _read(self, element: etree._Element, *, holds_activity: bool) -> Activity | SkippedActivity:
        line = element.sourceline or 0
        identifier = el.identifier_of(element)
        if not identifier:
            return SkippedActivity(line, None, _("activity has no iati-identifier"))
        if holds_activity:
            return SkippedActivity(line, identifier, _("activity contains another iati-activity"))
        serialised = etree.tostring(element, with_tail=False)
        published_hash = _hash(serialised)
        try:
            if self._version_1 or standard.is_version_1(element.get("version")):
                upgrade_activity(element)
                serialised = None  # no longer the element's
            return self._activity(element, identifier, line, published_hash, serialised)
        except ContentError as exc:
            return SkippedActivity(exc.line or line, identifier, str(exc))

    def _activity(self, element: etree._Element, identifier: str, line: int, content_hash: str,
                  serialised: bytes | None) -> Activity:
        last_updated_text = element.get("last-updated-datetime")
        hierarchy = element.get("hierarchy")
        activity = Activity(
            identifier=identifier,
            line=line,
            content_hash=content_hash,
            iati_version=self.version,
            last_updated=parse_datetime(last_updated_text, what="last-updated-datetime"),
            last_updated_text=last_updated_text,
            default_currency=(element.get("default-currency") or "").strip().upper() or None,
            default_lang=element.get(standard.XML_LANG),
            hierarchy=small_int(hierarchy, "hierarchy", 0, 99),
            humanitarian=standard.flag(element.get("humanitarian")),
            reporting_org=Org(),
            linked_data_uri=element.get("linked-data-uri"),
            budget_not_provided=element.get("budget-not-provided"),
            linked_data_default=self.linked_data_default,
        )
        fill_activity(activity, element, serialised)
        return activity


def _version_problem(version: str | None) -> str | None:
    """What is wrong with a file's declared version, said for the import report; None when it is one of
    the standard's."""
    problem = standard.version_problem(version)
    if problem == "missing":
        return _("the file declares no IATI version (iati-activities/@version)")
    if problem == "unknown":
        return _("the file declares IATI version {version}, which the standard does not have (1.01 to 2.03)").format(
            version=repr(version[:20]))
    return None


def content_hash(element: etree._Element) -> str:
    """SHA-256 of the activity as serialised, without the namespace declarations that lxml
    copies onto its start tag from the file's root: the same activity published in two
    files with different root declarations is the same content (DESIGN.md rule 1)."""
    return _hash(etree.tostring(element, with_tail=False))


def _hash(serialised: bytes) -> str:
    # lxml escapes ">" inside attribute values, so the first one ends the start tag.
    end_of_start_tag = serialised.index(b">")
    start_tag = NAMESPACE_DECLARATION.sub(b"", serialised[:end_of_start_tag])
    digest = hashlib.sha256(start_tag)
    digest.update(serialised[end_of_start_tag:])
    return digest.hexdigest()


def _top_level(element: etree._Element) -> etree._Element | None:
    """The activity, a child of the root, that holds `element` deeper down; None when that child is no activity."""
    ancestor, parent = element, element.getparent()
    while parent.getparent() is not None:
        ancestor, parent = parent, parent.getparent()
    return ancestor if ancestor.tag == standard.ACTIVITY else None


def _drop(element: etree._Element) -> None:
    """Free an activity's subtree and the already-read siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
