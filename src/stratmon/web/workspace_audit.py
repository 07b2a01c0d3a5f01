"""The audit log (analysts and administrators): every change and refused attempt, newest first,
filtered by the kind of thing (and which one) or by the person."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from stratmon.analysis.audit_log import audit_page, audited_entities, audited_users
from stratmon.i18n import _, pgettext
from stratmon.indicators.workflow import User
from stratmon.web.context import connection
from stratmon.web.workspace_access import reviewer, workspace_page

router = APIRouter()
PER_PAGE = 50


def outcome_name(outcome: str) -> str:
    return {"done": _("done"), "refused": _("refused")}.get(outcome, outcome)


def action_name(action: str) -> str:
    """What was done, in words (the log keeps the code: `sign_in`); an unknown code as it is. The message
    context keeps these names apart from the same English words elsewhere ("approved" the status)."""
    return {
        "create": pgettext("audit action", "created"), "update": pgettext("audit action", "updated"),
        "edit": pgettext("audit action", "edited"), "import": pgettext("audit action", "imported"),
        "upload": pgettext("audit action", "file uploaded"), "publish": pgettext("audit action", "published"),
        "withdraw": pgettext("audit action", "withdrawn"), "submit": pgettext("audit action", "submitted"),
        "approve": pgettext("audit action", "approved"), "return": pgettext("audit action", "returned"),
        "unlock": pgettext("audit action", "unlocked"), "create_token": pgettext("audit action", "token created"),
        "revoke_token": pgettext("audit action", "token revoked"),
        "set_override": pgettext("audit action", "override recorded"),
        "unset_override": pgettext("audit action", "override revoked"),
        "review_accept": pgettext("audit action", "review: the rules' answer accepted"),
        "review_choose": pgettext("audit action", "review: another attribution chosen"),
        "set_password": pgettext("audit action", "password set"), "sign_in": pgettext("audit action", "signed in"),
        "sign_out": pgettext("audit action", "signed out"), "request": pgettext("audit action", "page requested"),
    }.get(action, action)


def entity_name(entity: str) -> str:
    """What kind of thing a line is about, in words (the log keeps the code: `app_user`)."""
    return {
        "app_user": pgettext("audit entity", "user"), "api_token": pgettext("audit entity", "API token"),
        "web_session": pgettext("audit entity", "session"), "page": pgettext("audit entity", "page"),
        "alignment_override": pgettext("audit entity", "alignment override"),
        "document": pgettext("audit entity", "document"),
        "import_run": pgettext("audit entity", "import"), "indicator": pgettext("audit entity", "indicator"),
        "disaggregation_scheme": pgettext("audit entity", "disaggregation scheme"),
        "result_value": pgettext("audit entity", "result value"),
        "dq_assessment": pgettext("audit entity", "data quality assessment"),
        "narrative": pgettext("audit entity", "narrative"),
    }.get(entity, entity)


@router.get("/audit")
def audit_log(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
              entity: str | None = Query(None, max_length=100), entity_id: str | None = Query(None, max_length=300),
              who: str | None = Query(None, max_length=200), page: int = Query(1, ge=1, le=1_000_000)):
    listing = audit_page(db, entity=entity or None, entity_id=(entity_id or "").strip() or None, user=who or None,
                         page=page, per_page=PER_PAGE)
    return workspace_page(request, "audit.html", section="audit", title=_("Audit log"), listing=listing,
                          entities=audited_entities(db), people=audited_users(db), entity=entity or "",
                          entity_id=entity_id or "", who=who or "", outcome_name=outcome_name,
                          action_name=action_name, entity_name=entity_name)
