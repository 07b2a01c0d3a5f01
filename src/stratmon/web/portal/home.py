"""The home page: the Strategy's purpose, its lines of action, headline figures, a map of the
money by country, latest releases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.analysis.coverage import Outside
from stratmon.analysis.coverage_words import strategy_countries
from stratmon.analysis.events import events_in
from stratmon.chart_style import line_colours
from stratmon.framework.model import LineOfAction
from stratmon.i18n import _, language
from stratmon.store import web as web_store
from stratmon.store.web import Document
from stratmon.web.context import Site
from stratmon.web.tables import DataTable
from stratmon.web.portal.common import (
    alignment_is_current, country_map, labels, line_table, link, money, money_table, year_chart, year_table)
from stratmon.web.portal.span import CoverageNote, Span, coverage_note, fagov_columns, with_span


@dataclass(frozen=True)
class LineCard:
    line: LineOfAction
    name: str
    description: str
    disbursed: Decimal | None
    href: str
    colour: str  # the framework's colour of the line, as its charts draw it


@dataclass(frozen=True)
class Home:
    purpose: str
    strategy_name: str
    lines: list[LineCard]
    disbursed: Decimal
    obligated: Decimal
    countries: int
    agencies: int
    span: Span
    coverage: CoverageNote
    regional: Decimal  # disbursed to recipients other than the countries (regional programmes)
    outside: Outside  # disbursed outside the Strategy's geography: in no figure of the page
    aligned: bool
    releases: list[Document]
    year_chart: dict
    map: dict
    tables: list[DataTable]


def home(db: Connection, site: Site, span: Span) -> Home:
    framework, lang = site.framework, language()
    names = labels(db, site)
    aligned = alignment_is_current(db, site)
    money_by = money(db, site, ("country", "fy", "agency", "line"), aligned, fiscal_years=span.fiscal_years)
    codes = [country.code for country in framework.countries]
    coverage = coverage_note(db, site, tuple(codes), strategy_countries(framework), span)
    colours = line_colours(framework)
    cards = [LineCard(line, line.name.get(lang), line.description.get(lang),
                      money_by.total("disbursement", line=line.id) if aligned else None,
                      link("lines", line.id) + span.query, colours[line.id])
             for line in framework.lines_of_action]
    years = year_table("by-year", _("Obligations and disbursements by fiscal year (USD)"), money_by)
    tables = [years]
    if aligned:
        tables.append(line_table(money_by, names, framework))
    by_country = money_table("by-country", _("Obligations and disbursements by country and region (USD)"),
                             _("Country or region"), money_by, "country", names.recipient,
                             lambda key: link("countries", key) + span.query if key in codes else None, total=True,
                             extra=fagov_columns(coverage.data, span, tuple(codes)))
    tables.append(by_country)
    disbursed = {key: usd for (key,), usd in money_by.sums(("country",), "disbursement").items()}
    return Home(
        purpose=framework.purpose.get(lang), strategy_name=framework.name.get(lang), lines=cards,
        disbursed=money_by.total("disbursement"), obligated=money_by.total("obligation"),
        countries=len(money_by.values("country") & set(codes)),
        agencies=len({agency for agency in money_by.values("agency") if agency}),
        span=span, coverage=coverage,
        regional=money_by.total("disbursement") - money_by.total("disbursement", country=set(codes)),
        outside=coverage.data.outside(span.fiscal_years, "disbursement"), aligned=aligned,
        releases=web_store.documents(db, lang=lang, limit=5),
        year_chart=year_chart(years, events_in(framework, span.fiscal_years)), map=country_map(framework, names, disbursed), tables=with_span(tables, span))
