"""Helpers the page views share: funding tables with names, the alignment check, links."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from stratmon.analysis.alignment_state import alignment_state
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import FundingQuery, FundingResult, funding
from stratmon.analysis.labels import Labels
from stratmon.i18n import language
from stratmon.web.context import Site

FUNDING_TYPES = ("obligation", "disbursement")


def labels(db: Connection, site: Site) -> Labels:
    """Names in the request's language, with the crosswalks' names for lines and objectives."""
    return Labels(db, site.framework, language(), "1", site.crosswalks)


def alignment_is_current(db: Connection, site: Site) -> bool:
    """Whether line and objective figures can be shown (the alignment matches data and crosswalks)."""
    return alignment_state(db, site.crosswalks.digest).is_current


def funding_query(site: Site, by: tuple[str, ...], transaction_type: str = "disbursement",
                  fiscal_years: FiscalYears = FiscalYears(), recipients: tuple[str, ...] = ()) -> FundingQuery:
    """A funding query with the framework's country groups and, when aligned, the current crosswalks."""
    query = FundingQuery(by, transaction_type, fiscal_years,
                         country_groups=tuple((member, group.id) for group in site.framework.country_groups
                                              for member in group.countries),
                         recipients=recipients)
    return replace(query, crosswalk_digest=site.crosswalks.digest) if query.is_aligned else query


def funding_by(db: Connection, site: Site, by: tuple[str, ...], transaction_type: str = "disbursement",
               recipients: tuple[str, ...] = ()) -> FundingResult:
    return funding(db, funding_query(site, by, transaction_type, recipients=recipients))


def link(*parts: str) -> str:
    """A portal address in the request's language: link("countries", "GT") → /en/countries/GT."""
    from urllib.parse import quote

    return "/" + "/".join([language(), *(quote(str(p), safe="") for p in parts)])


def by_year(db: Connection, site: Site, recipients: tuple[str, ...] = ()) -> list[dict]:
    """Obligations and disbursements per fiscal year: [{fy, obligation, disbursement}, ...]."""
    years: dict[int, dict] = {}
    for transaction_type in FUNDING_TYPES:
        for row in funding_by(db, site, ("fy",), transaction_type, recipients).rows:
            years.setdefault(row.keys[0], {"fy": row.keys[0], "obligation": None, "disbursement": None})[
                transaction_type] = row.usd
    return [years[fy] for fy in sorted(years)]
