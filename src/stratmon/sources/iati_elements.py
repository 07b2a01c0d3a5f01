"""Reading the elements inside one `iati-activity` into records.

One function per IATI element family. Each walks the element's children once and
dispatches on the tag, which is the fastest way through lxml from Python.
"""

from __future__ import annotations


from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_common import code_of, first_text, narratives, to_json
from stratmon.sources.iati_records import (
    Activity,
    Budget,
    DocumentLink,
    Location,
    Org,
    ParticipatingOrg,
    PlannedDisbursement,
    Recipient,
    Sector,
    Transaction,
)
from stratmon.sources.iati_results import result
from stratmon.sources.values import Subject, parse_amount, parse_date, parse_percentage

# How messages name the value of a budget and of a planned disbursement and its value-date, and
# their period-start and period-end (translated only when a message is written).
_BUDGET_VALUE = (lambda: _("budget value"), lambda: _("budget value value-date"))
_BUDGET_PERIOD = (lambda: _("budget period-start"), lambda: _("budget period-end"))
_PLANNED_VALUE = (lambda: _("planned-disbursement value"), lambda: _("planned-disbursement value value-date"))
_PLANNED_PERIOD = (lambda: _("planned-disbursement period-start"), lambda: _("planned-disbursement period-end"))


def identifier_of(element: etree._Element) -> str | None:
    """The activity's `iati-identifier`, stripped; None when absent or empty."""
    node = element.find("iati-identifier")
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _org(element: etree._Element, activity_attr: str | None) -> Org:
    return Org(
        ref=(element.get("ref") or "").strip() or None,
        type=element.get("type"),
        name=first_text(element),
        activity_id=element.get(activity_attr) if activity_attr else None,
    )


def _recipient(element: etree._Element, kind: str) -> Recipient:
    code = code_of(element)
    if code is None:
        raise ContentError(_("{element} at line {line} has no code").format(
            element=f"recipient-{kind}", line=element.sourceline))
    if kind == "country":
        code = code.upper()
        vocabulary = None
    else:
        vocabulary = element.get("vocabulary") or standard.DEFAULT_REGION_VOCABULARY
    return Recipient(kind, code, vocabulary, parse_percentage(element.get("percentage")), first_text(element))


def _sector(element: etree._Element) -> Sector:
    code = code_of(element)
    if code is None:
        raise ContentError(_("{element} at line {line} has no code").format(
            element="sector", line=element.sourceline))
    return Sector(
        vocabulary=standard.sector_vocabulary(element.get("vocabulary")),
        code=code,
        percentage=parse_percentage(element.get("percentage")),
        name=first_text(element),
        vocabulary_uri=element.get("vocabulary-uri"),
    )


def _value(element: etree._Element | None, default_currency: str | None, what: tuple[Subject, Subject]):
    """(amount, text as published, currency, value-date) of a `value` element; `what` names the
    value and its value-date in messages."""
    if element is None:
        return None, None, default_currency, None
    text = element.text
    currency = (element.get("currency") or "").strip().upper() or default_currency
    return (
        parse_amount(text, what=what[0]),
        text.strip() if text else None,
        currency,
        parse_date(element.get("value-date"), what=what[1]),
    )


def transaction(element: etree._Element, default_currency: str | None, version_1: bool) -> Transaction:
    """One `transaction` element."""
    line = element.sourceline or 0
    type_code = transaction_date = value_element = None
    record = Transaction(line, element.get("ref"), "", None, None, None, None, None)  # type: ignore[arg-type]
    for child in element:
        tag = child.tag
        if tag == "transaction-type":
            type_code = child.get("code")
        elif tag == "transaction-date":
            transaction_date = parse_date(child.get("iso-date"), what="transaction-date")
        elif tag == "value":
            value_element = child
        elif tag == "sector":
            record.sectors.append(_sector(child))
        elif tag == "recipient-country":
            record.recipients.append(_recipient(child, "country"))
        elif tag == "recipient-region":
            record.recipients.append(_recipient(child, "region"))
        elif tag == "description":
            record.description = first_text(child)
        elif tag == "provider-org":
            record.provider = _org(child, "provider-activity-id")
        elif tag == "receiver-org":
            record.receiver = _org(child, "receiver-activity-id")
        elif tag == "disbursement-channel":
            record.disbursement_channel = code_of(child)
        elif tag == "flow-type":
            record.flow_type = code_of(child)
        elif tag == "finance-type":
            record.finance_type = code_of(child)
        elif tag == "aid-type":
            record.aid_type = code_of(child)
        elif tag == "tied-status":
            record.tied_status = code_of(child)
        elif isinstance(tag, str) and tag[0] == "{":
            record.extensions.append(to_json(child))
    if not type_code or not type_code.strip():
        raise ContentError(_("transaction at line {line} has no transaction-type").format(line=line))
    if transaction_date is None:
        raise ContentError(_("transaction at line {line} has no transaction-date").format(line=line))
    record.type_code = standard.transaction_type_code(type_code, version_1)
    record.transaction_date = transaction_date
    record.value, record.value_text, record.currency, record.value_date = _value(
        value_element, default_currency,
        (lambda: _("transaction value at line {line}").format(line=line),
         lambda: _("transaction value at line {line} value-date").format(line=line)))
    record.humanitarian = standard.flag(element.get("humanitarian"))
    return record


def budget(element: etree._Element, default_currency: str | None) -> Budget:
    """One `budget` element."""
    start = end = value_element = None
    for child in element:
        if child.tag == "period-start":
            start = parse_date(child.get("iso-date"), what=_BUDGET_PERIOD[0])
        elif child.tag == "period-end":
            end = parse_date(child.get("iso-date"), what=_BUDGET_PERIOD[1])
        elif child.tag == "value":
            value_element = child
    value, text, currency, value_date = _value(value_element, default_currency, _BUDGET_VALUE)
    return Budget(element.get("type"), element.get("status"), start, end, value, text, currency, value_date)


def planned_disbursement(element: etree._Element, default_currency: str | None) -> PlannedDisbursement:
    """One `planned-disbursement` element."""
    start = end = value_element = provider = receiver = None
    for child in element:
        if child.tag == "period-start":
            start = parse_date(child.get("iso-date"), what=_PLANNED_PERIOD[0])
        elif child.tag == "period-end":
            end = parse_date(child.get("iso-date"), what=_PLANNED_PERIOD[1])
        elif child.tag == "value":
            value_element = child
        elif child.tag == "provider-org":
            provider = _org(child, "provider-activity-id")
        elif child.tag == "receiver-org":
            receiver = _org(child, "receiver-activity-id")
    value, text, currency, value_date = _value(value_element, default_currency, _PLANNED_VALUE)
    return PlannedDisbursement(element.get("type"), start, end, value, text, currency, value_date, provider, receiver)


def location(element: etree._Element) -> Location:
    """One `location` element."""
    record = Location(element.get("ref"), None, None, None, None, None, None, None, None, None, None)
    for child in element:
        tag = child.tag
        if tag == "location-reach":
            record.reach = code_of(child)
        elif tag == "location-id":
            record.location_ids.append({"vocabulary": child.get("vocabulary"), "code": child.get("code")})
        elif tag == "name":
            record.name = first_text(child)
        elif tag == "description":
            record.description = first_text(child)
        elif tag == "activity-description":
            record.activity_description = first_text(child)
        elif tag == "administrative":
            record.administratives.append(
                {"vocabulary": child.get("vocabulary"), "level": child.get("level"), "code": child.get("code")})
        elif tag == "point":
            record.srs_name = child.get("srsName")
            pos = child.find("pos")
            if pos is not None and pos.text and pos.text.strip():
                record.latitude, record.longitude = _position(pos.text, child.sourceline)
        elif tag == "exactness":
            record.exactness = code_of(child)
        elif tag == "location-class":
            record.location_class = code_of(child)
        elif tag == "feature-designation":
            record.feature_designation = code_of(child)
    return record


def _position(text: str, line: int | None) -> tuple[float, float]:
    parts = text.split()
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        raise ContentError(_("location point at line {line}: {value} is not 'latitude longitude'").format(
            line=line, value=repr(text.strip()[:40]))) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ContentError(_("location point at line {line}: {value} is out of range").format(
            line=line, value=repr(text.strip()[:40])))
    return latitude, longitude


def document_link(element: etree._Element) -> DocumentLink:
    """One `document-link` element."""
    record = DocumentLink(element.get("url"), element.get("format"), None, None)
    for child in element:
        tag = child.tag
        if tag == "title":
            record.title = first_text(child)
        elif tag == "description":
            record.description = first_text(child)
        elif tag == "category" and code_of(child):
            record.categories.append(code_of(child))
        elif tag == "language" and code_of(child):
            record.languages.append(code_of(child))
        elif tag == "document-date":
            record.document_date = parse_date(child.get("iso-date"), what="document-date")
    return record


def participating_org(element: etree._Element) -> ParticipatingOrg:
    """One `participating-org` element."""
    role = (element.get("role") or "").strip() or None
    if role and not role.isdigit():
        role = standard.ORGANISATION_ROLE_V1.get(role.lower(), role)
    return ParticipatingOrg(
        role=role,
        ref=(element.get("ref") or "").strip() or None,
        type=element.get("type"),
        name=first_text(element),
        activity_id=element.get("activity-id"),
        crs_channel_code=element.get("crs-channel-code"),
    )


def fill_activity(activity: Activity, element: etree._Element, version_1: bool) -> None:
    """Read every child of an `iati-activity` element into `activity`."""
    currency = activity.default_currency
    for child in element:
        tag = child.tag
        if tag == "transaction":
            activity.transactions.append(transaction(child, currency, version_1))
        elif tag == "iati-identifier":
            continue
        elif tag == "reporting-org":
            activity.reporting_org = _org(child, None)
            activity.secondary_reporter = standard.flag(child.get("secondary-reporter"))
        elif tag == "title":
            activity.titles.extend(narratives(child))
        elif tag == "description":
            kind = child.get("type")
            activity.descriptions.extend((kind, text) for text in narratives(child))
        elif tag == "participating-org":
            activity.participating_orgs.append(participating_org(child))
        elif tag == "activity-status":
            activity.status = code_of(child)
        elif tag == "activity-date":
            kind = (child.get("type") or "").strip()
            kind = standard.ACTIVITY_DATE_TYPE_V1.get(kind, kind)
            activity.dates.append((kind, parse_date(child.get("iso-date"), what="activity-date"), first_text(child)))
        elif tag == "activity-scope":
            activity.scope = code_of(child)
        elif tag == "recipient-country":
            activity.recipients.append(_recipient(child, "country"))
        elif tag == "recipient-region":
            activity.recipients.append(_recipient(child, "region"))
        elif tag == "sector":
            activity.sectors.append(_sector(child))
        elif tag == "collaboration-type":
            activity.collaboration_type = code_of(child)
        elif tag == "default-flow-type":
            activity.default_flow_type = code_of(child)
        elif tag == "default-finance-type":
            activity.default_finance_type = code_of(child)
        elif tag == "default-aid-type":
            activity.default_aid_type = code_of(child)
        elif tag == "default-tied-status":
            activity.default_tied_status = code_of(child)
        elif tag == "related-activity":
            ref = (child.get("ref") or "").strip()
            if ref:
                activity.related.append((child.get("type"), ref))
        elif tag == "budget":
            activity.budgets.append(budget(child, currency))
        elif tag == "planned-disbursement":
            activity.planned_disbursements.append(planned_disbursement(child, currency))
        elif tag == "location":
            activity.locations.append(location(child))
        elif tag == "document-link":
            activity.documents.append(document_link(child))
        elif tag == "result":
            activity.results.append(result(child))
        elif isinstance(tag, str):
            (activity.extensions if tag[0] == "{" else activity.other_elements).append(to_json(child))
