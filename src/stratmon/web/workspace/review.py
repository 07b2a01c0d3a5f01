"""The approval queue (analysts and administrators): submitted values to approve or return to their
partner saying why, and approved values to unlock, saying why, so that they can be corrected."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.analysis.result_entries import entered_results
from stratmon.i18n import _, language
from stratmon.indicators.workflow import User
from stratmon.web.context import connection, site
from stratmon.web.workspace.access import (
    FormProblem,
    choice_field,
    id_list,
    posted_form,
    redirect_to,
    reviewer,
    text_field,
    workspace_page,
)
from stratmon.web.workspace.results import apply_action, value_type_name

router = APIRouter()
REVIEW_ACTIONS = ("approve", "return", "unlock")


@router.get("/review")
def queue(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
          page: int = Query(1, ge=1, le=1_000_000)):
    return _queue_page(request, db, page=page)


def _queue_page(request: Request, db: Connection, *, page: int = 1, error: str | None = None, code: int = 200):
    waiting = entered_results(db, statuses=("submitted",), per_page=200, oldest_first=True, lang=language())
    approved = entered_results(db, statuses=("approved",), locked=True, page=page, per_page=50, lang=language())
    return workspace_page(request, "review.html", section="review", title=_("Approval queue"), status=code,
                          error=error, waiting=waiting, approved=approved, value_type_name=value_type_name)


@router.post("/review")
def act(request: Request, user: User = Depends(reviewer), form: FormData = Depends(posted_form())):
    """Approve, return or unlock the values chosen: all of them, or none."""
    try:
        action = choice_field(form, "action", _("Action"), REVIEW_ACTIONS)
        reason = text_field(form, "reason", _("Reason"), max_chars=2000, multiline=True)
        if action in ("return", "unlock") and not reason:
            raise FormProblem(_("Say why you return or unlock values: the partner reads the reason."))
        ids = id_list(form)
        refusal = apply_action(request, user, ids, action, reason)
    except FormProblem as problem:
        refusal = (problem.status_code, str(problem))
    if refusal:
        with site(request).engine.connect() as db:
            return _queue_page(request, db, error=refusal[1], code=refusal[0])
    return redirect_to("/review", notice=action, n=len(ids))
