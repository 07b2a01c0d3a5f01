"""API tokens for scripts (`Authorization: Bearer ...`): anyone signed in makes and revokes their
own; an administrator sees and revokes everyone's. A new token is shown once, on the page that
answers its creation; only its hash is stored."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.i18n import _
from stratmon.indicators.workflow import User
from stratmon.store import web as web_store
from stratmon.store.results import audit, record_refusal
from stratmon.web.context import connection, site, write_transaction
from stratmon.web.security import new_token
from stratmon.web.workspace.access import (
    FormProblem,
    id_list,
    posted_form,
    redirect_to,
    signed_in,
    text_field,
    workspace_page,
)

router = APIRouter()


def _owner_filter(user: User) -> str | None:
    """Whose tokens a user sees and may revoke: everyone's for an administrator."""
    return None if user.role == "admin" else user.name


@router.get("/tokens")
def tokens_page(request: Request, user: User = Depends(signed_in), db: Connection = Depends(connection)):
    return _page(request, user, db)


def _page(request: Request, user: User, db: Connection, *, new: str | None = None, error: str | None = None,
          code: int = 200):
    return workspace_page(request, "tokens.html", section="tokens", title=_("API tokens"), status=code, error=error,
                          tokens=web_store.api_tokens(db, _owner_filter(user)), new_token=new)


@router.post("/tokens")
def create(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    """Make a token and show it, this once."""
    engine = site(request).engine
    try:
        label = text_field(form, "label", _("What it is for"), required=True, max_chars=100)
    except FormProblem as problem:
        with engine.connect() as db:
            return _page(request, user, db, error=str(problem), code=problem.status_code)
    token = new_token()
    with write_transaction(engine) as db:
        token_id = web_store.add_api_token(db, user.name, label, token)
        audit(db, user.name, "create_token", "api_token", token_id, new=label)
    with engine.connect() as db:
        response = _page(request, user, db, new=token)
    response.headers["cache-control"] = "no-store"  # the token must not linger in a cache
    return response


@router.post("/tokens/revoke")
def revoke(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    engine = site(request).engine
    ids = id_list(form)
    if len(ids) != 1:
        raise FormProblem(_("Choose one token."))
    with write_transaction(engine) as db:
        revoked = web_store.revoke_api_token(db, ids[0], _owner_filter(user))
        if revoked:
            audit(db, user.name, "revoke_token", "api_token", ids[0])
    if not revoked:
        reason = _("no live token {id} of yours").format(id=ids[0])
        record_refusal(engine, user.name, "revoke_token", "api_token", ids[0], reason)
        with engine.connect() as db:
            return _page(request, user, db, error=_("There is no live token {id} of yours.").format(id=ids[0]),
                         code=404)
    return redirect_to("/tokens", notice="token_revoked")
