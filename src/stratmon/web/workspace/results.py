"""Result entry: a partner (or a reviewer) enters a value, saved as a draft, then submits it.

The form is one row of a results file: it is read by the results reader and stored by
`store.results.write_results`, so it is held to exactly the checks a file is. A partner works only
on its organisation's activities and values (`store.results.check_access`, the rule the API, the
upload and the CLI share): the list shows the values of its activities, but another organisation's
value on a shared activity without its comment and without a way to correct or submit it; a crafted
form naming another organisation's activity or value is refused (403), put in the audit log, and
changes nothing.
"""

from __future__ import annotations


from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.analysis import result_entries
from stratmon.i18n import _, language
from stratmon.indicators.workflow import STATUSES, Refused, User, owns
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.result_records import VALUE_TYPES, ResultRecord
from stratmon.sources.results import COLUMNS
from stratmon.sources.results import record_from_fields
from stratmon.store.results import act_on_results, check_access, latest_schemes, record_refusal, write_results
from stratmon.web.context import connection, site, write_transaction
from stratmon.web.workspace.access import (
    FormProblem,
    id_list,
    is_reviewer,
    posted_form,
    redirect_to,
    result_scope,
    signed_in,
    text_field,
    workspace_page,
)

router = APIRouter()

FORM_SOURCE = "workspace"  # what the stored value's `source` and the audit log name as its origin


def value_type_name(value_type: str) -> str:
    return {"baseline": _("baseline"), "target": _("target"), "actual": _("actual")}.get(value_type, value_type)


# ------------------------------------------------------------------------------------------ listing

@router.get("/results")
def results_list(request: Request, user: User = Depends(signed_in), db: Connection = Depends(connection),
                 status: str | None = Query(None, max_length=20), page: int = Query(1, ge=1, le=1_000_000)):
    """The values the user may see (a partner: its organisation's), newest change first."""
    return _list_page(request, user, db, status=status, page=page)


def _list_page(request: Request, user: User, db: Connection, *, status: str | None = None, page: int = 1,
               error: str | None = None, code: int = 200):
    statuses = (status,) if status in STATUSES else ()
    listing = result_entries.entered_results(db, org_ref=result_scope(user), statuses=statuses, page=page,
                                             lang=language())
    returned = [entry.id for entry in listing.entries if entry.status == "returned"]
    return workspace_page(request, "results.html", section="results", status=code, error=error,
                          title=_("Your organisation's results") if not is_reviewer(user) else _("Results"),
                          listing=listing, status_filter=statuses[0] if statuses else "", statuses=STATUSES,
                          value_type_name=value_type_name, owned=lambda owner: owns(user, owner),
                          return_reasons=result_entries.return_reasons(db, returned))


@router.post("/results/submit")
def submit(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    """Submit draft or returned values for review."""
    try:
        ids = id_list(form)
        reason = text_field(form, "reason", _("Reason"), max_chars=2000, multiline=True)
        refusal = apply_action(request, user, ids, "submit", reason)
    except FormProblem as problem:
        refusal = (problem.status_code, str(problem))
    if refusal:
        with site(request).engine.connect() as db:
            return _list_page(request, user, db, error=refusal[1], code=refusal[0])
    return redirect_to("/results", notice="submit", n=len(ids))


def apply_action(request: Request, user: User, ids: list[int], action: str,
                 reason: str | None) -> tuple[int, str] | None:
    """Submit, approve, return or unlock values, all or none; `(status, why)` when refused.

    A partner naming a value of another organisation, or of an activity outside its organisation's,
    is refused before anything is tried (403);
    the workflow's own refusals (a value in the wrong state, a missing reason) are 409. Every
    refusal is put in the audit log, once per value named.
    """
    if not ids:
        raise FormProblem(_("Choose at least one value."))
    engine = site(request).engine
    with engine.connect() as db:
        owners = result_entries.result_owners(db, ids)
        missing = [result_id for result_id in ids if result_id not in owners]
        if missing:
            raise FormProblem(_("There is no result with id {id}.").format(id=missing[0]), 404)
        try:
            for result_id in ids:
                _check_access(db, user, *owners[result_id], result_id)
        except Refused as refused:
            _refused(engine, user, action, ids, str(refused))
            return 403, str(refused)
    try:
        with write_transaction(engine) as db:
            act_on_results(db, ids, action, user, reason, site(request).framework)
    except Refused as refused:
        _refused(engine, user, action, ids, str(refused))
        return 409, str(refused)
    return None


def _check_access(db: Connection, user: User, activity: str, owner: str | None = None,
                  result_id: int | None = None) -> None:
    """Refuse a partner acting outside its organisation's activities or values (reviewers act on all)."""
    try:
        check_access(db, user, activity, owner)
    except Refused as refused:
        if result_id is None:
            raise
        raise Refused(_("result {id}").format(id=result_id) + f": {refused}") from None


def _refused(engine, user: User, action: str, ids: list, reason: str) -> None:
    for entity_id in ids:
        record_refusal(engine, user.name, action, "result_value", entity_id, reason)


# -------------------------------------------------------------------------------------------- entry

@router.get("/results/new")
def entry_form(request: Request, user: User = Depends(signed_in), db: Connection = Depends(connection),
               id: int | None = Query(None, ge=1, le=2**62)):  # noqa: A002 - the query parameter's name
    """The entry form, empty or filled with a value the user may see (to correct it)."""
    values: dict[str, str] = {}
    if id is not None:
        found = result_entries.entered_result(db, id)
        if found is None:
            raise HTTPException(404, _("There is no result with id {id}.").format(id=id))
        try:
            _check_access(db, user, found.activity, found.org_ref)
        except Refused as refused:
            raise HTTPException(403, str(refused)) from None
        values = _values_of(found)
    return _entry_page(request, user, db, values)


def _values_of(found: result_entries.EnteredResult) -> dict[str, str]:
    return {"indicator": found.indicator_code, "activity": found.activity, "country": found.country_key,
            "period_start": found.period_start.isoformat(), "period_end": found.period_end.isoformat(),
            "value_type": found.value_type, "value": "DNA" if found.not_available else (found.value_text or ""),
            "disaggregate": f"{found.scheme_code}:{found.category}" if found.scheme_code else "",
            "reason": found.reason or "", "comment": found.comment or ""}


def _entry_page(request: Request, user: User, db: Connection, values: dict, *, error: str | None = None,
                code: int = 200):
    lang = language()
    disaggregates = [(f"{scheme.code}:{category['code']}", f"{scheme.code}: {category.get(lang) or category['code']}")
                     for scheme in latest_schemes(db).values() for category in scheme.categories]
    activities = None if is_reviewer(user) else result_entries.partner_activities(db, user.org_ref or "",
                                                                                  language())
    return workspace_page(request, "result_entry.html", section="results", status=code, error=error,
                          title=_("Enter a value"), values=values, activities=activities,
                          indicators=result_entries.indicator_choices(db), disaggregates=disaggregates,
                          value_types=[(v, value_type_name(v)) for v in VALUE_TYPES])


ENTRY_FIELDS = ("indicator", "activity", "country", "period_start", "period_end", "value_type", "value",
                "disaggregate", "reason", "comment")


@router.post("/results/new")
def save(request: Request, user: User = Depends(signed_in), form: FormData = Depends(posted_form())):
    """Save the value as a draft (new, or a correction of a draft or returned one), and submit it
    when asked to."""
    values = {name: form.get(name) if isinstance(form.get(name), str) else "" for name in ENTRY_FIELDS}
    engine = site(request).engine
    try:
        record = _record(form)
        with engine.connect() as db:
            _check_access(db, user, record.activity or "")
    except FormProblem as problem:
        return _entry_again(request, user, values, str(problem), 400)
    except Refused as refused:
        record_refusal(engine, user.name, "create", "result_value", record.activity, str(refused))
        return _entry_again(request, user, values, str(refused), 403)
    then_submit = form.get("then") == "submit"
    try:
        with write_transaction(engine) as db:
            written = write_results(db, [record], user, FORM_SOURCE)
            if then_submit:
                act_on_results(db, written.ids, "submit", user, record.reason, site(request).framework)
    except ImportRejected as rejected:
        return _entry_again(request, user, values, rejected.reason, 400)
    except Refused as refused:
        with engine.connect() as db:
            stored = result_entries.result_id(db, record, user)
        record_refusal(engine, user.name, "submit" if then_submit else "edit", "result_value",
                       stored or record.activity, str(refused))
        return _entry_again(request, user, values, str(refused), 409)
    return redirect_to("/results", notice="saved_submitted" if then_submit else "saved")


def _entry_again(request: Request, user: User, values: dict, error: str, code: int):
    with site(request).engine.connect() as db:
        return _entry_page(request, user, db, values, error=error, code=code)


def _field_labels() -> dict[str, str]:
    return {"indicator": _("Indicator"), "activity": _("Activity"), "country": _("Country"),
            "period_start": _("Period start"), "period_end": _("Period end"), "value_type": _("Type of value"),
            "value": _("Value"), "disaggregate": _("Disaggregate"), "reason": _("Reason"), "comment": _("Comment")}


def _record(form: FormData) -> ResultRecord:
    """The form as a results-file row, read by the results reader (same checks, same messages)."""
    labels = _field_labels()
    fields = {name: text_field(form, name, labels[name], max_chars=4000, multiline=name in ("reason", "comment"))
              for name in ENTRY_FIELDS}
    scheme, _sep, category = (fields.pop("disaggregate") or "").partition(":")
    fields.update(scheme=scheme or None, category=category or None)
    try:
        return record_from_fields(1, {column: fields.get(column) or "" for column in COLUMNS})
    except ContentError as error:
        raise FormProblem(str(error)) from None
