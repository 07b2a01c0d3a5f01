"""Any filtered set of activities as an IATI 2.03 activity file: `/{lang}/activities.xml` with the
activity finder's parameters (the finder links to it), and `/api/v1/activities.xml` with the API's.

The file is written once per data snapshot and filter into the download cache (download_cache.py)
while the request's database connection is open, then sent from it: a failure answers with a clear
error instead of a cut-off file, the connection is not held while a slow client reads, and many
clients asking for the same file cost one writing. How many may download at once is bounded apart
(costly.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Connection

from stratmon.analysis.activities import SORTS, ActivityFilter, identifiers_matching, search_activities
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.i18n import _, format_count
from stratmon.iati.export import write_activities
from stratmon.web.api.routes import response_language
from stratmon.web.api.auth import token_user
from stratmon.web.api.common import AgencyParam, CountryParam, SortOrder, Db, FiscalYearsParam, LineParam, ObjectiveParam, \
    StatusParam, TextParam, errors
from stratmon.web.context import site
from stratmon.web.download_cache import cache_for, snapshot_key
from stratmon.web.page_cache import CACHE_CONTROL, etag_matches
from stratmon.web.portal.pages import page_language
from stratmon.web.portal.activities import read_filter
from stratmon.web.portal.common import alignment_is_current

# The most activities one file holds: the whole real data (some 6,000 activities, 45 MB) takes
# seconds to write, so a download that large asks for a narrower filter instead.
MAX_ACTIVITIES = 5_000
FILE_NAME = "stratmon-activities.xml"
MEDIA_TYPE = "application/xml"
CHUNK_BYTES = 64 * 1024

router = APIRouter()


def activities_filter(db: Connection, request: Request, params: Mapping[str, str | None]) -> ActivityFilter:
    """The filter the parameters ask for, read as the activity finder reads them; `fy` (`2017:2020`)
    may stand for the finder's `fy_from` and `fy_to`. QueryError when a parameter cannot be read."""
    for name, value in params.items():
        # Text reaches SQL; PostgreSQL refuses NUL, and no filter needs control characters.
        if value and any(ord(character) < 32 for character in value):
            raise QueryError(_("{name}: control characters are not allowed").format(name=name))
    current = site(request)
    query, _values = read_filter(params, current, alignment_is_current(db, current))
    fy = params.get("fy")
    if fy and not (params.get("fy_from") or params.get("fy_to")):
        query = replace(query, fiscal_years=parse_fiscal_years(fy))
    return query


def matching_identifiers(db: Connection, query: ActivityFilter) -> list[str]:
    """The identifiers of the activities the filter matches, in its order; HTTP 400 when they are
    more than one file holds."""
    total = search_activities(db, replace(query, page=1, per_page=1)).total
    if total > MAX_ACTIVITIES:
        raise HTTPException(400, _("The filter matches {n} activities; an IATI file holds at most {most}. "
                                   "Narrow the filter (country, agency, fiscal years, status or words) and "
                                   "download again.").format(n=format_count(total), most=format_count(MAX_ACTIVITIES)))
    return identifiers_matching(db, query, MAX_ACTIVITIES)


def xml_download(db: Connection, request: Request, query: ActivityFilter) -> Response:
    """The activities the filter matches as an IATI file download, from the download cache; its key is
    its ETag, so that a client holding this snapshot's file is answered 304 without it."""
    current = site(request)
    key = snapshot_key(db, current.crosswalks.digest, "activities.xml", repr(query))
    tags = {"etag": f'"{key[:32]}"', "cache-control": CACHE_CONTROL.decode()}
    if etag_matches(request.headers.get("if-none-match"), tags["etag"]):
        return Response(status_code=304, headers=tags)
    spool = cache_for(current.engine).open(key, lambda out: write_activities(db, matching_identifiers(db, query), out))
    size = os.fstat(spool.fileno()).st_size
    return StreamingResponse(_chunks(spool), media_type=MEDIA_TYPE, headers={
        "content-disposition": f'attachment; filename="{FILE_NAME}"', "content-length": str(size), **tags})


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


@router.get("/{lang}/activities.xml", include_in_schema=False, dependencies=[Depends(page_language)])
def portal_activities_xml(request: Request, db: Db) -> StreamingResponse:
    """The activity finder's current selection (its query parameters) as IATI XML."""
    return xml_download(db, request, activities_filter(db, request, request.query_params))


XML_RESPONSE = {200: {"description": "An IATI 2.03 activity file (`iati-activities`), as an attachment.",
                      "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("/api/v1/activities.xml", tags=["api"], summary="Activities as IATI XML", response_class=StreamingResponse,
            responses={**errors(400, 401, 422), **XML_RESPONSE},
            dependencies=[Depends(response_language), Depends(token_user)], description=(
                "Every activity matching the filters (as `/activities` takes them), as an IATI 2.03 activity file "
                "with everything stored about each: transactions, recipients, sectors, budgets, locations, documents, "
                f"results. At most {MAX_ACTIVITIES:,} activities: a filter matching more is answered with 400."))
def api_activities_xml(
    request: Request,
    db: Db,
    country: CountryParam = None,
    agency: AgencyParam = None,
    line: LineParam = None,
    objective: ObjectiveParam = None,
    fy: FiscalYearsParam = None,
    status: StatusParam = None,
    q: TextParam = None,
    sort: Annotated[SortOrder, Query( description="The order of the activities in the file: one of "
                               + ", ".join(SORTS) + "; prefix - for descending.")] = "-disbursed",
) -> StreamingResponse:
    """The activities matching the API's activity filters as IATI XML (described in the decorator)."""
    params = {"country": country, "agency": agency, "line": line, "objective": objective, "fy": fy,
              "status": status, "q": q, "sort": sort}
    return xml_download(db, request, activities_filter(db, request, params))
