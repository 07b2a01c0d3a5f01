"""Narratives (analysts and administrators): for a span of fiscal years, where the English and Spanish
narrative of every line of action in every country stands, and those waiting for approval; a page per
line of action and country to write both, submit them, and approve or return them.

The rules are narratives/workflow.py's (another analyst than the author, or an administrator,
approves); the writes are store/narratives.py's, each save a new version, shown with every earlier
one. Partners have no access (403, and a refused form is put in the audit log); a refused step
(approving one's own text, acting on a version someone has since replaced) is put in the audit log and
changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData

from stratmon.analysis import narratives
from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.fiscal import FiscalYearError, FiscalYears, chosen_span, period_text, strategy_period
from stratmon.i18n import SUPPORTED, _, language
from stratmon.indicators.workflow import Refused, User
from stratmon.narratives.workflow import ACTIONS, MAX_PART_CHARS, PARTS, Cell, Parts, may_review, part_names
from stratmon.store.narratives import ENTITY, act_on_narrative, save_narrative
from stratmon.store.results import record_refusal
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

FORM_SOURCE = "workspace"  # what a saved version's `source` and the audit log name as its origin
LANGUAGE_NAMES = {"en": "English", "es": "Español"}  # each in itself, as the documents page names them


def _span(request: Request, text: str | None) -> FiscalYears:
    return chosen_span(text, strategy_period(site(request).framework))


def _names(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    framework, lang = site(request).framework, language()
    return ({line.id: line.name.get(lang) for line in framework.lines_of_action},
            {country.code: country.name.get(lang) for country in framework.countries})


# ----------------------------------------------------------------------------------------- overview

@router.get("/narratives")
def narratives_overview(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
                        fy: str | None = Query(None, max_length=20)):
    """Every narrative of the span asked for (the Strategy's period by default), and the queue."""
    try:
        span, error = _span(request, fy), None
    except FiscalYearError as problem:
        span, error = strategy_period(site(request).framework), str(problem)
    if error is None and not narratives.is_bounded(span):
        error = _("Narratives are written for a first and a last fiscal year: write FIRST:LAST or YEAR.")
        span = strategy_period(site(request).framework)
    lines, countries = _names(request)
    rows: dict[Cell, dict] = {}
    for state in narratives.states(db, site(request).framework, span):
        rows.setdefault(state.cell, {})[state.lang] = state
    return workspace_page(request, "narratives.html", section="narratives", title=_("Narratives"), error=error,
                          status=400 if error else 200, rows=rows, waiting=narratives.waiting(db),
                          spans=narratives.spans(db), span=span, fy=period_text(span), span_words=span_words,
                          line_names=lines, country_names=countries, period_text=period_text,
                          language_names=LANGUAGE_NAMES)


# --------------------------------------------------------------------------------- one cell's page

def _cell(request: Request, line_id: str, country: str, fy: str | None) -> Cell:
    """The cell an address names; 404 when the framework has no such line of action or country, or
    the span is not a first and a last fiscal year."""
    framework = site(request).framework
    try:
        span = _span(request, fy)
    except FiscalYearError:
        span = FiscalYears()
    if (line_id not in {line.id for line in framework.lines_of_action} or framework.country(country) is None
            or not narratives.is_bounded(span)):
        raise HTTPException(404, _("There is no such narrative."))
    return Cell(line_id, country, span.first, span.last)


@router.get("/narratives/{line_id}/{country}")
def narrative_page(request: Request, line_id: str, country: str, user: User = Depends(reviewer),
                   db: Connection = Depends(connection), fy: str | None = Query(None, max_length=20)):
    return _cell_page(request, user, db, _cell(request, line_id, country, fy))


def _cell_page(request: Request, user: User, db: Connection, cell: Cell, *, typed: dict | None = None,
               error: str | None = None, code: int = 200):
    """Both languages' newest version (the form, filled with it or with what was just typed), what is
    published, what the user may do, and every version."""
    history = narratives.versions(db, cell)
    newest = {lang: next((v for v in history if v.lang == lang), None) for lang in SUPPORTED}
    approved = narratives.approved(db, FiscalYears(cell.first_fy, cell.last_fy))
    published = {lang: approved.get((cell.line, cell.country, lang)) for lang in SUPPORTED}
    forms = {lang: (typed or {}).get(lang) or (newest[lang].parts.as_dict() if newest[lang] else {})
             for lang in SUPPORTED}
    may_act = {lang: newest[lang] is not None and (
        newest[lang].status in ("draft", "returned") or
        (newest[lang].status == "submitted" and may_review(user, newest[lang].created_by))) for lang in SUPPORTED}
    lines, countries = _names(request)
    title = _("{line}, {country}, {span}").format(line=lines[cell.line], country=countries[cell.country],
                                                  span=span_words(cell.first_fy, cell.last_fy))
    return workspace_page(request, "narrative.html", section="narratives", title=title, error=error, status=code,
                          cell=cell, fy=f"{cell.first_fy}:{cell.last_fy}", history=history, newest=newest,
                          published=published, forms=forms, may_act=may_act,
                          part_names=part_names(), parts=PARTS, language_names=LANGUAGE_NAMES,
                          max_chars=MAX_PART_CHARS)


def _again(request: Request, user: User, cell: Cell, error: str, code: int, typed: dict | None = None):
    with site(request).engine.connect() as db:
        return _cell_page(request, user, db, cell, typed=typed, error=error, code=code)


def _form_cell(request: Request, line_id: str, country: str, form: FormData) -> Cell:
    fy = form.get("fy")
    return _cell(request, line_id, country, fy if isinstance(fy, str) and len(fy) <= 20 else None)


@router.post("/narratives/{line_id}/{country}")
def save(request: Request, line_id: str, country: str, user: User = Depends(reviewer),
         form: FormData = Depends(posted_form())):
    """Save the text of one language as a new version (a draft), and submit it when asked to."""
    cell = _form_cell(request, line_id, country, form)
    engine = site(request).engine
    typed = {}
    try:
        lang = choice_field(form, "lang", _("Language"), SUPPORTED)
        typed = {lang: {part: form.get(part) if isinstance(form.get(part), str) else "" for part in PARTS}}
        names = part_names()
        parts = Parts(*(text_field(form, part, names[part], required=True, max_chars=MAX_PART_CHARS, multiline=True)
                        for part in PARTS))
    except FormProblem as problem:
        return _again(request, user, cell, str(problem), problem.status_code, typed)
    then_submit = form.get("then") == "submit"
    try:
        with write_transaction(engine) as db:
            saved = save_narrative(db, cell, lang, parts, user, FORM_SOURCE)
            submitted = then_submit and saved.status in ("draft", "returned")
            if submitted:
                act_on_narrative(db, cell, lang, saved.version, "submit", user, None)
    except Refused as refused:
        record_refusal(engine, user.name, "submit" if then_submit else "save", ENTITY, cell.audit_id(lang),
                       str(refused))
        return _again(request, user, cell, str(refused), 409, typed)
    notice = "narrative_submit" if submitted else "narrative_saved" if saved.is_new else "narrative_unchanged"
    return redirect_to(f"/narratives/{cell.line}/{cell.country}", fy=f"{cell.first_fy}:{cell.last_fy}",
                       notice=notice)


@router.post("/narratives/{line_id}/{country}/act")
def act(request: Request, line_id: str, country: str, user: User = Depends(reviewer),
        form: FormData = Depends(posted_form())):
    """Submit, approve or return the newest version of one language's narrative."""
    cell = _form_cell(request, line_id, country, form)
    engine = site(request).engine
    try:
        lang = choice_field(form, "lang", _("Language"), SUPPORTED)
        action = choice_field(form, "action", _("Action"), ACTIONS)
        version = text_field(form, "version", _("Version"), required=True, max_chars=9)
        if not version.isdigit():
            raise FormProblem(_("{field}: expected a whole number").format(field=_("Version")))
        reason = text_field(form, "reason", _("Reason"), max_chars=2000, multiline=True)
    except FormProblem as problem:
        return _again(request, user, cell, str(problem), problem.status_code)
    try:
        with write_transaction(engine) as db:
            act_on_narrative(db, cell, lang, int(version), action, user, reason)
    except Refused as refused:
        record_refusal(engine, user.name, action, ENTITY, cell.audit_id(lang, int(version)), str(refused))
        return _again(request, user, cell, str(refused), 409)
    return redirect_to(f"/narratives/{cell.line}/{cell.country}", fy=f"{cell.first_fy}:{cell.last_fy}",
                       notice=f"narrative_{action}")
