"""What changed between two data snapshots: the figures a report keeps, and the section comparing them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.align.crosswalk import Crosswalks
from stratmon.analysis.activity_titles import titles_for
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import FundingQuery, exact_sum, funding, joined_sum, to_usd
from stratmon.analysis.iptt import iptt
from stratmon.analysis.labels import Labels
from stratmon.analysis.report_types import Column, Section, Table
from stratmon.i18n import _, language
from stratmon.indicators.status import status_label
from stratmon.store import schema

ZERO = Decimal("0.00")


def snapshot_figures(connection: Connection, crosswalks: Crosswalks) -> dict:
    """What a later report compares against: disbursements by line and by country group per fiscal
    year, the activities present, and each indicator's latest status (all of the data, any window)."""
    groups = tuple((m, g.id) for g in crosswalks.framework.country_groups for m in g.countries)
    figures: dict = {}
    for key in ("line", "group"):
        query = FundingQuery((key, "fy"), "disbursement", country_groups=groups, crosswalk_digest=crosswalks.digest,
                             geography=crosswalks.framework.geography)
        figures[f"{key}_fy"] = {f"{row.keys[0]}|{row.keys[1]}": str(row.usd)
                                for row in funding(connection, query).rows}
    figures["activities"] = sorted(identifier for (identifier,) in connection.execute(
        select(schema.activity.c.iati_identifier)))
    statuses = {}
    for row in iptt(connection, crosswalks.framework, "en").indicators():
        latest = row.latest_total()
        if latest is not None:
            statuses[row.indicator_code] = latest.status
    figures["indicators"] = statuses
    return figures


def _window_sums(figures: dict, key: str, fiscal_years: FiscalYears) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for label, usd in figures.get(f"{key}_fy", {}).items():
        name, fy = label.rsplit("|", 1)
        if int(fy) in fiscal_years:
            sums[name] = sums.get(name, ZERO) + Decimal(usd)
    return sums


def changes_section(connection: Connection, labels: Labels, before: dict, now: dict, since: str,
                    fiscal_years: FiscalYears) -> Section:
    """The report's "what changed" section: money moved, new activities, indicators whose status changed."""
    tables = []
    for key, title, heading, name in (
            ("line", _("Disbursements by line of action: then and now"), _("Line of action"),
             lambda k: labels.aligned("line", k)),
            ("group", _("Disbursements by country: then and now"), _("Country or group"), labels.group)):
        old, new = _window_sums(before, key, fiscal_years), _window_sums(now, key, fiscal_years)
        rows = tuple({"name": name(k), "before": old.get(k, ZERO), "now": new.get(k, ZERO),
                      "change": new.get(k, ZERO) - old.get(k, ZERO)}
                     for k in sorted(set(old) | set(new)) if old.get(k, ZERO) != new.get(k, ZERO))
        tables.append(Table(f"changes_by_{key}", title, (
            Column("name", heading), Column("before", _("Before (USD)"), "money"),
            Column("now", _("Now (USD)"), "money"), Column("change", _("Change (USD)"), "money")), rows))
    new_activities = sorted(set(now["activities"]) - set(before.get("activities", [])))
    tables.append(_new_activities_table(connection, new_activities, fiscal_years))
    old_status, new_status = before.get("indicators", {}), now["indicators"]
    moved = sorted(code for code in new_status if code in old_status and old_status[code] != new_status[code])
    tables.append(Table("changes_in_status", _("Indicators whose status changed"), (
        Column("indicator", _("Indicator"), as_published=True), Column("before", _("Before")),
        Column("now", _("Now"))),
        tuple({"indicator": code, "before": status_label(old_status[code]), "now": status_label(new_status[code])}
              for code in moved)))
    paragraphs = (_("Compared with data snapshot {since}: {activities} new activities, {indicators} indicators "
                    "with a new status.").format(since=since, activities=len(new_activities), indicators=len(moved)),)
    return Section("changes", _("What changed"), paragraphs, (), tuple(tables))


def _new_activities_table(connection: Connection, identifiers: list[str], fiscal_years: FiscalYears) -> Table:
    split, activity = schema.transaction_split, schema.activity
    found = []
    for start in range(0, len(identifiers), 500):
        statement = (select(activity.c.iati_identifier, activity.c.title, *exact_sum(split.c.amount_micros))
                     .join(split, split.c.activity_id == activity.c.id)
                     .where(activity.c.iati_identifier.in_(identifiers[start:start + 500]),
                            split.c.sector_vocabulary == "", split.c.type_code == "3", split.c.currency == "USD",
                            *fiscal_years.conditions(split.c.fiscal_year))
                     .group_by(activity.c.iati_identifier, activity.c.title))
        found += [(identifier, title, to_usd(joined_sum(u, r))) for identifier, title, u, r in
                  connection.execute(statement)]
    found.sort(key=lambda item: (-item[2], item[0]))
    titles = titles_for(connection, (identifier for identifier, _title, _usd in found[:15]), language())
    return Table("new_activities", _("New activities with the most disbursed"), (
        Column("activity", _("Activity")), Column("title", _("Title")), Column("usd", _("Disbursed (USD)"), "money")),
        tuple({"activity": i, "title": titles.get(i) or t or "", "usd": usd} for i, t, usd in found[:15]))
