"""The data page's account of the Strategy's geography (DESIGN.md rule 9): the money outside it, and
why each activity's regional money is, or is not, counted as the Strategy's."""

from __future__ import annotations

from sqlalchemy import Connection

from stratmon.analysis.activity_titles import titles_for
from stratmon.analysis.breakdown import breakdown
from stratmon.analysis.geography import OUTSIDE
from stratmon.analysis.regional_scope import reason_text, regional_decisions
from stratmon.i18n import _, format_count, language
from stratmon.web.context import Site
from stratmon.web.render import usd_short
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import FUNDING_TYPES, ZERO, link, money_columns
from stratmon.web.portal.span import Span, with_span


def outside_table(db: Connection, site: Site, names, span: Span) -> DataTable:
    """IATI money outside the Strategy's geography over the span, by recipient, largest disbursement first."""
    money_by = breakdown(db, ("country",), fiscal_years=span.fiscal_years, geography=site.framework.geography,
                         scope=OUTSIDE)
    sums = {kind: money_by.sums(("country",), kind) for kind in FUNDING_TYPES}
    keys = sorted({key for by_kind in sums.values() for key in by_kind},
                  key=lambda key: (-sums["disbursement"].get(key, 0), -sums["obligation"].get(key, 0), key[0]))
    rows = [{"recipient": names.recipient(key[0]), **{kind: sums[kind].get(key) for kind in FUNDING_TYPES}}
            for key in keys]
    if rows:
        rows.append({"recipient": _("Total"), **{kind: money_by.total(kind) for kind in FUNDING_TYPES}})
    return with_span([DataTable("outside", _("Outside the Strategy's geography: money in no figure of the portal"),
                                [Column("recipient", _("Recipient")), *money_columns()], rows,
                                note=_("The Strategy's figures count its countries and the regions its framework "
                                       "calls its own; regional money counts where its activity is for them (the "
                                       "next table gives each reason). Everything else is kept here: "
                                       "`stratmon funding --scope outside` and `/api/v1/funding?scope=outside` "
                                       "give it too."))], span)[0]


def regional_table(db: Connection, site: Site, names, span: Span) -> DataTable:
    """Each activity's money to the framework's regions, largest disbursement first: in the Strategy's
    figures or not, and why; the note sums what is counted and what is not."""
    table = DataTable("regional-scope", _("Regional money: counted as the Strategy's or not, and why"), [
        Column("activity", _("Activity"), languages=True), Column("region", _("Region")),
        Column("counted", _("Counted")),
        Column("reason", _("Why")), Column("places", _("Places its texts name"), as_published=True),
        *money_columns()], [])
    decisions = regional_decisions(db, span.fiscal_years)
    titles = titles_for(db, (d.iati_identifier for d in decisions), language())
    for decision in decisions:
        table.rows.append({"activity": titles.get(decision.iati_identifier) or decision.iati_identifier,
                           "region": names.recipient(decision.recipient_key),
                           "counted": _("yes") if decision.geography == "in" else _("no"),
                           "reason": reason_text(decision.reason), "places": decision.places or None,
                           "obligation": decision.obligated_usd, "disbursement": decision.disbursed_usd})
        table.links[(len(table.rows) - 1, "activity")] = link("activities", decision.iati_identifier)
    counted = [d for d in decisions if d.geography == "in"]
    others = [d for d in decisions if d.geography != "in"]
    table.note = _("Counted as the Strategy's: {counted} disbursed ({n_counted} rows); not counted: {others} disbursed "
                   "({n_others} rows). `stratmon alignment explain` gives any activity's reason.").format(
        counted=usd_short(sum((d.disbursed_usd for d in counted), ZERO)), n_counted=format_count(len(counted)),
        others=usd_short(sum((d.disbursed_usd for d in others), ZERO)), n_others=format_count(len(others)))
    return with_span([table], span)[0]
