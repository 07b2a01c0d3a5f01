"""Signing in to the workspace and out of it.

Every attempt is first counted as a failure, in the same statement that checks the limits
(`web.security` says which), so that guesses sent at once pass no more often than one after another;
a refused attempt does not check the password at all. Then the password is checked against its argon2
hash (against a dummy hash when there is no such user or no password, so that timing does not tell);
success forgets the attempt, starts a new session under a new random token and gives the browser a
device cookie that exempts it from the account-wide limit next time. The client is the address
`web.client_address` names. The password is never logged, stored or shown again.
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from stratmon.i18n import _, format_count
from stratmon.indicators.workflow import User
from stratmon.store import web as web_store
from stratmon.store.results import audit
from stratmon.web.client_address import client_address
from stratmon.web.context import site, write_transaction
from stratmon.web.render import render
from stratmon.web.security import (
    ACCOUNT_THROTTLE_WINDOW,
    DEVICE_COOKIE,
    DEVICE_LIFETIME,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_CLIENT_ACCOUNT,
    MAX_PASSWORD_LENGTH,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    THROTTLE_WINDOW,
    is_device_of,
    new_device_token,
    new_token,
    password_matches,
)
from stratmon.web.workspace.access import FormProblem, posted_form, signed_in, text_field, workspace_url

router = APIRouter()

# Where a sign-in may send the browser on: a workspace page of this site, never another host.
_NEXT = re.compile(r"/(en|es)/workspace/[A-Za-z0-9/_.~%=&?+-]{0,500}")
MAX_NAME_CHARS = 200


def _next_page(value: str | None) -> str:
    if value and _NEXT.fullmatch(value) and "//" not in value and "/login" not in value:
        return value
    return workspace_url("/")


def _limits(request: Request, name: str) -> web_store.SignInLimits:
    """The throttle's limits for this attempt: a browser the owner signed in from before is exempt
    from the account-wide one."""
    is_known_device = is_device_of(request.cookies.get(DEVICE_COOKIE), name)
    return web_store.SignInLimits(MAX_FAILURES_PER_CLIENT_ACCOUNT, MAX_FAILURES_PER_CLIENT, THROTTLE_WINDOW,
                                  None if is_known_device else MAX_FAILURES_PER_ACCOUNT, ACCOUNT_THROTTLE_WINDOW)


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
    client, limits = client_address(request), _limits(request, name)
    with write_transaction(engine) as connection:
        attempt = web_store.admit_sign_in(connection, name, client, limits)
        is_client_throttled = attempt is None and web_store.limit_reached_by_client(connection, name, client, limits)
    if attempt is None:
        return _throttled(request, name, next_page, THROTTLE_WINDOW if is_client_throttled else ACCOUNT_THROTTLE_WINDOW)
    # Checked outside the write transaction: hashing takes a while and must not hold the write lock.
    with engine.connect() as connection:
        row = web_store.user_row(connection, name)
    if not password_matches(row.password_hash if row else None, password):
        return _login_page(request, status=401, name=name, next_page=next_page,
                           error=_("The name or the password is not right."))
    return _start_session(request, User(row.name, row.role, row.org_ref), _next_page(next_page), attempt, client)


def _throttled(request: Request, name: str, next_page: str | None, wait: timedelta):
    minutes = format_count(int(wait.total_seconds() // 60))
    response = _login_page(request, status=429, name=name, next_page=next_page, error=_(
        "Too many failed sign-ins. Wait {minutes} minutes, then try again.").format(minutes=minutes))
    response.headers["retry-after"] = str(int(wait.total_seconds()))
    return response


def _start_session(request: Request, user: User, next_page: str, attempt: int, client: str) -> RedirectResponse:
    """A new session under a new token (the old one, if any, ends: no session fixation)."""
    token = new_token()
    with write_transaction(site(request).engine) as connection:
        old = request.cookies.get(SESSION_COOKIE)
        if old and len(old) < 200:
            web_store.end_session(connection, old)
        web_store.forget_sign_in(connection, attempt, user.name, client)
        web_store.start_session(connection, user.name, token, new_token(), SESSION_LIFETIME)
        audit(connection, user.name, "sign_in", "web_session", None)
    response = RedirectResponse(next_page, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        secure=True, httponly=True, samesite="lax")
    response.set_cookie(DEVICE_COOKIE, new_device_token(user.name), max_age=int(DEVICE_LIFETIME.total_seconds()),
                        path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def sign_out(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    with write_transaction(site(request).engine) as connection:
        web_store.end_session(connection, request.cookies.get(SESSION_COOKIE, ""))
        audit(connection, user.name, "sign_out", "web_session", None)
    response = RedirectResponse(workspace_url("/login", signed_out="1"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
