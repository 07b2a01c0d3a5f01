"""Users (administrators): who may sign in, in which role; add a user with an initial password, set
a new password (their open sessions end). Passwords are hashed with argon2 and never shown again."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.i18n import _
from stratmon.indicators.workflow import ROLES, Refused, User
from stratmon.store import web as web_store
from stratmon.store.results import add_user, audit, record_refusal
from stratmon.web.context import connection, site, write_transaction
from stratmon.web.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from stratmon.web.workspace.access import (
    FormProblem,
    administrator,
    choice_field,
    posted_form,
    redirect_to,
    text_field,
    workspace_page,
)

router = APIRouter()
MAX_NAME_CHARS = 100


@router.get("/users")
def users_page(request: Request, user: User = Depends(administrator), db: Connection = Depends(connection)):
    return _page(request, db)


def _page(request: Request, db: Connection, *, error: str | None = None, code: int = 200, values=None):
    return workspace_page(request, "users.html", section="users", title=_("Users"), status=code, error=error,
                          accounts=web_store.accounts(db), roles=ROLES, values=values or {},
                          min_password=MIN_PASSWORD_LENGTH)


def _password(form: FormData) -> str:
    """The password exactly as typed (spaces count), within the length limits."""
    password = form.get("password")
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise FormProblem(_("A password needs {least} to {most} characters.").format(
            least=MIN_PASSWORD_LENGTH, most=MAX_PASSWORD_LENGTH))
    return password


@router.post("/users")
def add(request: Request, user: User = Depends(administrator), form: FormData = Depends(posted_form())):
    """Add a user with a role (a partner with its organisation) and an initial password."""
    engine = site(request).engine
    values = {key: form.get(key) if isinstance(form.get(key), str) else "" for key in ("name", "role", "org")}
    try:
        name = text_field(form, "name", _("Name"), required=True, max_chars=MAX_NAME_CHARS)
        role = choice_field(form, "role", _("Role"), ROLES)
        org = text_field(form, "org", _("Organisation"), max_chars=200) if role == "partner" else None
        password_hash = hash_password(_password(form))
        with write_transaction(engine) as db:
            add_user(db, name, role, org, user.name)
            web_store.set_password_hash(db, name, password_hash)
            audit(db, user.name, "set_password", "app_user", name)
    except FormProblem as problem:
        return _again(request, str(problem), problem.status_code, values)
    except Refused as refused:
        record_refusal(engine, user.name, "create", "app_user", values["name"] or None, str(refused))
        return _again(request, str(refused), 409, values)
    return redirect_to("/users", notice="user_added")


@router.post("/users/password")
def set_password(request: Request, user: User = Depends(administrator), form: FormData = Depends(posted_form())):
    """Give a user a new password; their open sessions end."""
    engine = site(request).engine
    try:
        name = text_field(form, "name", _("Name"), required=True, max_chars=MAX_NAME_CHARS)
        password_hash = hash_password(_password(form))
        with write_transaction(engine) as db:
            if not web_store.set_password_hash(db, name, password_hash):
                raise FormProblem(_("{name} is not a user.").format(name=name), 404)
            audit(db, user.name, "set_password", "app_user", name)
    except FormProblem as problem:
        return _again(request, str(problem), problem.status_code)
    return redirect_to("/users", notice="password_set")


def _again(request: Request, error: str, code: int, values=None):
    with site(request).engine.connect() as db:
        return _page(request, db, error=error, code=code, values=values)
