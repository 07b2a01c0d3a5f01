"""The audit log (analysts and administrators): every change and refused attempt, newest first,
filtered by the kind of thing (and which one) or by the person."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from stratmon.analysis.audit_log import audit_page, audited_entities, audited_users
from stratmon.i18n import _
from stratmon.indicators.workflow import User
from stratmon.web.context import connection
from stratmon.web.workspace_access import reviewer, workspace_page

router = APIRouter()
PER_PAGE = 50


def outcome_name(outcome: str) -> str:
    return {"done": _("done"), "refused": _("refused")}.get(outcome, outcome)


@router.get("/audit")
def audit_log(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
              entity: str | None = Query(None, max_length=100), entity_id: str | None = Query(None, max_length=300),
              who: str | None = Query(None, max_length=200), page: int = Query(1, ge=1, le=1_000_000)):
    listing = audit_page(db, entity=entity or None, entity_id=(entity_id or "").strip() or None, user=who or None,
                         page=page, per_page=PER_PAGE)
    return workspace_page(request, "audit.html", section="audit", title=_("Audit log"), listing=listing,
                          entities=audited_entities(db), people=audited_users(db), entity=entity or "",
                          entity_id=entity_id or "", who=who or "", outcome_name=outcome_name)
