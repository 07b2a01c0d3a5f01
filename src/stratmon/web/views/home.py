"""The home page: the Strategy's purpose, its lines of action, headline figures, latest releases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.framework.model import LineOfAction
from stratmon.i18n import _, language
from stratmon.store import web as web_store
from stratmon.store.web import Document
from stratmon.web.charts import bars_by_year
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.views.common import alignment_is_current, by_year, funding_by, labels, link


@dataclass(frozen=True)
class LineCard:
    line: LineOfAction
    name: str
    description: str
    disbursed: Decimal | None
    href: str


@dataclass(frozen=True)
class Home:
    purpose: str
    strategy_name: str
    lines: list[LineCard]
    disbursed: Decimal
    obligated: Decimal
    countries: int
    agencies: int
    first_fy: int | None
    last_fy: int | None
    aligned: bool
    releases: list[Document]
    year_chart: dict
    tables: list[DataTable]


def home(db: Connection, site: Site) -> Home:
    framework, lang = site.framework, language()
    names = labels(db, site)
    years = by_year(db, site)
    aligned = alignment_is_current(db, site)
    by_line = ({row.keys[0]: row.usd for row in funding_by(db, site, ("line",)).rows} if aligned else {})
    countries = {row.keys[0] for row in funding_by(db, site, ("country",)).rows
                 if framework.country(row.keys[0]) is not None}
    agencies = {row.keys[0] for row in funding_by(db, site, ("agency",), "obligation").rows if row.keys[0]} | {
        row.keys[0] for row in funding_by(db, site, ("agency",)).rows if row.keys[0]}
    cards = [LineCard(line, line.name.get(lang), line.description.get(lang), by_line.get(line.id) if aligned else None,
                      link("lines", line.id)) for line in framework.lines_of_action]
    year_table = DataTable("by-year", _("Obligations and disbursements by fiscal year (USD)"), [
        Column("fy", _("Fiscal year"), "text"), Column("obligation", _("Obligated"), "usd"),
        Column("disbursement", _("Disbursed"), "usd")], [{**y, "fy": f"FY{y['fy']}"} for y in years])
    line_table = DataTable("by-line", _("Disbursements by line of action (USD)"), [
        Column("line", _("Line of action")), Column("usd", _("Disbursed"), "usd")],
        [{"line": names.aligned("line", key), "usd": usd} for key, usd in sorted(
            by_line.items(), key=lambda item: -item[1])])
    line_table.links = {(i, "line"): link("lines", key) for i, key in enumerate(
        k for k, _v in sorted(by_line.items(), key=lambda item: -item[1])) if framework_line(site, key)}
    series = [{"fy": y["fy"], "usd": y[kind], "series": label} for y in years
              for kind, label in (("obligation", _("Obligated")), ("disbursement", _("Disbursed")))
              if y[kind] is not None]
    return Home(
        purpose=framework.purpose.get(lang), strategy_name=framework.name.get(lang), lines=cards,
        disbursed=sum((y["disbursement"] or 0 for y in years), Decimal("0.00")),
        obligated=sum((y["obligation"] or 0 for y in years), Decimal("0.00")),
        countries=len(countries), agencies=len(agencies),
        first_fy=years[0]["fy"] if years else None, last_fy=years[-1]["fy"] if years else None,
        aligned=aligned, releases=web_store.documents(db, lang=lang, limit=5),
        year_chart=bars_by_year(series, series="series", series_title=_("Transaction type"),
                                colours={_("Obligated"): "#9aa5b1", _("Disbursed"): "#0b3d66"}),
        tables=[year_table, line_table])


def framework_line(site: Site, key: str) -> bool:
    return any(line.id == key for line in site.framework.lines_of_action)

