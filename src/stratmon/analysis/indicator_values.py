"""The indicator registry and entered result values as the API shows them, to whoever may see them.

An `Audience` says whose eyes a list is for: reviewers see every value; a partner sees its own
organisation's values (and, where a list is public, the approved ones of everyone); the public
sees approved values only. The rules of who may *change* what live in `indicators/workflow.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, false, func, or_, select

from stratmon.analysis.iptt_types import IpttTable
from stratmon.analysis.result_entries import organisation_activities
from stratmon.store import schema

STATUS_CODES = ("on_track", "needs_attention", "off_track", "no_target", "no_data")


@dataclass(frozen=True)
class Audience:
    """Whose eyes a list of entered values is for."""

    sees_everything: bool = False
    organisation: str | None = None  # a partner's IATI organisation reference
    approved_too: bool = True  # whether approved values of other organisations are shown


@dataclass(frozen=True)
class RegistryIndicator:
    """A performance indicator of the registry, with its reference sheet."""

    code: str
    level: str
    objective_id: str | None
    name_en: str
    name_es: str
    unit: str | None
    direction: str
    aggregation: str
    cumulative: bool
    schemes: tuple[str, ...]
    reference: dict

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


@dataclass(frozen=True)
class EnteredValue:
    """One entered result value with its workflow state."""

    id: int
    indicator_code: str
    activity: str | None
    country: str | None
    period_start: date
    period_end: date
    value_type: str
    scheme: str | None
    scheme_version: int | None
    category: str | None
    value_text: str | None
    not_available: bool
    numerator_text: str | None
    denominator_text: str | None
    org_ref: str | None
    status: str
    locked: bool
    reason: str | None
    comment: str | None
    updated_by: str
    updated_at: datetime


def registry(connection: Connection, code: str | None = None) -> list[RegistryIndicator]:
    """The registry's indicators by code (or the one called `code`)."""
    table = schema.indicator
    statement = select(table).order_by(table.c.code)
    if code is not None:
        statement = statement.where(table.c.code == code)
    return [RegistryIndicator(r.code, r.level, r.objective_id, r.name_en, r.name_es, r.unit, r.direction,
                              r.aggregation, r.cumulative, tuple(r.schemes or ()), dict(r.reference or {}))
            for r in connection.execute(statement)]


def indicator_status_counts(table: IpttTable, codes: list[str]) -> dict[str, dict[str, int]]:
    """Per indicator code: how many of its tracking-table rows (activity × country) stand at each
    status, judged on each row's latest total."""
    counts = {code: Counter() for code in codes}
    for row in table.rows:
        if row.indicator_code in counts:
            latest = row.latest_total()
            counts[row.indicator_code][latest.status if latest else "no_data"] += 1
    return {code: {status: found[status] for status in STATUS_CODES} for code, found in counts.items()}


def _visible(audience: Audience) -> list:
    if audience.sees_everything:
        return []
    table = schema.result_value
    either = []
    if audience.approved_too:
        either.append(table.c.status == "approved")
    if audience.organisation:
        either.append(table.c.activity.in_(organisation_activities(audience.organisation)))
        either.append(table.c.org_ref == audience.organisation)
    return [or_(*either) if either else false()]


def entered_values(connection: Connection, audience: Audience, *, indicator: str | None = None,
                   activity: str | None = None, country: str | None = None, status: str | None = None,
                   value_type: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[EnteredValue], int]:
    """The entered values `audience` may see that match the filters, by id: one page and the total."""
    table, ind = schema.result_value, schema.indicator
    conditions = _visible(audience)
    if indicator is not None:
        conditions.append(ind.c.code == indicator)
    if activity is not None:
        conditions.append(table.c.activity == activity)
    if country is not None:
        conditions.append(table.c.country_key == country)
    if status is not None:
        conditions.append(table.c.status == status)
    if value_type is not None:
        conditions.append(table.c.value_type == value_type)
    joined = table.join(ind, ind.c.id == table.c.indicator_id)
    total = connection.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    rows = connection.execute(select(table, ind.c.code).select_from(joined).where(*conditions)
                              .order_by(table.c.id).limit(limit).offset(offset))
    return [_value(row) for row in rows], total


def entered_value(connection: Connection, value_id: int) -> EnteredValue | None:
    """One entered value by id, whoever may see it (callers check)."""
    table, ind = schema.result_value, schema.indicator
    row = connection.execute(select(table, ind.c.code).join(ind, ind.c.id == table.c.indicator_id)
                             .where(table.c.id == value_id)).first()
    return _value(row) if row else None


def _value(row) -> EnteredValue:
    return EnteredValue(
        row.id, row.code, row.activity or None, row.country_key or None, row.period_start, row.period_end,
        row.value_type, row.scheme_code or None, row.scheme_version, row.category or None, row.value_text,
        row.not_available, row.numerator_text, row.denominator_text, row.org_ref or None, row.status, row.locked,
        row.reason, row.comment, row.updated_by, row.updated_at)
