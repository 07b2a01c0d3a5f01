"""The public portal, in `/en/...` and `/es/...`: pages that work without JavaScript, every
table downloadable. Handlers ask the modules beside them for a page's content; they hold no SQL."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from stratmon.analysis.errors import QueryError
from stratmon.i18n import SUPPORTED, _
from stratmon.store import web as web_store
from stratmon.web.context import connection, site
from stratmon.web.render import render
from stratmon.web.tables import DataTable, download_response, page_number
from stratmon.web.portal import activities as activities_view
from stratmon.web.portal import activity as activity_view
from stratmon.web.portal import countries as countries_view
from stratmon.web.portal import data as data_view
from stratmon.web.portal import home as home_view
from stratmon.web.portal import indicators as indicators_view
from stratmon.web.portal import lines as lines_view
from stratmon.web.portal import releases as releases_view
from stratmon.web.portal.span import Span, page_span


def page_language(lang: str) -> str:
    """Pages exist in the supported languages only."""
    if lang not in SUPPORTED:
        raise HTTPException(404, _("There is no such page."))
    return lang


router = APIRouter(prefix="/{lang}", dependencies=[Depends(page_language)], include_in_schema=False)


def wants_download(request: Request) -> bool:
    return bool(request.query_params.get("download"))


def respond(request: Request, template: str, tables: list[DataTable], **context):
    """The page, or one of its tables as a file when `?download=NAME&format=csv|xlsx` asks for it."""
    name = request.query_params.get("download")
    if name:
        return download_response(tables, name, request.query_params.get("format", "csv"))
    return render(request, template, tables={t.name: t for t in tables}, **context)


def span_of(request: Request, db: Connection) -> Span:
    """The fiscal years `?fy=` asks for (or the chooser's `fy_first` and `fy_last`), else the Strategy's period."""
    params = request.query_params
    asked = params.get("fy")
    if params.get("fy_first") or params.get("fy_last"):
        asked = f"{params.get('fy_first', '')}:{params.get('fy_last', '')}"
    if asked and len(asked) > 20:
        raise QueryError(_("fiscal years: write YEAR, FIRST:LAST or all"))
    return page_span(db, site(request), asked)


def not_found(message: str | None = None) -> HTTPException:
    return HTTPException(404, message or _("There is no such page."))


@router.get("/")
def home(request: Request, db: Connection = Depends(connection)):
    overview = home_view.home(db, site(request), span_of(request, db))
    return respond(request, "home.html", overview.tables, overview=overview)


@router.get("/lines")
def lines(request: Request, db: Connection = Depends(connection)):
    overview = lines_view.lines_overview(db, site(request), span_of(request, db))
    return respond(request, "lines.html", overview.tables, overview=overview)


@router.get("/lines/{line_id}")
def line(request: Request, line_id: str, db: Connection = Depends(connection)):
    found = next((line for line in site(request).framework.lines_of_action if line.id == line_id), None)
    if found is None:
        raise not_found(_("There is no line of action {line}.").format(line=line_id[:60]))
    page = lines_view.line_page(db, site(request), found, span_of(request, db),
                                page_number(request.query_params, "results_page"))
    return respond(request, "focus.html", page.tables, page=page)


@router.get("/objectives/{objective_id}")
def objective(request: Request, objective_id: str, db: Connection = Depends(connection)):
    found = lines_view.find_objective(site(request), objective_id)
    if found is None:
        raise not_found(_("There is no objective {objective}.").format(objective=objective_id[:60]))
    page = lines_view.objective_page(db, site(request), *found, span_of(request, db),
                                     page_number(request.query_params, "results_page"))
    return respond(request, "focus.html", page.tables, page=page)


@router.get("/countries")
def countries(request: Request, db: Connection = Depends(connection)):
    overview = countries_view.countries_overview(db, site(request), span_of(request, db))
    return respond(request, "countries.html", overview.tables, overview=overview)


@router.get("/countries/{code}")
def country(request: Request, lang: str, code: str, db: Connection = Depends(connection)):
    found = site(request).framework.country(code)
    if found is None:
        if site(request).framework.country(code.upper()) is not None:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/{lang}/countries/{code.upper()}{query}", status_code=301)
        raise not_found(_("{code} is not one of the Strategy's countries.").format(code=code[:60]))
    page = countries_view.country_page(db, site(request), found, span_of(request, db))
    return respond(request, "country.html", page.tables, page=page)


@router.get("/activities")
def activities(request: Request, db: Connection = Depends(connection)):
    finder = activities_view.finder(db, site(request), request.query_params, whole=wants_download(request))
    return respond(request, "activities.html", finder.tables, finder=finder)


@router.get("/activities/{identifier:path}")
def activity(request: Request, identifier: str, db: Connection = Depends(connection)):
    pages = {param: page_number(request.query_params, param) for _table, param, _rows in activity_view.PAGED_TABLES}
    try:
        page = activity_view.activity_page(db, site(request), identifier, pages)
    except QueryError as error:
        raise not_found(str(error)) from None
    return respond(request, "activity.html", page.tables, page=page)


@router.get("/indicators")
def indicators(request: Request, db: Connection = Depends(connection)):
    page = indicators_view.indicators_page(db, site(request), request.query_params)
    return respond(request, "indicators.html", page.tables, page=page)


@router.get("/releases")
def releases(request: Request, db: Connection = Depends(connection)):
    page = releases_view.releases_page(db, request.query_params.get("kind"))
    return respond(request, "releases.html", page.tables, page=page, kinds=releases_view.kind_names())


def _document(db: Connection, document_id: str):
    found = web_store.document(db, int(document_id)) if document_id.isdigit() and len(document_id) < 10 else None
    if found is None:
        raise not_found(_("There is no such document."))
    return found


@router.get("/releases/{document_id}")
def release(request: Request, document_id: str, db: Connection = Depends(connection)):
    document = _document(db, document_id)
    return render(request, "release.html", document=document, paragraphs=releases_view.paragraphs(document.body),
                  kinds=releases_view.kind_names(), language_names=releases_view.language_names())


@router.get("/releases/{document_id}/file")
def release_file(document_id: str, db: Connection = Depends(connection)):
    document = _document(db, document_id)
    content = web_store.document_content(db, document.id) if document.file_name else None
    if content is None:
        raise not_found(_("This document has no attached file."))
    return Response(content, media_type=releases_view.media_type(document), headers={
        "content-disposition": f'attachment; filename="{releases_view.download_name(document)}"',
        # Whatever the file holds, it never runs as a page of this site.
        "content-security-policy": "default-src 'none'; sandbox"})


@router.get("/data")
def data(request: Request, db: Connection = Depends(connection)):
    pages = {param: page_number(request.query_params, param) for _table, param, _rows in data_view.PAGED_TABLES}
    page = data_view.data_page(db, site(request), request.query_params.get("type"), span_of(request, db), pages)
    return respond(request, "data.html", page.tables, page=page, rules=data_view.rule_descriptions())
