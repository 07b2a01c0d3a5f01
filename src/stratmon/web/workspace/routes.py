"""The workspace, under `/{lang}/workspace`: sign-in, result entry and approval, narratives, alignment overrides,
uploads, the audit log, users, API tokens and documents. Each concern has its own module
(the modules beside this one); this one gathers their routes and serves the overview."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection

from stratmon.analysis.result_entries import organisation_name, status_counts
from stratmon.i18n import _
from stratmon.indicators.workflow import User
from stratmon.web.workspace import (
    alignment, audit, documents, login, narratives, results, review, tokens, upload, users,
)
from stratmon.web.context import connection
from stratmon.web.portal.pages import page_language
from stratmon.web.workspace.access import result_scope, signed_in, workspace_page

router = APIRouter(prefix="/{lang}/workspace", dependencies=[Depends(page_language)], include_in_schema=False)


@router.get("/")
def overview(request: Request, user: User = Depends(signed_in), db: Connection = Depends(connection)):
    """What the signed-in person can do, and how many values wait in their queues."""
    own = status_counts(db, result_scope(user))
    organisation = organisation_name(db, user.org_ref) if user.org_ref else None
    return workspace_page(request, "overview.html", section="home", title=_("Workspace"), counts=own,
                          organisation=organisation)


# The modules whose routes make up the workspace, each under the prefix above.
PARTS = (login, results, review, narratives, alignment, upload, audit, users, tokens, documents)
for part in PARTS:
    router.include_router(part.router)
