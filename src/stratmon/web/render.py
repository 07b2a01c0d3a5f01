"""Server-rendered pages: one Jinja2 environment, translated per request, escaping everything.

The language of a page comes from its path (`/en/...`, `/es/...`), set for the request by
`app.LanguageMiddleware`; the templates' `_()` and the number formats follow it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import escape

from stratmon.i18n import SUPPORTED, InLanguage, _, format_count, format_day, format_fiscal_year, format_measure, \
    format_moment, format_money, format_percent, language, language_name, ngettext, npgettext, pgettext
from stratmon.indicators.status import status_count
from stratmon.markup import with_code
from stratmon.web.context import session_of
from stratmon.web.security import CSRF_COOKIE, is_form_token, new_form_token
from stratmon.web.table_html import in_language, table_cell, table_cells, unbroken_year

_SCALES = ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k"))


def usd_short(value) -> str:
    """Dollars for reading at a glance: "$1.23 bn", "US$ 45,6 M" (exact figures are in the tables)."""
    if value is None:
        return "–"
    amount = Decimal(value)
    for scale, suffix in _SCALES:
        if abs(amount) >= scale:
            words = {"bn": _("bn"), "M": _("M"), "k": _("k")}[suffix]
            number = format_money((amount / scale).quantize(Decimal("0.01")))
            return _("${amount} {scale}").format(amount=number, scale=words)
    return _("${amount}").format(amount=format_money(amount))


def other_language() -> str:
    return "es" if language() == "en" else "en"


def switch_url(request: Request) -> str:
    """This page in the other language: the same path and query under the other prefix."""
    path = quote(request.url.path, safe="/")  # the decoded path: identifiers may hold spaces, % or #
    rest = path[3:] if path[:4] in ("/en/", "/es/") or path in ("/en", "/es") else "/"
    query = request.url.query
    return f"/{other_language()}{rest or '/'}" + (f"?{query}" if query else "")


def page_url(request: Request, **changes) -> str:
    """This page's address with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return quote(request.url.path, safe="/") + (f"?{urlencode(params)}" if params else "")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("stratmon", "web/templates"), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(gettext=lambda message: _(message),
                                  ngettext=lambda singular, plural, n: ngettext(singular, plural, n),
                                  pgettext=pgettext, npgettext=npgettext,
                                  newstyle=True)
    # Dates: `long_date` in sentences ("4 de marzo de 2025"), `short_date` in tables ("4 mar 2025"),
    # `moment` for points in time (UTC); fiscal years as the language writes them ("AF 2019").
    env.filters.update(money=lambda v: "–" if v is None else format_money(Decimal(v)), usd_short=usd_short,
                       count=format_count, percent=format_percent, long_date=format_day,
                       short_date=lambda v: format_day(v, width="medium"), moment=format_moment,
                       fy=format_fiscal_year, with_code=with_code, unbroken_year=unbroken_year,
                       measure=lambda v: "–" if v is None else format_measure(Decimal(v)))
    env.globals.update(language_name=language_name, status_count=status_count, in_language=in_language,
                       cell=table_cell, table_cells=table_cells)
    # `value is published_text`: a text the data holds (`InLanguage`), not the portal's own words.
    env.tests["published_text"] = lambda value: isinstance(value, InLanguage)
    return env


def csrf_token(request: Request) -> str:
    """The token this request's forms must carry: the session's when signed in, else the
    double-submit cookie's, signed by the server (made for this response when the browser has none
    yet, or one the server did not sign or that has expired)."""
    session = session_of(request)
    if session:
        return session.csrf_token
    token = request.cookies.get(CSRF_COOKIE)
    if not is_form_token(token):
        token = getattr(request.state, "new_csrf", None) or new_form_token()
        request.state.new_csrf = token
    return token


class _FormToken:
    """`csrf_token` in a template: made (and its cookie set) only when the page has a form that shows it,
    so that a public page without one sets no cookie and is the same for every visitor (page_cache.py)."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    def __html__(self) -> str:
        return str(escape(str(self)))


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A template rendered in the request's language, with what every page shows."""
    session = session_of(request)
    html = environment().get_template(template).render(
        request=request, lang=language(), languages=SUPPORTED, other_lang=other_language(),
        switch_url=switch_url(request), page_url=lambda **changes: page_url(request, **changes),
        user=session.user if session else None, csrf_token=_FormToken(request), **context)
    response = HTMLResponse(html, status_code=status_code)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, secure=True, samesite="strict", path="/")
    return response
