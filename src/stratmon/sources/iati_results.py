"""Reading IATI `result` elements: indicators, baselines, periods, targets, actuals, dimensions."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_common import first_text, small_int, to_json
from stratmon.sources.iati_records import Indicator, IndicatorValue, Period, Result
from stratmon.sources.values import parse_date, parse_number

# Indicator values beyond this are kept as text only (a float could not hold them).
MAX_INDICATOR_VALUE = Decimal("1e300")

# How messages name the `year` and `iso-date` of a baseline, target or actual (translated only
# when a message is written).
_YEAR_AND_DATE = {
    "baseline": (lambda: _("baseline year"), lambda: _("baseline iso-date")),
    "target": (lambda: _("target year"), lambda: _("target iso-date")),
    "actual": (lambda: _("actual year"), lambda: _("actual iso-date")),
}


def _indicator_value(element: etree._Element, what: str) -> IndicatorValue:
    raw = element.get("value")
    record = IndicatorValue(raw.strip() if raw else None, _indicator_number(raw))
    year, iso_date = _YEAR_AND_DATE[what]
    record.year = small_int(element.get("year"), year, 1000, 9999)
    record.iso_date = parse_date(element.get("iso-date"), what=iso_date)
    for child in element:
        tag = child.tag
        if tag == "comment":
            record.comment = first_text(child)
        elif tag == "dimension":
            record.dimensions.append({"name": child.get("name"), "value": child.get("value")})
        elif tag == "location" and child.get("ref"):
            record.location_refs.append(child.get("ref"))
    return record


def _indicator_number(raw: str | None) -> Decimal | None:
    """An indicator value as a number; qualitative values ("No Target") stay text only.

    Unlike money, indicator values may legitimately be words or dates (IATI measure 5,
    MCC "date indicators"), so a non-number is kept as published, not an error.
    """
    try:
        number = parse_number(raw)
    except ContentError:
        return None
    return number if number is not None and abs(number) < MAX_INDICATOR_VALUE else None


def _period(element: etree._Element) -> Period:
    record = Period(None, None)
    for child in element:
        tag = child.tag
        try:
            if tag == "period-start":
                record.period_start = parse_date(child.get("iso-date"), what="period-start")
            elif tag == "period-end":
                record.period_end = parse_date(child.get("iso-date"), what="period-end")
            elif tag == "target":
                record.targets.append(_indicator_value(child, "target"))
            elif tag == "actual":
                record.actuals.append(_indicator_value(child, "actual"))
        except ContentError as exc:
            raise exc.at(child)
    return record


def _indicator(element: etree._Element) -> Indicator:
    record = Indicator(
        element.get("measure"), standard.flag(element.get("ascending")),
        standard.flag(element.get("aggregation-status")), None, None,
    )
    for child in element:
        tag = child.tag
        try:
            if tag == "title":
                record.title = first_text(child)
            elif tag == "description":
                record.description = first_text(child)
            elif tag == "reference":
                record.references.append(dict(child.items()))
            elif tag == "baseline":
                record.baselines.append(_indicator_value(child, "baseline"))
            elif tag == "period":
                record.periods.append(_period(child))
            elif isinstance(tag, str) and tag[0] == "{":
                record.extensions.append(to_json(child))
        except ContentError as exc:
            raise exc.at(child)
    return record


def result(element: etree._Element) -> Result:
    """One `result` element with its indicators, baselines, periods, targets and actuals (a value that
    cannot be read raises ContentError located at the element that holds it)."""
    record = Result(element.get("type"), standard.flag(element.get("aggregation-status")), None, None)
    for child in element:
        tag = child.tag
        if tag == "title":
            record.title = first_text(child)
        elif tag == "description":
            record.description = first_text(child)
        elif tag == "indicator":
            try:
                record.indicators.append(_indicator(child))
            except ContentError as exc:
                raise exc.at(child)
    return record
