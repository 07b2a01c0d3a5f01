"""Context indicators: values as stored, and each country's latest value against its baseline.

The baseline is the value of the indicator's baseline year (else the Strategy's first fiscal year) or,
where the source has none for that year, of the nearest year within the framework's tolerance
(`context_baseline.tolerance_years`); the year used is kept, so that every table can name it. In a
table bound to a span of fiscal years, the latest value is the last inside the span, never one after it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.framework import Framework
from stratmon.i18n import _, format_measure
from stratmon.store import schema
from stratmon.store.data_version import PerDataVersion

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
    """A country's indicator at its baseline and at its latest year."""

    indicator: str
    country: str
    reference_year: int  # the year the baseline should come from
    tolerance_years: int  # how far from it the baseline may be taken
    baseline_year: int | None  # the year it was taken from (None: no value near enough)
    baseline: Decimal | None
    latest_year: int | None
    latest: Decimal | None
    change: Decimal | None
    improved: bool | None  # by the catalogue's direction; None without both values
    source: str | None


def context_points(connection: Connection, *, indicator: str | None = None, country: str | None = None,
                   dimension: str = "", countries: list[str] | None = None,
                   indicators: list[str] | None = None) -> list[ContextPoint]:
    """Stored values (totals unless `dimension` is given), ordered by indicator, country, year;
    only of `indicator` (or `indicators`) and of `country` (or `countries`) when given."""
    query = select(value_table).where(value_table.c.dimension == dimension)
    if indicator:
        query = query.where(value_table.c.indicator == indicator)
    if indicators is not None:
        query = query.where(value_table.c.indicator.in_(indicators))
    if country:
        query = query.where(value_table.c.country_key == country.upper())
    if countries:
        query = query.where(value_table.c.country_key.in_([code.upper() for code in countries]))
    rows = connection.execute(query).all()
    points = [ContextPoint(r.indicator, r.country_key, r.year, r.period, r.dimension, Decimal(r.value_text),
                           r.unit, r.source, r.vintage) for r in rows]
    return sorted(points, key=lambda p: (p.indicator, p.country, p.year, p.source))


def against_baseline(connection: Connection, framework: Framework, *, indicator: str | None = None,
                     indicators: Collection[str] | None = None, countries: list[str] | None = None,
                     fiscal_years: FiscalYears | None = None) -> list[AgainstBaseline]:
    """For each catalogue indicator (only `indicator`, or those of `indicators`, when given) and country: the
    baseline, the latest value, the change. With `fiscal_years`, the latest value is the last inside that
    span (calendar years read as the fiscal years of the same number); without it, the last stored."""
    wanted = countries or [c.code for c in framework.countries]
    span = fiscal_years or FiscalYears()
    tolerance = framework.context_baseline.tolerance_years
    specs = [spec for spec in framework.context_indicators if (not indicator or spec.id == indicator)
             and (indicators is None or spec.id in indicators)]
    series_of = _series(connection, framework, [spec.id for spec in specs], wanted)
    results = []
    for spec in specs:
        reference = framework.baseline_year(spec)
        for country in wanted:
            series = series_of.get((spec.id, country), [])
            if not series:
                continue
            inside = [p for p in series if p.year in span]
            # One source per series: the one with the most recent value in the span.
            source = max(inside or series, key=lambda p: (p.year, p.source)).source
            series = [p for p in series if p.source == source]
            inside = [p for p in inside if p.source == source]
            baseline = _nearest(series, reference, tolerance)
            latest = inside[-1] if inside else None
            change = (latest.value - baseline.value
                      if baseline is not None and latest is not None and latest.year > baseline.year else None)
            if change is None or change == 0 or spec.direction == "neutral":
                improved = None
            else:
                improved = (change < 0) == (spec.direction == "lower")
            results.append(AgainstBaseline(
                spec.id, country, reference, tolerance, baseline.year if baseline else None,
                baseline.value if baseline else None, latest.year if latest else None,
                latest.value if latest else None, change, improved, source))
    return results


# The catalogue's values in the framework's countries: what every page's context table shows some of.
_STRATEGY_SERIES = PerDataVersion(size=4)


def _series(connection: Connection, framework: Framework, indicators: list[str],
            countries: list[str]) -> dict[tuple[str, str], list[ContextPoint]]:
    """(indicator, country) → its stored totals, in `context_points` order. Only the countries' values are
    read (sources such as OWID publish every country of the world); those of the framework's countries are
    read for the whole catalogue at once and kept per data version, the others for what is asked."""
    ours = [country.code for country in framework.countries]
    if set(countries) <= set(ours):
        catalogue = [spec.id for spec in framework.context_indicators]
        return _STRATEGY_SERIES.get(connection, ("context series", tuple(catalogue), tuple(ours)),
                                    lambda: _by_series(context_points(connection, indicators=catalogue,
                                                                      countries=ours)))
    return _by_series(context_points(connection, indicators=indicators, countries=countries))


def _by_series(points: list[ContextPoint]) -> dict[tuple[str, str], list[ContextPoint]]:
    series: dict[tuple[str, str], list[ContextPoint]] = {}
    for point in points:
        series.setdefault((point.indicator, point.country), []).append(point)
    return series


def _nearest(series: list[ContextPoint], year: int, tolerance: int) -> ContextPoint | None:
    """The value of `year`, else of the nearest year at most `tolerance` away (the earlier of two equally
    near: a baseline should precede what it is the baseline of)."""
    near = [p for p in series if abs(p.year - year) <= tolerance]
    return min(near, key=lambda p: (abs(p.year - year), p.year)) if near else None


# --- in words, for tables -------------------------------------------------------------------------------

def baseline_year_words(row: AgainstBaseline) -> str:
    """The year the baseline comes from ("2015"; "2014, nearest to 2015"), or which years had none."""
    if row.baseline_year is None:
        return _("no value in {first}–{last}").format(first=row.reference_year - row.tolerance_years,
                                                      last=row.reference_year + row.tolerance_years)
    if row.baseline_year != row.reference_year:
        return _("{year}, nearest to {reference}").format(year=row.baseline_year, reference=row.reference_year)
    return str(row.baseline_year)


def change_words(row: AgainstBaseline, lang: str | None = None) -> str:
    """The change and its direction: "−16.10, better"; "–" without both values. The baseline and the
    latest value stand in columns of their own beside it, so they are not repeated here."""
    if row.change is None:
        return "–"
    if row.change == 0:
        return _("no change")
    sign = "−" if row.change < 0 else "+"
    change = format_measure(abs(row.change), lang, like=max(abs(row.baseline), abs(row.latest)))
    if not any(digit in change for digit in "123456789"):
        change = format_measure(abs(row.change), lang)  # too small for the values' decimals: its own
    verdict = {True: _("better"), False: _("worse")}.get(row.improved)
    difference = sign + change
    return _("{difference}, {verdict}").format(difference=difference, verdict=verdict) if verdict else difference


def baseline_note(last_year: int | None, tolerance: int) -> str:
    """What a context table's baseline, latest value and change mean."""
    latest = (_("the latest value is the last up to {year}").format(year=last_year) if last_year is not None
              else _("the latest value is the last published"))
    return _("The baseline is each indicator's value in its baseline year or, where the source has none, in the "
             "nearest year at most {tolerance} years away (the year used is shown); {latest}. The change is the "
             "latest value less the baseline, better or worse by the indicator's direction (a lower homicide "
             "rate is better); values are as the source publishes them.").format(tolerance=tolerance, latest=latest)
