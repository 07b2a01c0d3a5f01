"""The results U.S. agencies publish in IATI, as the indicator tracking table reads them: per indicator
its code, its earliest baseline and its periods, each period's values by disaggregate with their numbers
parsed and their reasons read.

Nothing here depends on the reader's language, the fiscal years asked for or the framework's status
thresholds, so what a set of activities publishes is read once per data version and shared by every
table built from it (a line's page in English and in Spanish, its downloads, other years).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.disaggregation import published_disaggregates
from stratmon.sources.errors import ContentError
from stratmon.sources.values import parse_number
from stratmon.store import schema
from stratmon.store.data_version import PerDataVersion


@dataclass(frozen=True)
class PublishedValue:
    """One period's target and actual for the total (`category` None) or one disaggregate."""

    category: str | None
    target: Decimal | None
    target_text: str | None      # a target published as words, not a number
    actual: Decimal | None
    actual_text: str | None
    reason: str | None           # the publisher's explanation, when its comment is more than a label


@dataclass(frozen=True)
class PublishedPeriod:
    """A reporting period and its values: the total first, then the disaggregates by name."""

    start: date
    end: date
    values: tuple[PublishedValue, ...]


@dataclass(frozen=True)
class PublishedIndicator:
    """An indicator as its activity publishes it, with its periods in order."""

    id: int
    activity_id: int
    code: str                    # "<activity identifier>#<place in the activity>"
    title: str | None
    measure_code: str | None
    ascending: bool | None
    iati_identifier: str
    activity_title: str | None
    baseline: Decimal | None     # the earliest baseline, as a number
    baseline_text: str | None    # ... or as the words it was published in
    baseline_year: int | None
    lone_period: bool            # it has one period only (its life of project)
    periods: tuple[PublishedPeriod, ...]
    disaggregate_of: str | None  # the code of the indicator it is a part of, when published as one
    category: str | None


def number_and_words(text: str | None) -> tuple[Decimal | None, str | None]:
    """A stored value as a number (as the importer reads numbers: "307,000,000.00") or, when it is not
    one, as the words published, spaces folded; (None, None) when missing."""
    if text is None:
        return None, None
    try:
        return parse_number(text), None
    except ContentError:
        return None, " ".join(text.split())


# What the activities of a tracking table publish, by the activities' row ids (sorted): a handful of
# sets (each line's, each country's, all), each read once per data version.
_PUBLISHED = PerDataVersion(size=8)


def published_indicators(connection: Connection, activity_ids: list[int]) -> tuple[PublishedIndicator, ...]:
    """The indicators of the activities, by the activity's IATI identifier and then as published: read once
    per data version and shared by every caller and thread (never change them). Outside a write transaction
    only: on PostgreSQL the version moves at the commit."""
    chosen = tuple(activity_ids)
    return _PUBLISHED.get(connection, ("published-indicators", chosen), lambda: _read(connection, list(chosen)))


def _read(connection: Connection, activity_ids: list[int]) -> tuple[PublishedIndicator, ...]:
    """What `published_indicators` keeps, read from the database."""
    baseline, period, value = schema.indicator_baseline, schema.indicator_period, schema.indicator_period_value
    indicators = _indicators_of(connection, activity_ids)
    baselines = _grouped(connection, baseline.c.indicator_id, activity_ids, baseline.c.year, baseline.c.iso_date,
                         baseline.c.value_text)
    periods = _grouped(connection, period.c.indicator_id, activity_ids, period.c.id, period.c.period_start,
                       period.c.period_end)
    values = _grouped(connection, value.c.period_id, activity_ids, value.c.kind, value.c.value_text, value.c.comment,
                      value.c.dimensions)
    codes = _indicator_codes(indicators)
    # Disaggregates published as indicators of their own are marked as parts of their totals.
    parts = published_disaggregates([(row.id, row.result_id, row.title) for row in indicators])
    return tuple(_indicator(row, codes, parts, baselines.get(row.id, []), periods.get(row.id, []), values)
                 for row in indicators)


def _indicator(row, codes: dict[int, str], parts: dict, baselines: list, periods: list,
               values: dict[int, list]) -> PublishedIndicator:
    """One indicator with its earliest baseline and its periods ordered by start."""
    first = min(baselines, key=lambda b: (b.year or 0, b.iso_date or date.min, b.value_text or ""), default=None)
    number, words = number_and_words(first.value_text) if first else (None, None)
    part_of, category = parts.get(row.id, (None, None))
    ordered = sorted(periods, key=lambda p: (p.period_start or date.min, p.id))
    return PublishedIndicator(
        row.id, row.activity_id, codes[row.id], row.title, row.measure_code, row.ascending, row.iati_identifier,
        row.activity_title, number, words, first.year if first else None, len(periods) == 1,
        tuple(PublishedPeriod(p.period_start, p.period_end, _period_values(values.get(p.id, []))) for p in ordered),
        codes[part_of] if part_of is not None else None, category)


def _period_values(values: list) -> tuple[PublishedValue, ...]:
    """A period's values by disaggregate (the publisher's IATI <dimension>s), the total first."""
    by_category: dict[str | None, dict] = {None: {}}
    for value in values:
        by_category.setdefault(_category(value.dimensions), {})[value.kind] = value
    found = []
    for category in sorted(by_category, key=lambda c: (c is not None, c or "")):
        target, actual = by_category[category].get("target"), by_category[category].get("actual")
        target_number, target_words = number_and_words(getattr(target, "value_text", None))
        actual_number, actual_words = number_and_words(getattr(actual, "value_text", None))
        reason = _reason(getattr(actual, "comment", None), "actual") or _reason(getattr(target, "comment", None),
                                                                                "target")
        found.append(PublishedValue(category, target_number, target_words, actual_number, actual_words, reason))
    return tuple(found)


def _indicator_codes(indicators: list) -> dict[int, str]:
    """Each indicator's code: its activity's identifier and its place in the activity ("…#3"), stable across
    re-imports, unlike row ids."""
    positions: dict[int, int] = defaultdict(int)
    codes = {}
    for indicator in indicators:
        positions[indicator.activity_id] += 1
        codes[indicator.id] = f"{indicator.iati_identifier}#{positions[indicator.activity_id]}"
    return codes


def _indicators_of(connection: Connection, activity_ids: list[int]) -> list:
    """The indicators of the activities, by the activity's IATI identifier and then as published."""
    activity, ind = schema.activity, schema.result_indicator
    found = []
    for start in range(0, len(activity_ids), 500):
        found += connection.execute(
            select(ind.c.id, ind.c.activity_id, ind.c.result_id, ind.c.title, ind.c.measure_code, ind.c.ascending,
                   activity.c.iati_identifier, activity.c.title.label("activity_title"))
            .join(activity, activity.c.id == ind.c.activity_id)
            .where(ind.c.activity_id.in_(activity_ids[start:start + 500]))).all()
    return sorted(found, key=lambda row: (row.iati_identifier, row.id))


def _reason(comment: str | None, kind: str) -> str | None:
    """A value's comment as the publisher's explanation; None when it only labels the value: MCC writes
    "Indicator for Education Project Actual" on every actual (and "... Target" on every target)."""
    if not comment:
        return None
    text = " ".join(comment.split())
    if not text or (text.lower().startswith("indicator for ") and text.lower().endswith(f" {kind}")):
        return None
    return text


def _category(dimensions: list[dict] | None) -> str | None:
    """A value's disaggregate from its IATI <dimension>s ("Female (sex); Rural (area)"), None for the total."""
    if not dimensions:
        return None
    named = sorted((d.get("name") or "", d.get("value") or "") for d in dimensions)
    return "; ".join(f"{text} ({name})" if name else text for name, text in named) or None


def _grouped(connection: Connection, key, activity_ids: list[int], *columns) -> dict[int, list]:
    """`columns` of the rows of `key`'s table that belong to the activities, by `key` (an indicator's
    baselines and periods, a period's values); read by activity, a handful of ids rather than hundreds."""
    table = key.table
    found: dict[int, list] = defaultdict(list)
    for start in range(0, len(activity_ids), 500):
        # Fetched at once (`all`): row by row costs PostgreSQL's driver twice as much.
        for row in connection.execute(select(key, *columns)
                                      .where(table.c.activity_id.in_(activity_ids[start:start + 500]))).all():
            found[row[0]].append(row)
    return found
