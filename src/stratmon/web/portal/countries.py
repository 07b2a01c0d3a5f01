"""The Strategy's countries: money by country (regional programmes in their own rows), and a page
per country with its money by line and year, agencies, largest activities and context."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.analysis.events import events_in
from stratmon.framework.model import Country
from stratmon.i18n import _, format_fiscal_year, language
from stratmon.web.charts import horizontal_bars
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import (
    FUNDING_TYPES, activities_table, alignment_is_current, country_map, labels, largest, line_table, line_year_chart,
    line_year_table, link, money, money_table, year_chart, year_table)
from stratmon.web.portal.context import context_table
from stratmon.web.portal.narratives import NarrativePanel, narrative_panel
from stratmon.web.portal.span import CoverageNote, Span, coverage_data, coverage_note, fagov_columns, with_span


@dataclass
class CountriesOverview:
    map: dict
    chart: dict
    groups: list[dict]
    tables: list[DataTable]
    span: Span


@dataclass
class CountryPage:
    country: Country
    name: str
    aligned: bool
    obligated: Decimal
    disbursed: Decimal
    agencies: int
    span: Span
    coverage: CoverageNote
    map: dict
    year_chart: dict
    line_chart: dict | None
    missing_context: list[str] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)
    narratives: NarrativePanel | None = None


def countries_overview(db: Connection, site: Site, span: Span) -> CountriesOverview:
    framework, names = site.framework, labels(db, site)
    money_by = money(db, site, ("country", "fy"), False, fiscal_years=span.fiscal_years)
    codes = [country.code for country in framework.countries]
    covered = coverage_data(db, framework.geography)
    others = sorted(money_by.values("country") - set(codes), key=lambda key: (key.startswith("region-"), key))

    def order(key: str):
        return (0, codes.index(key)) if key in codes else (1, others.index(key))

    table = money_table("by-country", _("Obligations and disbursements by country and region (USD)"),
                        _("Country or region"), money_by, "country", names.recipient,
                        lambda key: link("countries", key) + span.query if key in codes else None, order=order,
                        total=True, extra=fagov_columns(covered, span, tuple(codes)))
    table.note = _("Regional programmes are shown in their own rows: their money is never spread over countries.")
    disbursed = {key: usd for (key,), usd in money_by.sums(("country",), "disbursement").items()}
    groups = []
    for group in framework.country_groups:
        name = group.name.get(language())
        note = coverage_note(db, site, tuple(group.countries), name, span, covered)
        groups.append({"name": name, "members": ", ".join(names.recipient(code) for code in group.countries),
                       **{kind: money_by.total(kind, country=set(group.countries)) for kind in FUNDING_TYPES},
                       "coverage": note})
    chart = horizontal_bars([{"label": names.recipient(key), "usd": usd} for key, usd in disbursed.items()],
                            "label", _("Country or region"))
    return CountriesOverview(country_map(framework, names, disbursed), chart, groups,
                             with_span([table, _country_year_table(money_by, names, [*codes, *others])], span), span)


def _country_year_table(money_by, names, keys: list[str]) -> DataTable:
    """Disbursements per fiscal year (rows) and country or region (columns)."""
    sums = money_by.sums(("fy", "country"), "disbursement")
    present = [key for key in keys if any(country == key for _fy, country in sums)]
    years = sorted({fy for fy, _country in sums})
    rows = [{"fy": format_fiscal_year(fy), **{key: sums.get((fy, key)) for key in present}} for fy in years]
    return DataTable("by-country-year", _("Disbursements by fiscal year and country or region (USD)"),
                     [Column("fy", _("Fiscal year")), *(Column(key, names.recipient(key), "usd") for key in present)],
                     rows)


def country_page(db: Connection, site: Site, country: Country, span: Span) -> CountryPage:
    framework, names, lang = site.framework, labels(db, site), language()
    aligned = alignment_is_current(db, site)
    money_by = money(db, site, ("fy", "agency", "line"), aligned, recipients=(country.code,),
                     fiscal_years=span.fiscal_years)
    years = year_table("by-year", _("Obligations and disbursements by fiscal year (USD)"), money_by)
    everywhere = money(db, site, ("country",), False, fiscal_years=span.fiscal_years)
    disbursed = {key: usd for (key,), usd in everywhere.sums(("country",), "disbursement").items()}
    name = country.name.get(lang)
    events = events_in(framework, span.fiscal_years, [country.code])
    page = CountryPage(country, name, aligned, money_by.total("obligation"),
                       money_by.total("disbursement"), len(money_by.values("agency")), span,
                       coverage_note(db, site, (country.code,), name, span),
                       country_map(framework, names, disbursed), year_chart(years, events),
                       line_year_chart(money_by, names, framework, events) if aligned else None)
    page.tables.append(years)
    if aligned:
        page.tables += [line_table(money_by, names, framework), line_year_table(money_by, framework)]
    page.tables.append(money_table("by-agency", _("By agency (USD)"), _("Agency"), money_by, "agency", names.agency,
                                   total=True))
    top = largest(db, site, recipients=(country.code,), fiscal_years=span.fiscal_years)
    page.tables.append(activities_table("top-activities", _("Largest activities by disbursements in the country (USD)"),
                                        top, names))
    with_span(page.tables, span)
    page.narratives = narrative_panel(db, site, span, country=country.code, focus_money=money_by if aligned else None)
    specs = list(framework.context_indicators)
    table, page.missing_context = context_table(db, site, span, specs, countries=[country.code])
    page.tables.append(table)
    return page
