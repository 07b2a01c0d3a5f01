"""The audit log as the workspace pages through it: newest first, filtered by entity and user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from stratmon.analysis.errors import QueryError
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.analysis.paging import Paged

MAX_PER_PAGE = 500


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did (or tried) what to which thing, and why."""

    id: int
    at: datetime
    user_name: str
    action: str
    entity: str
    entity_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    outcome: str  # done | refused


@dataclass(frozen=True)
class AuditPage(Paged):
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int


def audit_page(connection: Connection, *, entity: str | None = None, entity_id: str | None = None,
               user: str | None = None, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of audit lines, newest first, of one kind of thing (and one of them) or one user."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(_("page starts at 1 and per_page is between 1 and {most}").format(most=MAX_PER_PAGE))
    table = schema.audit_log
    conditions = []
    if entity:
        conditions.append(table.c.entity == entity)
    if entity_id:
        conditions.append(table.c.entity_id == entity_id)
    if user:
        conditions.append(table.c.user_name == user)
    total = connection.execute(select(func.count()).select_from(table).where(*conditions)).scalar_one()
    rows = connection.execute(
        select(table.c.id, table.c.at, table.c.user_name, table.c.action, table.c.entity, table.c.entity_id,
               table.c.field, table.c.old_value, table.c.new_value, table.c.reason, table.c.outcome)
        .where(*conditions).order_by(table.c.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return AuditPage([AuditEntry(*row) for row in rows], total, page, per_page)


def audited_entities(connection: Connection) -> list[str]:
    """The kinds of things the log has lines about, for a filter's choices."""
    table = schema.audit_log
    return list(connection.execute(select(table.c.entity).distinct().order_by(table.c.entity)).scalars())


def scheme_names(connection: Connection, lang: str) -> dict[str, str]:
    """Each disaggregation scheme's name in `lang` (its newest version's), by code: the log keeps the code."""
    table = schema.disaggregation_scheme
    rows = connection.execute(select(table.c.code, table.c.name_en, table.c.name_es).order_by(table.c.version))
    return {row.code: row.name_es if lang == "es" else row.name_en for row in rows}


def audited_users(connection: Connection) -> list[str]:
    """The people the log has lines by, for a filter's choices."""
    table = schema.audit_log
    return list(connection.execute(select(table.c.user_name).distinct().order_by(table.c.user_name)).scalars())
