"""What the API's routes share: names in the request's language, money as text, page links."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Query, Request
from fastapi.routing import APIRoute
from sqlalchemy import Connection

from stratmon.analysis.activities import SORTS
from stratmon.analysis.funding_request import usd_text
from stratmon.analysis.labels import Labels
from stratmon.i18n import _, language
from stratmon.iati.codelists import codelists
from stratmon.indicators.workflow import REVIEWERS, User, owns, status_name
from stratmon.analysis.indicator_values import Audience, EnteredValue
from stratmon.web.api.activity_models import PageLinks
from stratmon.web.api.models import ApiError, ValueOut
from stratmon.web.context import connection, site

MAX_BODY_BYTES = 1_000_000
ERROR_DESCRIPTIONS = {
    400: "A parameter that cannot be answered as asked",
    401: "No valid API token (the answer says `WWW-Authenticate: Bearer`)",
    403: "The token's user may not do this",
    404: "No such thing",
    409: "The result's workflow state does not allow it",
    413: f"A body larger than {MAX_BODY_BYTES} bytes",
    422: "A parameter or body that does not fit its type or rules",
}

Db = Annotated[Connection, Depends(connection)]
FiscalYearsParam = Annotated[str | None, Query(max_length=20, description="A fiscal year (`2019`), a range "
                                                                          "(`2017:2020`, `2017:`, `:2020`) or `all`.")]
CountryParam = Annotated[str | None, Query(max_length=100, description="A country (GT, GTM, Guatemala) or a "
                                                                       "country group (northern-triangle).")]
AgencyParam = Annotated[str | None, Query(max_length=200, description="A reporting organisation's IATI reference "
                                                                     "(US-GOV-1 is USAID).")]
LineParam = Annotated[str | None, Query(max_length=100, description="A line of action id (see /framework).")]
ObjectiveParam = Annotated[str | None, Query(max_length=100, description="An objective id (see /framework).")]
StatusParam = Annotated[str | None, Query(max_length=10, description="IATI activity status code (2 = implementation).")]
TextParam = Annotated[str | None, Query(max_length=200, description="Words in the title or identifier.")]
# The orders `analysis.activities` knows, each ascending or (prefixed -) descending.
SortOrder = Literal[tuple(order + key for key in SORTS for order in ("", "-"))]  # type: ignore[misc]


def errors(*statuses: int) -> dict:
    """The OpenAPI `responses` entries of these error statuses (every error is an `ApiError`)."""
    return {status: {"model": ApiError, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def labels(db: Connection, request: Request) -> Labels:
    """Names in the request's language, with the crosswalks' names for lines and objectives."""
    current = site(request)
    return Labels(db, current.framework, language(), "1", current.crosswalks)


def usd(value: Decimal | None) -> str | None:
    """Dollars as text with two decimals (None stays None)."""
    return usd_text(value)


def utc(moment: datetime) -> datetime:
    """A stored time (naive, in UTC) as an aware one, so that JSON says which zone it is in."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def code_name(codelist: str, code: str | None) -> str | None:
    """An IATI code's name in the request's language (the code itself when the list lacks it)."""
    return codelists().name(codelist, code, language(), fallback=code) if code else None


def page_links(request: Request, page: int, pages: int) -> PageLinks:
    """Links to this page of a list and its neighbours, keeping the other parameters."""
    def to(number: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        return f"{request.url.path}?{urlencode([*params, ('page', str(number))])}"

    return PageLinks(self=to(page), first=to(1), last=to(pages), prev=to(page - 1) if page > 1 else None,
                     next=to(page + 1) if page < pages else None)


def audience_of(user: User | None, *, approved_too: bool = True) -> Audience:
    """Whose eyes: reviewers see every entered value, a partner its organisation's, everyone approved ones."""
    if user is not None and user.role in REVIEWERS:
        return Audience(sees_everything=True)
    return Audience(organisation=user.org_ref if user else None, approved_too=approved_too)


def value_out(value: EnteredValue, user: User | None) -> ValueOut:
    """An entered value for the API. Comments are working notes: shown to reviewers and to the
    partner organisation the value belongs to."""
    with_comment = user is not None and owns(user, value.org_ref or "")
    return ValueOut(
        id=value.id, indicator=value.indicator_code, activity=value.activity, country=value.country,
        period_start=value.period_start, period_end=value.period_end, value_type=value.value_type,
        scheme=value.scheme, scheme_version=value.scheme_version, category=value.category,
        value=value.value_text, not_available=value.not_available, numerator=value.numerator_text,
        denominator=value.denominator_text, status=value.status, status_name=status_name(value.status),
        locked=value.locked, reason=value.reason, comment=value.comment if with_comment else None,
        organisation=value.org_ref)


class LimitedBodyRoute(APIRoute):
    """A route that refuses a request body over MAX_BODY_BYTES with a JSON 413, before reading
    more of it (a body without Content-Length is counted as it arrives)."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def limited(request: Request):
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
                raise HTTPException(413, _too_large())
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise HTTPException(413, _too_large())
            request._body = bytes(body)  # what FastAPI reads next (Starlette caches the body there)
            return await handler(request)

        return limited


def _too_large() -> str:
    return _("the request body is larger than {limit} bytes").format(limit=MAX_BODY_BYTES)
