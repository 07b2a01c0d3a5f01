"""The activity finder: a filter form (GET), the matching activities a page at a time with their
money within the filter, and the whole filtered list as a download."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from sqlalchemy import Connection

from stratmon.analysis.activities import (
    MAX_PER_PAGE, SORTS, ActivityFilter, ActivityPage, activity_organisations, search_activities)
from stratmon.analysis.breakdown import funded_fiscal_years
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding_request import recipients_for
from stratmon.analysis.paging import page_numbers
from stratmon.i18n import _, format_fiscal_year, language
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.codes import code_choices, code_name
from stratmon.web.portal.common import activity_title, alignment_is_current, labels, link, money_columns

# The query parameters the finder reads (and passes on to the IATI XML export).
FILTER_PARAMETERS = ("country", "agency", "line", "objective", "fy_from", "fy_to", "status", "q", "sort")
PER_PAGE = 50
# A download holds at most this many activities (the whole real data has some 6,000).
MAX_DOWNLOAD = 20_000


@dataclass
class Finder:
    """The form's current values and choices, one page of results, and its table."""

    values: dict[str, str]
    choices: dict[str, list[tuple[str, str]]]
    aligned: bool
    result: ActivityPage
    pages: list[int | None]  # page numbers to link, None for a gap
    xml_url: str
    tables: list[DataTable]


def read_filter(params, site: Site, aligned: bool) -> tuple[ActivityFilter, dict[str, str]]:
    """The filter the query parameters ask for, and their cleaned values; QueryError when one
    cannot be read."""
    values = {name: (params.get(name) or "").strip()[:200] for name in FILTER_PARAMETERS}
    framework = site.framework
    if values["line"] and values["line"] not in {line.id for line in framework.lines_of_action}:
        raise QueryError(_("line takes one of: {choices}").format(
            choices=", ".join(line.id for line in framework.lines_of_action)))
    if values["objective"] and values["objective"] not in {o.id for _line, o in framework.objectives()}:
        raise QueryError(_("{objective}: no such objective").format(objective=values["objective"]))
    if (values["line"] or values["objective"]) and not aligned:
        raise QueryError(_("Filtering by line of action or objective needs the current alignment (stratmon align)."))
    if values["status"] and values["status"] not in dict(code_choices("ActivityStatus")):
        raise QueryError(_("status takes an IATI activity status code (1 to 6)"))
    first, last = _year(values["fy_from"], "fy_from"), _year(values["fy_to"], "fy_to")
    if first and last and first > last:
        raise QueryError(_("the fiscal years end before they start"))
    sort = values["sort"] or "-disbursed"
    page = _whole_number(params.get("page") or "1", "page")
    query = ActivityFilter(recipients=recipients_for(framework, values["country"] or None),
                           agency=values["agency"] or None, line=values["line"] or None,
                           objective=values["objective"] or None, fiscal_years=FiscalYears(first, last),
                           status=values["status"] or None, text=values["q"] or None, sort=sort, page=page,
                           per_page=PER_PAGE, crosswalk_digest=site.crosswalks.digest,
                           geography=framework.geography, lang=language())
    return query, values


def _whole_number(text: str, name: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise QueryError(_("{name} takes a whole number").format(name=name))
    return int(text)


def _year(text: str, name: str) -> int | None:
    if not text:
        return None
    year = _whole_number(text.upper().removeprefix("FY"), name)
    if not 1900 <= year <= 2100:
        raise QueryError(_("{name} takes a fiscal year such as 2019").format(name=name))
    return year


def finder(db: Connection, site: Site, params, whole: bool = False) -> Finder:
    """The finder page for the query parameters `params`; `whole` puts every matching activity
    (not one page) in the table, for downloads."""
    aligned = alignment_is_current(db, site)
    query, values = read_filter(params, site, aligned)
    result = search_activities(db, query)
    activities = result.activities
    if whole:
        activities = _every_match(db, query)
    names = labels(db, site)
    table = DataTable("activities", _("Activities"), [
        Column("identifier", _("IATI identifier"), as_published=True), Column("title", _("Title"), languages=True),
        Column("agency", _("Agency")), Column("status", _("Status")), Column("start", _("Start"), "date"),
        Column("end", _("End"), "date"), *money_columns()], [
        {"identifier": a.iati_identifier, "title": activity_title(a.title, a.title_lang, a.iati_identifier),
         "agency": names.agency(a.reporting_org_ref),
         "status": code_name("ActivityStatus", a.status_code), "start": a.start, "end": a.end,
         "obligation": a.obligated_usd, "disbursement": a.disbursed_usd} for a in activities],
        note=_("Obligated and disbursed: the money within the filter (countries, fiscal years, line or objective)."))
    table.links = {(index, "title"): link("activities", a.iati_identifier) for index, a in enumerate(activities)}
    passed_on = {name: value for name, value in values.items() if value}
    return Finder(values, _choices(db, site, names, aligned), aligned, result, page_numbers(result.page, result.pages),
                  f"/{language()}/activities.xml" + (f"?{urlencode(passed_on)}" if passed_on else ""), [table])


def _every_match(db: Connection, query: ActivityFilter) -> list:
    found, page = [], 1
    while len(found) < MAX_DOWNLOAD:
        batch = search_activities(db, replace(query, page=page, per_page=MAX_PER_PAGE))
        found.extend(batch.activities)
        if page >= batch.pages:
            break
        page += 1
    return found[:MAX_DOWNLOAD]


def _choices(db: Connection, site: Site, names, aligned: bool) -> dict[str, list[tuple[str, str]]]:
    framework, lang = site.framework, language()
    countries = [(c.code, names.recipient(c.code)) for c in framework.countries]
    groups = [(g.id, g.name.get(lang)) for g in framework.country_groups]
    regions = [(r.key, r.name.get(lang)) for r in framework.regions]
    agencies = sorted(((ref, names.agency(ref)) for ref, _name in activity_organisations(db)),
                      key=lambda item: item[1].lower())
    years = [(str(fy), format_fiscal_year(fy)) for fy in funded_fiscal_years(db, framework.geography)]
    sorts = {"title": _("Title"), "identifier": _("IATI identifier"), "disbursed": _("Disbursed"),
             "obligated": _("Obligated"), "start": _("Start date")}
    sort_choices = []
    for key in SORTS:
        sort_choices += [(f"-{key}", _("{field}, descending").format(field=sorts[key])),
                         (key, _("{field}, ascending").format(field=sorts[key]))]
    return {"country": [*countries, *groups, *regions], "agency": agencies, "fy": years,
            "status": code_choices("ActivityStatus"), "sort": sort_choices,
            "line": [(line.id, line.name.get(lang)) for line in framework.lines_of_action] if aligned else [],
            "objective": [(o.id, f"{o.id} {o.name.get(lang)}") for _line, o in framework.objectives()] if aligned else []}
