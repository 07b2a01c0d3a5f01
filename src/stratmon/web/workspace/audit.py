"""The audit log (analysts and administrators): every change and refused attempt, newest first,
filtered by the kind of thing (and which one) or by the person."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from stratmon.analysis.audit_log import AuditEntry, audit_page, audited_entities, audited_users, scheme_names
from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.labels import Labels
from stratmon.i18n import _, language, language_name, pgettext
from stratmon.indicators.workflow import User, status_name
from stratmon.web.context import connection, site
from stratmon.web.workspace.access import reviewer, role_name, workspace_page
from stratmon.web.workspace.upload import kind_names

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


def field_name(field: str | None) -> str:
    """Which field a line changed, in words (the log keeps the column: `value_text`); an unknown one as it is."""
    if not field:
        return ""
    return {
        "status": _("Status"), "value_text": _("Value"), "not_available": _("Not available (DNA)"),
        "numerator_text": _("Numerator"), "denominator_text": _("Denominator"), "reason": _("Reason"),
        "comment": _("Comment"), "level": _("Level"), "objective_id": _("Objective"),
        "name_en": _("Name in English"), "name_es": _("Name in Spanish"), "unit": _("Unit"),
        "direction": _("Direction"), "aggregation": _("Aggregation"), "cumulative": _("Cumulative"),
        "schemes": _("Disaggregations"), "reference": _("Reference sheet"), "progress": _("Progress"),
        "challenges": _("Challenges"), "next_steps": _("Next steps"),
    }.get(field, field)


# How the log names a narrative's version: `security/HN/2016-2021/es v3` (narratives.workflow.Cell.audit_id).
NARRATIVE_ID = re.compile(r"([^/]+)/([^/]+)/(\d{4})-(\d{4})/(\w+)(?: v(\d+))?")


class EntityWords:
    """Which thing a line is about, by name where the log keeps a code: a disaggregation scheme (`age v1`:
    "Age, version 1"), a narrative (its line of action, country, fiscal years and language); identifiers
    and numbers as they are."""

    def __init__(self, names: Labels, schemes: dict[str, str]) -> None:
        self.names, self.schemes = names, schemes

    def __call__(self, entry: AuditEntry) -> str:
        which = entry.entity_id or ""
        if entry.entity == "disaggregation_scheme":
            code, _sep, version = which.partition(" v")
            if version.isdigit():
                return f"{self.schemes.get(code, code)}, " + _("version {version}").format(version=version)
        found = NARRATIVE_ID.fullmatch(which) if entry.entity == "narrative" else None
        if found:
            line, country, first, last, lang, version = found.groups()
            words = [self.names.line(line), self.names.recipient(country), span_words(int(first), int(last)),
                     language_name(lang)]
            return ", ".join(words + ([_("version {version}").format(version=version)] if version else []))
        return which


class ValueWords:
    """A line's old and new values in words (the log keeps codes: `submitted`, `partner US-EIN-…`, `S2`,
    `iati file.xml`, `True`): statuses, roles, where an override sends money, the kind of file uploaded,
    an indicator's direction, aggregation and level, yes and no. Anything else (a figure, a text someone
    wrote) as it was written."""

    def __init__(self, names: Labels) -> None:
        self.names = names

    def __call__(self, entry: AuditEntry, value: str | None) -> str:
        if value is None or value == "":
            return ""
        if entry.field == "status":  # results and narratives go through the same statuses
            return status_name(value)
        if entry.entity == "app_user" and entry.action == "create":
            role, _sep, organisation = value.partition(" ")
            return role_name(role) + (f" ({organisation})" if organisation else "")
        if entry.entity == "alignment_override":
            return self.names.target_short(value)
        if entry.entity == "import_run" and entry.action == "upload":
            kind, _sep, file_name = value.partition(" ")
            return f"{kind_names().get(kind, kind)}: {file_name}" if file_name else value
        if entry.field == "objective_id":
            return f"{value} {self.names.objective(value)}"
        words = {"direction": {"higher": _("higher is better"), "lower": _("lower is better"),
                               "neutral": pgettext("indicator direction", "neither higher nor lower is better")},
                 "aggregation": {"sum": pgettext("indicator aggregation", "sum of the values"),
                                 "last": pgettext("indicator aggregation", "latest value"),
                                 "percentage": pgettext("indicator aggregation", "percentage")},
                 "level": {"activity": pgettext("indicator level", "activity"),
                           "objective": pgettext("indicator level", "objective")}}.get(entry.field or "", {})
        if value in ("True", "False"):
            return _("yes") if value == "True" else _("no")
        return words.get(value, value)


@router.get("/audit")
def audit_log(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection),
              entity: str | None = Query(None, max_length=100), entity_id: str | None = Query(None, max_length=300),
              who: str | None = Query(None, max_length=200), page: int = Query(1, ge=1, le=1_000_000)):
    listing = audit_page(db, entity=entity or None, entity_id=(entity_id or "").strip() or None, user=who or None,
                         page=page, per_page=PER_PAGE)
    names = Labels(db, site(request).framework, language(), crosswalks=site(request).crosswalks)
    return workspace_page(request, "audit.html", section="audit", title=_("Audit log"), listing=listing,
                          entities=audited_entities(db), people=audited_users(db), entity=entity or "",
                          entity_id=entity_id or "", who=who or "", outcome_name=outcome_name,
                          action_name=action_name, entity_name=entity_name, field_name=field_name,
                          which=EntityWords(names, scheme_names(db, language())), value_words=ValueWords(names))
