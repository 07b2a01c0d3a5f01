"""API: the State Department's budget tables against the money IATI and ForeignAssistance.gov publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from stratmon.analysis.budget_comparison import budget_comparison, comparison_records, places_for
from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.i18n import _
from stratmon.web.api import models as m
from stratmon.web.api.common import Db, FiscalYearsParam, labels, usd
from stratmon.web.api.coverage import default_span
from stratmon.web.context import site

router = APIRouter()

PlaceParam = Annotated[str | None, Query(max_length=100, description=(
    "A country (GT, GTM, Guatemala), a country group (northern-triangle) or `regional` (the Strategy's "
    "regional programmes)."))]


@router.get("/budget/comparison", summary="Budget tables against published money, by place, account and year",
            response_model=m.BudgetComparisonOut)
def comparison(request: Request, db: Db, fy: FiscalYearsParam = None,
               country: PlaceParam = None) -> m.BudgetComparisonOut:
    """The budget tables' figures for the Strategy's countries and regional programmes, by account (DA,
    ESF, INCLE, ...) and fiscal year, against IATI obligations and disbursements on the same account
    and ForeignAssistance.gov's obligations where it names the account; ranked by the gap (budget less
    IATI obligations), largest first; over the fiscal years asked (default: the Strategy's period;
    `all` for every year). The same rows as `stratmon budget compare --format json`."""
    framework = site(request).framework
    names = labels(db, request)
    found = budget_comparison(db, framework, fiscal_years=parse_fiscal_years(default_span(request, fy)),
                              places=places_for(framework, country))
    notes = [_("{programme}: {note}").format(programme=p.name.get(names.lang), note=p.note.get(names.lang))
             for p in framework.budget_programs if p.note]
    return m.BudgetComparisonOut(
        fiscal_years=list(found.fiscal_years), rows=[m.BudgetGapOut(**r) for r in comparison_records(found, names)],
        uncompared_budget_usd={column: usd(amount) for column, amount in found.uncompared_budget_usd.items()},
        notes=notes)
