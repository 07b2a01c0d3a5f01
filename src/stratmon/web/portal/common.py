"""Helpers the page views share: the alignment check, money tables with names, charts, the map,
links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from urllib.parse import quote

import pycountry
from sqlalchemy import Connection

from stratmon.analysis.alignment_state import alignment_state
from stratmon.analysis.breakdown import ActivityMoney, Breakdown, breakdown, named_activities, ranked_activities
from stratmon.analysis.events import DatedEvent
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import InLanguage, _, format_fiscal_year, language
from stratmon.store.data_version import PerDataVersion
from stratmon.chart_style import named_line_colours
from stratmon.web.charts import bars_by_year
from stratmon.web.context import Site
from stratmon.web.render import usd_short
from stratmon.web.tables import Column, DataTable

FUNDING_TYPES = ("obligation", "disbursement")
ZERO = Decimal("0.00")


def labels(db: Connection, site: Site) -> Labels:
    """Names in the request's language, with the crosswalks' names for lines and objectives."""
    return Labels(db, site.framework, language(), "1", site.crosswalks)


def alignment_is_current(db: Connection, site: Site) -> bool:
    """Whether line and objective figures can be shown (the alignment matches data and crosswalks)."""
    return alignment_state(db, site.crosswalks.digest).is_current


# Breakdowns hold no words: a page's other language, and pages that show the same money (a line's page by
# its spans, a country's beside the others), share them while the data stay the same. A home page's breakdown
# of the real files is some 600 KiB: at most 32 are kept.
_BREAKDOWNS = PerDataVersion(size=32, read_only_connections=True)
_RANKINGS = PerDataVersion(size=64, read_only_connections=True)


def money(db: Connection, site: Site, by: tuple[str, ...], aligned: bool, **filters) -> Breakdown:
    """Obligations and disbursements of the Strategy's money (its geography, DESIGN.md rule 9) by `by`;
    the keys `line` and `objective` are left out when the alignment is not current (the page then says so).
    On a read-only request's connection, kept per data version: the answer is shared, and must not be changed."""
    keys = by if aligned else tuple(key for key in by if key not in ("line", "objective"))
    geography, digest = site.framework.geography, site.crosswalks.digest
    return _BREAKDOWNS.get(db, (keys, digest, geography, tuple(sorted(filters.items()))), lambda: breakdown(
        db, keys, crosswalk_digest=digest, geography=geography, **filters))


def largest(db: Connection, site: Site, **filters) -> list[ActivityMoney]:
    """The ten activities that disbursed most of the Strategy's money within `filters`
    (breakdown.largest_activities), their titles in the request's language; on a read-only request's
    connection, the ranking kept per data version as `money`."""
    geography, digest = site.framework.geography, site.crosswalks.digest

    def ranked() -> tuple:
        return ranked_activities(db, limit=10, crosswalk_digest=digest, geography=geography, **filters)

    kept = _RANKINGS.get(db, (digest, geography, tuple(sorted(filters.items()))), ranked)
    named = named_activities(db, kept, language())
    if len(named) < len(kept):
        # On PostgreSQL each statement sees the newest commit: an import since the ranking replaced some of
        # its activities (new ids), and the next request, at its version, ranks them again.
        named = named_activities(db, ranked(), language())
    return named


def link(*parts: str) -> str:
    """A portal address in the request's language: link("countries", "GT") → /en/countries/GT."""
    return "/" + "/".join([language(), *(quote(str(p), safe="") for p in parts)])


def money_columns() -> list[Column]:
    return [Column("obligation", _("Obligated (USD)"), "usd"), Column("disbursement", _("Disbursed (USD)"), "usd")]


def money_table(name: str, title: str, heading: str, money_by: Breakdown, key: str, name_of: Callable[[object], str],
                href: Callable[[object], str | None] = lambda value: None, order: Callable | None = None,
                total: bool = False, extra: tuple[list[Column], Callable[[object | None], dict]] | None = None,
                **where) -> DataTable:
    """Obligated and disbursed USD per value of `key`, largest disbursement first (or by `order`
    of the value), each value named and, where `href` gives one, linked; `total` adds a total row;
    `extra` adds columns, with the cells of each value (None for the total row)."""
    sums = {kind: money_by.sums((key,), kind, **where) for kind in FUNDING_TYPES}
    values = {value for (value,) in (*sums["obligation"], *sums["disbursement"])}
    ordered = sorted(values, key=order) if order else sorted(
        values, key=lambda v: (-(sums["disbursement"].get((v,)) or ZERO), -(sums["obligation"].get((v,)) or ZERO),
                               str(v)))
    columns, cells = extra or ([], lambda value: {})
    rows = [{"name": name_of(value), **{kind: sums[kind].get((value,)) for kind in FUNDING_TYPES}, **cells(value)}
            for value in ordered]
    table = DataTable(name, title, [Column("name", heading), *money_columns(), *columns], rows)
    table.links = {(index, "name"): href(value) for index, value in enumerate(ordered) if href(value)}
    if total and rows:
        rows.append({"name": _("Total"), **{kind: money_by.total(kind, **where) for kind in FUNDING_TYPES},
                     **cells(None)})
    return table


def line_table(money_by: Breakdown, names: Labels, framework: Framework, **where) -> DataTable:
    """Obligated and disbursed USD per line of action in the framework's order, then the money outside
    the Strategy and not aligned, with the total; each line linked to its page."""
    order = [line.id for line in framework.lines_of_action]
    return money_table(
        "by-line", _("Obligations and disbursements by line of action (USD)"), _("Line of action"), money_by, "line",
        lambda value: names.aligned("line", value), lambda value: link("lines", value) if value in order else None,
        order=lambda value: (order.index(value) if value in order else len(order), str(value)), total=True, **where)


def year_table(name: str, title: str, money_by: Breakdown, **where) -> DataTable:
    """Obligated and disbursed USD per fiscal year, oldest first (each row keeps its year as `fy`)."""
    return money_table(name, title, _("Fiscal year"), money_by, "fy", format_fiscal_year, order=lambda fy: fy,
                       extra=([], lambda fy: {"fy": fy}), **where)


def year_chart(table: DataTable, events: Sequence[DatedEvent] = ()) -> dict:
    """Grouped bars of a `year_table`: obligations and disbursements per fiscal year; `events` marked."""
    series = [{"fy": row["fy"], "usd": row[kind], "series": label}
              for row in table.rows for kind, label in (("obligation", _("Obligated")), ("disbursement", _("Disbursed")))
              if row[kind] is not None and row.get("fy") is not None]
    return bars_by_year(series, series="series", series_title=_("Transaction type"),
                        colours={_("Obligated"): "#9aa5b1", _("Disbursed"): "#0b3d66"}, events=events)


def year_alt() -> str:
    return _("Bar chart of obligations and disbursements by fiscal year; the table below gives the figures.")


def line_year_chart(money_by: Breakdown, names: Labels, framework: Framework,
                    events: Sequence[DatedEvent] = (), **where) -> dict:
    """Stacked bars of disbursements per fiscal year by line of action (other money as one series);
    `events` marked."""
    line_ids = {line.id for line in framework.lines_of_action}
    other = _("Outside the Strategy or not aligned")
    records: dict[tuple, Decimal] = {}
    for (line, fy), usd in money_by.sums(("line", "fy"), "disbursement", **where).items():
        series = names.line(line) if line in line_ids else other
        records[(fy, series)] = records.get((fy, series), ZERO) + usd
    # The framework's colour of each line, in its order, as in the report; other money in grey.
    colours = named_line_colours(framework, names.line, other)
    return bars_by_year([{"fy": fy, "usd": usd, "series": series} for (fy, series), usd in sorted(records.items())],
                        series="series", series_title=_("Line of action"), colours=colours, stacked=True,
                        events=events)


def line_year_table(money_by: Breakdown, framework: Framework, **where) -> DataTable:
    """Disbursements per fiscal year (rows) and line of action (columns), with the money outside the
    Strategy or not aligned, and the total: the figures of `line_year_chart`."""
    line_ids = [line.id for line in framework.lines_of_action]
    sums = money_by.sums(("fy", "line"), "disbursement", **where)
    others = money_by.values("line", **where) - set(line_ids)
    rows = []
    for fy in sorted({fy for fy, _line in sums}):
        # Rolled up from the exact sums, so that each cell equals `stratmon funding` to the cent.
        rows.append({"fy": format_fiscal_year(fy), **{line_id: sums.get((fy, line_id)) for line_id in line_ids},
                     "other": money_by.total("disbursement", fy=fy, line=others, **where) if others else None,
                     "total": money_by.total("disbursement", fy=fy, **where)})
    return DataTable("by-line-year", _("Disbursements by fiscal year and line of action (USD)"), [
        Column("fy", _("Fiscal year")), *(Column(line.id, line.name.get(language()), "usd")
                                          for line in framework.lines_of_action),
        Column("other", _("Outside the Strategy or not aligned"), "usd"), Column("total", _("Total"), "usd")], rows)


def numeric_code(alpha_2: str) -> str | None:
    """A country's ISO 3166-1 numeric code (the world-atlas shape ids), if it has one."""
    found = pycountry.countries.get(alpha_2=alpha_2)
    return found.numeric if found else None


def country_map(framework: Framework, names: Labels, disbursed: dict[str, Decimal]) -> dict:
    """The map's data: per framework country (by numeric code), its name, disbursed USD and page.
    `static/stratmon.js` draws it; every figure is also in a table on the page."""
    entries = {}
    for country in framework.countries:
        numeric = numeric_code(country.code)
        if numeric is None:
            continue
        amount = disbursed.get(country.code, ZERO)
        entries[numeric] = {"code": country.code, "name": names.recipient(country.code), "value": float(amount),
                            "href": link("countries", country.code),
                            "label": _("{country}: {amount} disbursed").format(country=names.recipient(country.code),
                                                                               amount=usd_short(amount))}
    return entries


def activities_table(name: str, title: str, activities, names: Labels) -> DataTable:
    """Activities with their money within a page's filter (`analysis.breakdown.ActivityMoney`),
    each title linking to the activity's page."""
    table = DataTable(name, title, [
        Column("identifier", _("IATI identifier"), as_published=True), Column("title", _("Title"), languages=True),
        Column("agency", _("Agency")), *money_columns()], [
        {"identifier": a.iati_identifier, "title": activity_title(a.title, a.title_lang, a.iati_identifier),
         "agency": names.agency(a.reporting_org_ref), "obligation": a.obligated_usd,
         "disbursement": a.disbursed_usd} for a in activities])
    table.links = {(index, "title"): link("activities", a.iati_identifier) for index, a in enumerate(activities)}
    return table


def activity_title(title: str | None, lang: str | None, identifier: str) -> InLanguage | str:
    """An activity's title with its language, for tables that mark titles in another language; the
    identifier where the activity has no title."""
    return InLanguage(title, lang) if title else identifier


def status_counts(cells) -> dict[str, int]:
    """How many indicators stand at each status (their latest total; None counts as no data)."""
    counts = dict.fromkeys(STATUSES, 0)
    for cell in cells:
        counts[cell.status if cell is not None else "no_data"] += 1
    return counts


STATUSES = ("on_track", "needs_attention", "off_track", "no_target", "no_data")
