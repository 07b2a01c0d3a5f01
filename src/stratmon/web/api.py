"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). Errors are JSON: {"error": ..., "status": ...}.

The routes live by subject: reference data and money (`api_reference`), coverage (`api_coverage`), the budget
tables against published money (`api_budget`), the agencies' own budgets from their organisation files
(`api_organisation_budgets`), activities
(`api_activities`), indicators (`api_indicators`), and results with their workflow, the audit log
and users, for token holders (`api_results`).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from stratmon.web import (
    api_activities, api_budget, api_coverage, api_indicators, api_organisation_budgets, api_reference, api_results,
)
from stratmon.web.api_auth import token_user
from stratmon.web.api_common import errors


def response_language(lang: Literal["en", "es"] | None = Query(
        None, description="The language of names and messages (default English; `/framework` gives both "
                          "when it is not given).")) -> str | None:
    """Documents `?lang=`; `LanguageMiddleware` has already set the request's language from it."""
    return lang


# `token_user`: a token that opens nothing is 401 on every route, public ones included.
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(response_language), Depends(token_user)],
                   responses=errors(400, 401, 422))
for part in (api_reference, api_coverage, api_budget, api_organisation_budgets, api_activities, api_indicators,
             api_results):
    router.include_router(part.router)
