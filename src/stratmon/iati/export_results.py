"""Writing an activity's stored results: results, indicators, baselines, periods, targets, actuals."""

from __future__ import annotations

from collections import defaultdict

from lxml import etree
from sqlalchemy import Row

from stratmon.analysis.stored_activities import StoredActivity
from stratmon.iati.xmlbuild import add, add_narrated, as_published, from_json, text_of
from stratmon.store import schema


def _grouped(rows: list[Row], key: str) -> dict[object, list[Row]]:
    groups: dict[object, list[Row]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


def write_results(parent: etree._Element, stored: StoredActivity) -> None:
    """Every `result` of the activity, children in the order of the IATI 2.03 schema."""
    indicators = _grouped(stored.of(schema.result_indicator), "result_id")
    baselines = _grouped(stored.of(schema.indicator_baseline), "indicator_id")
    periods = _grouped(stored.of(schema.indicator_period), "indicator_id")
    values = _grouped(stored.of(schema.indicator_period_value), "period_id")
    for row in stored.of(schema.result):
        if as_published(parent, row):  # its indicators with it
            continue
        element = add(parent, "result", {"type": row.type_code, "aggregation-status": row.aggregation_status})
        add_narrated(element, "title", row.title)
        add_narrated(element, "description", row.description)
        for indicator in indicators.get(row.id, ()):
            _indicator(element, indicator, baselines.get(indicator.id, ()), periods.get(indicator.id, ()), values)


def _indicator(parent: etree._Element, row: Row, baselines, periods, values) -> None:
    element = add(parent, "indicator", {"measure": row.measure_code, "ascending": row.ascending,
                                        "aggregation-status": row.aggregation_status})
    add_narrated(element, "title", row.title)
    add_narrated(element, "description", row.description)
    for reference in row.references or ():
        add(element, "reference", reference)
    for baseline in baselines:
        _indicator_value(element, "baseline", baseline, {"year": baseline.year, "iso-date": baseline.iso_date})
    for period in periods:
        period_element = add(element, "period")
        if period.period_start is not None:
            add(period_element, "period-start", {"iso-date": period.period_start})
        if period.period_end is not None:
            add(period_element, "period-end", {"iso-date": period.period_end})
        for kind in ("target", "actual"):
            for part in values.get(period.id, ()):
                if part.kind == kind:
                    _indicator_value(period_element, kind, part, {})
    for data in row.extensions or ():
        from_json(element, data)


def _indicator_value(parent: etree._Element, tag: str, row: Row, pairs: dict) -> None:
    """A baseline, target or actual: the value as published (the number when no text was kept);
    locations, dimensions and the comment in the schema's order."""
    published = row.value_text if row.value_text is not None else (
        text_of(row.value) if row.value is not None else None)
    element = add(parent, tag, {**pairs, "value": published})
    for ref in row.location_refs or ():
        add(element, "location", {"ref": ref})
    for dimension in row.dimensions or ():
        add(element, "dimension", {"name": dimension.get("name"), "value": dimension.get("value")})
    add_narrated(element, "comment", row.comment)
