"""API: the agencies' own budgets per country from their IATI organisation files, beside their IATI
disbursements (analysis/organisation_budgets.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.analysis.funding_request import recipients_for
from stratmon.analysis.organisation_budgets import organisation_budgets, status_name
from stratmon.web.api.common import CountryParam, Db, FiscalYearsParam, labels, usd
from stratmon.web.api.coverage import default_span
from stratmon.web.api.models import Model, Money
from stratmon.web.context import site

router = APIRouter()


class OrganisationBudgetOut(Model):
    """One agency, place and fiscal year."""

    agency: str = Field(description="The framework's agency id (usaid, mcc, doe, ...).")
    agency_ref: str = Field(description="Its IATI organisation identifier (US-GOV-20).")
    agency_name: str
    place: str = Field(description="A country's ISO code, or `region-<code>` for a region of the Strategy.")
    place_name: str
    fy: int = Field(description="The U.S. fiscal year holding most of the budget's period.")
    budget_usd: Money
    committed_usd: Money = Field(description="The part the agency published as committed (BudgetStatus 2).")
    status: str = Field(description="committed | indicative | mixed")
    status_name: str
    budgets: int = Field(description="The organisation file's budget elements counted.")
    iati_disbursed_usd: Money = Field(description="The agency's IATI disbursements to the place in the year.")


class OrganisationBudgetsOut(Model):
    rows: list[OrganisationBudgetOut]
    fiscal_years_published: list[int] = Field(description="Every fiscal year the organisation files budget for the "
                                                          "Strategy's places, whatever the years asked.")
    excluded_by_currency: dict[str, Money] = Field(description="Budgets in other currencies, not counted.")
    other_organisations: list[str] = Field(description="Organisations with budgets there that are no agency of "
                                                       "the framework.")


@router.get("/organisation-budgets", summary="Agencies' own budgets per country (IATI organisation files)",
            response_model=OrganisationBudgetsOut)
def organisation_budgets_route(request: Request, db: Db, fy: FiscalYearsParam = None,
                               country: CountryParam = None) -> OrganisationBudgetsOut:
    """Each agency's budget per Strategy country (and the Strategy's own regions) and U.S. fiscal year, as
    its IATI organisation file publishes it, beside the same agency's IATI disbursements there; over the
    fiscal years asked (default: the Strategy's period; `all` for every year). A budget counts in the
    fiscal year holding most of its period."""
    framework = site(request).framework
    names = labels(db, request)
    found = organisation_budgets(db, framework, fiscal_years=parse_fiscal_years(default_span(request, fy)),
                                 places=recipients_for(framework, country))
    return OrganisationBudgetsOut(
        rows=[OrganisationBudgetOut(
            agency=r.agency_id, agency_ref=r.agency_ref, agency_name=names.agency(r.agency_ref), place=r.place,
            place_name=names.recipient(r.place), fy=r.fiscal_year, budget_usd=usd(r.budget_usd),
            committed_usd=usd(r.committed_usd), status=r.status, status_name=status_name(r.status),
            budgets=r.budgets, iati_disbursed_usd=usd(r.iati_disbursed_usd)) for r in found.rows],
        fiscal_years_published=list(found.fiscal_years),
        excluded_by_currency={currency: usd(amount) for currency, amount in found.excluded_by_currency.items()},
        other_organisations=list(found.other_organisations))
