"""What the store's columns hold of each IATI element, and whether one element as published holds more.

The importer keeps an activity's elements in columns and rows (organisations, dates, sectors,
transactions...), which queries read and the export writes back from. Where an element as published
says more than its columns can give back — a second narrative or a narrative's language, a second
`aid-type`, an attribute or child the columns have no place for, a namespaced attribute, a date, code
or number written otherwise than the column writes it — the element is also kept whole as JSON
(`iati_common.to_json`) and the export writes that instead: nothing published is lost, and the columns
stay what queries read. A `Shape` is the most an element may hold to be written back from its columns
alone; `is_plain` checks an element against one. The shapes mirror the readers (iati_elements.py,
iati_results.py) and the writers (iati/export.py, iati/export_results.py): the Standard's own files
(tests/test_iati_conformance.py) hold the three to agreeing.

Whitespace around texts and attribute values is not held: IATI gives it no meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from stratmon.iati import standard

XML_LANG = standard.XML_LANG
NARRATIVE = "narrative"


@dataclass(frozen=True, slots=True)
class Check:
    """How a value (an attribute's, or an element's text) must be written for its column to give it back
    as published: `holds` decides; `pattern` (iati_shape_patterns.py, for a transaction's head) matches, in
    an element's serialisation, values that certainly do, and holds no character reference — it may refuse
    one that does, never accept one that does not (by default it refuses every one)."""

    holds: Callable[[str], bool]
    pattern: bytes = rb'(?!)'


@dataclass(frozen=True, slots=True)
class Shape:
    """The attributes and children an element may have for its columns to hold all of it."""

    attributes: frozenset[str] = frozenset()
    children: dict[str, Shape] = field(default_factory=dict)
    repeatable: frozenset[str] = frozenset()  # children that may occur more than once
    narratives: int = 0  # 0: none; 1: at most one, without attributes; MANY: any, each with its xml:lang
    text: Check | None = None  # the element's text is held when this says so (no text: none is)
    checks: tuple[tuple[str, Check], ...] = ()  # attribute → how its value must be written to be held
    required: frozenset[str] = frozenset()  # attributes without which the columns keep nothing of it
    extensions: bool = False  # namespaced children are held (an `extensions` column)
    any_attributes: bool = False  # every attribute is held (the columns keep them as a mapping)
    holds: Callable[[etree._Element], bool] = field(init=False, repr=False, compare=False)
    # Whether the columns hold some children of an element, given the tags met before them (iati_transactions.py
    # checks a transaction's tail apart from its head).
    children_hold: Callable[[Iterable[etree._Element], set[str]], bool] = field(init=False, repr=False,
                                                                                 compare=False)

    def __post_init__(self) -> None:
        holds, children_hold = _checkers(self)
        object.__setattr__(self, "holds", holds)
        object.__setattr__(self, "children_hold", children_hold)


MANY = 2


def is_plain(element: etree._Element, shape: Shape) -> bool:
    """Whether the columns of `shape` hold all of `element`: its attributes, text and children."""
    return shape.holds(element)


def _checkers(shape: Shape) -> tuple[Callable, Callable]:
    """The checks of one shape (the element; its children), with what they need bound as locals:
    they run on every transaction and every child of every activity, so they walk each element once, in
    as few lxml calls as they can."""
    allowed, any_attributes = shape.attributes, shape.any_attributes
    checks = {name: check.holds for name, check in shape.checks}
    required, repeatable = tuple(shape.required), shape.repeatable
    holds_text = shape.text.holds if shape.text is not None else None
    narratives, extensions = shape.narratives, shape.extensions
    inner = {tag: child.holds for tag, child in shape.children.items()}

    def holds(element: etree._Element) -> bool:
        for name, value in element.items():
            if not (any_attributes or name in allowed) or not value.strip():
                return False  # a blank value is kept blank only whole: the columns hold it as absent
            if checks:
                check = checks.get(name)
                if check is not None and not check(value):
                    return False
        for name in required:
            if element.get(name) is None:
                return False
        text = element.text
        if text is not None and not text.isspace() and (holds_text is None or not holds_text(text)):
            return False
        return not len(element) or children_hold(element, set())

    def children_hold(children: Iterable[etree._Element], seen: set[str]) -> bool:
        narrated = 0
        for child in children:
            tag = child.tag
            if tag == NARRATIVE and narratives:
                narrated += 1
                text = child.text
                if len(child) or not text or text.isspace():
                    return False
                names = child.keys()
                if names and (narratives != MANY or names != [XML_LANG]):
                    return False
                if narrated > 1 and narratives != MANY:
                    return False
                continue
            check = inner.get(tag)
            if check is None:
                if not isinstance(tag, str) or (extensions and tag[0] == "{"):
                    continue  # a comment, a processing instruction, or an extension its column holds
                return False
            if tag in seen:
                if tag not in repeatable:
                    return False
            else:
                seen.add(tag)
            if not check(child):
                return False
        return True

    return holds, children_hold


# --------------------------------------------------------------------------- values the columns give back
# The patterns run on lxml's serialisation, where attribute values are in double quotes with tab, line
# feed and carriage return written &#9; &#10; &#13;, and text has no "<".

def _is_iso_date(value: str) -> bool:
    return len(value) == 10 or len(value.strip()) == 10


def _is_upper(value: str) -> bool:
    return value.isupper() or value.strip() == value.strip().upper()


_BOOLEANS = frozenset({"1", "0", "true", "false"})


def _is_boolean(value: str) -> bool:
    return value in _BOOLEANS or value.strip().lower() in _BOOLEANS


def _is_whole_number(value: str) -> bool:
    text = value.strip()
    return text.isascii() and text.isdigit() and str(int(text)) == text


def _is_float_exact(value: str) -> bool:
    try:
        return Decimal(repr(float(value))) == Decimal(value.strip())
    except (ValueError, InvalidOperation):
        return False


def _is_position(value: str) -> bool:
    parts = value.split()
    return len(parts) == 2 and all(_is_float_exact(part) for part in parts)


# A date the column writes back as it came: YYYY-MM-DD, nothing after.
ISO_DATE = Check(_is_iso_date, rb' *+\d{4}-\d\d-\d\d *+')
# A code the reader upper-cases (a country, a currency) that is upper-case already.
UPPER = Check(_is_upper, rb' *+[A-Z]++ *+')
# An xsd:boolean: the column writes 1 or 0 for it, the same value.
BOOLEAN = Check(_is_boolean, rb' *+(?:[01]|(?i:true|false)) *+')
WHOLE_NUMBER = Check(_is_whole_number)
# A number a float column gives back as the same number.
FLOAT_EXACT = Check(_is_float_exact)
# A `value` text whose stored form is the same number or text: no spaces inside it.
AMOUNT_TEXT = Check(lambda value: len(value.split()) <= 1, rb'\s*+[^\s<&]*+\s*+')
POSITION = Check(_is_position)
ANY_TEXT = Check(lambda value: True)


def _same(convert: Callable[[str], str | None]) -> Check:
    """A code the reader spells the 2.0x way (1.0x words and letters mapped) that is so spelt already; a
    number always is."""
    return Check(lambda value: value.isdigit() or convert(value) == value.strip(), rb' *+\d++ *+')


# --------------------------------------------------------------------------- the shapes

CODED = Shape(frozenset({"code"}), required=frozenset({"code"}))
NARRATED = Shape(narratives=1)
DATED = Shape(frozenset({"iso-date"}), checks=(("iso-date", ISO_DATE),))
VALUE = Shape(frozenset({"currency", "value-date"}), text=AMOUNT_TEXT,
              checks=(("currency", UPPER), ("value-date", ISO_DATE)))
PERCENTAGE = ("percentage", FLOAT_EXACT)


def _organisation(activity_id: str) -> Shape:
    return Shape(frozenset({"ref", "type", activity_id}), narratives=1)


RECIPIENT_COUNTRY = Shape(frozenset({"code", "percentage"}), narratives=1, checks=(("code", UPPER), PERCENTAGE),
                          required=frozenset({"code"}))
RECIPIENT_REGION = Shape(frozenset({"code", "vocabulary", "vocabulary-uri", "percentage"}), narratives=1,
                         checks=(PERCENTAGE,), required=frozenset({"code"}))
SECTOR = Shape(frozenset({"vocabulary", "vocabulary-uri", "code", "percentage"}), narratives=1,
               checks=(("vocabulary", _same(standard.sector_vocabulary)), PERCENTAGE), required=frozenset({"code"}))

TRANSACTION = Shape(
    frozenset({"ref", "humanitarian"}),
    children={
        "transaction-type": Shape(frozenset({"code"}), checks=(("code", _same(standard.transaction_type_code)),),
                                  required=frozenset({"code"})),
        "transaction-date": DATED, "value": VALUE, "description": NARRATED,
        "provider-org": _organisation("provider-activity-id"), "receiver-org": _organisation("receiver-activity-id"),
        "disbursement-channel": CODED, "sector": SECTOR, "recipient-country": RECIPIENT_COUNTRY,
        "recipient-region": RECIPIENT_REGION, "flow-type": CODED, "finance-type": CODED,
        # One aid-type, of the DAC vocabulary left implicit: the column holds one code, not its vocabulary.
        "aid-type": CODED, "tied-status": CODED,
    },
    repeatable=frozenset({"sector", "recipient-country", "recipient-region"}),
    checks=(("humanitarian", BOOLEAN),), extensions=True)

_LOCATED = Shape(frozenset({"ref"}), required=frozenset({"ref"}))
_DIMENSION = Shape(frozenset({"name", "value"}))
_INDICATOR_VALUE_CHILDREN = {"location": _LOCATED, "dimension": _DIMENSION, "comment": NARRATED}
_INDICATOR_VALUE_REPEATS = frozenset({"location", "dimension"})
BASELINE = Shape(frozenset({"year", "iso-date", "value"}), children=_INDICATOR_VALUE_CHILDREN,
                 repeatable=_INDICATOR_VALUE_REPEATS, checks=(("year", WHOLE_NUMBER), ("iso-date", ISO_DATE)))
TARGET = Shape(frozenset({"value"}), children=_INDICATOR_VALUE_CHILDREN, repeatable=_INDICATOR_VALUE_REPEATS)
PERIOD = Shape(children={"period-start": DATED, "period-end": DATED, "target": TARGET, "actual": TARGET},
               repeatable=frozenset({"target", "actual"}))
INDICATOR = Shape(
    frozenset({"measure", "ascending", "aggregation-status"}),
    children={"title": NARRATED, "description": NARRATED, "reference": Shape(any_attributes=True),
              "baseline": BASELINE, "period": PERIOD},
    repeatable=frozenset({"reference", "baseline", "period"}),
    checks=(("ascending", BOOLEAN), ("aggregation-status", BOOLEAN)), extensions=True)
RESULT = Shape(frozenset({"type", "aggregation-status"}),
               children={"title": NARRATED, "description": NARRATED, "indicator": INDICATOR},
               repeatable=frozenset({"indicator"}), checks=(("aggregation-status", BOOLEAN),))

LOCATION = Shape(
    frozenset({"ref"}),
    children={
        "location-reach": CODED, "location-id": Shape(frozenset({"vocabulary", "code"})), "name": NARRATED,
        "description": NARRATED, "activity-description": NARRATED,
        "administrative": Shape(frozenset({"vocabulary", "level", "code"})),
        "point": Shape(frozenset({"srsName"}), children={"pos": Shape(text=POSITION)}),
        "exactness": CODED, "location-class": CODED, "feature-designation": CODED,
    },
    repeatable=frozenset({"location-id", "administrative"}))

# The children of `iati-activity` the store keeps in columns and rows, transactions aside
# (sources/iati_activity.py says what is kept whole when one is not plain).
ACTIVITY_CHILDREN: dict[str, Shape] = {
    "iati-identifier": Shape(text=ANY_TEXT),
    "reporting-org": Shape(frozenset({"ref", "type", "secondary-reporter"}), narratives=1,
                           checks=(("secondary-reporter", BOOLEAN),)),
    "title": Shape(narratives=MANY),
    "description": Shape(frozenset({"type"}), narratives=MANY),
    "participating-org": Shape(frozenset({"ref", "type", "role", "activity-id", "crs-channel-code"}), narratives=1,
                               checks=(("role", _same(standard.role_code)),)),
    "activity-status": CODED,
    "activity-date": Shape(frozenset({"iso-date", "type"}), narratives=1,
                           checks=(("iso-date", ISO_DATE), ("type", _same(standard.activity_date_type)))),
    "activity-scope": CODED,
    "recipient-country": RECIPIENT_COUNTRY,
    "recipient-region": RECIPIENT_REGION,
    "location": LOCATION,
    "sector": SECTOR,
    "collaboration-type": CODED,
    "default-flow-type": CODED,
    "default-finance-type": CODED,
    # One default-aid-type, of the DAC vocabulary left implicit (see TRANSACTION's aid-type).
    "default-aid-type": CODED,
    "default-tied-status": CODED,
    "budget": Shape(frozenset({"type", "status"}),
                    children={"period-start": DATED, "period-end": DATED, "value": VALUE}),
    "planned-disbursement": Shape(frozenset({"type"}), children={
        "period-start": DATED, "period-end": DATED, "value": VALUE,
        "provider-org": _organisation("provider-activity-id"), "receiver-org": _organisation("receiver-activity-id")}),
    "document-link": Shape(frozenset({"url", "format"}), children={
        "title": NARRATED, "description": NARRATED, "category": CODED, "language": CODED, "document-date": DATED},
        repeatable=frozenset({"category", "language"})),
    "related-activity": Shape(frozenset({"ref", "type"}), required=frozenset({"ref"})),
    "result": RESULT,
}
# The attributes of `iati-activity` its columns hold, and how their values must be written to be held.
ACTIVITY = Shape(frozenset({"last-updated-datetime", XML_LANG, "default-currency", "humanitarian", "hierarchy",
                            "linked-data-uri", "budget-not-provided"}),
                 checks=(("default-currency", UPPER), ("humanitarian", BOOLEAN), ("hierarchy", WHOLE_NUMBER)))


_ACTIVITY_CHECKS = {name: check.holds for name, check in ACTIVITY.checks}


def attributes_not_held(element: etree._Element) -> dict[str, str] | None:
    """The attributes of an `iati-activity` its columns cannot give back as published (namespaced ones,
    values they normalise), by name; None when the columns hold them all."""
    found = {name: value for name, value in element.items()
             if name not in ACTIVITY.attributes or not value.strip() or
             (name in _ACTIVITY_CHECKS and not _ACTIVITY_CHECKS[name](value))}
    return found or None
