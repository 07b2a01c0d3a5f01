"""The lines of action and their objectives: what each is, the money aligned to it over time, by
country and agency, its objectives, its indicators and its largest activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.analysis.breakdown import Breakdown
from stratmon.analysis.events import events_in
from stratmon.analysis.indicator_registry import registered_indicators
from stratmon.analysis.iptt import iptt
from stratmon.analysis.results_by_objective import results_by_objective, summed_counts
from stratmon.chart_style import line_colours
from stratmon.framework.model import LineOfAction, Objective
from stratmon.i18n import _, language
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import (
    FUNDING_TYPES, activities_table, alignment_is_current, labels, largest, line_table, line_year_chart, line_year_table,
    link, money, money_columns, money_table, year_chart, year_table)
from stratmon.web.portal.context import context_table
from stratmon.web.portal.narratives import NarrativePanel, narrative_panel
from stratmon.web.portal.indicators import registered_table, results_table
from stratmon.web.portal.span import Span, with_span

RESULTS_PER_PAGE = 60  # rows of the indicators' results table a page shows (its downloads hold them all)


@dataclass
class LinesOverview:
    """The three lines of action side by side."""

    cards: list[dict]
    aligned: bool
    chart: dict | None
    tables: list[DataTable]
    span: Span


@dataclass
class FocusPage:
    """A line of action or an objective, and everything the portal knows about its money."""

    line: LineOfAction
    objective: Objective | None
    name: str
    description: str
    is_proposed: bool
    source: str
    breadcrumbs: list[tuple[str, str | None]]
    aligned: bool
    span: Span
    obligated: Decimal | None = None
    disbursed: Decimal | None = None
    year_chart: dict | None = None
    scorecard: dict[str, int] = field(default_factory=dict)
    missing_context: list[str] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)
    narratives: NarrativePanel | None = None  # a line of action's, by country (not an objective's)


def lines_overview(db: Connection, site: Site, span: Span) -> LinesOverview:
    framework, lang, names = site.framework, language(), labels(db, site)
    aligned = alignment_is_current(db, site)
    by_line = money(db, site, ("line", "fy"), aligned, fiscal_years=span.fiscal_years) if aligned else None
    cards, colours = [], line_colours(framework)
    for line in framework.lines_of_action:
        cards.append({"line": line, "name": line.name.get(lang), "description": line.description.get(lang),
                      "colour": colours[line.id],
                      "href": link("lines", line.id) + span.query, "objectives": sum(1 for _o in line.all_objectives()),
                      **({kind: by_line.total(kind, line=line.id) for kind in FUNDING_TYPES} if by_line is not None else {})})
    tables: list[DataTable] = []
    if by_line is not None:
        tables.append(line_table(by_line, names, framework))
        tables.append(_objectives_table(db, site, [o for line in framework.lines_of_action
                                                   for o in line.all_objectives()], names, span, with_line=True))
        tables.append(line_year_table(by_line, framework))
    chart = (line_year_chart(by_line, names, framework, events_in(framework, span.fiscal_years))
             if by_line is not None else None)
    return LinesOverview(cards, aligned, chart, with_span(tables, span), span)


def line_page(db: Connection, site: Site, line: LineOfAction, span: Span, results_page: int = 1) -> FocusPage:
    lang = language()
    page = FocusPage(line, None, line.name.get(lang), line.description.get(lang), line.status == "proposed",
                     line.source, [(_("Lines of action"), link("lines") + span.query), (line.name.get(lang), None)],
                     alignment_is_current(db, site), span)
    objectives = list(line.all_objectives())
    money_by = _fill(db, site, page, {"lines": (line.id,)}, objectives, results_page)
    page.narratives = narrative_panel(db, site, span, line=line.id, focus_money=money_by)
    context = [spec for spec in site.framework.context_indicators if spec.line == line.id]
    table, page.missing_context = context_table(db, site, span, context)
    page.tables.append(table)
    return page


def objective_page(db: Connection, site: Site, line: LineOfAction, objective: Objective,
                   parents: list[Objective], span: Span, results_page: int = 1) -> FocusPage:
    lang = language()
    crumbs = [(_("Lines of action"), link("lines") + span.query),
              (line.name.get(lang), link("lines", line.id) + span.query),
              *((f"{p.id} {p.name.get(lang)}", link("objectives", p.id) + span.query) for p in parents),
              (f"{objective.id} {objective.name.get(lang)}", None)]
    page = FocusPage(line, objective, objective.name.get(lang), objective.description.get(lang),
                     objective.status == "proposed", objective.source, crumbs, alignment_is_current(db, site), span)
    objectives = list(objective.walk())
    # Its line too, which every row of its objectives has: the line's index then serves the largest activities.
    # Given a list of objectives (one with sub-objectives), SQLite passes over the objective index (migration
    # 0018) for the query index and reads every row of the span.
    focus = {"lines": (line.id,), "objectives": tuple(o.id for o in objectives)}
    _fill(db, site, page, focus, objectives[1:], results_page)
    return page


def find_objective(site: Site, objective_id: str) -> tuple[LineOfAction, Objective, list[Objective]] | None:
    """An objective of the framework with its line and its parent objectives (outermost first)."""
    def search(children, trail):
        for child in children:
            if child.id == objective_id:
                return child, trail
            found = search(child.objectives, [*trail, child])
            if found:
                return found
        return None

    for line in site.framework.lines_of_action:
        found = search(line.objectives, [])
        if found:
            return line, found[0], found[1]
    return None


def _fill(db: Connection, site: Site, page: FocusPage, focus: dict, objectives: list[Objective],
          results_page: int = 1) -> Breakdown | None:
    """Money, objectives, indicators and activities of a line (`focus` {"lines": ...}) or an
    objective with its sub-objectives (`focus` {"lines": ..., "objectives": ...}); `results_page`, the page of its
    indicators' results shown. Returns the focus's money by year, country, agency and objective (None when
    the alignment is not current)."""
    names, span = labels(db, site), page.span
    money_by = None
    if page.aligned:
        money_by = money(db, site, ("fy", "country", "agency", "objective"), True, fiscal_years=span.fiscal_years,
                         **focus)
        years = year_table("by-year", _("Obligations and disbursements by fiscal year (USD)"), money_by)
        page.obligated, page.disbursed = (money_by.total(kind) for kind in FUNDING_TYPES)
        page.year_chart = year_chart(years, events_in(site.framework, span.fiscal_years))
        page.tables += [
            years,
            money_table("by-country", _("By recipient country or region (USD)"), _("Country or region"), money_by,
                        "country", names.recipient, _country_link(site, span), total=True),
            money_table("by-agency", _("By agency (USD)"), _("Agency"), money_by, "agency", names.agency, total=True)]
        if objectives:
            page.tables.append(_objectives_table(db, site, objectives, names, span, money_by=money_by))
        top = largest(db, site, fiscal_years=span.fiscal_years, **focus)
        page.tables.append(activities_table("top-activities", _("Largest activities by disbursements (USD)"), top,
                                            names))
        with_span(page.tables, span)
    elif objectives:
        page.tables.append(_objectives_table(db, site, objectives, names, span))
    focus_ids = {o.id for o in (page.objective.walk() if page.objective else page.line.all_objectives())}
    page.tables.append(_indicator_table(db, site, page, focus_ids, names, results_page))
    return money_by


def _country_link(site: Site, span: Span):
    codes = {country.code for country in site.framework.countries}
    return lambda key: link("countries", key) + span.query if key in codes else None


def _objectives_table(db: Connection, site: Site, objectives: list[Objective], names, span: Span, money_by=None,
                      with_line: bool = False) -> DataTable:
    """Objectives with their status and, when aligned, their money including their sub-objectives'."""
    lang = language()
    line_of = {o.id: line for line, o in site.framework.objectives()}
    if money_by is None and alignment_is_current(db, site) and objectives:
        money_by = money(db, site, ("objective",), True, fiscal_years=span.fiscal_years)
    sums = {kind: money_by.sums(("objective",), kind) for kind in FUNDING_TYPES} if money_by else None
    rows = []
    for objective in objectives:
        row = {"objective": f"{objective.id} {objective.name.get(lang)}", "status": _status_name(objective.status)}
        if with_line:
            row["line"] = line_of[objective.id].name.get(lang)
        if sums is not None:
            ids = [(o.id,) for o in objective.walk()]
            for kind in FUNDING_TYPES:
                row[kind] = sum((sums[kind].get(i, Decimal("0.00")) for i in ids), Decimal("0.00"))
        rows.append(row)
    columns = [Column("objective", _("Objective")), *([Column("line", _("Line of action"))] if with_line else []),
               Column("status", _("Status")), *(money_columns() if sums is not None else [])]
    table = DataTable("objectives", _("Objectives (USD)") if sums is not None else _("Objectives"), columns, rows,
                      note=_("An objective's figures include those of its sub-objectives.") if sums is not None else None)
    table.links = {(index, "objective"): link("objectives", o.id) + span.query for index, o in enumerate(objectives)}
    return table


def _status_name(status: str) -> str:
    return _("official") if status == "official" else _("proposed by Strategy Monitor")


def _indicator_table(db: Connection, site: Site, page: FocusPage, focus_ids: set[str], names,
                     results_page: int) -> DataTable:
    """The registered indicators under the focus, with where their results stand; and, when the
    alignment (which places indicators published in IATI) is current, every indicator under it with
    its disaggregates (the table `results`) and how many stand at each status, as a scorecard."""
    tracking = iptt(db, site.framework, language(), line=page.line.id)
    tracked = [row for row in tracking.indicators() if row.objective_id in focus_ids]
    if page.aligned:
        results = results_by_objective(tracking, registered_indicators(db), site.framework, language(),
                                       objectives=focus_ids)
        page.scorecard = summed_counts(results)
        page.tables.append(results_table(db, names, results).show_page("results_page", results_page, RESULTS_PER_PAGE))
    return registered_table(db, names, tracked, focus_ids, name="indicators")
