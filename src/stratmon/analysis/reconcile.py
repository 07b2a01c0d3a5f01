"""Reconciliation of IATI with ForeignAssistance.gov, per country, U.S. fiscal year and type.

Both sides are summed in USD by the same keys. Where they differ, the explanation says what
the stored data can tell: major IATI publishers of the strategy with no IATI data at all for
the country, money IATI reports to regional programmes, and a missing side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import TRANSACTION_TYPES, exact_sum, joined_sum, to_usd
from stratmon.framework import Framework
from stratmon.i18n import _, format_usd_words
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

RECONCILED_TYPES = ("obligation", "disbursement")
# An agency is a major publisher for the strategy when it reports at least this share of the
# strategy's IATI money; a major publisher with nothing at all for a country is worth naming.
MAJOR_PUBLISHER_SHARE = Decimal("0.05")


@dataclass(frozen=True)
class Reason:
    """Why two sums may differ: a code for the outputs to word, and what it is about."""

    code: str  # "no_fagov" | "no_iati" | "agencies_absent" | "regional"
    agencies: tuple[str, ...] = ()
    amount_usd: Decimal | None = None


def reason_text(reason: Reason) -> str:
    """One reason in words, in the current language."""
    if reason.code == "no_fagov":
        return _("no ForeignAssistance.gov figure loaded")
    if reason.code == "no_iati":
        return _("no IATI transactions")
    if reason.code == "agencies_absent":
        return _("no IATI data at all from {agencies}, major publishers for the strategy's other countries").format(
            agencies=", ".join(reason.agencies))
    if reason.code == "regional":
        return _("IATI reports {amount} to regional programmes this year").format(
            amount=format_usd_words(reason.amount_usd))
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


def _iati_sums(connection: Connection, transaction_type: str) -> dict[tuple[str, int], int]:
    split = schema.transaction_split
    rows = connection.execute(
        select(split.c.recipient_key, split.c.fiscal_year, *exact_sum(split.c.amount_micros))
        .where(split.c.sector_vocabulary == NO_SECTOR_SPLIT, split.c.currency == "USD",
               split.c.type_code == TRANSACTION_TYPES[transaction_type])
        .group_by(split.c.recipient_key, split.c.fiscal_year))
    return {(key, fy): joined_sum(units, remainder) for key, fy, units, remainder in rows}


def _missing_major_publishers(connection: Connection, framework: Framework) -> dict[str, list[str]]:
    """country → major IATI publishers of the strategy with no IATI transactions for it in any year."""
    split = schema.transaction_split
    countries = [c.code for c in framework.countries]
    money: dict[str, int] = defaultdict(int)
    present: dict[str, set[str]] = defaultdict(set)
    for agency, key, units, remainder in connection.execute(
            select(split.c.reporting_org_ref, split.c.recipient_key, *exact_sum(func.abs(split.c.amount_micros)))
            .where(split.c.sector_vocabulary == NO_SECTOR_SPLIT, split.c.currency == "USD")
            .group_by(split.c.reporting_org_ref, split.c.recipient_key)):
        money[agency] += joined_sum(units, remainder)
        present[agency].add(key)
    everything = sum(money.values())
    major = sorted(a for a, m in money.items() if everything and Decimal(m) / everything >= MAJOR_PUBLISHER_SHARE)
    missing = {}
    for country in countries:
        names = []
        for ref in major:
            if country not in present[ref]:
                agency = framework.agency_by_ref(ref) if ref else None
                names.append(f"{agency.acronym} ({ref})" if agency else (ref or "?"))
        missing[country] = names
    return missing


def _fagov_sums(connection: Connection, transaction_type: str) -> dict[tuple[str, int], int]:
    """ForeignAssistance.gov sums: the country summary where loaded, else the complete file's rows."""
    figure = schema.fagov_figure
    # A published figure with no amount stays missing (None), never zero (DESIGN.md rule 4).
    sums = {(key, fy): (int(total) if total is not None else None) for key, fy, total in connection.execute(
        select(figure.c.recipient_key, figure.c.fiscal_year, figure.c.current_micros)
        .where(figure.c.transaction_type == transaction_type, figure.c.fiscal_period == ""))}
    detail = schema.fagov_transaction
    for key, fy, units, remainder in connection.execute(
            select(detail.c.recipient_key, detail.c.fiscal_year, *exact_sum(detail.c.current_micros))
            .where(detail.c.transaction_type == transaction_type)
            .group_by(detail.c.recipient_key, detail.c.fiscal_year)):
        sums.setdefault((key, fy), joined_sum(units, remainder))
    return sums


def reconcile(connection: Connection, framework: Framework, fiscal_years: FiscalYears,
              countries: list[str] | None = None) -> list[Reconciliation]:
    """A row for every country of the strategy (or `countries`), fiscal year in range and type."""
    wanted = countries or [c.code for c in framework.countries]
    missing_publishers = _missing_major_publishers(connection, framework)
    results = []
    for transaction_type in RECONCILED_TYPES:
        iati, fagov = _iati_sums(connection, transaction_type), _fagov_sums(connection, transaction_type)
        years = sorted({fy for _, fy in (*iati, *fagov)})
        first = fiscal_years.first or (years[0] if years else None)
        last = fiscal_years.last or (years[-1] if years else None)
        if first is None or last is None:
            continue
        regional = defaultdict(int)
        for (key, fy), micros in iati.items():
            if key.startswith("region-"):
                regional[fy] += micros
        for country in wanted:
            for fy in range(first, last + 1):
                results.append(_row(country, fy, transaction_type, iati.get((country, fy), 0),
                                    fagov.get((country, fy)), regional.get(fy, 0),
                                    missing_publishers.get(country, [])))
    return results


def _row(country, fy, transaction_type, iati_micros, fagov_micros, regional_micros, absent) -> Reconciliation:
    iati_usd = to_usd(iati_micros)
    fagov_usd = to_usd(fagov_micros) if fagov_micros is not None else None
    difference = iati_usd - fagov_usd if fagov_usd is not None else None
    ratio = (iati_usd / fagov_usd).quantize(Decimal("0.0001")) if fagov_usd else None
    reasons = []
    if fagov_usd is None:
        reasons.append(Reason("no_fagov"))
    if iati_micros == 0:
        reasons.append(Reason("no_iati"))
    if absent and (difference is None or difference < 0):
        reasons.append(Reason("agencies_absent", tuple(absent)))
    if regional_micros and difference is not None and difference < 0:
        reasons.append(Reason("regional", amount_usd=to_usd(regional_micros)))
    return Reconciliation(country, fy, transaction_type, iati_usd, fagov_usd, difference, ratio, reasons)
