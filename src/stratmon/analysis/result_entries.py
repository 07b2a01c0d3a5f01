"""Entered results as the workspace lists them: a partner's own, a reviewer's queue, their counts.

A partner sees the values of the activities its organisation carries out (participating-org roles
accountable, extending or implementing: `store.results.PARTNER_ROLES`), the same scope
`indicators.workflow.check_scope` enforces on every write; objective-level values are the
reviewers' alone. Of those, it writes, submits and reads the comments of only the values it entered
(`indicators.workflow.owns`): partners sharing an activity each enter their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from stratmon.analysis.activity_titles import shown_title
from stratmon.analysis.errors import QueryError
from stratmon.i18n import InLanguage, _
from stratmon.indicators.workflow import STATUSES, User
from stratmon.sources.result_records import ResultRecord
from stratmon.store import schema
from stratmon.store.results import PARTNER_ROLES
from stratmon.analysis.paging import Paged

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class EnteredResult:
    """One entered value with what a list shows about it."""

    id: int
    indicator_code: str
    indicator_name_en: str
    indicator_name_es: str
    activity: str  # '' for an objective-level value
    activity_title: str | None
    country_key: str  # '' when none
    period_start: date
    period_end: date
    value_type: str
    scheme_code: str  # '' for the total
    category: str
    value_text: str | None
    not_available: bool
    status: str
    locked: bool
    reason: str | None
    comment: str | None
    org_ref: str  # the organisation that entered it ('' for none)
    updated_by: str
    updated_at: datetime
    activity_title_lang: str | None = None  # the title's language: the list's where the activity has one

    def indicator_name(self, lang: str) -> str:
        return self.indicator_name_es if lang == "es" else self.indicator_name_en

    @property
    def title_in_language(self) -> InLanguage | None:
        """The activity's title with its language (None when the activity is not imported)."""
        return InLanguage(self.activity_title, self.activity_title_lang) if self.activity_title else None


@dataclass(frozen=True)
class EnteredResultPage(Paged):
    """One page of entered values, newest change first, and how many the filter matched."""

    entries: list[EnteredResult]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class IndicatorChoice:
    """A registry indicator a value can be entered for."""

    code: str
    name_en: str
    name_es: str
    level: str
    schemes: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


def organisation_activities(org_ref: str):
    """The identifiers of the activities `org_ref` carries out (a subquery)."""
    activity, org = schema.activity, schema.participating_org
    return (select(activity.c.iati_identifier).join(org, org.c.activity_id == activity.c.id)
            .where(org.c.ref == org_ref, org.c.role.in_(PARTNER_ROLES)).distinct())


def organisation_name(connection: Connection, org_ref: str) -> str | None:
    """The name the data gives an organisation (its first published name), if any."""
    org = schema.participating_org
    return connection.execute(select(org.c.name).where(org.c.ref == org_ref, org.c.name.is_not(None))
                              .order_by(org.c.name).limit(1)).scalar()


def partner_activities(connection: Connection, org_ref: str, lang: str = "en") -> list[tuple[str, str | None]]:
    """`(identifier, title)` of the activities an organisation carries out, by title (in `lang` where the
    activity has one)."""
    activity = schema.activity
    title, _title_lang = shown_title(activity, lang)
    statement = (select(activity.c.iati_identifier, title)
                 .where(activity.c.iati_identifier.in_(organisation_activities(org_ref)))
                 .order_by(title, activity.c.iati_identifier))
    return [(identifier, text) for identifier, text in connection.execute(statement)]


def activity_title(connection: Connection, identifier: str, lang: str = "en") -> tuple[bool, InLanguage | None]:
    """Whether the activity is imported, and its title (in `lang` where it has one)."""
    activity = schema.activity
    row = connection.execute(select(*shown_title(activity, lang))
                             .where(activity.c.iati_identifier == identifier)).first()
    return (row is not None, InLanguage(row.title, row.title_lang) if row and row.title else None)


def _scoped(statement, org_ref: str | None):
    if org_ref is None:
        return statement
    return statement.where(schema.result_value.c.activity.in_(organisation_activities(org_ref)))


def _entries(lang: str):
    """Entered values joined to their indicator and (when imported) activity, its title in `lang` where
    it has one."""
    value, indicator, activity = schema.result_value, schema.indicator, schema.activity
    title, title_lang = shown_title(activity, lang)
    return (select(value.c.id, indicator.c.code, indicator.c.name_en, indicator.c.name_es, value.c.activity,
                   title, value.c.country_key, value.c.period_start, value.c.period_end,
                   value.c.value_type, value.c.scheme_code, value.c.category, value.c.value_text,
                   value.c.not_available, value.c.status, value.c.locked, value.c.reason, value.c.comment,
                   value.c.org_ref, value.c.updated_by, value.c.updated_at, title_lang)
            .join(indicator, indicator.c.id == value.c.indicator_id)
            .outerjoin(activity, activity.c.iati_identifier == value.c.activity))


def entered_results(connection: Connection, *, org_ref: str | None = None, statuses: Iterable[str] = (),
                    locked: bool | None = None, page: int = 1, per_page: int = 50,
                    oldest_first: bool = False, lang: str = "en") -> EnteredResultPage:
    """Entered values, newest change first (or oldest, for a queue): all, or (`org_ref`) one partner
    organisation's."""
    statuses = tuple(statuses)
    if any(status not in STATUSES for status in statuses):
        raise QueryError(_("status takes one of: {choices}").format(choices=", ".join(STATUSES)))
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(_("page starts at 1 and per_page is between 1 and {most}").format(most=MAX_PER_PAGE))
    value = schema.result_value
    conditions = []
    if statuses:
        conditions.append(value.c.status.in_(statuses))
    if locked is not None:
        conditions.append(value.c.locked.is_(locked))
    total = connection.execute(_scoped(select(func.count()).select_from(value).where(*conditions),
                                       org_ref)).scalar_one()
    order = (value.c.updated_at, value.c.id) if oldest_first else (value.c.updated_at.desc(), value.c.id.desc())
    statement = (_scoped(_entries(lang).where(*conditions), org_ref).order_by(*order)
                 .limit(per_page).offset((page - 1) * per_page))
    return EnteredResultPage([EnteredResult(*row) for row in connection.execute(statement)], total, page, per_page)


def entered_result(connection: Connection, result_id: int, lang: str = "en") -> EnteredResult | None:
    """One entered value, whoever entered it (callers check that the asker may see it)."""
    row = connection.execute(_entries(lang).where(schema.result_value.c.id == result_id)).first()
    return EnteredResult(*row) if row else None


def result_id(connection: Connection, record: ResultRecord, user: User) -> int | None:
    """The id of the stored value a results row by `user` would write to, if stored: a partner's own
    organisation's value for the row's cell, a reviewer's the cell's first."""
    value, indicator = schema.result_value, schema.indicator
    owner = {"org_ref": user.org_ref or ""} if user.role == "partner" else {}
    key = {**owner, "activity": record.activity or "", "country_key": record.country or "",
           "period_start": record.period_start, "period_end": record.period_end, "value_type": record.value_type,
           "scheme_code": record.scheme or "", "category": record.category or ""}
    return connection.execute(select(value.c.id).join(indicator, indicator.c.id == value.c.indicator_id).where(
        indicator.c.code == record.indicator, *(value.c[name] == given for name, given in key.items()))
        .order_by(value.c.id).limit(1)).scalar()


def result_owners(connection: Connection, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """`(activity, organisation that entered it)` of each entered value that exists ('' for none)."""
    value = schema.result_value
    wanted = list(ids)
    return {result_id: (activity, owner) for result_id, activity, owner in connection.execute(
        select(value.c.id, value.c.activity, value.c.org_ref).where(value.c.id.in_(wanted)))} if wanted else {}


def return_reasons(connection: Connection, ids: Iterable[int]) -> dict[int, str]:
    """Why each value was last returned to its partner (the reviewer's words, from the audit log)."""
    table = schema.audit_log
    wanted = [str(result_id) for result_id in ids]
    if not wanted:
        return {}
    rows = connection.execute(select(table.c.entity_id, table.c.reason).where(
        table.c.entity == "result_value", table.c.entity_id.in_(wanted), table.c.action == "return",
        table.c.outcome == "done").order_by(table.c.id))
    return {int(entity_id): reason for entity_id, reason in rows if reason}  # the latest wins


def status_counts(connection: Connection, org_ref: str | None = None) -> dict[str, int]:
    """How many entered values are in each workflow status (of one partner organisation, or all)."""
    value = schema.result_value
    statement = _scoped(select(value.c.status, func.count()).group_by(value.c.status), org_ref)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in connection.execute(statement)})
    return counts


def indicator_choices(connection: Connection) -> list[IndicatorChoice]:
    """The registry's indicators, by code."""
    table = schema.indicator
    return [IndicatorChoice(row.code, row.name_en, row.name_es, row.level, tuple(row.schemes or ()))
            for row in connection.execute(select(table).order_by(table.c.code))]
