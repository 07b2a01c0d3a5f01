"""Indicators: scorecards of where the tracked indicators stand, the registered indicators, and
the indicator tracking table (IPTT) as `stratmon iptt` computes it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection

from stratmon.analysis.errors import QueryError
from stratmon.analysis.indicator_registry import registered_indicators
from stratmon.analysis.results_by_objective import STATUSES, ObjectiveResults, indicator_total, reported_by, \
    reporting_organisations, results_by_objective, summed_counts
from stratmon.analysis.iptt import iptt
from stratmon.analysis.iptt_types import IpttRow, IpttTable
from stratmon.analysis.labels import Labels
from stratmon.framework.model import StatusThresholds
from stratmon.i18n import InLanguage, _, language
from stratmon.indicators.status import status_label
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable, page_number
from stratmon.web.portal.common import alignment_is_current, labels, link, status_counts

ROWS_PER_PAGE = 50
# The tracking table's columns as the page shows them: what a reader compares first (where, when, target,
# actual, status) beside the indicator, the rest further right. The downloads keep the IPTT's order.
TRACKING_PAGE_ORDER = ("country", "period", "target", "actual", "percent_achieved", "status", "baseline",
                       "baseline_year", "lop_target", "unit", "category", "activity", "activity_title", "objective",
                       "line", "indicator_code", "reason", "published")
# What a reader compares first, kept in view on a phone; the others follow in smaller type.
TRACKING_KEY_COLUMNS = TRACKING_PAGE_ORDER[:6]
# Its columns of the data's words (codes, titles, categories, reasons as publishers and partners wrote them).
TRACKING_AS_PUBLISHED = {"indicator_code", "activity", "activity_title", "category", "reason", "published"}


@dataclass
class IndicatorsPage:
    values: dict[str, str]
    choices: dict[str, list[tuple[str, str]]]
    aligned: bool
    cards: list[dict]
    overall: dict[str, int]
    thresholds: StatusThresholds
    tables: list[DataTable]

    @property
    def tracking_columns(self) -> list[Column]:
        """The tracking table's columns after the indicator's, in the page's order."""
        by_key = {column.key: column for column in self.tables[-1].columns}
        return [by_key[key] for key in TRACKING_PAGE_ORDER]

    @property
    def tracking_key_columns(self) -> tuple[str, ...]:
        return TRACKING_KEY_COLUMNS


def indicators_page(db: Connection, site: Site, params) -> IndicatorsPage:
    """Scorecards and the tracking table for the country and line asked for, the page of the tracking
    table `?page=` asks for on the page (its downloads hold every line)."""
    framework, lang, names = site.framework, language(), labels(db, site)
    values = {name: (params.get(name) or "").strip()[:100] for name in ("country", "line")}
    if values["country"] and framework.country(values["country"].upper()) is None:
        raise QueryError(_("country takes one of: {choices}").format(choices=", ".join(c.code for c in framework.countries)))
    if values["line"] and values["line"] not in {line.id for line in framework.lines_of_action}:
        raise QueryError(_("line takes one of: {choices}").format(
            choices=", ".join(line.id for line in framework.lines_of_action)))
    values["country"] = values["country"].upper()
    tracking = iptt(db, framework, lang, country=values["country"] or None, line=values["line"] or None)
    in_line = {o.id for line, o in framework.objectives() if line.id == values["line"]} if values["line"] else None
    results = results_by_objective(tracking, registered_indicators(db), framework, lang, objectives=in_line)
    cards, scorecard = _scorecards(site, results)
    table = _tracking_table(tracking, _items(tracking)).show_page("page", page_number(params, "page"), ROWS_PER_PAGE)
    choices = {"country": [(c.code, names.recipient(c.code)) for c in framework.countries],
               "line": [(line.id, line.name.get(lang)) for line in framework.lines_of_action]}
    return IndicatorsPage(values, choices, alignment_is_current(db, site), cards, summed_counts(results),
                          framework.indicator_status,
                          [scorecard, objectives_status_table(results, names),
                           registered_table(db, names, tracking.rows), table])


def _scorecards(site: Site, results: list[ObjectiveResults]) -> tuple[list[dict], DataTable]:
    """Per line of action (and for indicators under no objective), how many indicators stand where:
    the sums of its objectives' counts, disaggregates never counted."""
    lang = language()
    line_of = {o.id: line.id for line, o in site.framework.objectives()}
    by_line = defaultdict(list)
    for objective in results:
        by_line[line_of.get(objective.objective_id)].append(objective)
    cards = []
    for line in site.framework.lines_of_action:
        cards.append({"id": line.id, "name": line.name.get(lang), "href": link("lines", line.id),
                      "total": indicator_total(by_line[line.id]), "counts": summed_counts(by_line[line.id])})
    if by_line[None]:
        cards.append({"id": "none", "name": _("Not under an objective"), "href": None,
                      "total": indicator_total(by_line[None]), "counts": summed_counts(by_line[None])})
    table = DataTable("scorecard", _("Indicators by status of their latest result"), [
        Column("line", _("Line of action")), Column("total", _("Indicators"), "count"),
        *(Column(status, status_label(status).capitalize(), "count") for status in STATUSES)],
        [{"line": card["name"], "total": card["total"], **card["counts"]} for card in cards])
    table.links = {(index, "line"): card["href"] for index, card in enumerate(cards) if card["href"]}
    return cards, table


def registered_table(db: Connection, names: Labels, tracked: list[IpttRow], objectives: set[str] | None = None,
                     name: str = "registered") -> DataTable:
    """The registered indicators (under `objectives`, when given), each with where its entries in
    the tracking table `tracked` stand."""
    lang = language()
    directions = {"higher": _("higher is better"), "lower": _("lower is better")}
    indicators = registered_indicators(db, objectives)
    rows = []
    for indicator in indicators:
        counts = status_counts(row.latest_total() for row in tracked if row.indicator_code == indicator.code)
        rows.append({"code": indicator.code, "name": indicator.name(lang),
                     "objective": f"{indicator.objective_id} {names.objective(indicator.objective_id)}"
                     if indicator.objective_id else None,
                     "unit": indicator.unit, "direction": directions.get(indicator.direction, "–"),
                     "standing": "; ".join(f"{status_label(s)}: {n}" for s, n in counts.items() if n)
                     or _("no results yet")})
    table = DataTable(name, _("The Strategy's registered performance indicators"), [
        Column("code", _("Code")), Column("name", _("Indicator")), Column("objective", _("Objective")),
        Column("unit", _("Unit"), as_published=True), Column("direction", _("Direction")),
        Column("standing", _("Latest status (indicators × places)"))], rows)
    table.links = {(index, "objective"): link("objectives", indicator.objective_id)
                   for index, indicator in enumerate(indicators) if indicator.objective_id}
    return table


def objectives_status_table(results: list[ObjectiveResults], names: Labels) -> DataTable:
    """Each objective with its indicators and how many stand at each status (they add up)."""
    rows = [{"objective": f"{o.objective_id} {names.objective(o.objective_id)}" if o.objective_id
             else _("Not under an objective"), "indicators": len(o.indicators), **o.counts()} for o in results]
    table = DataTable("by-objective", _("Indicators by objective and status of their latest result"), [
        Column("objective", _("Objective")), Column("indicators", _("Indicators"), "count"),
        *(Column(status, status_label(status).capitalize(), "count") for status in STATUSES)], rows,
        note=_("Each indicator counts once, under the objective its activity's money is aligned to; disaggregates "
               "(by sex, place, grade) are parts of their indicator and not counted. The Strategy's registered "
               "indicators with no result yet count as no data."))
    table.links = {(index, "objective"): link("objectives", o.objective_id)
                   for index, o in enumerate(results) if o.objective_id}
    return table


def results_table(db: Connection, names: Labels, results: list[ObjectiveResults]) -> DataTable:
    """The indicators under the objectives of `results`, each with its latest result and, after it, its
    disaggregates (marked ↳, not counted)."""
    organisations = reporting_organisations(db, results)
    rows = []
    for objective in results:
        for indicator in objective.indicators:
            rows.append({"indicator": indicator.name, "objective": objective.objective_id,
                         "country": indicator.country, "reported_by": reported_by(names, indicator, organisations),
                         **_latest(indicator.latest)})
            # A disaggregate's category is the publisher's (or the partner's) word: "Female", "18 and under".
            rows += [{"indicator": InLanguage(f"↳ {part.category}", None), **_latest(part.latest)}
                     for part in indicator.disaggregates
                     if part.latest is not None and (part.latest.target is not None or part.latest.actual is not None)]
    return DataTable("results", _("Indicators and their latest results"), [
        Column("indicator", _("Indicator")), Column("objective", _("Objective")), Column("country", _("Country")),
        Column("reported_by", _("Reported by"), as_published=True), Column("period", _("Period")),
        Column("target", _("Target"), "number"), Column("actual", _("Actual"), "number"),
        Column("percent_achieved", _("Percent achieved"), "percent"), Column("status", _("Status")),
        Column("published", _("Written by the publisher"), as_published=True)], rows,
        note=_("Rows marked ↳ are disaggregates of the indicator above them: parts of it, not indicators of their "
               "own."))


def _latest(cell) -> dict:
    """A result's figures; what the publisher wrote in words goes to its own column."""
    if cell is None:
        return {"status": status_label("no_data")}
    published = [text for text in (cell.target_text and _("target: {value}").format(value=cell.target_text),
                                   cell.actual_text and _("actual: {value}").format(value=cell.actual_text)) if text]
    return {"period": cell.period_label, "target": cell.target, "actual": cell.actual,
            "percent_achieved": cell.percent_achieved, "status": cell.status_label,
            "published": "; ".join(published) or None}


def _items(tracking: IpttTable) -> list[tuple]:
    """Each indicator with each of its cells (or None when it has none): the table's lines."""
    return [(row, cell) for row in tracking.rows for cell in (row.cells or [None])]


def _number(value):
    """A figure for a numeric column: numbers as they are; words go to the notes column instead."""
    return value if value is None or not isinstance(value, str) else None


def _tracking_table(tracking: IpttTable, items: list[tuple]) -> DataTable:
    heading = tracking.headings
    rows = []
    for row, cell in items:
        published = [text for text in (row.baseline_text and _("baseline: {value}").format(value=row.baseline_text),
                                       cell and cell.target_text and _("target: {value}").format(value=cell.target_text),
                                       cell and cell.actual_text and _("actual: {value}").format(value=cell.actual_text))
                     if text]
        rows.append({
            "indicator_code": row.indicator_code, "indicator": row.indicator_name, "unit": row.unit,
            "line": row.line_name, "objective": row.objective_name, "activity": row.activity,
            "activity_title": row.activity_title, "country": row.country, "baseline": row.baseline,
            "baseline_year": str(row.baseline_year) if row.baseline_year else None, "lop_target": row.lop_target,
            "period": cell.period_label if cell else None, "period_start": cell.period_start if cell else None,
            "period_end": cell.period_end if cell else None,
            "category": (cell.category if cell else None) or row.category,
            "target": cell.target if cell else None, "actual": cell.actual if cell else None,
            "percent_achieved": cell.percent_achieved if cell else None,
            "status": cell.status_label if cell else status_label("no_data"),
            "status_key": cell.status if cell else "no_data",
            "reason": cell.reason if cell else None, "published": "; ".join(published) or None})
    kinds = {"baseline": "number", "lop_target": "number", "target": "number", "actual": "number",
             "percent_achieved": "percent", "period_start": "date", "period_end": "date"}
    keys = ("indicator_code", "indicator", "unit", "line", "objective", "activity", "activity_title", "country",
            "baseline", "baseline_year", "lop_target", "period", "period_start", "period_end", "category", "target",
            "actual", "percent_achieved", "status", "reason")
    table = DataTable("tracking", tracking.title, [
        *(Column(key, heading[key], kinds.get(key, "text"), as_published=key in TRACKING_AS_PUBLISHED) for key in keys),
        Column("published", _("Written by the publisher"), as_published=True)], rows,
        note=tracking.filters)
    table.links = {(index, "activity"): link("activities", row["activity"]) for index, row in enumerate(rows)
                   if row["activity"]}
    return table
