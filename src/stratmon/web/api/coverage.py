"""API: how much of ForeignAssistance.gov's money the IATI data hold, and whose money is missing."""

from __future__ import annotations

from fastapi import APIRouter, Request

from stratmon.analysis.coverage import Coverage, CoverageData
from stratmon.analysis.coverage_words import agency_name, describe, places_words
from stratmon.analysis.fiscal import chosen_span, parse_fiscal_years, period_text, strategy_period
from stratmon.analysis.funding_request import recipients_for
from stratmon.web.api import models as m
from stratmon.web.api.common import CountryParam, Db, FiscalYearsParam, labels, usd
from stratmon.web.context import site
from stratmon.web.portal.span import coverage_data

router = APIRouter()

COVERED_TYPES = ("obligation", "disbursement")


def default_span(request: Request, fy: str | None) -> str:
    """The fiscal years a money figure of the API covers: those asked for (`all` for every year),
    else the Strategy's period."""
    return period_text(chosen_span(fy, strategy_period(site(request).framework)))


def coverage_out(found: Coverage, place: str, request: Request, names) -> m.CoverageOut:
    """One coverage figure with its sentences, in the request's language."""
    framework = site(request).framework
    words = describe(found, place, framework, names.recipient)
    return m.CoverageOut(
        places=list(found.places), type=found.transaction_type, first_fy=found.first_fy, last_fy=found.last_fy,
        iati_usd=usd(found.iati_usd), fagov_usd=usd(found.fagov_usd),
        share=None if found.share is None else str(found.share), is_low=found.is_low,
        missing_publishers=[m.MissingPublisherOut(
            agency_ref=p.agency_ref, agency=agency_name(framework, p.agency_ref), places=list(p.places),
            accounts=list(p.accounts), budget_usd=usd(p.budget_usd), iati_usd=usd(p.iati_usd), first_fy=p.first_fy,
            last_fy=p.last_fy, text=text) for p, text in zip(found.missing, words.missing)],
        text=words.comparison, warning=words.warning)


def coverage_of(db, request: Request, places: tuple[str, ...], place: str, fy: str,
                data: CoverageData | None = None, names=None) -> list[m.CoverageOut]:
    """Obligations and disbursements of `places` over `fy` against ForeignAssistance.gov; `data` and
    `names` when the caller asks for several places."""
    framework = site(request).framework
    data = data or coverage_data(db, framework.geography)
    names = names or labels(db, request)
    fiscal_years = parse_fiscal_years(fy)
    found = [coverage_out(data.coverage(places, fiscal_years, kind), place, request, names) for kind in COVERED_TYPES]
    if set(places) == {country.code for country in framework.countries}:
        for item in found:
            outside = data.outside(fiscal_years, item.type)
            item.outside_usd, item.outside_recipients = usd(outside.usd), outside.recipients
    return found


@router.get("/coverage", summary="IATI against ForeignAssistance.gov, and whose money is missing",
            response_model=list[m.CoverageOut])
def coverage(request: Request, db: Db, fy: FiscalYearsParam = None,
             country: CountryParam = None) -> list[m.CoverageOut]:
    """For a country, a country group or (by default) all the Strategy's countries, over the fiscal
    years asked (default: the Strategy's period; `all` for every year): the IATI and
    ForeignAssistance.gov sums of obligations and disbursements, the share IATI covers, and the
    agencies whose money the State Department's budget tables show and IATI lacks."""
    framework = site(request).framework
    places = recipients_for(framework, (country or "").strip() or None) or tuple(c.code for c in framework.countries)
    names = labels(db, request)
    place = places_words(framework, places, names.recipient, names.lang)
    return coverage_of(db, request, places, place, default_span(request, fy), names=names)
