"""Reading the elements inside one `iati-activity` into records (the activity's own children:
iati_activity.py).

One function per IATI element family. Each walks the element's children once and dispatches on the
tag, which is the fastest way through lxml from Python. A value that cannot be read raises
ContentError located at the element that holds it.
"""

from __future__ import annotations

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_common import code_of, first_text
from stratmon.sources.iati_records import (
    Budget,
    DocumentLink,
    Location,
    Org,
    ParticipatingOrg,
    PlannedDisbursement,
    Recipient,
    Sector,
)
from stratmon.sources.values import Subject, parse_amount, parse_date, parse_percentage

# How messages name the value of a budget and of a planned disbursement and its value-date, and
# their period-start and period-end (translated only when a message is written).
_BUDGET_VALUE = (lambda: _("budget value"), lambda: _("budget value value-date"))
_BUDGET_PERIOD = (lambda: _("budget period-start"), lambda: _("budget period-end"))
_PLANNED_VALUE = (lambda: _("planned-disbursement value"), lambda: _("planned-disbursement value value-date"))
_PLANNED_PERIOD = (lambda: _("planned-disbursement period-start"), lambda: _("planned-disbursement period-end"))


def identifier_of(element: etree._Element) -> str | None:
    """The activity's `iati-identifier`, stripped; None when absent or empty."""
    node = next(element.iterchildren("iati-identifier"), None)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def organisation(element: etree._Element, activity_attr: str | None) -> Org:
    return Org(
        ref=(element.get("ref") or "").strip() or None,
        type=element.get("type"),
        name=first_text(element),
        activity_id=element.get(activity_attr) if activity_attr else None,
    )


def recipient(element: etree._Element, kind: str) -> Recipient:
    code = code_of(element)
    if code is None:
        raise ContentError(_("{element} at line {line} has no code").format(
            element=f"recipient-{kind}", line=element.sourceline))
    if kind == "country":
        code = code.upper()
        vocabulary = None
    else:
        vocabulary = element.get("vocabulary") or standard.DEFAULT_REGION_VOCABULARY
    return Recipient(kind, code, vocabulary, parse_percentage(element.get("percentage")), first_text(element),
                     element.get("vocabulary-uri"))


def sector(element: etree._Element) -> Sector:
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


def read_value(element: etree._Element | None, default_currency: str | None, what: tuple[Subject, Subject]):
    """(amount, text as published, currency, value-date) of a `value` element; `what` names the
    value and its value-date in messages."""
    if element is None:
        return None, None, default_currency, None
    try:
        return value_columns(element.text, element.get("currency"), element.get("value-date"), default_currency,
                             what)
    except ContentError as exc:
        raise exc.at(element)


def value_columns(text: str | None, currency: str | None, value_date: str | None, default_currency: str | None,
                  what: tuple[Subject, Subject]):
    """`read_value` of a value element's text, currency and value-date (unlocated errors)."""
    return (
        parse_amount(text, what=what[0]),
        text.strip() if text else None,
        (currency or "").strip().upper() or default_currency,
        parse_date(value_date, what=what[1]),
    )


def is_dac_vocabulary(element: etree._Element) -> bool:
    """Whether an aid-type is of the DAC vocabulary, the one its column holds (absent means DAC)."""
    vocabulary = (element.get("vocabulary") or "").strip()
    return vocabulary in ("", standard.DEFAULT_AID_TYPE_VOCABULARY)


def _period_and_value(element: etree._Element, default_currency: str | None, period: tuple[Subject, Subject],
                      value: tuple[Subject, Subject]):
    """(period-start, period-end, amount, text, currency, value-date, children by tag) of a budget or a
    planned disbursement."""
    start = end = value_element = None
    others: dict[str, etree._Element] = {}
    for child in element:
        tag = child.tag
        try:
            if tag == "period-start":
                start = parse_date(child.get("iso-date"), what=period[0])
            elif tag == "period-end":
                end = parse_date(child.get("iso-date"), what=period[1])
            elif tag == "value":
                value_element = child
            elif isinstance(tag, str):
                others.setdefault(tag, child)
        except ContentError as exc:
            raise exc.at(child)
    return (start, end, *read_value(value_element, default_currency, value), others)


def budget(element: etree._Element, default_currency: str | None) -> Budget:
    """One `budget` element."""
    start, end, value, text, currency, value_date, _others = _period_and_value(
        element, default_currency, _BUDGET_PERIOD, _BUDGET_VALUE)
    return Budget(element.get("type"), element.get("status"), start, end, value, text, currency, value_date)


def planned_disbursement(element: etree._Element, default_currency: str | None) -> PlannedDisbursement:
    """One `planned-disbursement` element."""
    start, end, value, text, currency, value_date, others = _period_and_value(
        element, default_currency, _PLANNED_PERIOD, _PLANNED_VALUE)
    provider, receiver = others.get("provider-org"), others.get("receiver-org")
    return PlannedDisbursement(element.get("type"), start, end, value, text, currency, value_date,
                               organisation(provider, "provider-activity-id") if provider is not None else None,
                               organisation(receiver, "receiver-activity-id") if receiver is not None else None)


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
                record.latitude, record.longitude = _position(pos)
        elif tag == "exactness":
            record.exactness = code_of(child)
        elif tag == "location-class":
            record.location_class = code_of(child)
        elif tag == "feature-designation":
            record.feature_designation = code_of(child)
    return record


def _position(pos: etree._Element) -> tuple[float, float]:
    text, line = pos.text, pos.sourceline
    parts = text.split()
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except (IndexError, ValueError):
        raise ContentError(_("location point at line {line}: {value} is not 'latitude longitude'").format(
            line=line, value=repr(text.strip()[:40]))).at(pos) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ContentError(_("location point at line {line}: {value} is out of range").format(
            line=line, value=repr(text.strip()[:40]))).at(pos)
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
            try:
                record.document_date = parse_date(child.get("iso-date"), what="document-date")
            except ContentError as exc:
                raise exc.at(child)
    return record


def participating_org(element: etree._Element) -> ParticipatingOrg:
    """One `participating-org` element."""
    return ParticipatingOrg(
        role=standard.role_code(element.get("role")),
        ref=(element.get("ref") or "").strip() or None,
        type=element.get("type"),
        name=first_text(element),
        activity_id=element.get("activity-id"),
        crs_channel_code=element.get("crs-channel-code"),
    )
