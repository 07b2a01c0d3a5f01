"""Alignment overrides (analysts and administrators): attribute all of an activity's money to an
objective or an outside-the-Strategy category, with the reason, or revoke that; as
`stratmon alignment set|unset` does, the activity is re-aligned at once when the rest of the
alignment is current. Every override stays in the history.

The review queue (`/alignment/review`, as `stratmon alignment review`): the low-confidence and
contested attributions, largest money first, the evidence for and against side by side; accepting
the rules' answer or choosing another target records an override in one action, with who, when and
why, and a line in the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.align.crosswalk import Target
from stratmon.align.run import realign_activity
from stratmon.analysis.alignment_review import activity_targets, review_queue
from stratmon.analysis.alignment_state import alignment_state
from stratmon.analysis.labels import Labels
from stratmon.analysis.activity_titles import titles_for
from stratmon.analysis.result_entries import activity_title
from stratmon.i18n import _, language
from stratmon.indicators.workflow import User
from stratmon.store.alignment import add_override, overrides, revoke_override
from stratmon.store.results import audit
from stratmon.store.runs import take_import_lock
from stratmon.web.context import connection, site, write_transaction
from stratmon.web.workspace.access import (
    FormProblem,
    choice_field,
    posted_form,
    redirect_to,
    reviewer,
    text_field,
    workspace_page,
)

router = APIRouter()
RECENT_OVERRIDES = 50
REVIEW_PAGE = 25


def _targets(request: Request) -> list[tuple[str, str]]:
    """Every target an override may name, as (value, label): objectives by line, then outside categories."""
    lang = language()
    crosswalks = site(request).crosswalks
    choices = [(objective.id, f"{objective.id} {objective.name.get(lang)} ({line.name.get(lang)})")
               for line, objective in site(request).framework.objectives()
               if objective.id in crosswalks.line_by_objective]
    choices += [(str(Target(outside_id=key)), _("Outside the Strategy: {category}").format(
        category=category.name.get(lang))) for key, category in crosswalks.outside.items()]
    return choices


@router.get("/alignment")
def alignment_page(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
                   activity: str | None = Query(None, max_length=200)):
    return _page(request, db, (activity or "").strip())


def _page(request: Request, db: Connection, activity: str, *, error: str | None = None, code: int = 200,
          target: str = "", reason: str = ""):
    exists, title = activity_title(db, activity, language()) if activity else (False, None)
    history = list(reversed(overrides(db, activity))) if exists else []
    recent = list(reversed(overrides(db)))[:RECENT_OVERRIDES]
    state = alignment_state(db, site(request).crosswalks.digest)
    return workspace_page(request, "alignment.html", section="alignment", title=_("Alignment overrides"),
                          status=code, error=error, activity=activity, exists=exists, activity_title=title,
                          history=history, recent=recent, targets=_targets(request), chosen_target=target,
                          reason=reason, alignment=state,
                          active=next((o for o in history if o.is_active), None))


@router.post("/alignment/set")
def set_override(request: Request, user: User = Depends(reviewer), form: FormData = Depends(posted_form())):
    """Record an override (revoking the one it replaces) and re-align the activity."""
    activity = (text_field(form, "activity", _("Activity"), max_chars=200) or "")
    engine = site(request).engine
    try:
        target = choice_field(form, "target", _("Objective"), {value for value, _label in _targets(request)})
        reason = text_field(form, "reason", _("Reason"), required=True, max_chars=2000, multiline=True)
        if not activity:
            raise FormProblem(_("{field} is required").format(field=_("Activity")))
        with write_transaction(engine) as db:
            if not activity_title(db, activity)[0]:
                raise FormProblem(_("No activity has the IATI identifier {identifier}.").format(identifier=activity),
                                  404)
            take_import_lock(db, engine)  # alignment rows are rewritten: not while an import runs
            add_override(db, activity, target, reason, user.name)
            audit(db, user.name, "set_override", "alignment_override", activity, new=target, reason=reason)
            realign_activity(db, site(request).crosswalks, activity)
    except FormProblem as problem:
        with engine.connect() as db:
            return _page(request, db, activity, error=str(problem), code=problem.status_code,
                         target=form.get("target") if isinstance(form.get("target"), str) else "",
                         reason=form.get("reason") if isinstance(form.get("reason"), str) else "")
    return redirect_to("/alignment", notice="override_set", activity=activity)


@router.post("/alignment/unset")
def unset_override(request: Request, user: User = Depends(reviewer), form: FormData = Depends(posted_form())):
    """Revoke an activity's active override; its money follows the rules again."""
    activity = text_field(form, "activity", _("Activity"), required=True, max_chars=200)
    engine = site(request).engine
    try:
        reason = text_field(form, "reason", _("Reason"), required=True, max_chars=2000, multiline=True)
        with write_transaction(engine) as db:
            take_import_lock(db, engine)
            if not revoke_override(db, activity, user.name):
                raise FormProblem(_("{activity} has no active override.").format(activity=activity), 404)
            audit(db, user.name, "unset_override", "alignment_override", activity, reason=reason)
            realign_activity(db, site(request).crosswalks, activity)
    except FormProblem as problem:
        with engine.connect() as db:
            return _page(request, db, activity, error=str(problem), code=problem.status_code)
    return redirect_to("/alignment", notice="override_unset", activity=activity)




@router.get("/alignment/review")
def review_page(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
                page: int = Query(1, ge=1, le=100_000)):
    return _review(request, db, page)


def _review(request: Request, db: Connection, page: int, *, error: str | None = None, code: int = 200):
    crosswalks = site(request).crosswalks
    state = alignment_state(db, crosswalks.digest)
    total, items = review_queue(db, limit=REVIEW_PAGE, offset=(page - 1) * REVIEW_PAGE,
                                crosswalk_digest=crosswalks.digest) if state.is_current else (0, [])
    labels = Labels(db, site(request).framework, language(), crosswalks=crosswalks)
    return workspace_page(request, "alignment_review.html", section="alignment_review",
                          title=_("Attributions to review"), status=code, error=error, items=items, total=total,
                          titles=titles_for(db, (item.iati_identifier for item in items), language()),
                          page=page, pages=max(1, -(-total // REVIEW_PAGE)), labels=labels, alignment=state,
                          targets=_targets(request))


@router.post("/alignment/review")
def settle(request: Request, user: User = Depends(reviewer), form: FormData = Depends(posted_form())):
    """Accept the rules' answer for an activity, or choose another target: either is an override."""
    engine = site(request).engine
    activity = text_field(form, "activity", _("Activity"), required=True, max_chars=200)
    choices = {value for value, _label in _targets(request)}
    try:
        action = choice_field(form, "action", _("Action"), {"accept", "choose"})
        field, label = ("answer", _("Rules' answer")) if action == "accept" else ("target", _("Objective"))
        target = choice_field(form, field, label, choices)
        note = text_field(form, "note", _("Note"), max_chars=2000, multiline=True)
        reason = (_("Accepted the rules' answer in the review queue") if action == "accept"
                  else _("Chosen in the review queue")) + (f": {note}" if note else "")
        with write_transaction(engine) as db:
            if not activity_title(db, activity)[0]:
                raise FormProblem(_("No activity has the IATI identifier {identifier}.").format(identifier=activity),
                                  404)
            if action == "accept" and activity_targets(db, activity) != {_pair(target)}:
                # An override moves all of the activity's money: accepting is for an activity whose money the
                # rules put in one place; elsewhere a person chooses, knowing what moves.
                raise FormProblem(_("The rules put this activity's money in more than one place; choose the "
                                    "objective for all of it instead."))
            take_import_lock(db, engine)
            add_override(db, activity, target, reason, user.name)
            audit(db, user.name, "review_accept" if action == "accept" else "review_choose", "alignment_override",
                  activity, new=target, reason=reason)
            realign_activity(db, site(request).crosswalks, activity)
    except FormProblem as problem:
        with engine.connect() as db:
            return _review(request, db, 1, error=str(problem), code=problem.status_code)
    return redirect_to("/alignment/review", notice="override_set")


def _pair(target: str) -> tuple[str | None, str | None]:
    parsed = Target.parse(target)
    return parsed.objective_id, parsed.outside_id
