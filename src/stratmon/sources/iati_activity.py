"""Reading the children of one `iati-activity` into its record.

Each child goes to the columns that hold it (iati_elements.py, iati_results.py). Where the columns
cannot give an element back as published (iati_shapes.py), it is kept whole as well: an element with
a row of its own (a participating organisation, a date, a sector, a budget, a transaction, a result...)
in that row (`published`); the activity's one-of-a-kind elements (reporting-org, title, the coded
ones) and its descriptions in `other_elements`, every element of the tag, so that the export writes
them all, in their order, from one place (a second default-aid-type, a reporting-org named in two
languages...). A standard element the columns have no place for (contact-info, tag, policy-marker,
crs-add...) is kept whole in `other_elements` too.
"""

from __future__ import annotations

from lxml import etree

from stratmon.iati import standard
from stratmon.sources import iati_elements as el
from stratmon.sources import iati_shapes as shapes
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_common import code_of, first_text, narratives, shared_json
from stratmon.sources.iati_records import Activity, ActivityDate, RelatedActivity
from stratmon.sources.iati_results import result
from stratmon.sources.iati_transactions import SerialisedTransactions, transaction
from stratmon.sources.values import parse_date


def fill_activity(activity: Activity, element: etree._Element, serialised: bytes | None = None) -> None:
    """Read every child of an `iati-activity` element into `activity`; `serialised`, the element as lxml
    serialises it, lets most transactions share the reading of a tail met before (iati_transactions.py)."""
    currency = activity.default_currency
    seen: set[str] = set()
    kept_whole: set[str] = set()
    descriptions = _Descriptions()
    children = list(element)  # walked twice: the proxies and their tags made once
    tags = [child.tag for child in children]
    transactions = SerialisedTransactions(serialised, tags.count("transaction"))
    for child, tag in zip(children, tags):
        if tag == "transaction":
            activity.transactions.append(transaction(child, currency, transactions))
            continue
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        if tag[0] == "{":
            activity.extensions.append(shared_json(child))
            continue
        shape = shapes.ACTIVITY_CHILDREN.get(tag)
        if shape is None:
            activity.other_elements.append(shared_json(child))
            continue
        rows = _SHAREABLE_ROWS.get(tag)
        key = _content_key(child) if rows is not None else None
        row = _SHARED_ROWS.get(key) if key is not None else None
        if row is not None:
            getattr(activity, rows).append(row)
            continue
        try:
            row = _read(activity, child, tag)
        except ContentError as exc:
            raise exc.at(child)
        if row is not None:
            if not shape.holds(child):
                row.published = shared_json(child)
            if key is not None:
                if len(_SHARED_ROWS) >= MAX_SHARED_ROWS:
                    _SHARED_ROWS.clear()
                _SHARED_ROWS[key] = row
        elif tag not in kept_whole:
            plain = descriptions.regroup_exactly(child) if tag == "description" else tag not in seen
            if not (plain and shape.holds(child)):
                kept_whole.add(tag)
            seen.add(tag)
    for tag in kept_whole:
        activity.other_elements.extend(shared_json(child) for child in element.iterchildren(tag))
    activity.published_attributes = shapes.attributes_not_held(element)


# Publishers repeat their organisations and dates from one activity to the next (the U.S. files' 24,857
# participating-org are 980 different elements, their 24,269 activity-date 3,921): the row of each different one
# is read once per process, with its verdict, and shared (the rows of these tags depend on the element alone).
# The records in it must not be changed. Bounded: a hostile file only empties it now and then.
_SHAREABLE_ROWS = {"participating-org": "participating_orgs", "activity-date": "dates", "related-activity": "related",
                   "sector": "sectors", "recipient-country": "recipients", "recipient-region": "recipients"}
_SHARED_ROWS: dict[tuple, object] = {}
MAX_SHARED_ROWS = 4096


def _content_key(element: etree._Element) -> tuple | None:
    """All that reading, checking (iati_shapes.py) and keeping whole an element look at — its attributes and
    text, and each child's tag, attributes and text — when no child has children of its own; None otherwise."""
    key = [tuple(element.items()), element.text]
    for child in element:
        if len(child):
            return None
        key.append((child.tag, tuple(child.items()), child.text))
    return element.tag, *key


def _read(activity: Activity, child: etree._Element, tag: str):
    """Read one child of `iati-activity` (other than a transaction) into the activity's columns; returns the
    record of its row when it has one of its own, None for the activity's own columns."""
    column = _CODED_COLUMNS.get(tag)
    if column is not None:
        setattr(activity, column, code_of(child))
        return None
    currency = activity.default_currency
    row = None
    if tag == "participating-org":
        row = el.participating_org(child)
        activity.participating_orgs.append(row)
    elif tag == "activity-date":
        row = ActivityDate(standard.activity_date_type(child.get("type")),
                           parse_date(child.get("iso-date"), what="activity-date"), first_text(child))
        activity.dates.append(row)
    elif tag == "recipient-country" or tag == "recipient-region":
        row = el.recipient(child, tag[10:])
        activity.recipients.append(row)
    elif tag == "sector":
        row = el.sector(child)
        activity.sectors.append(row)
    elif tag == "budget":
        row = el.budget(child, currency)
        activity.budgets.append(row)
    elif tag == "planned-disbursement":
        row = el.planned_disbursement(child, currency)
        activity.planned_disbursements.append(row)
    elif tag == "location":
        row = el.location(child)
        activity.locations.append(row)
    elif tag == "document-link":
        row = el.document_link(child)
        activity.documents.append(row)
    elif tag == "related-activity":
        row = RelatedActivity(child.get("type"), (child.get("ref") or "").strip())
        activity.related.append(row)
    elif tag == "result":
        row = result(child)
        activity.results.append(row)
    elif tag == "reporting-org":
        activity.reporting_org = el.organisation(child, None)
        activity.secondary_reporter = standard.flag(child.get("secondary-reporter"))
    elif tag == "title":
        activity.titles.extend(narratives(child))
    elif tag == "description":
        kind = child.get("type")
        activity.descriptions.extend((kind, text) for text in narratives(child))
    elif tag == "default-aid-type":
        # The column holds the DAC code (2.03 may add codes of other vocabularies beside it).
        if activity.default_aid_type is None and el.is_dac_vocabulary(child):
            activity.default_aid_type = code_of(child)
    return row


# The coded elements whose code the activity holds in a column of its own (the last one wins), by tag:
# one look-up rather than a walk down the chain of `_read`, for the elements every activity has.
_CODED_COLUMNS = {
    "activity-status": "status",
    "activity-scope": "scope",
    "collaboration-type": "collaboration_type",
    "default-flow-type": "default_flow_type",
    "default-finance-type": "default_finance_type",
    "default-tied-status": "default_tied_status",
}


class _Descriptions:
    """Whether the descriptions read so far come back as published from their narrative rows.

    The store keeps each description's narratives with its type, not the element that held them; the
    export starts a new `description` where the type changes or a language comes again. So the elements
    come back as they were when no two in a row have the same type and none repeats a language.
    """

    _NO_TYPE = object()

    def __init__(self) -> None:
        self.previous_type: object = self._NO_TYPE

    def regroup_exactly(self, element: etree._Element) -> bool:
        kind = element.get("type")
        follows_its_like = kind == self.previous_type
        self.previous_type = kind
        languages = [child.get(standard.XML_LANG) for child in element if child.tag == "narrative"]
        return not follows_its_like and len(set(languages)) == len(languages)
