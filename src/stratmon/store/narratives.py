"""Writing narratives: every save a new version, the workflow of the newest version, and an audit line
for each change (who, when, what: the part's old and new text, the status before and after).

The rules are `narratives.workflow`'s. Callers run these inside one write transaction; a refused
step raises `Refused` and must roll back, then `store.results.record_refusal` puts the attempt on
record in a transaction of its own, the data left exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from stratmon.i18n import _
from stratmon.indicators.workflow import Refused, User
from stratmon.narratives.workflow import Cell, Parts, check_writer, next_status, parts_problem
from stratmon.store import schema
from stratmon.store.results import audit
from stratmon.store.runs import now

ENTITY = "narrative"  # what the audit log calls them


@dataclass(frozen=True)
class Saved:
    """What a save did: the narrative's newest version, its status, and whether the save made it."""

    version: int
    status: str
    is_new: bool


def _newest(connection: Connection, cell: Cell, lang: str):
    table = schema.narrative_version
    # Locked until commit, so that two people acting at once on PostgreSQL take turns (SQLite's write
    # transaction already does).
    return connection.execute(select(table).where(*_is(cell, lang)).order_by(table.c.version.desc()).limit(1)
                              .with_for_update()).first()


def _is(cell: Cell, lang: str) -> list:
    table = schema.narrative_version
    return [table.c.line_id == cell.line, table.c.country == cell.country, table.c.first_fy == cell.first_fy,
            table.c.last_fy == cell.last_fy, table.c.lang == lang]


def save_narrative(connection: Connection, cell: Cell, lang: str, parts: Parts, user: User, source: str) -> Saved:
    """Save `parts` as a new draft version of the narrative of `cell` in `lang`; a text the same as
    the newest version's changes nothing. The narrative's approved version, if any, stays published
    until this one is approved."""
    check_writer(user)
    parts = parts.cleaned()
    problem = parts_problem(parts)
    if problem:
        raise Refused(problem)
    newest = _newest(connection, cell, lang)
    if newest is not None and all(newest._mapping[part] == text for part, text in parts.as_dict().items()):
        return Saved(newest.version, newest.status, False)
    version = 1 if newest is None else newest.version + 1
    connection.execute(insert(schema.narrative_version).values(
        line_id=cell.line, country=cell.country, first_fy=cell.first_fy, last_fy=cell.last_fy, lang=lang,
        version=version, **parts.as_dict(), status="draft", source=source, created_by=user.name, created_at=now()))
    entity_id = cell.audit_id(lang, version)
    for part, text in parts.as_dict().items():
        old = None if newest is None else newest._mapping[part]
        if old != text:
            audit(connection, user.name, "create" if newest is None else "update", ENTITY, entity_id, field=part,
                  old=old, new=text, reason=source)
    return Saved(version, "draft", True)


def act_on_narrative(connection: Connection, cell: Cell, lang: str, version: int | None, action: str, user: User,
                     reason: str | None) -> str:
    """Submit, approve or return the newest version of a narrative (`version`, when given, must be it:
    a page left open while someone saved a newer one acts on nothing); its new status."""
    newest = _newest(connection, cell, lang)
    if newest is None:
        raise Refused(_("there is no narrative for {narrative}").format(narrative=cell.audit_id(lang)))
    if version is not None and version != newest.version:
        raise Refused(_("version {version} is no longer the newest (version {newest} is): reload the page").format(
            version=version, newest=newest.version))
    status = next_status(user, newest.created_by, newest.status, action, reason)
    values: dict = {"status": status}
    if action == "submit":
        values.update(submitted_by=user.name, submitted_at=now())
    else:
        values.update(reviewed_by=user.name, reviewed_at=now(), review_reason=reason)
    table = schema.narrative_version
    connection.execute(update(table).where(table.c.id == newest.id).values(**values))
    audit(connection, user.name, action, ENTITY, cell.audit_id(lang, newest.version), field="status",
          old=newest.status, new=status, reason=reason)
    return status
