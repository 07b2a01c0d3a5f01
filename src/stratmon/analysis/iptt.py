"""The indicator tracking table: baselines, targets, actuals, achievement and status per indicator
and period, from the results U.S. agencies publish in IATI and from approved entered results.

Entered disaggregates are read under their scheme's newest categories, so re-cut schemes keep
every stored value in the table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, select

from stratmon.analysis.activity_families import activity_families
from stratmon.analysis.disaggregation import category_name, to_latest
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import exact_sum, joined_sum
from stratmon.analysis.iptt_types import COLUMNS, IpttCell, IpttRow, IpttTable
from stratmon.analysis.labels import Labels
from stratmon.analysis.published_results import PublishedIndicator, number_and_words, published_indicators
from stratmon.framework import Framework
from stratmon.i18n import InLanguage, _, format_day, format_fiscal_year
from stratmon.indicators.status import percent_achieved, status_label, status_of
from stratmon.sources.values import fiscal_year
from stratmon.store import schema
from stratmon.store.data_version import PerDataVersion
from stratmon.store.results import scheme_versions
from stratmon.store.splits import NO_SECTOR_SPLIT


def headings() -> dict[str, str]:
    """Column headings in the current language."""
    names = [_("Indicator code"), _("Indicator"), _("Unit"), _("Line of action"), _("Objective"), _("Activity"),
             _("Activity title"), _("Country"), _("Baseline"), _("Baseline year"), _("Life-of-project target"),
             _("Period"), _("Period start"), _("Period end"), _("Disaggregate"), _("Target"), _("Actual"),
             _("Percent achieved"), _("Status"), _("Reason")]
    return {**dict(zip(COLUMNS, names)), "sheet": _("IPTT")}


def period_label(start: date, end: date) -> str:
    """A period as people name it: a U.S. fiscal year or quarter, a calendar year, else its dates."""
    if start.month == 10 and start.day == 1 and end.month == 9 and end.day == 30 and end.year == start.year + 1:
        return format_fiscal_year(end.year)
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31 and end.year == start.year:
        return str(start.year)
    quarter_starts = {10: 1, 1: 2, 4: 3, 7: 4}
    quarter_end = _quarter_end(start) if start.day == 1 and start.month in quarter_starts else None
    if quarter_end == end:
        return _("FY{year} Q{quarter}").format(year=fiscal_year(start), quarter=quarter_starts[start.month])
    # Days as the reader's language writes them ("16 may 2016 – 16 may 2021"); the files keep ISO dates
    # in the period's start and end columns.
    return f"{format_day(start, width='medium')} – {format_day(end, width='medium')}"


def _quarter_end(start: date) -> date:
    """The last day of the three-month quarter starting on `start`."""
    month = start.month + 3
    year = start.year + (month > 12)
    return date(year, (month - 1) % 12 + 1, 1) - timedelta(days=1)


def _decimal(text: str | None) -> Decimal | None:
    """A stored value as a number: as the importer reads numbers ("307,000,000.00"; NULL missing);
    None for words."""
    return number_and_words(text)[0]


class _Context:
    """What rows need beyond the results: names, alignment lines, countries, thresholds."""

    def __init__(self, framework: Framework, labels: Labels) -> None:
        self.framework = framework
        self.labels = labels
        thresholds = framework.indicator_status
        self.on_track, self.needs_attention = thresholds.on_track, thresholds.needs_attention
        self.line_of_objective = {o.id: line.id for line, o in framework.objectives()}
        # A table repeats a handful of periods and statuses over hundreds of indicators: each named once.
        self._names: dict[tuple, str] = {}

    def cell(self, direction: str, start: date, end: date, category: str | None, target: Decimal | None,
             actual: Decimal | None, not_available: bool, reason: str | None,
             baseline: Decimal | None = None, target_text: str | None = None,
             actual_text: str | None = None) -> IpttCell:
        status = status_of(direction, target, actual, self.on_track, self.needs_attention, baseline)
        return IpttCell(self._named(("period", start, end), period_label, start, end), start, end, category, target,
                        actual, not_available, percent_achieved(direction, target, actual, baseline), status,
                        self._named(("status", status), status_label, status), reason, target_text, actual_text)

    def _named(self, key: tuple, name, *args) -> str:
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = name(*args)
        return found


def _activity_objectives(connection: Connection, activity_ids: list[int]) -> dict[int, str]:
    """Each activity's main objective: the one most of its (and its children's) obligated and
    disbursed money is aligned to (each transaction part counted by its size, de-obligations too)."""
    families = activity_families(connection, activity_ids)
    owner = defaultdict(set)
    for root, members in families.items():
        for member in members:
            owner[member].add(root)
    members = sorted(owner)
    table = schema.alignment_split
    # Summed by the database per member, objective, sector vocabulary and type (a family's split rows run
    # to thousands); the vocabulary and the types are then chosen here, as a condition on them would lead
    # SQLite to scan every split row of those types by its index on them instead of the members' rows.
    sizes = exact_sum(func.abs(table.c.amount_micros))
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start in range(0, len(members), 500):
        for activity_id, objective_id, vocabulary, type_code, units, remainder in connection.execute(
                select(table.c.activity_id, table.c.objective_id, table.c.sector_vocabulary, table.c.type_code,
                       *sizes)
                .where(table.c.activity_id.in_(members[start:start + 500]), table.c.objective_id.is_not(None))
                .group_by(table.c.activity_id, table.c.objective_id, table.c.sector_vocabulary, table.c.type_code)):
            if vocabulary == NO_SECTOR_SPLIT and type_code in ("2", "3"):
                for root in owner[activity_id]:
                    totals[root][objective_id] += joined_sum(units, remainder)
    return {activity_id: max(found, key=lambda objective: (found[objective], objective))
            for activity_id, found in totals.items()}


def _activity_countries(connection: Connection, activity_ids: list[int]) -> dict[int, set[str]]:
    recipient = schema.recipient
    found: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(activity_ids), 500):
        for activity_id, code in connection.execute(select(recipient.c.activity_id, recipient.c.code).where(
                recipient.c.activity_id.in_(activity_ids[start:start + 500]), recipient.c.kind == "country")):
            found[activity_id].add(code.upper())
    return found


def _overlaps(fiscal_years: FiscalYears, start: date | None, end: date | None) -> bool:
    if start is None or end is None:
        return True
    first = fiscal_years.first or 0
    last = fiscal_years.last or 9999
    return fiscal_year(start) <= last and fiscal_year(end) >= first


def _iati_rows(connection: Connection, context: _Context, country: str | None, line: str | None,
               fiscal_years: FiscalYears) -> list[IpttRow]:
    """The indicators agencies publish in IATI, of the activities in `country` and whose main objective
    is in `line`: the activities are chosen first, so only their indicators, periods and values are read."""
    activity_ids, countries, objectives = _indicator_activities(connection)
    chosen = [activity_id for activity_id in activity_ids
              if (not country or country in countries.get(activity_id, ()))
              and (not line or context.line_of_objective.get(objectives.get(activity_id)) == line)]
    about = {activity_id: _ActivityFacts(context, objectives.get(activity_id), countries.get(activity_id, ()))
             for activity_id in chosen}
    percentage = _("percentage")
    rows = []
    for indicator in published_indicators(connection, chosen):
        cells = _indicator_cells(context, indicator, fiscal_years)
        facts = about[indicator.activity_id]
        rows.append(IpttRow(
            indicator_code=indicator.code,
            # The publisher's words, in whatever language it wrote them: pages mark them as the data's.
            indicator_name=InLanguage(indicator.title or "", None),
            unit=percentage if indicator.measure_code == "2" else None, direction=_direction(indicator),
            line_name=facts.line_name, objective_name=facts.objective_name,
            activity=indicator.iati_identifier, activity_title=indicator.activity_title,
            country=facts.country, baseline=indicator.baseline, baseline_year=indicator.baseline_year,
            # A lone period of an indicator spans its life of project (MCC reports them so).
            lop_target=cells[0].target if indicator.lone_period and cells else None, cells=cells,
            baseline_text=indicator.baseline_text, objective_id=facts.objective_id,
            country_codes=facts.country_codes, counts_units=indicator.measure_code == "1",
            disaggregate_of=indicator.disaggregate_of, category=indicator.category))
    return rows


def _direction(indicator: PublishedIndicator) -> str:
    return "lower" if indicator.ascending is False else "higher"


def _indicator_cells(context: _Context, indicator: PublishedIndicator, fiscal_years: FiscalYears) -> list[IpttCell]:
    """An indicator's cells in the fiscal years: per period its total, then a cell per disaggregate the
    publisher gave as IATI <dimension>s."""
    direction = _direction(indicator)
    return [context.cell(direction, period.start, period.end, value.category, value.target, value.actual, False,
                         value.reason, indicator.baseline if value.category is None else None, value.target_text,
                         value.actual_text)
            for period in indicator.periods if _overlaps(fiscal_years, period.start, period.end)
            for value in period.values]


class _ActivityFacts:
    """What every indicator row of one activity repeats: its main objective and line, and its countries, named."""

    def __init__(self, context: _Context, objective_id: str | None, country_codes) -> None:
        line_id = context.line_of_objective.get(objective_id)
        self.objective_id = objective_id
        self.line_name = context.labels.line(line_id) if line_id else None
        self.objective_name = f"{objective_id} {context.labels.objective(objective_id)}" if objective_id else None
        self.country_codes = tuple(sorted(country_codes))
        self.country = ", ".join(context.labels.recipient(code) for code in self.country_codes)


# Which activities publish indicators, their countries and main objectives: what every tracking table
# starts from (a line's, a country's, the indicators page's), read once per data version.
_INDICATOR_ACTIVITIES = PerDataVersion(size=4)


def _indicator_activities(connection: Connection) -> tuple[list[int], dict[int, set[str]], dict[int, str]]:
    """The activities with indicators (row ids), the countries of each and the main objective of each."""
    def read() -> tuple[list[int], dict[int, set[str]], dict[int, str]]:
        indicator = schema.result_indicator
        activity_ids = sorted(connection.execute(select(indicator.c.activity_id).distinct()).scalars())
        return (activity_ids, _activity_countries(connection, activity_ids),
                _activity_objectives(connection, activity_ids))

    return _INDICATOR_ACTIVITIES.get(connection, "indicator-activities", read)


def _entered_rows(connection: Connection, context: _Context, country: str | None, line: str | None,
                  fiscal_years: FiscalYears, lang: str) -> list[IpttRow]:
    ind, value, activity = schema.indicator, schema.result_value, schema.activity
    statement = (select(value, ind.c.code, ind.c.name_en, ind.c.name_es, ind.c.unit, ind.c.direction,
                        ind.c.objective_id, ind.c.aggregation, ind.c.cumulative,
                        activity.c.id.label("activity_row"), activity.c.title.label("activity_title"))
                 .join(ind, ind.c.id == value.c.indicator_id)
                 .outerjoin(activity, activity.c.iati_identifier == value.c.activity)
                 .where(value.c.status == "approved").order_by(value.c.id))
    results = list(connection.execute(statement))
    countries = _activity_countries(connection, sorted({r.activity_row for r in results if r.activity_row}))
    versions = defaultdict(list)
    for version in scheme_versions(connection):
        versions[version.code].append(version)
    scheme_names = {code: _scheme_name(connection, code, lang) for code in versions}
    groups: dict[tuple, dict] = {}
    for row in results:
        where = {row.country_key} if row.country_key else countries.get(row.activity_row, set())
        if (country and country not in where) or (line and context.line_of_objective.get(row.objective_id) != line):
            continue
        group = groups.setdefault((row.code, row.activity, row.country_key),
                                  {"row": row, "cells": defaultdict(dict), "baselines": [], "where": where})
        if row.value_type == "baseline" and not row.category:
            group["baselines"].append(row)  # chosen before the period filter: a baseline predates it
            continue
        if not _overlaps(fiscal_years, row.period_start, row.period_end):
            continue
        category = row.category or None
        if category and row.aggregation == "sum":
            # Counts add up, so a re-cut scheme's old categories roll into the new ones; shares and
            # latest values do not, so they keep the categories they were reported in.
            category = to_latest(versions[row.scheme_code], row.scheme_version, category)
        cell = group["cells"][(row.period_start, row.period_end, row.scheme_code, category)]
        amount = _decimal(row.value_text)
        if row.not_available:
            cell[f"{row.value_type}_dna"] = True
        elif amount is not None:
            cell[row.value_type] = cell.get(row.value_type, Decimal(0)) + amount
        for part in ("numerator", "denominator"):
            number = _decimal(row._mapping[f"{part}_text"])
            if number is not None and row.value_type == "actual":
                cell[part] = cell.get(part, Decimal(0)) + number
        if row.reason:
            cell["reason"] = row.reason
    return [_entered_row(context, group, versions, scheme_names, lang) for _key, group in sorted(groups.items())]


def _scheme_name(connection: Connection, code: str, lang: str) -> str:
    table = schema.disaggregation_scheme
    found = connection.execute(select(table.c.name_en, table.c.name_es).where(table.c.code == code)
                               .order_by(table.c.version.desc()).limit(1)).first()
    return (found.name_es if lang == "es" else found.name_en) if found else code


def _entered_row(context: _Context, group: dict, versions, scheme_names: dict[str, str], lang: str) -> IpttRow:
    first = group["row"]
    baseline = min(group["baselines"], key=lambda r: (r.period_start, r.id), default=None)
    baseline_value = _decimal(baseline.value_text) if baseline else None
    ordered = sorted(group["cells"].items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3] or ""))
    totals = [(start, end, found) for (start, end, _scheme, category), found in ordered if category is None]
    leaves = _leaf_periods(totals)
    running = Decimal(0)
    cells = []
    for (start, end, scheme, category), found in ordered:
        name = f"{scheme_names.get(scheme, scheme)}: {category_name(versions[scheme], category, lang)}" \
            if category else None
        actual = found.get("actual")
        if first.cumulative and first.aggregation == "sum" and category is None and actual is not None \
                and (start, end) in leaves:
            # A cumulative indicator reports, each period, everything achieved so far.
            running += actual
            actual = running
        cells.append(context.cell(first.direction, start, end, name, found.get("target"), actual,
                                  found.get("actual_dna", False), found.get("reason"), baseline_value))
    span = (min(t[0] for t in totals), max(t[1] for t in totals)) if totals else None
    lop_target = next((found.get("target") for start, end, found in totals
                       if (start, end) == span and len(totals) > 1), None)
    summary = _life_of_project_cell(context, first, totals, leaves, lop_target, baseline_value)
    if summary is not None:
        cells.append(summary)
    objective = first.objective_id
    line_id = context.line_of_objective.get(objective)
    return IpttRow(
        # A registered indicator's unit is its registry's words ("farmers"), in one language.
        indicator_code=first.code, indicator_name=first.name_es if lang == "es" else first.name_en,
        unit=InLanguage(first.unit, None) if first.unit else None,
        direction=first.direction, line_name=context.labels.line(line_id) if line_id else None,
        objective_name=f"{objective} {context.labels.objective(objective)}" if objective else None,
        activity=first.activity or None, activity_title=first.activity_title,
        country=", ".join(context.labels.recipient(code) for code in sorted(group["where"])) or None,
        baseline=baseline_value, baseline_year=baseline.period_end.year if baseline else None,
        lop_target=lop_target, cells=cells, objective_id=objective, country_codes=tuple(sorted(group["where"])),
        counts_units=first.aggregation == "sum")


def _leaf_periods(totals: list[tuple[date, date, dict]]) -> set[tuple[date, date]]:
    """The periods that contain no other reported period: quarters inside a year are counted, the
    year that holds them is not, so nothing is counted twice."""
    spans = [(start, end) for start, end, _found in totals]
    return {(start, end) for start, end in spans
            if not any((s, e) != (start, end) and start <= s and e <= end for s, e in spans)}


def _life_of_project_cell(context: _Context, indicator, totals: list[tuple[date, date, dict]],
                          leaves: set[tuple[date, date]], lop_target: Decimal | None,
                          baseline: Decimal | None) -> IpttCell | None:
    """Progress over the whole life of the project, by the indicator's aggregation: the sum of the
    periods' actuals, the latest actual, or summed numerators over summed denominators."""
    if len(totals) < 2:
        return None
    periods = [(start, end, found) for start, end, found in totals if (start, end) in leaves]
    actuals = [(end, found) for _start, end, found in periods if found.get("actual") is not None]
    targets = [found["target"] for _start, _end, found in periods if found.get("target") is not None]
    if indicator.aggregation == "sum":
        actual = sum((found["actual"] for _end, found in actuals), Decimal(0)) if actuals else None
        target = lop_target if lop_target is not None else (sum(targets, Decimal(0)) if targets else None)
    else:
        latest = max(actuals, key=lambda item: item[0])[1] if actuals else None
        actual = latest.get("actual") if latest else None
        numerators = [found.get("numerator") for _start, _end, found in periods]
        denominators = [found.get("denominator") for _start, _end, found in periods]
        if indicator.aggregation == "percentage" and periods and all(n is not None for n in numerators) and \
                all(d is not None for d in denominators) and sum(denominators):
            actual = sum(numerators) / sum(denominators) * 100
        target = lop_target if lop_target is not None else (targets[-1] if targets else None)
    start = min(start for start, _end, _found in totals)
    end = max(end for _start, end, _found in totals)
    cell = context.cell(indicator.direction, start, end, None, target, actual, False, None, baseline)
    return replace(cell, period_label=_("Life of project"))


def iptt(connection: Connection, framework: Framework, lang: str, *, country: str | None = None,
         line: str | None = None, fiscal_years: FiscalYears = FiscalYears()) -> IpttTable:
    """The indicator tracking table for the filters given."""
    labels = Labels(connection, framework, lang)
    context = _Context(framework, labels)
    rows = [*_entered_rows(connection, context, country, line, fiscal_years, lang),
            *_iati_rows(connection, context, country, line, fiscal_years)]
    filters = []
    if country:
        filters.append(_("Country: {country}").format(country=labels.recipient(country)))
    if line:
        filters.append(_("Line of action: {line}").format(line=labels.line(line)))
    if fiscal_years.first or fiscal_years.last:
        filters.append(_("Fiscal years: {years}").format(years=str(fiscal_years)))
    return IpttTable(title=_("Indicator tracking table"), generated_on=date.today(),
                     filters="; ".join(filters) or _("All countries and lines of action"),
                     headings=headings(), rows=rows, lang=lang)

