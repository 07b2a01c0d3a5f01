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

from sqlalchemy import Connection, select

from stratmon.analysis.activity_families import activity_families
from stratmon.analysis.disaggregation import category_name, published_disaggregates, to_latest
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.iptt_types import COLUMNS, IpttCell, IpttRow, IpttTable
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import InLanguage, _, format_day, format_fiscal_year
from stratmon.indicators.status import percent_achieved, status_label, status_of
from stratmon.sources.errors import ContentError
from stratmon.sources.values import fiscal_year, parse_number
from stratmon.store import schema
from stratmon.store.results import scheme_versions


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
    try:
        return parse_number(text)
    except ContentError:
        return None


def _published_text(text: str | None) -> str | None:
    """A value published as words rather than a number, as published (None when it is a number or missing)."""
    if text is None:
        return None
    try:
        parse_number(text)
    except ContentError:
        return " ".join(text.split())
    return None


class _Context:
    """What rows need beyond the results: names, alignment lines, countries, thresholds."""

    def __init__(self, framework: Framework, labels: Labels) -> None:
        self.framework = framework
        self.labels = labels
        thresholds = framework.indicator_status
        self.on_track, self.needs_attention = thresholds.on_track, thresholds.needs_attention
        self.line_of_objective = {o.id: line.id for line, o in framework.objectives()}

    def cell(self, direction: str, start: date, end: date, category: str | None, target: Decimal | None,
             actual: Decimal | None, not_available: bool, reason: str | None,
             baseline: Decimal | None = None) -> IpttCell:
        status = status_of(direction, target, actual, self.on_track, self.needs_attention, baseline)
        return IpttCell(period_label(start, end), start, end, category, target, actual, not_available,
                        percent_achieved(direction, target, actual, baseline), status, status_label(status),
                        reason)


def _activity_objectives(connection: Connection, activity_ids: list[int]) -> dict[int, str]:
    """Each activity's main objective: the one most of its (and its children's) obligated and
    disbursed money is aligned to."""
    families = activity_families(connection, activity_ids)
    owner = defaultdict(set)
    for root, members in families.items():
        for member in members:
            owner[member].add(root)
    members = sorted(owner)
    table = schema.alignment_split
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start in range(0, len(members), 500):
        for activity_id, objective_id, amount in connection.execute(
                select(table.c.activity_id, table.c.objective_id, table.c.amount_micros).where(
                    table.c.activity_id.in_(members[start:start + 500]), table.c.sector_vocabulary == "",
                    table.c.type_code.in_(("2", "3")), table.c.objective_id.is_not(None))):
            for root in owner[activity_id]:
                totals[root][objective_id] += abs(amount)
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
    activity, ind = schema.activity, schema.result_indicator
    indicators = list(connection.execute(
        select(ind.c.id, ind.c.activity_id, ind.c.result_id, ind.c.title, ind.c.measure_code, ind.c.ascending,
               activity.c.iati_identifier, activity.c.title.label("activity_title"))
        .join(activity, activity.c.id == ind.c.activity_id).order_by(activity.c.iati_identifier, ind.c.id)))
    activity_ids = sorted({row.activity_id for row in indicators})
    countries = _activity_countries(connection, activity_ids)
    objectives = _activity_objectives(connection, activity_ids)
    if country:
        indicators = [row for row in indicators if country in countries.get(row.activity_id, ())]
    if line:
        indicators = [row for row in indicators
                      if context.line_of_objective.get(objectives.get(row.activity_id)) == line]
    ids = [row.id for row in indicators]
    baselines = _by_indicator(connection, schema.indicator_baseline, ids)
    periods = _by_indicator(connection, schema.indicator_period, ids)
    values: dict[int, list] = defaultdict(list)
    value_table = schema.indicator_period_value
    period_ids = [p.id for rows in periods.values() for p in rows]
    for start in range(0, len(period_ids), 500):
        for row in connection.execute(select(value_table).where(value_table.c.period_id.in_(
                period_ids[start:start + 500]))):
            values[row.period_id].append(row)
    rows: list[IpttRow] = []
    positions: dict[int, int] = defaultdict(int)
    for indicator in indicators:
        # Stable across re-imports, unlike row ids: the indicator's place in its activity.
        positions[indicator.activity_id] += 1
        direction = "lower" if indicator.ascending is False else "higher"
        cells = []
        baseline = next(iter(sorted(baselines.get(indicator.id, []), key=lambda b: (b.year or 0, b.iso_date or date.min,
                                                                                    b.value_text or ""))), None)
        baseline_value = _decimal(baseline.value_text) if baseline else None
        all_periods = sorted(periods.get(indicator.id, []), key=lambda p: (p.period_start or date.min, p.id))
        for period in all_periods:
            if _overlaps(fiscal_years, period.period_start, period.period_end):
                cells += _period_cells(context, direction, period, values.get(period.id, []), baseline_value)
        objective = objectives.get(indicator.activity_id)
        line_id = context.line_of_objective.get(objective)
        rows.append(IpttRow(
            indicator_code=f"{indicator.iati_identifier}#{positions[indicator.activity_id]}",
            # The publisher's words, in whatever language it wrote them: pages mark them as the data's.
            indicator_name=InLanguage(indicator.title or "", None),
            unit=_("percentage") if indicator.measure_code == "2" else None, direction=direction,
            line_name=context.labels.line(line_id) if line_id else None,
            objective_name=f"{objective} {context.labels.objective(objective)}" if objective else None,
            activity=indicator.iati_identifier, activity_title=indicator.activity_title,
            country=", ".join(context.labels.recipient(c) for c in sorted(countries.get(indicator.activity_id, ()))),
            baseline=baseline_value, baseline_year=baseline.year if baseline else None,
            # A lone period of an indicator spans its life of project (MCC reports them so).
            lop_target=cells[0].target if len(all_periods) == 1 and cells else None, cells=cells,
            baseline_text=_published_text(baseline.value_text) if baseline else None,
            objective_id=objective, country_codes=tuple(sorted(countries.get(indicator.activity_id, ()))),
            counts_units=indicator.measure_code == "1"))
    return _nested(rows, [(row.id, row.result_id, row.title) for row in indicators])


def _nested(rows: list[IpttRow], indicators: list[tuple[int, int, str]]) -> list[IpttRow]:
    """The rows with each disaggregate published as an indicator of its own marked as a part of its total."""
    code_of = {key: row.indicator_code for (key, _result, _title), row in zip(indicators, rows)}
    parts = published_disaggregates(indicators)
    return [replace(row, disaggregate_of=code_of[parts[key][0]], category=parts[key][1]) if key in parts else row
            for (key, _result, _title), row in zip(indicators, rows)]


def _reason(comment: str | None, kind: str) -> str | None:
    """A value's comment as the publisher's explanation; None when it only labels the value: MCC writes
    "Indicator for Education Project Actual" on every actual (and "... Target" on every target)."""
    text = " ".join((comment or "").split())
    if not text or (text.lower().startswith("indicator for ") and text.lower().endswith(f" {kind}")):
        return None
    return text


def _period_cells(context: _Context, direction: str, period, values: list, baseline: Decimal | None) -> list[IpttCell]:
    """One period's total, then a cell per disaggregate the publisher gave as IATI <dimension>s."""
    by_category: dict[str | None, dict] = {None: {}}
    for value in values:
        dimensions = sorted((d.get("name") or "", d.get("value") or "") for d in value.dimensions or ())
        category = "; ".join(f"{text} ({name})" if name else text for name, text in dimensions) or None
        by_category.setdefault(category, {})[value.kind] = value
    cells = []
    for category in sorted(by_category, key=lambda c: (c is not None, c or "")):
        by_kind = by_category[category]
        target, actual = by_kind.get("target"), by_kind.get("actual")
        target_text, actual_text = getattr(target, "value_text", None), getattr(actual, "value_text", None)
        reason = _reason(getattr(actual, "comment", None), "actual") or _reason(getattr(target, "comment", None),
                                                                                "target")
        cell = context.cell(direction, period.period_start, period.period_end, category, _decimal(target_text),
                            _decimal(actual_text), False, reason, baseline if category is None else None)
        cells.append(replace(cell, target_text=_published_text(target_text), actual_text=_published_text(actual_text)))
    return cells


def _by_indicator(connection: Connection, table, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for row in connection.execute(select(table).where(table.c.indicator_id.in_(ids[start:start + 500]))):
            found[row.indicator_id].append(row)
    return found


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

