"""Writing stored activities back out as an IATI 2.03 activity file.

Everything the importer keeps is written where the 2.03 schema puts it: the activity's own columns
and tables, the standard elements it kept whole (`other_elements`: contact-info, conditions,
country-budget-items, ..., and the reporting-org, title, descriptions or coded elements their columns
could not give back — a reporting-org named in two languages, two default-aid-types — which are
written instead of those columns), each row's element as published where the importer kept it
(`published`: written instead of the row's columns) and the publishers' namespaced extensions
(`extensions`). Values are written as published (`value_text`) with their currency (left implicit
where it is the activity's default) and value-date, narratives with their `xml:lang` where one was
given. The importer rewrites activities published as 1.0x in their 2.0x form (sources/iati_upgrade.py)
before storing them, so they come out as valid 2.03 too. Like the version, the root's
@linked-data-default is the file's: the first activity's file's.

Importing the file again gives the same activities, transactions, recipients, sectors and so the
same figures (tests/test_iati_export.py holds the writer to that), and every fact of the Standard's
own example files comes back (tests/test_iati_conformance.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from decimal import Decimal
from itertools import chain
from typing import BinaryIO

from lxml import etree
from sqlalchemy import Connection, Row

from stratmon.analysis.stored_activities import StoredActivity, stored_activities
from stratmon.iati import standard
from stratmon.iati.export_results import write_results
from stratmon.iati.xmlbuild import (
    add, add_code, add_named, add_narrated, as_published, attributes, from_json, narrative,
)
from stratmon.store import schema

IATI_VERSION = "2.03"
XML_LANG = standard.XML_LANG

# The children of `iati-activity` in the order the IATI 2.03 schema requires (namespaced
# extensions follow them all).
ACTIVITY_ELEMENTS = (
    "iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
    "activity-status", "activity-date", "contact-info", "activity-scope", "recipient-country", "recipient-region",
    "location", "sector", "tag", "country-budget-items", "humanitarian-scope", "policy-marker",
    "collaboration-type", "default-flow-type", "default-finance-type", "default-aid-type", "default-tied-status",
    "budget", "planned-disbursement", "capital-spend", "transaction", "document-link", "related-activity",
    "legacy-data", "conditions", "result", "crs-add", "fss",
)


def write_activities(connection: Connection, identifiers: Iterable[str], out: BinaryIO, *,
                     generated: datetime | None = None) -> int:
    """Write the stored activities with these IATI identifiers, in this order, to `out` (a binary
    file-like object) as one IATI 2.03 `iati-activities` document; returns how many were written.

    The document is written incrementally, one activity's tree at a time, so memory stays bounded
    whatever the number of activities. Identifiers the store does not hold are passed over.
    """
    moment = (generated or datetime.now(timezone.utc)).astimezone(timezone.utc)
    root_attributes = {"version": IATI_VERSION, "generated-datetime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    activities = stored_activities(connection, identifiers)
    first = next(activities, None)
    if first is not None and first.activity.linked_data_default is not None:
        root_attributes["linked-data-default"] = first.activity.linked_data_default
    written = 0
    with etree.xmlfile(out, encoding="utf-8") as document:
        document.write_declaration()
        with document.element(standard.ACTIVITIES_ROOT, root_attributes):
            document.write("\n")
            for stored in chain((first,) if first is not None else (), activities):
                document.write(activity_element(stored), pretty_print=True)
                written += 1
    return written


def activity_element(stored: StoredActivity) -> etree._Element:
    """One stored activity as an `iati-activity` element."""
    activity = stored.activity
    element = etree.Element(standard.ACTIVITY, attributes({
        "last-updated-datetime": activity.last_updated_text, XML_LANG: activity.default_lang,
        "default-currency": activity.default_currency, "humanitarian": activity.humanitarian,
        "hierarchy": activity.hierarchy, "linked-data-uri": activity.linked_data_uri,
        "budget-not-provided": activity.budget_not_provided}))
    for name, published in (activity.published_attributes or {}).items():
        element.set(name, published)
    kept_whole: dict[str, list[dict]] = {}
    for data in activity.other_elements or ():
        kept_whole.setdefault(data.get("tag"), []).append(data)
    for tag in ACTIVITY_ELEMENTS:
        writer = _WRITERS.get(tag)
        if tag in kept_whole:  # as published: the columns could not give it all back
            for data in kept_whole[tag]:
                from_json(element, data)
        elif writer is not None:
            writer(element, stored)
    for data in activity.extensions or ():
        from_json(element, data)
    return element


# --------------------------------------------------------------------------- the activity's elements

def _identifier(parent: etree._Element, stored: StoredActivity) -> None:
    add(parent, "iati-identifier", text=stored.activity.iati_identifier)


def _reporting_org(parent: etree._Element, stored: StoredActivity) -> None:
    activity = stored.activity
    add_named(parent, "reporting-org", {"ref": activity.reporting_org_ref, "type": activity.reporting_org_type,
                                        "secondary-reporter": activity.secondary_reporter},
              activity.reporting_org_name)


def _title(parent: etree._Element, stored: StoredActivity) -> None:
    titles = [row for row in stored.of(schema.activity_narrative) if row.element == "title"]
    if titles:
        element = add(parent, "title")
        for row in titles:
            narrative(element, row.text, row.lang)


def _descriptions(parent: etree._Element, stored: StoredActivity) -> None:
    """One `description` per run of narratives of the same type, each language once (the store
    keeps narratives, not the elements that held them)."""
    element, kind, languages = None, None, set()
    for row in stored.of(schema.activity_narrative):
        if row.element != "description":
            continue
        if element is None or row.description_type != kind or row.lang in languages:
            element, kind, languages = add(parent, "description", {"type": row.description_type}), \
                row.description_type, set()
        languages.add(row.lang)
        narrative(element, row.text, row.lang)


def _participating_orgs(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.participating_org):
        if not as_published(parent, row):
            add_named(parent, "participating-org", {"ref": row.ref, "type": row.type, "role": row.role,
                                                    "activity-id": row.org_activity_id,
                                                    "crs-channel-code": row.crs_channel_code}, row.name)


def _dates(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.activity_date):
        if not as_published(parent, row):
            add_named(parent, "activity-date", {"iso-date": row.iso_date, "type": row.type}, row.narrative)


def _activity_code(tag: str, column: str) -> Callable[[etree._Element, StoredActivity], None]:
    def write(parent: etree._Element, stored: StoredActivity) -> None:
        add_code(parent, tag, getattr(stored.activity, column))
    return write


def _recipients_of_kind(kind: str) -> Callable[[etree._Element, StoredActivity], None]:
    def write(parent: etree._Element, stored: StoredActivity) -> None:
        for row in stored.of(schema.recipient):
            if row.transaction_id is None and row.kind == kind and not as_published(parent, row):
                recipient(parent, row)
    return write


def recipient(parent: etree._Element, row: Row) -> None:
    """A `recipient-country` or `recipient-region` from a recipient row."""
    if row.kind == "country":
        add_named(parent, "recipient-country", {"code": row.code, "percentage": row.percentage}, row.name)
    else:
        add_named(parent, "recipient-region", {"code": row.code, "vocabulary": row.vocabulary,
                                               "vocabulary-uri": row.vocabulary_uri,
                                               "percentage": row.percentage}, row.name)


def sector(parent: etree._Element, row: Row) -> None:
    """A `sector` from a sector row (the vocabulary always written: the store holds it explicit)."""
    add_named(parent, "sector", {"vocabulary": row.vocabulary, "vocabulary-uri": row.vocabulary_uri,
                                 "code": row.code, "percentage": row.percentage}, row.name)


def _sectors(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.sector):
        if row.transaction_id is None and not as_published(parent, row):
            sector(parent, row)


def _locations(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.location):
        if as_published(parent, row):
            continue
        element = add(parent, "location", {"ref": row.ref})
        add_code(element, "location-reach", row.reach_code)
        for identifier in row.location_ids or ():
            add(element, "location-id", {"vocabulary": identifier.get("vocabulary"), "code": identifier.get("code")})
        add_narrated(element, "name", row.name)
        add_narrated(element, "description", row.description)
        add_narrated(element, "activity-description", row.activity_description)
        for area in row.administratives or ():
            add(element, "administrative", {"vocabulary": area.get("vocabulary"), "level": area.get("level"),
                                            "code": area.get("code")})
        if row.srs_name is not None or row.latitude is not None:
            point = add(element, "point", {"srsName": row.srs_name})
            if row.latitude is not None and row.longitude is not None:
                add(point, "pos", text=f"{row.latitude!r} {row.longitude!r}")
        add_code(element, "exactness", row.exactness_code)
        add_code(element, "location-class", row.class_code)
        add_code(element, "feature-designation", row.feature_designation)


def value(parent: etree._Element, row: Row, default_currency: str | None) -> None:
    """A `value` as published (the stored amount when no text was kept), its currency written
    where it is not the activity's default."""
    published = row.value_text
    if published is None and row.value_micros is not None:
        published = format(Decimal(row.value_micros).scaleb(-6).normalize(), "f")
    currency = row.currency if row.currency != default_currency else None
    add(parent, "value", {"currency": currency, "value-date": row.value_date}, published)


def _period(parent: etree._Element, row: Row) -> None:
    if row.period_start is not None:
        add(parent, "period-start", {"iso-date": row.period_start})
    if row.period_end is not None:
        add(parent, "period-end", {"iso-date": row.period_end})


def _budgets(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.budget):
        if as_published(parent, row):
            continue
        element = add(parent, "budget", {"type": row.type, "status": row.status})
        _period(element, row)
        value(element, row, stored.activity.default_currency)


def _planned_disbursements(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.planned_disbursement):
        if as_published(parent, row):
            continue
        element = add(parent, "planned-disbursement", {"type": row.type})
        _period(element, row)
        value(element, row, stored.activity.default_currency)
        _organisations(element, row)


def _transactions(parent: etree._Element, stored: StoredActivity) -> None:
    recipients: dict[int, list[Row]] = {}
    for row in stored.of(schema.recipient):
        if row.transaction_id is not None:
            recipients.setdefault(row.transaction_id, []).append(row)
    sectors: dict[int, list[Row]] = {}
    for row in stored.of(schema.sector):
        if row.transaction_id is not None:
            sectors.setdefault(row.transaction_id, []).append(row)
    for row in stored.of(schema.transaction):
        transaction(parent, row, recipients.get(row.id, []), sectors.get(row.id, []),
                    stored.activity.default_currency)


def transaction(parent: etree._Element, row: Row, recipients: list[Row], sectors: list[Row],
                default_currency: str | None) -> None:
    """One `transaction` with its own recipients and sectors, children in schema order."""
    if as_published(parent, row):
        return
    element = add(parent, "transaction", {"ref": row.ref, "humanitarian": row.humanitarian})
    add_code(element, "transaction-type", row.type_code)
    add(element, "transaction-date", {"iso-date": row.transaction_date})
    value(element, row, default_currency)
    add_narrated(element, "description", row.description)
    _organisations(element, row)
    add_code(element, "disbursement-channel", row.disbursement_channel_code)
    for part in sectors:
        sector(element, part)
    for kind in ("country", "region"):
        for part in recipients:
            if part.kind == kind:
                recipient(element, part)
    for tag, code in (("flow-type", row.flow_type_code), ("finance-type", row.finance_type_code),
                      ("aid-type", row.aid_type_code), ("tied-status", row.tied_status_code)):
        add_code(element, tag, code)
    for data in row.extensions or ():
        from_json(element, data)


def _organisations(parent: etree._Element, row: Row) -> None:
    """The provider-org and receiver-org of a transaction or a planned disbursement, where it names them."""
    for role in ("provider", "receiver"):
        ref, kind, name, activity_id = (getattr(row, f"{role}_{column}") for column in
                                        ("org_ref", "org_type", "org_name", "activity_id"))
        if any(part is not None for part in (ref, kind, name, activity_id)):
            add_named(parent, f"{role}-org", {"ref": ref, "type": kind, f"{role}-activity-id": activity_id}, name)


def _document_links(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.document_link):
        if as_published(parent, row):
            continue
        element = add(parent, "document-link", {"url": row.url, "format": row.format})
        add_narrated(element, "title", row.title)
        add_narrated(element, "description", row.description)
        for code in row.categories or ():
            add_code(element, "category", code)
        for code in row.languages or ():
            add_code(element, "language", code)
        if row.document_date is not None:
            add(element, "document-date", {"iso-date": row.document_date})


def _related_activities(parent: etree._Element, stored: StoredActivity) -> None:
    for row in stored.of(schema.related_activity):
        if not as_published(parent, row):
            add(parent, "related-activity", {"ref": row.ref, "type": row.type})


_WRITERS: dict[str, Callable[[etree._Element, StoredActivity], None]] = {
    "iati-identifier": _identifier,
    "reporting-org": _reporting_org,
    "title": _title,
    "description": _descriptions,
    "participating-org": _participating_orgs,
    "activity-status": _activity_code("activity-status", "status_code"),
    "activity-date": _dates,
    "activity-scope": _activity_code("activity-scope", "scope_code"),
    "recipient-country": _recipients_of_kind("country"),
    "recipient-region": _recipients_of_kind("region"),
    "location": _locations,
    "sector": _sectors,
    "collaboration-type": _activity_code("collaboration-type", "collaboration_type_code"),
    "default-flow-type": _activity_code("default-flow-type", "default_flow_type_code"),
    "default-finance-type": _activity_code("default-finance-type", "default_finance_type_code"),
    "default-aid-type": _activity_code("default-aid-type", "default_aid_type_code"),
    "default-tied-status": _activity_code("default-tied-status", "default_tied_status_code"),
    "budget": _budgets,
    "planned-disbursement": _planned_disbursements,
    "transaction": _transactions,
    "document-link": _document_links,
    "related-activity": _related_activities,
    "result": write_results,
}
