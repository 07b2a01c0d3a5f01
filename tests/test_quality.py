"""Data-quality checks: clean results raise nothing; each planted error is found once, by its check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from stratmon.analysis.quality import CompletenessRow, QualityRules, check_results, completeness, \
    load_quality_rules
from stratmon.analysis.quality_types import ResultPoint
from stratmon.framework import FrameworkError
from stratmon.framework.loader import read_yaml_mapping, shipped_framework_path

SHIPPED = shipped_framework_path("central_america").with_name("quality.yaml")
QUARTERS = [(date(2022, 10, 1), date(2022, 12, 31)), (date(2023, 1, 1), date(2023, 3, 31)),
            (date(2023, 4, 1), date(2023, 6, 30)), (date(2023, 7, 1), date(2023, 9, 30))]
SEMESTERS = [(date(2022, 10, 1), date(2023, 3, 31)), (date(2023, 4, 1), date(2023, 9, 30))]
MONTHS = [(date(2022 if m >= 10 else 2023, m, 1), date(2022 if m >= 10 else 2023, m, 28))
          for m in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
FISCAL_YEAR = (date(2022, 10, 1), date(2023, 9, 30))
PARTNERS = [("ORG-A", "US-1-ACT-A", "GT"), ("ORG-B", "US-1-ACT-B", "HN")]
AGGREGATION = {"EG.3.2-24": "sum", "ES.1-1": "sum", "GG.2.2-1": "sum", "HL.9-1": "percentage"}


class Points:
    """A builder that numbers the points it makes."""

    def __init__(self):
        self.points: list[ResultPoint] = []

    def add(self, indicator, partner, period, value, *, value_type="actual", scheme=None, category=None,
            numerator=None, denominator=None, not_available=False, submitted_on=None) -> ResultPoint:
        org, activity, country = partner
        number = lambda v: None if v is None else Decimal(str(v))  # noqa: E731
        point = ResultPoint(
            id=len(self.points) + 1, indicator=indicator, aggregation=AGGREGATION[indicator],
            activity=activity, org=org, country=country, period_start=period[0], period_end=period[1],
            value_type=value_type, value=number(value), not_available=not_available,
            numerator=number(numerator), denominator=number(denominator), scheme=scheme, category=category,
            submitted_on=submitted_on or period[1])
        self.points.append(point)
        return point

    def by_sex(self, indicator, partner, period, female, male, value_type="actual"):
        self.add(indicator, partner, period, female + male, value_type=value_type)
        self.add(indicator, partner, period, female, value_type=value_type, scheme="sex", category="female")
        self.add(indicator, partner, period, male, value_type=value_type, scheme="sex", category="male")


def clean_points() -> list[ResultPoint]:
    """Four indicators, two partners, quarters, months and semesters, all of it consistent."""
    made = Points()
    # A count by sex: targets and quarterly actuals whose disaggregates add up.
    for index, partner in enumerate(PARTNERS):
        made.by_sex("EG.3.2-24", partner, FISCAL_YEAR, 600 + index * 100, 400, value_type="target")
        for quarter, period in enumerate(QUARTERS):
            made.by_sex("EG.3.2-24", partner, period, 140 + quarter * 10 + index, 110 + quarter * 5)
    # An age scheme whose disaggregates are not available: skipped, never flagged.
    made.add("EG.3.2-24", PARTNERS[0], QUARTERS[0], 7, scheme="age", category="15-29")
    made.add("EG.3.2-24", PARTNERS[0], QUARTERS[0], None, scheme="age", category="30+", not_available=True)
    # A monthly count, steady enough for the z-score to have 24 points and flag none.
    for index, partner in enumerate(PARTNERS):
        for month, period in enumerate(MONTHS):
            made.add("ES.1-1", partner, period, 100 + index * 8 + (month % 5) - 2)
    # A count by semester, with a baseline.
    for index, partner in enumerate(PARTNERS):
        made.add("GG.2.2-1", partner, SEMESTERS[0], 0, value_type="baseline")
        for semester, period in enumerate(SEMESTERS):
            made.add("GG.2.2-1", partner, period, 12 + semester * 3 + index)
    # A percentage with numerator and denominator; its sex disaggregates are rates, which do not sum.
    for index, partner in enumerate(PARTNERS):
        made.add("HL.9-1", partner, FISCAL_YEAR, 75, value_type="target")
        for semester, period in enumerate(SEMESTERS):
            made.add("HL.9-1", partner, period, 80, numerator=40 + index * 4, denominator=50 + index * 5)
            made.add("HL.9-1", partner, period, 90, scheme="sex", category="female")
            made.add("HL.9-1", partner, period, 70, scheme="sex", category="male")
    return made.points


def _find(points, indicator, org, period, value_type="actual", category=None) -> ResultPoint:
    (found,) = [p for p in points if (p.indicator, p.org, (p.period_start, p.period_end), p.value_type,
                                      p.category) == (indicator, org, period, value_type, category)]
    return found


def planted_points() -> tuple[list[ResultPoint], dict[str, tuple[int, ...]]]:
    """The clean data with one error of each kind, and the ids each check must name."""
    points = clean_points()
    changes: dict[int, dict] = {}
    expected: dict[str, tuple[int, ...]] = {}

    total = _find(points, "EG.3.2-24", "ORG-A", QUARTERS[1])
    female = _find(points, "EG.3.2-24", "ORG-A", QUARTERS[1], category="female")
    male = _find(points, "EG.3.2-24", "ORG-A", QUARTERS[1], category="male")
    changes[male.id] = {"value": male.value - 5}
    expected["disaggregates_sum_to_total"] = (total.id, female.id, male.id)

    negative = _find(points, "GG.2.2-1", "ORG-B", SEMESTERS[1])
    changes[negative.id] = {"value": Decimal(-3)}
    expected["actual_not_negative"] = (negative.id,)

    too_high = _find(points, "HL.9-1", "ORG-A", SEMESTERS[1], category="female")
    changes[too_high.id] = {"value": Decimal(140)}
    expected["percentage_in_range"] = (too_high.id,)

    swapped = _find(points, "HL.9-1", "ORG-B", SEMESTERS[0])
    changes[swapped.id] = {"numerator": Decimal(60), "denominator": Decimal(50)}
    expected["numerator_within_denominator"] = (swapped.id,)

    wild = _find(points, "ES.1-1", "ORG-B", MONTHS[8])
    changes[wild.id] = {"value": Decimal(5000)}
    expected["outlier_zscore"] = (wild.id,)

    # Out of bounds, yet its disaggregates add up.
    for category, value in ((None, 150000), ("female", 70000), ("male", 80000)):
        point = _find(points, "EG.3.2-24", "ORG-B", QUARTERS[3], category=category)
        changes[point.id] = {"value": Decimal(value)}
    expected["outlier_minmax"] = (_find(points, "EG.3.2-24", "ORG-B", QUARTERS[3]).id,)

    return [replace(p, **changes.get(p.id, {})) for p in points], expected


@pytest.fixture(scope="module")
def rules() -> QualityRules:
    """The shipped rules, with bounds declared for one indicator."""
    raw = read_yaml_mapping(SHIPPED)
    raw["outliers"]["bounds"] = {"EG.3.2-24": {"min": 0, "max": 100000}}
    return QualityRules.model_validate(raw)


def test_shipped_rules_load():
    shipped = load_quality_rules(SHIPPED)
    assert [(r.id, r.kind) for r in shipped.validation] == [
        ("disaggregates_sum_to_total", "disaggregates_sum"), ("actual_not_negative", "not_negative"),
        ("percentage_in_range", "range"), ("numerator_within_denominator", "numerator_le_denominator")]
    assert shipped.outliers.zscore.threshold == Decimal("3.0") and shipped.outliers.zscore.min_points == 5
    assert shipped.outliers.bounds == {} and shipped.outliers.minmax is not None
    assert all(r.description.es and r.description.en for r in shipped.validation)


def test_clean_data_has_no_findings(rules):
    points = clean_points()
    assert len({p.id for p in points}) == len(points) > 70
    assert check_results(points, rules) == []


def test_each_planted_error_is_found_once_by_its_check(rules):
    points, expected = planted_points()
    findings = check_results(points, rules)
    assert {f.check: f.result_ids for f in findings} == expected
    assert len(findings) == len(expected)
    assert [f.check for f in findings] == sorted(expected)


def test_findings_carry_the_numbers(rules):
    points, _ = planted_points()
    found = {f.check: f for f in check_results(points, rules)}
    summed = found["disaggregates_sum_to_total"]
    assert (summed.severity, summed.indicator) == ("error", "EG.3.2-24")
    assert summed.details == {"scheme": "sex", "total": "265", "sum": "260", "difference": "-5"}
    assert "260" in summed.message and "265" in summed.message
    assert found["actual_not_negative"].details == {"value": "-3"}
    assert found["percentage_in_range"].details == {"value": "140", "min": "0", "max": "100"}
    assert found["numerator_within_denominator"].details == {"numerator": "60", "denominator": "50"}
    zscore = found["outlier_zscore"]
    assert zscore.severity == "warning" and zscore.details["value"] == "5000"
    assert Decimal(zscore.details["z"]) > 3 and zscore.details["count"] == "24"
    assert found["outlier_minmax"].details == {"value": "150000", "min": "0", "max": "100000"}
    assert "150000" in found["outlier_minmax"].message and "100000" in found["outlier_minmax"].message


def test_zscore_needs_enough_points_and_spread(rules):
    made = Points()
    for month in MONTHS[:4]:
        made.add("ES.1-1", PARTNERS[0], month, 100)
    made.add("ES.1-1", PARTNERS[0], MONTHS[4], 10000)  # 5 points: the most any can lie out is 4/√5
    assert check_results(made.points, rules) == []
    flat = Points()
    for month in MONTHS:
        flat.add("ES.1-1", PARTNERS[0], month, 100)
    assert check_results(flat.points, rules) == []


def test_tolerance_allows_rounding():
    raw = read_yaml_mapping(SHIPPED)
    raw["validation"][0]["tolerance"] = 1
    made = Points()
    made.by_sex("EG.3.2-24", PARTNERS[0], QUARTERS[0], 50, 50)
    points = [replace(p, value=Decimal(99)) if p.category is None else p for p in made.points]
    assert check_results(points, QualityRules.model_validate(raw)) == []
    assert len(check_results(points, load_quality_rules(SHIPPED))) == 1


@pytest.mark.parametrize(("broken", "where"), [
    ("kind: disaggregates_sum", "kind: average"),
    ("    min: 0\n", ""),
])
def test_broken_rules_name_the_file_and_the_key(tmp_path, broken, where):
    text = SHIPPED.read_text(encoding="utf-8")
    assert broken in text
    path = tmp_path / "quality.yaml"
    path.write_text(text.replace(broken, where, 1), encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_quality_rules(path)
    message = str(error.value)
    assert message.startswith(f"{path}: validation[")
    assert ("'average'" in message and "'kind'" in message) if "average" in where else ".min: " in message


def test_unknown_keys_and_reversed_range_are_refused(tmp_path):
    path = tmp_path / "quality.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("max: 100\n", "max: -1\n"), encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"validation\[2\]\.range: .*min must not exceed max"):
        load_quality_rules(path)
    path.write_text("outliers:\n  zscore: {treshold: 2}\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"outliers\.zscore\.treshold"):
        load_quality_rules(path)
    with pytest.raises(FrameworkError, match="no such file"):
        load_quality_rules(tmp_path / "missing.yaml")


def test_completeness_counts_and_timeliness():
    q1, q2 = QUARTERS[0], QUARTERS[1]
    made = Points()
    made.add("EG.3.2-24", PARTNERS[0], q1, 10, submitted_on=date(2023, 1, 20))      # on time
    made.add("GG.2.2-1", PARTNERS[0], q1, 4, submitted_on=date(2023, 2, 15))        # late
    made.add("EG.3.2-24", PARTNERS[1], q1, None, not_available=True,
             submitted_on=date(2023, 1, 30))                                         # DNA, due day
    made.add("GG.2.2-1", PARTNERS[1], q1, 5, value_type="target")                   # not an actual
    made.add("GG.2.2-1", PARTNERS[1], q1, 2, scheme="sex", category="female")       # not a total
    made.add("EG.3.2-24", PARTNERS[0], q2, 12)
    made.points[-1] = replace(made.points[-1], submitted_on=None)                     # draft
    expected = [(org, indicator, *period) for org in ("ORG-A", "ORG-B") for period in (q1, q2)
                for indicator in ("EG.3.2-24", "GG.2.2-1")]
    rows = completeness(made.points, expected + expected[:1])  # a repeated expectation counts once
    assert rows == [
        CompletenessRow("ORG-A", *q1, 2, 2, 1, Decimal("1"), Decimal("0.5")),
        CompletenessRow("ORG-A", *q2, 2, 1, 0, Decimal("0.5"), Decimal("0")),
        CompletenessRow("ORG-B", *q1, 2, 1, 1, Decimal("0.5"), Decimal("0.5")),
        CompletenessRow("ORG-B", *q2, 2, 0, 0, Decimal("0"), Decimal("0")),
    ]
    assert completeness(made.points, expected, due_days=60)[0].on_time == 2
