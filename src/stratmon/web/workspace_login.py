"""Signing in to the workspace and out of it.

A sign-in is refused without even checking the password once an account name or a client has
failed too often lately (`web.security` limits); otherwise the password is checked against its
argon2 hash (against a dummy hash when there is no such user or no password, so that timing does
not tell), and success starts a new session under a new random token. The password is never
logged, stored or shown again.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from stratmon.i18n import _, format_count
from stratmon.indicators.workflow import User
from stratmon.store import web as web_store
from stratmon.store.results import audit
from stratmon.web.context import site, write_transaction
from stratmon.web.render import render
from stratmon.web.security import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_CLIENT,
    MAX_PASSWORD_LENGTH,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    THROTTLE_WINDOW,
    new_token,
    password_matches,
)
from stratmon.web.workspace_access import FormProblem, posted_form, signed_in, text_field, workspace_url

router = APIRouter()

# Where a sign-in may send the browser on: a workspace page of this site, never another host.
_NEXT = re.compile(r"/(en|es)/workspace/[A-Za-z0-9/_.~%=&?+-]{0,500}")
MAX_NAME_CHARS = 200


def _next_page(value: str | None) -> str:
    if value and _NEXT.fullmatch(value) and "//" not in value and "/login" not in value:
        return value
    return workspace_url("/")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, *, status: int = 200, error: str | None = None, name: str = "",
                next_page: str | None = None):
    return render(request, "workspace/login.html", status_code=status, error=error, name=name,
                  next_page=_next_page(next_page))


@router.get("/login")
def login_form(request: Request, next: str | None = None):  # noqa: A002 - the query parameter's name
    return _login_page(request, next_page=next)


@router.post("/login")
def sign_in(request: Request, form: FormData = Depends(posted_form(cookie_token_too=True))):
    next_page = form.get("next") if isinstance(form.get("next"), str) else None
    try:
        name = text_field(form, "name", _("Name"), required=True, max_chars=MAX_NAME_CHARS)
    except FormProblem as problem:
        return _login_page(request, status=400, error=str(problem), next_page=next_page)
    password = form.get("password")
    password = password if isinstance(password, str) and len(password) <= MAX_PASSWORD_LENGTH else ""
    engine = site(request).engine
    client = _client(request)
    with engine.connect() as connection:
        by_name, by_client = web_store.recent_login_failures(connection, name, client, THROTTLE_WINDOW)
        row = web_store.user_row(connection, name)
    if by_name >= MAX_FAILURES_PER_ACCOUNT or by_client >= MAX_FAILURES_PER_CLIENT:
        minutes = format_count(int(THROTTLE_WINDOW.total_seconds() // 60))
        response = _login_page(request, status=429, name=name, next_page=next_page, error=_(
            "Too many failed sign-ins. Wait {minutes} minutes, then try again.").format(minutes=minutes))
        response.headers["retry-after"] = str(int(THROTTLE_WINDOW.total_seconds()))
        return response
    # Checked outside the write transaction: hashing takes a while and must not hold the write lock
    # (so guesses sent at once can pass the limit by at most the number of requests in flight).
    if not password_matches(row.password_hash if row else None, password):
        with write_transaction(engine) as connection:
            web_store.record_login_failure(connection, name, client)
        return _login_page(request, status=401, name=name, next_page=next_page,
                           error=_("The name or the password is not right."))
    return _start_session(request, User(row.name, row.role, row.org_ref), _next_page(next_page))


def _start_session(request: Request, user: User, next_page: str) -> RedirectResponse:
    """A new session under a new token (the old one, if any, ends: no session fixation)."""
    token = new_token()
    with write_transaction(site(request).engine) as connection:
        old = request.cookies.get(SESSION_COOKIE)
        if old and len(old) < 200:
            web_store.end_session(connection, old)
        web_store.clear_login_failures(connection, user.name)
        web_store.start_session(connection, user.name, token, new_token(), SESSION_LIFETIME)
        audit(connection, user.name, "sign_in", "web_session", None)
    response = RedirectResponse(next_page, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        secure=True, httponly=True, samesite="lax")
    return response


@router.post("/logout")
def sign_out(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    with write_transaction(site(request).engine) as connection:
        web_store.end_session(connection, request.cookies.get(SESSION_COOKIE, ""))
        audit(connection, user.name, "sign_out", "web_session", None)
    response = RedirectResponse(workspace_url("/login", signed_out="1"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
