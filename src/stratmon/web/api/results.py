"""API for token holders: who am I, results and their workflow, the audit log, users.

Writes follow the CLI's rules (`store.results`, `indicators/workflow.py`): values are stored as
drafts in one transaction, all of them or none; a refused attempt changes nothing and is put on
the audit log. A partner's refusal for scope or role is 403 (another organisation's activity or
value: `store.results.check_access`, the rule every way in shares); a value whose state does not allow
the action (approving a draft, editing a locked value) is 409.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from sqlalchemy import Connection

from stratmon.analysis.audit_log import MAX_PER_PAGE as MAX_AUDIT_PER_PAGE
from stratmon.analysis.audit_log import audit_page
from stratmon.analysis.indicator_values import entered_value, entered_values
from stratmon.i18n import _
from stratmon.indicators.workflow import Refused, User
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.result_records import ResultRecord
from stratmon.sources.results import COLUMNS
from stratmon.sources.results import record_from_fields
from stratmon.store.results import (
    act_on_results,
    activity_partners,
    check_access,
    record_refusal,
    users,
    write_results,
)
from stratmon.web.api import models as m
from stratmon.web.api.auth import administrator, reviewer, signed_in
from stratmon.web.api.common import Db, LimitedBodyRoute, audience_of, errors, utc, value_out
from stratmon.web.context import site, write_transaction

router = APIRouter(route_class=LimitedBodyRoute)

MAX_VALUES = 1000  # per request: a partner's quarter fits many times over
MAX_ID = 2**63 - 1
SOURCE = "api"  # where stored values came from (`source` column: api:<item number>)

SignedIn = Annotated[User, Depends(signed_in)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=1000)]


@router.get("/me", summary="The token's user", response_model=m.UserOut, responses=errors(401))
def me(user: SignedIn) -> m.UserOut:
    """Who the token belongs to: name, role (admin, analyst, partner) and a partner's organisation."""
    return m.UserOut(name=user.name, role=user.role, organisation=user.org_ref)


@router.get("/results", summary="Entered results with their workflow status", response_model=m.ValueList,
            responses=errors(401))
def results(
    db: Db,
    user: SignedIn,
    status: Literal["draft", "submitted", "approved", "returned"] | None = None,
    indicator: Annotated[str | None, Query(max_length=200)] = None,
    activity: Annotated[str | None, Query(max_length=500)] = None,
    page: Page = 1,
    per_page: PerPage = 100,
) -> m.ValueList:
    """Every entered value for reviewers; a partner sees only its own organisation's activities'."""
    found, total = entered_values(db, audience_of(user, approved_too=False), indicator=indicator, activity=activity,
                                  status=status, limit=per_page, offset=(page - 1) * per_page)
    return m.ValueList(items=[value_out(v, user) for v in found], total=total, page=page, per_page=per_page)


def _records(values: list[m.ValueIn]) -> list[ResultRecord]:
    """The values as results-file rows, read by the results file's rules (422 naming the item)."""
    records = []
    for number, value in enumerate(values, start=1):
        try:
            records.append(record_from_fields(number, {column: getattr(value, column) for column in COLUMNS}))
        except ContentError as error:
            raise HTTPException(422, _("value {n}: {reason}").format(n=number, reason=error)) from None
    return records


def _scope_refusal(db: Connection, user: User, records: list[ResultRecord]) -> str | None:
    """Why a partner may not write these values (an activity of another organisation), if so."""
    if user.role != "partner":
        return None
    for record in records:
        if record.activity and activity_partners(db, record.activity) is None:
            continue  # not imported: write_results says so
        try:
            check_access(db, user, record.activity or "")
        except Refused as refused:
            return _("value {n}: {reason}").format(n=record.line, reason=refused)
    return None


@router.post("/results", summary="Enter results (stored as drafts)", status_code=201, response_model=m.Written,
             responses={200: {"model": m.Written, "description": "Nothing new: values updated or unchanged"},
                        **errors(401, 403, 409, 413)})
def post_results(
    request: Request,
    response: Response,
    user: SignedIn,
    values: Annotated[list[m.ValueIn], Body(min_length=1, max_length=MAX_VALUES, description=(
        "Values as rows of the results template (`stratmon results template`)."))],
) -> m.Written:
    """Store values as drafts: new ones, or edits of drafts and returned values. All of them or
    none: the first value that cannot be stored refuses the request, naming it. A partner writes
    only for its own organisation's activities, and only its own organisation's values: where another
    partner of a shared activity entered a value for the same cell, the partner's row is its own
    value beside that one, which stays as it was."""
    records = _records(values)
    engine = site(request).engine
    with engine.connect() as db:
        refusal = _scope_refusal(db, user, records)
    try:
        if refusal:
            raise Refused(refusal)
        with write_transaction(engine) as db:
            change = write_results(db, records, user, SOURCE)
            stored = [entered_value(db, value_id) for value_id in dict.fromkeys(change.ids)]
    except Refused as refused:
        record_refusal(engine, user.name, "import", "result_value", SOURCE, str(refused))
        raise HTTPException(403 if refusal else 409, str(refused)) from None
    except ImportRejected as rejected:
        raise HTTPException(422, _("value {n}: {reason}").format(n=rejected.line, reason=rejected.reason)) from None
    if not change.new:
        response.status_code = 200
    return m.Written(new=change.new, updated=change.updated, unchanged=change.unchanged,
                     values=[value_out(v, user) for v in stored if v is not None])


def _workflow_route(action: str, summary: str, description: str) -> None:
    def act(
        request: Request,
        user: SignedIn,
        value_id: Annotated[int, Path(alias="id", ge=1, le=MAX_ID, description="The result value's id.")],
        body: Annotated[m.ActionIn | None, Body()] = None,
    ) -> m.ValueOut:
        reason = (body.reason or "").strip() or None if body else None
        engine = site(request).engine
        with engine.connect() as db:
            value = entered_value(db, value_id)
            if value is None:
                raise HTTPException(404, _("no result with id {id}").format(id=value_id))
            try:
                check_access(db, user, value.activity or "", value.org_ref or "")
                in_scope = True
            except Refused:
                in_scope = False
        if action in ("return", "unlock") and reason is None and in_scope and user.role != "partner":
            raise HTTPException(422, _("say why: a reason is required"))
        try:
            with write_transaction(engine) as db:
                act_on_results(db, [value_id], action, user, reason, site(request).framework)
                # Read in the same transaction: the value as this action left it, not as a reviewer
                # acting a moment later has.
                acted_on = entered_value(db, value_id)
        except Refused as refused:
            record_refusal(engine, user.name, action, "result_value", value_id, str(refused))
            forbidden = user.role == "partner" and (not in_scope or action != "submit")
            raise HTTPException(403 if forbidden else 409, str(refused)) from None
        return value_out(acted_on, user)

    act.__name__ = f"results_{action}"
    router.add_api_route(f"/results/{{id}}/{action}", act, methods=["POST"], summary=summary, description=description,
                         response_model=m.ValueOut, responses=errors(401, 403, 404, 409, 413),
                         name=f"results_{action}")


_workflow_route("submit", "Submit a result for review",
                "A draft or returned value goes to the reviewers. An actual that misses its target needs a reason.")
_workflow_route("approve", "Approve a submitted result (analysts, administrators)",
                "The value is approved and locked; the public sees it from now on.")
_workflow_route("return", "Return a submitted result to its partner (analysts, administrators)",
                "Give the reason: the partner reads it.")
_workflow_route("unlock", "Unlock an approved result (analysts, administrators)",
                "The value goes back to draft so that it can be corrected; give the reason.")


@router.get("/audit", summary="The audit log (analysts, administrators)", response_model=m.AuditList,
            responses=errors(401, 403))
def audit(
    db: Db,
    _user: Annotated[User, Depends(reviewer)],
    entity: Annotated[str | None, Query(max_length=100, description="result_value, indicator, app_user...")] = None,
    entity_id: Annotated[str | None, Query(max_length=500)] = None,
    user: Annotated[str | None, Query(max_length=200, description="Who acted.")] = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_AUDIT_PER_PAGE)] = 100,
) -> m.AuditList:
    """Every change and every refused attempt (`outcome`: done or refused), newest first."""
    found = audit_page(db, entity=entity, entity_id=entity_id, user=user, page=page, per_page=per_page)
    return m.AuditList(items=[m.AuditEntryOut(id=e.id, at=utc(e.at), user=e.user_name, action=e.action, entity=e.entity,
                                              entity_id=e.entity_id, field=e.field, old=e.old_value, new=e.new_value,
                                              reason=e.reason, outcome=e.outcome) for e in found.entries],
                       total=found.total, page=page, per_page=per_page)


@router.get("/users", summary="Users and their roles (administrators)", response_model=list[m.UserOut],
            responses=errors(401, 403))
def user_list(db: Db, _user: Annotated[User, Depends(administrator)]) -> list[m.UserOut]:
    """Everyone who may sign in or hold a token, with role and organisation."""
    return [m.UserOut(name=u.name, role=u.role, organisation=u.org_ref) for u in users(db)]

