"""The report's results section: indicators by objective with their status counts, each objective's
indicators with their disaggregates under them, the targets missed with the reasons given, and
what a unit of result cost, with the money each cost divides named.

The counts come from `results_by_objective`, where every indicator sits under one objective and no
disaggregate is an indicator, so each objective's counts add up to its indicators and the footer's
to all of them.
"""

from __future__ import annotations

from decimal import Decimal

from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.indicator_registry import registered_indicators
from stratmon.analysis.iptt import iptt
from stratmon.analysis.iptt_types import IpttCell
from stratmon.analysis.performance import UnitCost, unit_costs
from stratmon.analysis.report_types import Column, Section, Table
from stratmon.analysis.results_by_objective import STATUSES, Disaggregate, ObjectiveResults, indicator_total, \
    reported_by, reporting_organisations, results_by_objective, summed_counts
from stratmon.i18n import _, format_count, format_measure, format_percent, format_usd_words, ngettext
from stratmon.indicators.status import status_label

ZERO = Decimal("0.00")
UNIT_COSTS_SHOWN = 10
PER_PROGRAMME = 2


def results_section(builder) -> tuple[Section, dict[str, int]]:
    """The section, and how many indicators stand at each status in all."""
    tracking = iptt(builder.connection, builder.framework, builder.lang, country=builder.country,
                    fiscal_years=builder.fiscal_years)
    results = results_by_objective(tracking, registered_indicators(builder.connection), builder.framework,
                                   builder.lang)
    publishers = reporting_organisations(builder.connection, results)
    statuses = summed_counts(results)
    tables = [_status_table(builder, results),
              *(_objective_table(builder, objective, publishers) for objective in results),
              _missed_table(builder, results),
              _unit_cost_table(builder, unit_costs(builder.connection, tracking, builder.country,
                                                   builder.fiscal_years))]
    return Section("results", _("Results by objective"), _paragraphs(results, statuses), (), tuple(tables)), statuses


def _paragraphs(results: list[ObjectiveResults], statuses: dict[str, int]) -> tuple[str, ...]:
    indicators = [i for objective in results for i in objective.indicators]
    if not indicators:
        return (_("No indicator is published in IATI, entered or registered for the report's years and places."),)
    origins = {origin: sum(1 for i in indicators if i.origin == origin) for origin in ("published", "entered",
                                                                                      "registered")}
    parts = sum(len(i.disaggregates) for i in indicators)
    missed = [i for i in indicators if i.missed_target]
    explained = sum(1 for i in missed if i.latest.reason)
    return (
        ngettext("{n} indicator: {published} published by U.S. agencies in IATI, {entered} with results entered in "
                 "Strategy Monitor, {registered} registered with no result yet; the first table counts them by "
                 "objective.",
                 "{n} indicators: {published} published by U.S. agencies in IATI, {entered} with results entered in "
                 "Strategy Monitor, {registered} registered with no result yet; the first table counts them by "
                 "objective.", len(indicators)).format(n=len(indicators), **origins),
        ngettext("{n} disaggregate (by sex, place, grade or age) is shown under its indicator; it is not counted as "
                 "an indicator, and no cost per unit is computed on it.",
                 "{n} disaggregates (by sex, place, grade or age) are shown under their indicators; they are not "
                 "counted as indicators, and no cost per unit is computed on them.", parts).format(n=parts),
        _("By their latest result, {on} indicators are on track, {attention} need attention, {off} are off track, "
          "{no_target} have no target and {no_data} have no result for the period.").format(
            on=statuses["on_track"], attention=statuses["needs_attention"], off=statuses["off_track"],
            no_target=statuses["no_target"], no_data=statuses["no_data"]),
        _("{missed} missed their target; the publisher or the person who entered the result gave a reason for "
          "{explained} of them.").format(missed=len(missed), explained=explained))


def _objective_name(builder, objective_id: str | None) -> str:
    if objective_id is None:
        return _("Not under an objective (the activity's money is not aligned)")
    return f"{objective_id} {builder.labels.objective(objective_id)}"


def _status_table(builder, results: list[ObjectiveResults]) -> Table:
    disbursed = builder.sums(("objective",))
    rows = [{"objective": _objective_name(builder, objective.objective_id),
             "disbursed": disbursed.get(objective.objective_id, ZERO) if objective.objective_id else None,
             "indicators": len(objective.indicators), **objective.counts()} for objective in results]
    return Table("results_by_objective", _("Indicators by objective and status of their latest result"), (
        Column("objective", _("Objective")), Column("disbursed", _("Disbursed (USD)"), "money"),
        Column("indicators", _("Indicators"), "number"),
        *(Column(status, status_label(status).capitalize(), "number") for status in STATUSES)),
        tuple(rows), {"objective": _("Total"), "disbursed": sum((r["disbursed"] or ZERO for r in rows), ZERO),
                      "indicators": indicator_total(results), **summed_counts(results)},
        note=_("Each indicator counts once, under the objective its activity's money is aligned to, so the "
               "statuses of a row add up to its indicators. Disaggregates are not indicators and are not counted. "
               "Disbursed: the objective's own disbursements in the period (its sub-objectives apart); the total "
               "is that of the objectives listed."))


def _short_period(cell: IpttCell | None) -> str:
    """The period of a result in few characters: "FY2019", "2015–2020"."""
    if cell is None:
        return ""
    if cell.period_label.startswith(("FY", "AF")) or cell.period_label.isdigit():
        return cell.period_label
    first, last = cell.period_start.year, cell.period_end.year
    return str(first) if first == last else f"{first}–{last}"


def _figures(cell: IpttCell | None) -> dict:
    if cell is None:
        return {"target": None, "actual": None, "achieved": None, "status": status_label("no_data")}
    return {"target": cell.target if cell.target is not None else cell.target_text,
            "actual": cell.actual if cell.actual is not None else cell.actual_text,
            "achieved": cell.percent_achieved, "status": cell.status_label}


def _has_figure(cell: IpttCell | None) -> bool:
    return cell is not None and any(value is not None for value in (cell.target, cell.actual, cell.target_text,
                                                                     cell.actual_text))


def _figure_words(value: Decimal | None, text: str | None) -> str:
    return text if value is None else _amount(value)


def _disaggregate_words(part: Disaggregate) -> str:
    """One disaggregate in a line: "Female: 13,000 of 15,000 (86.7%)", "Male: 14,000", "Jalapa: target 90"."""
    cell = part.latest
    actual, target = _figure_words(cell.actual, cell.actual_text), _figure_words(cell.target, cell.target_text)
    if actual and target:
        words = _("{category}: {actual} of {target}").format(category=part.category, actual=actual, target=target)
        return words + (f" ({format_percent(cell.percent_achieved)})" if cell.percent_achieved is not None else "")
    if actual:
        return _("{category}: {actual}").format(category=part.category, actual=actual)
    return _("{category}: target {target}").format(category=part.category, target=target)


def _objective_table(builder, objective: ObjectiveResults, publishers: dict[str, str]) -> Table:
    rows, notes, empty = [], [], 0
    for indicator in objective.indicators:
        where = [indicator.country] if indicator.country else []
        rows.append({"indicator": indicator.name,
                     "reported_by": " · ".join([*where, reported_by(builder.labels, indicator, publishers)]),
                     "period": _short_period(indicator.latest), **_figures(indicator.latest)})
        shown = [part for part in indicator.disaggregates if _has_figure(part.latest)]
        empty += len(indicator.disaggregates) - len(shown)
        notes.append(" · ".join(_disaggregate_words(part) for part in shown) or None)
    note = _("Latest result of each indicator in the report's years; its disaggregates, on a line under it, are "
             "parts of it and not counted.")
    if empty:
        note += " " + ngettext("{n} disaggregate with no target and no result is left out.",
                               "{n} disaggregates with no target and no result are left out.", empty).format(n=empty)
    return Table(f"objective_{objective.objective_id or 'none'}", _objective_name(builder, objective.objective_id), (
        Column("indicator", _("Indicator")), Column("reported_by", _("Where, reported by"), as_published=True),
        Column("period", _("Period")), Column("target", _("Target"), "number"), Column("actual", _("Actual"), "number"),
        Column("achieved", _("Achieved"), "percent"), Column("status", _("Status"))),
        tuple(rows), row_notes=tuple(notes), note=note)


def _missed_table(builder, results: list[ObjectiveResults]) -> Table:
    rows = []
    for objective in results:
        for indicator in objective.missed():
            cell = indicator.latest
            rows.append({"objective": objective.objective_id or "–", "indicator": indicator.name,
                         "country": indicator.country or "", "target": cell.target, "actual": cell.actual,
                         "achieved": cell.percent_achieved, "reason": cell.reason or _("none given")})
    return Table("missed_targets", _("Targets missed (latest result) and the reasons given"), (
        Column("objective", _("Objective")), Column("indicator", _("Indicator")), Column("country", _("Country")),
        Column("target", _("Target"), "number"), Column("actual", _("Actual"), "number"),
        Column("achieved", _("Achieved"), "percent"), Column("reason", _("Reason"), as_published=True)), tuple(rows),
        note=_("Needing attention or off track, by objective, furthest from the target first. A reason is the "
               "comment the publisher wrote on the result in IATI, or the reason entered with the result."))


def unit_cost_words(builder, cost: UnitCost) -> str:
    """The division a unit cost is, in words: whose money, through what, where and when, over what."""
    what = cost.unit or cost.indicator_name
    return _("{money} disbursed by {agency} through “{activity}” in {country}, {span}, ÷ {actual} {what}").format(
        money=format_usd_words(cost.disbursed_usd), agency=builder.labels.agency_short(cost.agency),
        activity=cost.activity_title or cost.activity, country=builder.labels.recipient(cost.country),
        span=span_words(cost.first_fy, cost.last_fy), actual=_amount(cost.actual), what=what)


def _amount(value: Decimal) -> str:
    """A count as a whole number ("347"), a measure as measures read ("32.16")."""
    return format_count(int(value)) if value == value.to_integral_value() else format_measure(value)


def _largest(costs: list[UnitCost]) -> list[UnitCost]:
    """The unit costs of the programmes that disbursed most, at most PER_PROGRAMME each (those of the
    most units first), so that the table spans several programmes."""
    by_programme: dict[tuple[str, str], list[UnitCost]] = {}
    for cost in sorted(costs, key=lambda c: (-c.actual, c.indicator_code)):
        by_programme.setdefault((cost.activity, cost.country), []).append(cost)
    programmes = sorted(by_programme.values(), key=lambda found: (-found[0].disbursed_usd, found[0].activity))
    return [cost for found in programmes for cost in found[:PER_PROGRAMME]][:UNIT_COSTS_SHOWN]


def _unit_cost_table(builder, costs: list[UnitCost]) -> Table:
    largest = _largest(costs)
    return Table("unit_costs", _("Cost per unit of result (largest programmes)"), (
        Column("indicator", _("Indicator"), as_published=True), Column("country", _("Country")),
        Column("usd_per_unit", _("USD per unit"), "money"), Column("computed", _("Computed as"), as_published=True)),
        tuple({"indicator": c.indicator_name, "country": builder.labels.recipient(c.country),
               "usd_per_unit": c.usd_per_unit, "computed": unit_cost_words(builder, c)} for c in largest),
        note=_("Only on an indicator's total, never on a disaggregate. All of the activity's disbursements in the "
               "country (with the activities under it) divided by the indicator's latest actual: an upper bound, "
               "since the same money buys several results."))
