"""The data page's table of the agencies' own budgets per country, from their IATI organisation files,
beside what they disbursed there (analysis/organisation_budgets.py)."""

from __future__ import annotations

from sqlalchemy import Connection

from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.organisation_budgets import organisation_budgets, status_name
from stratmon.i18n import _, format_fiscal_year
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.span import Span


def organisation_budget_table(db: Connection, site: Site, names, span: Span) -> DataTable:
    """Each agency's budget per country (and the Strategy's own regions) and fiscal year of the span."""
    found = organisation_budgets(db, site.framework, fiscal_years=span.fiscal_years)
    rows = [{"agency": names.agency_short(r.agency_ref), "place": names.recipient(r.place),
             "fy": format_fiscal_year(r.fiscal_year),
             "budget": r.budget_usd, "status": status_name(r.status), "disbursed": r.iati_disbursed_usd}
            for r in found.rows]
    years = found.fiscal_years
    note = _("Budgets the agencies publish in their IATI organisation files, for {years}; a budget counts in the "
             "fiscal year that holds most of its period. Disbursements are what the same agency published in IATI "
             "for the country in that year.").format(
        years=span_words(years[0], years[-1]) if years else _("no year"))
    if found.excluded_by_currency:
        note += " " + _("Budgets in other currencies are not counted: {amounts}.").format(
            amounts=", ".join(f"{currency} {amount:,.2f}" for currency, amount in found.excluded_by_currency.items()))
    return DataTable("organisation-budgets", _("Agencies' own budgets per country (IATI organisation files)"), [
        Column("agency", _("Agency")), Column("place", _("Country or region")), Column("fy", _("Fiscal year")),
        Column("budget", _("Budget (USD)"), "usd"), Column("status", _("Budget status")),
        Column("disbursed", _("IATI disbursed (USD)"), "usd")], rows, note=note)
