"""Data-quality checks over stored results: declared validation rules, outliers, completeness.

The checks follow DHIS2 practice (validation rules; z-score and min-max outlier detection) and
give evidence for the USAID Data Quality Assessment standards: validity and integrity (the
validation rules), precision and reliability (outliers), timeliness (completeness). The rules
are data, `<framework>/quality.yaml`; these functions only read `ResultPoint`s and return plain
records, never touching the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from stratmon.analysis.quality_types import Finding, ResultPoint
from stratmon.framework.loader import FrameworkError, read_yaml_mapping, resolve_framework_path, validated
from stratmon.framework.model import Strict, Text
from stratmon.i18n import _

Severity = Literal["error", "warning"]
ValueType = Literal["baseline", "target", "actual"]
Aggregation = Literal["sum", "last", "percentage"]
ZSCORE, MINMAX = "outlier_zscore", "outlier_minmax"


# ----------------------------------------------------------------------------- the rules file

class _Rule(Strict):
    """What every validation rule declares; `value_types` and `aggregations` narrow the points it
    looks at (absent: all)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity
    description: Text
    value_types: tuple[ValueType, ...] | None = None
    aggregations: tuple[Aggregation, ...] | None = None

    def applies_to(self, point: ResultPoint) -> bool:
        """Whether `point` is within the rule's value types and aggregations."""
        return ((self.value_types is None or point.value_type in self.value_types)
                and (self.aggregations is None or point.aggregation in self.aggregations))


class DisaggregatesSumRule(_Rule):
    """The categories of each scheme add up to the total (within `tolerance`)."""

    kind: Literal["disaggregates_sum"]
    tolerance: Decimal = Field(default=Decimal(0), ge=0)
    # Only counts add up; percentages and point-in-time values do not.
    aggregations: tuple[Aggregation, ...] | None = ("sum",)


class NotNegativeRule(_Rule):
    """No value below zero."""

    kind: Literal["not_negative"]


class RangeRule(_Rule):
    """Every value within [min, max]."""

    kind: Literal["range"]
    min: Decimal
    max: Decimal

    @model_validator(mode="after")
    def _ordered(self) -> RangeRule:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class NumeratorRule(_Rule):
    """A numerator never exceeds its denominator."""

    kind: Literal["numerator_le_denominator"]


ValidationRule = Annotated[DisaggregatesSumRule | NotNegativeRule | RangeRule | NumeratorRule,
                           Field(discriminator="kind")]


class Bounds(Strict):
    """The plausible values of one indicator's actuals."""

    min: Decimal
    max: Decimal

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class ZScoreOptions(Strict):
    """Flag an actual more than `threshold` population standard deviations from its indicator's mean."""

    threshold: Decimal = Field(default=Decimal("3.0"), gt=0)
    min_points: int = Field(default=5, ge=2)
    severity: Severity = "warning"


class MinMaxOptions(Strict):
    """Flag an actual outside the bounds declared for its indicator."""

    severity: Severity = "warning"


class OutlierOptions(Strict):
    """Both outlier methods (null switches one off) and the per-indicator bounds."""

    zscore: ZScoreOptions | None = ZScoreOptions()
    minmax: MinMaxOptions | None = MinMaxOptions()
    bounds: dict[str, Bounds] = {}


class CompletenessOptions(Strict):
    """No options yet; the key is kept so that a framework can declare them later."""


class QualityRules(Strict):
    """A framework's `quality.yaml`."""

    validation: tuple[ValidationRule, ...] = ()
    outliers: OutlierOptions = OutlierOptions()
    completeness: CompletenessOptions = CompletenessOptions()

    @model_validator(mode="after")
    def _unique_ids(self) -> QualityRules:
        seen = {ZSCORE, MINMAX}
        for rule in self.validation:
            if rule.id in seen:
                raise ValueError(f"duplicate or reserved rule id {rule.id!r}")
            seen.add(rule.id)
        return self


def load_quality_rules(path: Path) -> QualityRules:
    """The quality rules in `path`, validated; errors (`FrameworkError`) name the file and the key."""
    if not path.is_file():
        raise FrameworkError(_("{path}: no such file").format(path=path))
    return validated(QualityRules, read_yaml_mapping(path), path)


QUALITY_FILE = "quality.yaml"


def framework_quality_rules(framework: str | None = None) -> QualityRules:
    """The quality rules a framework brings: `quality.yaml` beside its YAML file."""
    return load_quality_rules(resolve_framework_path(framework).resolve().parent / QUALITY_FILE)


# ----------------------------------------------------------------------------- validation rules

def _num(value: Decimal) -> str:
    """A computed figure for messages: two decimals."""
    return f"{value:.2f}"


def _place(point: ResultPoint) -> str:
    """Where a value sits, for messages: period, activity, country, category."""
    parts = [f"{point.period_start}–{point.period_end}", point.activity, point.country]
    if point.category is not None:
        parts.append(f"{point.scheme}={point.category}")
    return ", ".join(part for part in parts if part)


def _finding(check: str, severity: str, points: Iterable[ResultPoint], message: str,
             **details: str) -> Finding:
    points = list(points)
    return Finding(check=check, severity=severity, result_ids=tuple(sorted(p.id for p in points)),
                   indicator=points[0].indicator, message=message, details=details)


def _disaggregates_sum(rule: DisaggregatesSumRule, points: list[ResultPoint]) -> Iterator[Finding]:
    totals: dict[tuple, ResultPoint] = {}
    schemes: dict[tuple, list[ResultPoint]] = defaultdict(list)
    for point in points:
        key = (point.indicator, point.activity, point.country, point.period_start, point.period_end,
               point.value_type)
        if point.category is None:
            totals[key] = point
        else:
            schemes[(*key, point.scheme)].append(point)
    for key, categories in schemes.items():
        total = totals.get(key[:-1])
        # Without a total, or with a value marked "not available", there is nothing to compare.
        if total is None or total.value is None or any(c.value is None for c in categories):
            continue
        summed = sum((c.value for c in categories), Decimal(0))
        if abs(summed - total.value) > rule.tolerance:
            yield _finding(
                rule.id, rule.severity, [total, *categories],
                f"{total.indicator} {total.value_type} ({_place(total)}): the {key[-1]} disaggregates "
                f"sum to {summed}, the total is {total.value}",
                scheme=str(key[-1]), total=str(total.value), sum=str(summed),
                difference=str(summed - total.value))


def _not_negative(rule: NotNegativeRule, points: list[ResultPoint]) -> Iterator[Finding]:
    for point in points:
        if point.value is not None and point.value < 0:
            yield _finding(rule.id, rule.severity, [point],
                           f"{point.indicator} {point.value_type} ({_place(point)}): {point.value} is negative",
                           value=str(point.value))


def _range(rule: RangeRule, points: list[ResultPoint]) -> Iterator[Finding]:
    for point in points:
        if point.value is not None and not rule.min <= point.value <= rule.max:
            yield _finding(rule.id, rule.severity, [point],
                           f"{point.indicator} {point.value_type} ({_place(point)}): {point.value} is "
                           f"outside {rule.min}–{rule.max}",
                           value=str(point.value), min=str(rule.min), max=str(rule.max))


def _numerator_le_denominator(rule: NumeratorRule, points: list[ResultPoint]) -> Iterator[Finding]:
    for point in points:
        if point.numerator is not None and point.denominator is not None and point.numerator > point.denominator:
            yield _finding(rule.id, rule.severity, [point],
                           f"{point.indicator} {point.value_type} ({_place(point)}): numerator "
                           f"{point.numerator} exceeds denominator {point.denominator}",
                           numerator=str(point.numerator), denominator=str(point.denominator))


_CHECKS: dict[str, Callable[..., Iterator[Finding]]] = {
    "disaggregates_sum": _disaggregates_sum,
    "not_negative": _not_negative,
    "range": _range,
    "numerator_le_denominator": _numerator_le_denominator,
}


# ----------------------------------------------------------------------------- outliers

def _actual_totals(points: list[ResultPoint]) -> dict[str, list[ResultPoint]]:
    """Actual totals with a value, by indicator: what both outlier methods look at."""
    by_indicator: dict[str, list[ResultPoint]] = defaultdict(list)
    for point in points:
        if point.value_type == "actual" and point.category is None and point.value is not None:
            by_indicator[point.indicator].append(point)
    return by_indicator


def _series_by_period_length(actuals: dict[str, list[ResultPoint]]) -> Iterator[tuple[str, list[ResultPoint]]]:
    """Each indicator's actuals split by how long their periods are, so that a year's total is not
    judged against quarters (a quarter, half a year, a year, or longer)."""
    for indicator, points in actuals.items():
        buckets: dict[int, list[ResultPoint]] = defaultdict(list)
        for point in points:
            days = (point.period_end - point.period_start).days
            buckets[next(limit for limit in (100, 200, 370, 10**9) if days <= limit)].append(point)
        for _limit, series in sorted(buckets.items()):
            yield indicator, series


def _zscore(options: ZScoreOptions, actuals: dict[str, list[ResultPoint]]) -> Iterator[Finding]:
    # As in DHIS2, the mean and the population standard deviation include the value judged, so
    # no value can lie further than (n − 1)/√n deviations out: with a threshold of 3, an
    # indicator needs at least 11 actuals before anything can be flagged.
    for indicator, series in _series_by_period_length(actuals):
        if len(series) < options.min_points:
            continue
        count = Decimal(len(series))
        mean = sum((p.value for p in series), Decimal(0)) / count
        std = (sum(((p.value - mean) ** 2 for p in series), Decimal(0)) / count).sqrt()
        if std == 0:
            continue
        for point in series:
            z = (point.value - mean) / std
            if abs(z) > options.threshold:
                yield _finding(
                    ZSCORE, options.severity, [point],
                    f"{indicator} actual ({_place(point)}): {point.value} lies {_num(abs(z))} standard "
                    f"deviations from the mean {_num(mean)} of {len(series)} actuals (threshold "
                    f"{options.threshold})",
                    value=str(point.value), mean=_num(mean), std=_num(std), z=_num(z),
                    threshold=str(options.threshold), count=str(len(series)))


def _minmax(options: MinMaxOptions, bounds: dict[str, Bounds],
            actuals: dict[str, list[ResultPoint]]) -> Iterator[Finding]:
    for indicator, limits in bounds.items():
        for point in actuals.get(indicator, []):
            if not limits.min <= point.value <= limits.max:
                yield _finding(MINMAX, options.severity, [point],
                               f"{indicator} actual ({_place(point)}): {point.value} is outside the "
                               f"declared bounds {limits.min}–{limits.max}",
                               value=str(point.value), min=str(limits.min), max=str(limits.max))


def check_results(points: list[ResultPoint], rules: QualityRules) -> list[Finding]:
    """Every declared validation rule and both outlier methods over `points`.

    Findings come sorted by check, indicator and result ids; each message is English with the
    numbers, and `details` holds the same numbers as strings for translation and JSON output.
    """
    findings: list[Finding] = []
    for rule in rules.validation:
        findings.extend(_CHECKS[rule.kind](rule, [p for p in points if rule.applies_to(p)]))
    actuals = _actual_totals(points)
    if rules.outliers.zscore is not None:
        findings.extend(_zscore(rules.outliers.zscore, actuals))
    if rules.outliers.minmax is not None:
        findings.extend(_minmax(rules.outliers.minmax, rules.outliers.bounds, actuals))
    return sorted(findings, key=lambda f: (f.check, f.indicator, f.result_ids))


# ----------------------------------------------------------------------------- completeness

@dataclass(frozen=True)
class CompletenessRow:
    """How many of the actuals expected from one partner for one period came, and came on time.

    Shares are 0–1, of the expected count."""

    org: str
    period_start: date
    period_end: date
    expected: int
    reported: int
    on_time: int
    share_reported: Decimal
    share_on_time: Decimal


def completeness(points: list[ResultPoint], expected: list[tuple[str, str, date, date]],
                 due_days: int = 30) -> list[CompletenessRow]:
    """Reporting and timeliness per partner and period, DHIS2's reporting rates.

    `expected` lists (org, indicator, period_start, period_end) that should have an actual. It is
    reported when an actual total exists for it (with a value, or marked not available), and on
    time when it was submitted no later than `due_days` after the period ends; a value without a
    submission date is reported but not on time. Rows come sorted by org and period.
    """
    submitted: dict[tuple, list[date | None]] = defaultdict(list)
    for point in points:
        if point.value_type == "actual" and point.category is None and point.org is not None \
                and (point.value is not None or point.not_available):
            submitted[(point.org, point.indicator, point.period_start, point.period_end)].append(
                point.submitted_on)
    counts: dict[tuple[str, date, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for org, indicator, start, end in set(expected):
        row = counts[(org, start, end)]
        row[0] += 1
        dates = submitted.get((org, indicator, start, end))
        if dates is not None:
            row[1] += 1
            due = end + timedelta(days=due_days)
            row[2] += any(day is not None and day <= due for day in dates)
    return [CompletenessRow(org, start, end, wanted, reported, on_time,
                            Decimal(reported) / wanted, Decimal(on_time) / wanted)
            for (org, start, end), (wanted, reported, on_time) in sorted(counts.items())]
