"""The web application: the public portal (`/en/`, `/es/`), the workspace, and the JSON API."""

from __future__ import annotations

import os
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from stratmon import __version__
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYearError
from stratmon.config import computing_slots, trusted_proxies
from stratmon.i18n import SUPPORTED, _, set_language
from stratmon.store.db import get_engine
from stratmon.web.admission import AdmissionMiddleware
from stratmon.web.computing import ComputingSlotsMiddleware
from stratmon.web.context import Site
from stratmon.web.costly import CostlyRequestsMiddleware, scope_language
from stratmon.web.page_cache import PageCacheMiddleware

# Content Security Policy: everything from this server; Vega compiles its expressions with
# `new Function`, hence 'unsafe-eval' for scripts (never 'unsafe-inline').
SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' "
                                "'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class LanguageMiddleware:
    """Sets the request's language from its path (`/es/...`) or, for the API, `?lang=`, and adds
    the security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        set_language(scope_language(scope))

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers.extend((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                               if name.encode() not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _warm(site: Site) -> None:
    """Read the framework and crosswalks and compile the busiest templates before the first request, so
    that no reader waits for them. A framework that does not load is left for the request to report."""
    from stratmon.framework.loader import FrameworkError
    from stratmon.web.render import environment

    try:
        site.framework, site.crosswalks
    except FrameworkError:
        return
    for name in ("home.html", "country.html", "activities.html"):
        environment().get_template(name)


def create_app(database_url: str | None = None, *, served: bool = False) -> FastAPI:
    """The whole web application on the database at `database_url` (default as the CLI's); `served`
    when `stratmon serve` runs it, so that its process ends promptly once stopped (shutdown.py)."""
    from stratmon.web import exports
    from stratmon.web.api import routes as api
    from stratmon.web.portal import pages
    from stratmon.web.workspace import routes as workspace
    from stratmon.web.render import render
    from stratmon.web.shutdown import exit_promptly_after_shutdown

    app = FastAPI(title="Strategy Monitor API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json", lifespan=exit_promptly_after_shutdown if served else None,
                  description=_("Public aid data aligned to the Strategy's results framework."))
    app.state.site = Site(get_engine(database_url), trusted_proxies())
    _warm(app.state.site)
    # Innermost, inside the page cache: answers it sends, and requests waiting for an answer another is
    # making, take no computing slot.
    app.add_middleware(ComputingSlotsMiddleware, limit=computing_slots())
    app.add_middleware(PageCacheMiddleware)  # what it keeps gets the security headers when sent
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(AdmissionMiddleware)
    app.add_middleware(CostlyRequestsMiddleware)  # outermost: the excess is refused before admission
    app.mount("/static", StaticFiles(directory=str(resources.files("stratmon") / "web" / "static")), name="static")
    app.include_router(api.router)
    app.include_router(exports.router)
    app.include_router(workspace.router)
    app.include_router(pages.router)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        # FastAPI's own docs page loads Swagger UI from a CDN; this one is served from the package.
        return HTMLResponse((resources.files("stratmon") / "web" / "templates" / "api_docs.html").read_text("utf-8"))

    @app.get("/", include_in_schema=False)
    def root(request: Request):
        preferred = request.headers.get("accept-language", "")[:2].lower()
        return RedirectResponse(f"/{preferred if preferred in SUPPORTED else 'en'}/", status_code=303)

    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon():
        # Browsers ask for /favicon.ico whatever a page links; the icon is the SVG among the static files.
        return RedirectResponse("/static/favicon.svg", status_code=301)

    def error_response(request: Request, status: int, message: str):
        if _is_api(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        return render(request, "error.html", status_code=status, status=status, message=message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else _("Not found")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = _("There is no such page.")
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in error.get('loc', ())[1:]) or 'request'}: {error.get('msg')}"
                             for error in exc.errors()[:5])
        return error_response(request, 422, _("invalid request: {problems}").format(problems=problems))

    @app.exception_handler(QueryError)
    @app.exception_handler(FiscalYearError)
    def bad_query(request: Request, exc: Exception):
        return error_response(request, 400, str(exc))

    return app


def app_from_environment() -> FastAPI:
    """The application for `uvicorn --factory` (used by `stratmon serve --workers N`)."""
    return create_app(os.environ.get("STRATMON_DB"), served=True)
