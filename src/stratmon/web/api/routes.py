"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). Errors are JSON: {"error": ..., "status": ...}.

The routes live by subject, one module each beside this one: reference data and money (`reference`), coverage
(`coverage`), the budget tables against published money (`budget`), the agencies' own budgets from their
organisation files (`organisation_budgets`), activities (`activities`), indicators (`indicators`), and results
with their workflow, the audit log and users, for token holders (`results`).
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query

from stratmon.web.api import activities, budget, coverage, indicators, organisation_budgets, reference, results
from stratmon.web.api.auth import token_user
from stratmon.web.api.common import errors


def response_language(lang: Literal["en", "es"] | None = Query(
        None, description="The language of names and messages (default English; `/framework` gives both "
                          "when it is not given).")) -> str | None:
    """Documents `?lang=`; `LanguageMiddleware` has already set the request's language from it."""
    return lang


# `token_user`: a token that opens nothing is 401 on every route, public ones included.
router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(response_language), Depends(token_user)],
                   responses=errors(400, 401, 422))
for part in (reference, coverage, budget, organisation_budgets, activities, indicators, results):
    router.include_router(part.router)
