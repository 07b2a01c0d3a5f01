"""Context indicators: values as stored, and each country's latest value against the baseline year."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.framework import Framework
from stratmon.store import schema

value_table = schema.context_value


@dataclass(frozen=True)
class ContextPoint:
    """One stored value, exactly as published, with its provenance."""

    indicator: str
    country: str
    year: int
    period: str
    dimension: str
    value: Decimal
    unit: str | None
    source: str
    vintage: str | None


@dataclass(frozen=True)
class AgainstBaseline:
    """A country's indicator at the baseline year and at its latest year."""

    indicator: str
    country: str
    baseline_year: int
    baseline: Decimal | None
    latest_year: int | None
    latest: Decimal | None
    change: Decimal | None
    improved: bool | None  # by the catalogue's direction; None without both values
    source: str | None


def context_points(connection: Connection, *, indicator: str | None = None, country: str | None = None,
                   dimension: str = "", countries: list[str] | None = None) -> list[ContextPoint]:
    """Stored values (totals unless `dimension` is given), ordered by indicator, country, year;
    only of `country` (or `countries`) when given."""
    query = select(value_table).where(value_table.c.dimension == dimension)
    if indicator:
        query = query.where(value_table.c.indicator == indicator)
    if country:
        query = query.where(value_table.c.country_key == country.upper())
    if countries:
        query = query.where(value_table.c.country_key.in_([code.upper() for code in countries]))
    rows = connection.execute(query).all()
    points = [ContextPoint(r.indicator, r.country_key, r.year, r.period, r.dimension, Decimal(r.value_text),
                           r.unit, r.source, r.vintage) for r in rows]
    return sorted(points, key=lambda p: (p.indicator, p.country, p.year, p.source))


def against_baseline(connection: Connection, framework: Framework, *, indicator: str | None = None,
                     countries: list[str] | None = None) -> list[AgainstBaseline]:
    """For each catalogue indicator and country: the baseline-year value, the latest value, the change."""
    wanted = countries or [c.code for c in framework.countries]
    results = []
    for spec in framework.context_indicators:
        if indicator and spec.id != indicator:
            continue
        # Only the wanted countries' values: sources such as OWID publish every country of the world.
        points = context_points(connection, indicator=spec.id, countries=wanted)
        for country in wanted:
            series = [p for p in points if p.country == country]
            if not series:
                continue
            # One source per series: the one with the most recent value.
            source = max(series, key=lambda p: (p.year, p.source)).source
            series = [p for p in series if p.source == source]
            baseline = next((p.value for p in series if p.year == spec.baseline_year), None)
            latest = series[-1]
            change = latest.value - baseline if baseline is not None and latest.year > spec.baseline_year else None
            if change is None or change == 0 or spec.direction == "neutral":
                improved = None
            else:
                improved = (change < 0) == (spec.direction == "lower")
            results.append(AgainstBaseline(spec.id, country, spec.baseline_year, baseline, latest.year,
                                           latest.value, change, improved, source))
    return results
