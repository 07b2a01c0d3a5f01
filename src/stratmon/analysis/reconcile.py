"""Reconciliation of IATI with ForeignAssistance.gov, per country, U.S. fiscal year and type.

Both sides are summed in USD by the same keys (`analysis.coverage`). Where they differ, the
explanation says what the stored data can tell: a missing side, and agencies whose money the State
Department's budget tables show for the country and the IATI data lack. Money IATI reports to the
Strategy's regional programmes has rows of its own, once per region and year: it is never spread
over the countries, nor repeated on each of their rows (DESIGN.md rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.analysis.coverage import CoverageData
from stratmon.analysis.coverage_words import agency_name
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import to_usd
from stratmon.framework import Framework
from stratmon.i18n import _, format_fiscal_year

RECONCILED_TYPES = ("obligation", "disbursement")


@dataclass(frozen=True)
class Reason:
    """Why two sums may differ: a code for the outputs to word, and what it is about."""

    code: str  # "no_fagov" | "no_iati" | "agencies_absent" | "regional"
    agencies: tuple[str, ...] = ()
    # For agencies_absent: the budget table's year that shows the agencies fund the country.
    evidence_fy: int | None = None
    fy: int | None = None


def reason_text(reason: Reason) -> str:
    """One reason in words, in the current language."""
    if reason.code == "no_fagov":
        return _("no ForeignAssistance.gov figure loaded")
    if reason.code == "no_iati":
        return _("no IATI transactions")
    if reason.code == "agencies_absent" and reason.evidence_fy == reason.fy:
        return _("the budget tables for {fiscal_year} show {agencies} funding the country, which publish less than "
                 "half of that in IATI").format(fiscal_year=format_fiscal_year(reason.evidence_fy),
                                                agencies=", ".join(reason.agencies))
    if reason.code == "agencies_absent":
        return _("the budget tables for {fiscal_year}, the latest loaded, show {agencies} funding the country, "
                 "which publish nothing for it in IATI this year").format(
            fiscal_year=format_fiscal_year(reason.evidence_fy), agencies=", ".join(reason.agencies))
    if reason.code == "regional":
        return _("a regional programme: ForeignAssistance.gov counts such money under regions of its own")
    return reason.code


@dataclass(frozen=True)
class Reconciliation:
    """One country, fiscal year and type: both sums, the difference, and why where known."""

    country: str
    fy: int
    type: str
    iati_usd: Decimal
    fagov_usd: Decimal | None
    difference_usd: Decimal | None
    ratio: Decimal | None
    reasons: list[Reason]


def reconcile(connection: Connection, framework: Framework, fiscal_years: FiscalYears,
              countries: list[str] | None = None, data: CoverageData | None = None) -> list[Reconciliation]:
    """A row for every country of the strategy (or `countries`), fiscal year in range and type;
    and, when no countries are asked for, one for each of the strategy's regions with IATI money.
    `data`: the sums, when the caller has read them already."""
    wanted = countries or [c.code for c in framework.countries]
    regions = [] if countries else [region.key for region in framework.regions]
    data = data or CoverageData(connection, framework.geography)
    results = []
    for transaction_type in RECONCILED_TYPES:
        iati, fagov = data.iati[transaction_type], data.fagov[transaction_type]
        bounds = data.data_years(transaction_type)
        if bounds is None:
            continue
        # Rows only for years with data on either side, however wide the range asked.
        first = max(fiscal_years.first or bounds[0], bounds[0])
        last = min(fiscal_years.last or bounds[1], bounds[1])
        for country in wanted:
            for fy in range(first, last + 1):
                results.append(_row(country, fy, transaction_type, iati.get((country, fy), 0),
                                    fagov.get((country, fy)), _absent(data, framework, country, fy)))
        for region in regions:
            for fy in range(first, last + 1):
                if iati.get((region, fy)):
                    results.append(_row(region, fy, transaction_type, iati[(region, fy)], fagov.get((region, fy)),
                                        None, regional=True))
    return results


def _absent(data: CoverageData, framework: Framework, country: str, fy: int) -> Reason | None:
    """The agencies the budget tables show funding `country` whose IATI money there falls short
    that year (`CoverageData.absent_in`: the same rule as the coverage beside the portal's figures)."""
    found = data.absent_in(country, fy)
    if found is None:
        return None
    evidence, agencies = found
    return Reason("agencies_absent", tuple(f"{agency_name(framework, a)} ({a})" for a in agencies), evidence, fy)


def _row(country, fy, transaction_type, iati_micros, fagov_micros, absent: Reason | None,
         regional: bool = False) -> Reconciliation:
    iati_usd = to_usd(iati_micros)
    fagov_usd = to_usd(fagov_micros) if fagov_micros is not None else None
    difference = iati_usd - fagov_usd if fagov_usd is not None else None
    ratio = (iati_usd / fagov_usd).quantize(Decimal("0.0001")) if fagov_usd else None
    reasons = []
    if regional:
        reasons.append(Reason("regional"))
    elif fagov_usd is None:
        reasons.append(Reason("no_fagov"))
    if iati_micros == 0:
        reasons.append(Reason("no_iati"))
    if absent and (difference is None or difference < 0):
        reasons.append(absent)
    return Reconciliation(country, fy, transaction_type, iati_usd, fagov_usd, difference, ratio, reasons)
