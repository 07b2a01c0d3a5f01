"""The report's words and tables on coverage: how much of ForeignAssistance.gov's money the IATI data
hold and whose is missing (the summary opens with it), the reconciliation year by year, the budget tables
by account, the agencies' own budgets from their IATI organisation files, and the checks on what agencies
publish."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from stratmon.analysis.budget_comparison import budget_comparison, place_name, programme_notes
from stratmon.analysis.coverage_words import agency_name, describe, span_words, strategy_countries
from stratmon.analysis.organisation_budgets import organisation_budgets, status_name
from stratmon.analysis.published_quality import by_check, published_quality
from stratmon.analysis.reconcile import reconcile
from stratmon.analysis.report_types import Column, Table
from stratmon.i18n import _, format_count, format_usd_words, ngettext

if TYPE_CHECKING:
    from stratmon.analysis.report_data import _Builder as Builder


def report_places(builder: Builder) -> tuple[tuple[str, ...], str]:
    """The countries the report covers, and their name in a sentence."""
    if builder.country:
        return (builder.country,), builder.labels.recipient(builder.country)
    codes = tuple(c.code for c in builder.framework.countries)
    return codes, strategy_countries(builder.framework)


def coverage_paragraphs(builder: Builder) -> tuple[str, ...]:
    """How much of ForeignAssistance.gov's money the IATI data hold, and whose is missing: the
    summary opens with it, since every other figure depends on it."""
    places, place = report_places(builder)
    data = builder.coverage_data
    words = [describe(data.coverage(places, builder.fiscal_years, kind), place, builder.framework,
                      builder.labels.recipient) for kind in ("disbursement", "obligation")]
    paragraphs = [found.comparison for found in words]
    if not builder.country:
        # The report's totals count regional programmes too; the comparison cannot.
        regional = sum((usd for key, usd in builder.sums(("country",)).items() if key not in places),
                       Decimal("0.00"))
        if regional:
            paragraphs.append(_("The report's totals also count {amount} disbursed to regional programmes, which "
                                "ForeignAssistance.gov counts under regions of its own: the comparison is for the "
                                "countries alone.").format(amount=format_usd_words(regional)))
        outside = data.outside(builder.fiscal_years, "disbursement")
        if outside.usd:
            paragraphs.append(ngettext(
                "No figure of this report counts the {amount} disbursed to {n} recipient outside the Strategy's "
                "geography (another country, or regional money for places elsewhere).",
                "No figure of this report counts the {amount} disbursed to {n} recipients outside the Strategy's "
                "geography (other countries, and regional money for places elsewhere).", outside.recipients).format(
                amount=format_usd_words(outside.usd), n=format_count(outside.recipients)))
    warned = next((found for found in words if found.warning), None)
    if warned:
        paragraphs.append(warned.warning)
        paragraphs.extend(warned.missing)
    return tuple(paragraphs)


def budget_table(builder: Builder, largest: int = 15) -> Table:
    """The largest gaps between the State Department's budget tables and IATI obligations, by place,
    account and fiscal year (`stratmon budget compare` lists them all)."""
    comparison = budget_comparison(builder.connection, builder.framework, fiscal_years=builder.fiscal_years,
                                   places=(builder.country,) if builder.country else ())
    years = comparison.fiscal_years
    return Table("budget_gaps", _("Budget tables against IATI by account: the largest gaps"), (
        Column("place", _("Country or programme")), Column("account", _("Account")),
        Column("fy", _("Fiscal year"), "year"), Column("budget", _("Budget tables (USD)"), "money"),
        Column("obligated", _("IATI obligated (USD)"), "money"), Column("gap", _("Gap (USD)"), "money")),
        tuple({"place": place_name(builder.labels, r.place), "account": r.account, "fy": r.fiscal_year,
               "budget": r.budget_usd, "obligated": r.iati_obligated_usd, "gap": r.gap_usd}
              for r in comparison.rows[:largest]),
        note=_("The State Department's budget tables cover {years}; {n} rows in all, ranked by the gap between the "
               "budget and IATI obligations (`stratmon budget compare` lists every row).").format(
            years=span_words(years[0], years[-1]) if years else _("no year of this span"), n=len(comparison.rows))
        + programme_notes(builder.framework, builder.lang))


def organisation_budget_table(builder: Builder) -> Table:
    """Each agency's own budget per country (and the Strategy's own regions) and fiscal year, from its IATI
    organisation file, beside its IATI disbursements there."""
    found = organisation_budgets(builder.connection, builder.framework, fiscal_years=builder.fiscal_years,
                                 places=(builder.country,) if builder.country else ())
    names, years = builder.labels, found.fiscal_years
    return Table("organisation_budgets", _("Agencies' own budgets per country (IATI organisation files)"), (
        Column("agency", _("Agency")), Column("place", _("Country or region")), Column("fy", _("Fiscal year"), "year"),
        Column("budget", _("Budget (USD)"), "money"), Column("status", _("Budget status")),
        Column("disbursed", _("IATI disbursed (USD)"), "money")),
        tuple({"agency": names.agency_short(r.agency_ref), "place": names.recipient(r.place), "fy": r.fiscal_year,
               "budget": r.budget_usd, "status": status_name(r.status), "disbursed": r.iati_disbursed_usd}
              for r in found.rows),
        note=_("Budgets the agencies publish in their IATI organisation files, for {years}; a budget counts in the "
               "fiscal year that holds most of its period. Disbursements are what the same agency published in IATI "
               "for the country in that year.").format(
            years=span_words(years[0], years[-1]) if years else _("no year")))


def coverage_table(builder: Builder) -> Table:
    """Each country's IATI disbursements against ForeignAssistance.gov's, and whose money is missing."""
    data, names = builder.coverage_data, builder.labels
    rows = []
    for code in report_places(builder)[0]:
        found = data.coverage((code,), builder.fiscal_years, "disbursement")
        rows.append({"country": names.recipient(code), "iati": found.iati_usd, "fagov": found.fagov_usd,
                     "share": found.share, "missing": ", ".join(agency_name(builder.framework, p.agency_ref)
                                                                for p in found.missing)
                     if found.is_low and found.missing else "–"})
    return Table("coverage_by_country", _("Disbursements: IATI against ForeignAssistance.gov by country"), (
        Column("country", _("Country")), Column("iati", _("IATI (USD)"), "money"),
        Column("fagov", _("ForeignAssistance.gov (USD)"), "money"), Column("share", _("IATI holds"), "percent"),
        Column("missing", _("Missing publishers (budget tables)"))), tuple(rows),
        note=_("An agency is named where the State Department's budget tables show its accounts funding the "
               "country and it publishes less than half of that in IATI."))


def reconciliation_table(builder: Builder) -> Table:
    """IATI's disbursements against ForeignAssistance.gov's per place and fiscal year, over the years in
    which the IATI data hold disbursements for these places only: ForeignAssistance.gov goes back to 1946,
    and pages of years with nothing in IATI would say nothing `stratmon reconcile` does not."""
    rows = [r for r in reconcile(builder.connection, builder.framework, builder.fiscal_years,
                                 [builder.country] if builder.country else None, builder.coverage_data)
            if r.type == "disbursement"]
    with_iati = sorted({r.fy for r in rows if r.iati_usd})
    note = None
    if with_iati and (with_iati[0] > min(r.fy for r in rows) or with_iati[-1] < max(r.fy for r in rows)):
        note = _("Only the fiscal years in which the IATI data hold disbursements for these places, {span}, are "
                 "listed; `stratmon reconcile` lists every year ForeignAssistance.gov has.").format(
            span=span_words(with_iati[0], with_iati[-1]))
    kept = [r for r in rows if with_iati and with_iati[0] <= r.fy <= with_iati[-1]]
    return Table("reconciliation", _("IATI against ForeignAssistance.gov, disbursements"), (
        Column("country", _("Country")), Column("fy", _("Fiscal year"), "year"),
        Column("iati", _("IATI (USD)"), "money"), Column("fagov", _("ForeignAssistance.gov (USD)"), "money"),
        Column("ratio", _("IATI ÷ ForeignAssistance.gov"), "percent")),
        tuple({"country": builder.labels.recipient(r.country), "fy": r.fy, "iati": r.iati_usd, "fagov": r.fagov_usd,
               "ratio": r.ratio} for r in kept), note=note)


def published_table(builder: Builder) -> Table:
    """The checks on published data: findings, dollars touched and publishers, per check."""
    files = _("files")  # findings about files, which no publisher's reference names

    def publishers(counts) -> str:
        return ", ".join(f"{builder.labels.agency_short(ref) if ref else files} ({format_count(n)})"
                         for ref, n in counts.most_common()) or "–"

    rows = [{"check": c.name, "findings": c.findings, "usd": c.usd, "publishers": publishers(c.publishers)}
            for c in by_check(published_quality(builder.connection))]
    return Table("published_checks", _("Checks on what the agencies publish"), (
        Column("check", _("Check")), Column("findings", _("Findings"), "number"),
        Column("usd", _("Dollars touched (USD)"), "money"), Column("publishers", _("Publishers (findings)"))),
        tuple(rows))
