"""IATI 1.0x activities rewritten in their 2.0x form before they are read.

Follows the Standard's guidance for the integer upgrade (IATI-Upgrades: "Migrating from versions 1.x to
version 2.01", the 2.01 changelog, and the 1.04 location summary it points to for 1.01–1.03 locations),
on one activity's lxml element, in place, so that the reader, the store and the export meet 2.0x shapes
only, and a 1.0x activity is exported as valid 2.03:

- free text moves into a `narrative` child, taking the element's `xml:lang` with it; an element repeated
  for each language (a title, a document's title) where 2.0x allows one becomes one, a narrative each;
- elements defined by a code lose their text: in 2.0x the code is authoritative;
- codes written as words or letters become 2.0x codes: transaction types (C → 2), organisation roles
  (Funding → 1), activity date types (start-actual → 2), sector and policy-marker vocabularies (DAC → 1;
  1.0x ISO and WB, which 2.0x does not list, become the reporting organisation's, 99);
- rebuilt elements: other-identifier (its text, @owner-ref and @owner-name become @ref, @type and
  owner-org; the type is A1, the reporting organisation's own identifier, when the owner is the
  reporting organisation, else A9, another identifier), activity-website (a document-link of category
  A12, activity web page, format text/html, titled with that category's name), crs-add/aidtype-flag
  (other-flags); in locations, coordinates (point/pos in EPSG:4326; a precision of 1, exact, becomes
  exactness 1, any other 2, approximate), gazetteer-entry (location-id: GEO → G1 GeoNames, OSM → G2
  OpenStreetMap), location-type (feature-designation: the same LocationType codes) and
  administrative/@country (an administrative area of vocabulary A4, ISO country, level 0);
- children are put in the 2.03 schema's order (1.0x allowed any), namespaced ones last.

What 2.0x has no place for is dropped: attributes it removed (iati-activity/@version,
planned-disbursement/@updated, the @type of a result's, an indicator's or a budget item's description,
location/@percentage, administrative/@adm1, @adm2 and its text), a gazetteer entry of the NGA gazetteer
(2.0x lists none), a second element where 2.0x allows one that is not text (a second activity-status),
and any element 2.0x does not define. Namespaced extensions are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from stratmon.iati import standard
from stratmon.iati.outline import ACTIVITY, ElementOutline, holds_narratives, outline

XML_LANG = standard.XML_LANG
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
ACTIVITY_WEB_PAGE = "A12"  # DocumentCategory: "Activity web page"
ACTIVITY_WEB_PAGE_TITLE = "Activity web page"
OTHER_IDENTIFIER_OWN, OTHER_IDENTIFIER_OTHER = "A1", "A9"  # OtherIdentifierType
COUNTRY_VOCABULARY = "A4"  # GeographicVocabulary: ISO Country (3166-1 alpha-2)
REPORTING_ORGANISATION_VOCABULARY = "99"


def _sector_vocabulary(raw: str) -> str:
    code = standard.sector_vocabulary(raw)
    return code if code.isdigit() else REPORTING_ORGANISATION_VOCABULARY


def _policy_marker_vocabulary(raw: str) -> str:
    code = raw.strip()
    return code if code.isdigit() else standard.POLICY_MARKER_VOCABULARY_V1.get(
        code.upper(), REPORTING_ORGANISATION_VOCABULARY)


# (element path, attribute) → the 2.0x spelling of its 1.0x code.
CODES: dict[tuple[str, str], Callable[[str], str | None]] = {
    ("iati-activity/participating-org", "role"): standard.role_code,
    ("iati-activity/activity-date", "type"): standard.activity_date_type,
    ("iati-activity/sector", "vocabulary"): _sector_vocabulary,
    ("iati-activity/transaction/sector", "vocabulary"): _sector_vocabulary,
    ("iati-activity/policy-marker", "vocabulary"): _policy_marker_vocabulary,
    ("iati-activity/transaction/transaction-type", "code"): standard.transaction_type_code,
}


def upgrade_activity(activity: etree._Element) -> None:
    """Rewrite a 1.0x `iati-activity` element, in place, as 2.0x."""
    reporting = activity.find("reporting-org")
    reporting_ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
    for child in list(activity):
        tag = child.tag
        if tag == "other-identifier":
            _other_identifier(child, reporting_ref)
        elif tag == "activity-website":
            _activity_website(child)
        elif tag == "location":
            _location(child)
        elif tag == "crs-add":
            for flag in child:
                if flag.tag in ("aidtype-flag", "aid-type-flag"):
                    flag.tag = "other-flags"
    _rewrite(activity, ACTIVITY, outline())


def _rewrite(element: etree._Element, path: str, outlines: dict[str, ElementOutline]) -> None:
    """The generic part, for `element` at `path`: attributes, text, children and their order."""
    shape = outlines[path]
    language = _attributes(element, path, shape)
    _text(element, shape, language)
    for child in list(element):
        tag = child.tag
        if not isinstance(tag, str) or tag[0] == "{":
            continue  # comments and namespaced extensions stay as they are
        if tag in shape.children:
            _rewrite(child, f"{path}/{tag}", outlines)
        else:
            element.remove(child)  # no 2.0x place
    _one_where_one(element, shape, path, outlines)
    element[:] = sorted(element, key=lambda child: shape.position(child.tag))


def _attributes(element: etree._Element, path: str, shape: ElementOutline) -> str | None:
    """Drop the attributes 2.0x does not define (namespaced ones stay), map 1.0x codes; returns the
    element's xml:lang when its text is to move into a narrative."""
    language = None
    for name in element.keys():
        if name == XML_LANG:
            if "xml:lang" not in shape.attributes:
                language = element.attrib.pop(name)
        elif name[0] != "{" and name not in shape.attributes:
            del element.attrib[name]
        elif (convert := CODES.get((path, name))) is not None:
            element.set(name, convert(element.get(name)) or "")
    return language


def _text(element: etree._Element, shape: ElementOutline, language: str | None) -> None:
    """1.0x free text into a narrative; the text of an element defined by a code dropped."""
    text = element.text
    if text is None or not text.strip() or shape.text is not None:
        return
    element.text = None
    if holds_narratives(shape):
        narrative = etree.Element("narrative", {XML_LANG: language} if language else {})
        narrative.text = text.strip()
        narrative.sourceline = element.sourceline  # where a problem with it is reported
        element.insert(0, narrative)


def _one_where_one(element: etree._Element, shape: ElementOutline, path: str,
                   outlines: dict[str, ElementOutline]) -> None:
    """Where 2.0x allows one child of a tag and 1.0x gave several (one per language), keep the first:
    with the others' narratives when it holds narratives, alone otherwise."""
    first: dict[str, etree._Element] = {}
    for child in list(element):
        tag = child.tag
        if not isinstance(tag, str) or tag[0] == "{" or tag in shape.repeatable:
            continue
        if tag not in first:
            first[tag] = child
            continue
        if holds_narratives(outlines[f"{path}/{tag}"]):
            first[tag].extend(narrative for narrative in child if narrative.tag == "narrative")
        element.remove(child)


def _added(parent: etree._Element, source: etree._Element, tag: str, **attributes: str) -> etree._Element:
    """A 2.0x element made from a 1.0x one (`source`), at its line."""
    element = etree.SubElement(parent, tag, attributes)
    element.sourceline = source.sourceline
    return element


def _narrated(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    etree.SubElement(element, "narrative").text = text
    return element


def _other_identifier(element: etree._Element, reporting_ref: str) -> None:
    if element.get("ref") is not None or element.get("type") is not None:
        return  # already in its 2.0x form
    owner_ref = (element.attrib.pop("owner-ref", None) or "").strip()
    owner_name = (element.attrib.pop("owner-name", None) or "").strip()
    element.set("ref", (element.text or "").strip())
    element.text = None
    own = owner_ref and owner_ref == reporting_ref
    element.set("type", OTHER_IDENTIFIER_OWN if own else OTHER_IDENTIFIER_OTHER)
    if owner_ref or owner_name:
        owner = etree.SubElement(element, "owner-org", {"ref": owner_ref} if owner_ref else {})
        if owner_name:
            etree.SubElement(owner, "narrative").text = owner_name


def _activity_website(element: etree._Element) -> None:
    url = (element.text or "").strip()
    if not url:
        element.getparent().remove(element)
        return
    element.tag = "document-link"
    element.attrib.clear()
    element.attrib.update({"url": url, "format": "text/html"})
    element.text = None
    _narrated(element, "title", ACTIVITY_WEB_PAGE_TITLE)
    etree.SubElement(element, "category", code=ACTIVITY_WEB_PAGE)


def _location(element: etree._Element) -> None:
    """A 1.01–1.03 location's parts in their 1.04 (and 2.0x) form (each at its 1.0x part's line)."""
    has = {child.tag for child in element}
    for child in list(element):
        tag = child.tag
        if tag == "coordinates":
            latitude, longitude = child.get("latitude"), child.get("longitude")
            if latitude and longitude and "point" not in has:
                point = _added(element, child, "point", srsName=EPSG_4326)
                _added(point, child, "pos").text = f"{latitude.strip()} {longitude.strip()}"
            precision = (child.get("precision") or "").strip()
            if precision and "exactness" not in has:
                _added(element, child, "exactness", code="1" if precision == "1" else "2")
        elif tag == "gazetteer-entry":
            vocabulary = standard.GAZETTEER_V1.get((child.get("gazetteer-ref") or "").strip().upper())
            code = (child.text or "").strip()
            if vocabulary and code:
                _added(element, child, "location-id", vocabulary=vocabulary, code=code)
        elif tag == "location-type":
            code = (child.get("code") or "").strip()
            if code and "feature-designation" not in has:
                _added(element, child, "feature-designation", code=code)
        elif tag == "administrative" and child.get("country") and child.get("code") is None:
            child.attrib.update({"vocabulary": COUNTRY_VOCABULARY, "level": "0",
                                 "code": child.get("country").strip().upper()})
