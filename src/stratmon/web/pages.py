"""The public portal, in `/en/...` and `/es/...`: pages that work without JavaScript, every
table downloadable. Handlers ask `analysis` for figures and `views` for the tables; they hold no SQL."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import Connection

from stratmon.i18n import SUPPORTED, _
from stratmon.web.views import home as home_view
from stratmon.web.context import connection, site
from stratmon.web.render import render
from stratmon.web.tables import DataTable, download_response


def page_language(lang: str) -> str:
    """Pages exist in the supported languages only."""
    if lang not in SUPPORTED:
        raise HTTPException(404, _("There is no such page."))
    return lang


router = APIRouter(prefix="/{lang}", dependencies=[Depends(page_language)], include_in_schema=False)


def respond(request: Request, template: str, tables: list[DataTable], **context):
    """The page, or one of its tables as a file when `?download=NAME&format=csv|xlsx` asks for it."""
    name = request.query_params.get("download")
    if name:
        return download_response(tables, name, request.query_params.get("format", "csv"))
    return render(request, template, tables={t.name: t for t in tables}, **context)


@router.get("/")
def home(request: Request, db: Connection = Depends(connection)):
    overview = home_view.home(db, site(request))
    return respond(request, "home.html", overview.tables, overview=overview)
