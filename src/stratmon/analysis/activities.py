"""Activities: finding them (filters, sorting, pages) and everything about one of them.

The money next to each activity is what it disbursed and obligated *within the filter* (the
country, fiscal years, line of action or objective asked for), summed from the same split rows
as `analysis.funding`, so that a list filtered to Guatemala adds up to Guatemala's funding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Select, Table, and_, bindparam, case, exists, func, or_, select, union

from stratmon.analysis.activity_titles import Narrative, in_language, narratives_of, shown_title, shown_titles, \
    title_matches
from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.analysis.geography import in_strategy
from stratmon.analysis.labels import agency_names
from stratmon.framework.model import Geography
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT
from stratmon.store.statements import made_once
from stratmon.analysis.paging import Paged

SORTS = ("title", "identifier", "disbursed", "obligated", "start")
MAX_PER_PAGE = 500

_START_DATE_TYPES = ("2", "1")  # actual start, then planned start
_END_DATE_TYPES = ("4", "3")


@dataclass(frozen=True)
class ActivityFilter:
    """Which activities to list and in what order. Empty fields do not filter."""

    recipients: tuple[str, ...] = ()
    agency: str | None = None
    line: str | None = None
    objective: str | None = None
    fiscal_years: FiscalYears = field(default_factory=FiscalYears)
    status: str | None = None
    text: str | None = None
    sort: str = "-disbursed"
    page: int = 1
    per_page: int = 50
    crosswalk_digest: str | None = None
    # Only activities with money in the Strategy's geography (or, having no transactions, naming one of
    # its countries or regions), with that money beside them; every activity when None.
    geography: Geography | None = None
    # The language titles are shown (and sorted) in: each activity's title in it where it has one.
    lang: str = "en"

    def __post_init__(self) -> None:
        if self.sort.removeprefix("-") not in SORTS:
            raise QueryError(_("sort takes one of: {choices} (prefix - for descending)").format(
                choices=", ".join(SORTS)))
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(_("page starts at 1 and per_page is between 1 and {most}").format(most=MAX_PER_PAGE))

    @property
    def by_money_rows(self) -> bool:
        """Whether the filter is on split rows (where and when the money went, and why)."""
        return bool(self.recipients or self.line or self.objective or self.fiscal_years.first
                    or self.fiscal_years.last)


@dataclass(frozen=True)
class ActivitySummary:
    """One activity in a list."""

    iati_identifier: str
    title: str | None
    reporting_org_ref: str | None
    reporting_org_name: str | None
    status_code: str | None
    start: date | None
    end: date | None
    disbursed_usd: Decimal
    obligated_usd: Decimal
    title_lang: str | None = None  # the title's language: the filter's where the activity has one


@dataclass(frozen=True)
class ActivityPage(Paged):
    """One page of a filtered, sorted list, and how many activities the filter matched."""

    activities: list[ActivitySummary]
    total: int
    page: int
    per_page: int


def _money_rows(query: ActivityFilter):
    table = schema.alignment_split if (query.line or query.objective) else schema.transaction_split
    conditions = [table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD,
                  *query.fiscal_years.conditions(table.c.fiscal_year)]
    if query.recipients:
        conditions.append(table.c.recipient_key.in_(query.recipients))
    # Rows of the framework's own countries are all the Strategy's: a filter to some of them needs no
    # geography condition beside it (which would cost the database planning and checking time only).
    own_countries_only = bool(query.recipients) and query.geography is not None \
        and query.geography.countries.issuperset(query.recipients)
    if query.geography is not None and not own_countries_only:
        conditions.append(in_strategy(table, query.geography))
    if query.line:
        conditions.append(table.c.line_id == query.line)
    if query.objective:
        conditions.append(table.c.objective_id == query.objective)
    disbursed = case((table.c.type_code == TRANSACTION_TYPES["disbursement"], table.c.amount_micros), else_=0)
    obligated = case((table.c.type_code == TRANSACTION_TYPES["obligation"], table.c.amount_micros), else_=0)
    d_units, d_rest = exact_sum(disbursed)
    o_units, o_rest = exact_sum(obligated)
    return (select(table.c.activity_id, d_units.label("d_units"), d_rest.label("d_rest"),
                   o_units.label("o_units"), o_rest.label("o_rest"))
            .where(*conditions).group_by(table.c.activity_id))


def _own_recipient_in(geography: Geography) -> tuple:
    """Conditions on a recipient row: an activity's own (not a transaction's), and one of `geography`'s places."""
    recipient = schema.recipient
    regions = [key.removeprefix("region-") for key in sorted(geography.regions)]
    return (recipient.c.transaction_id.is_(None),
            or_(and_(recipient.c.kind == "country", recipient.c.code.in_(sorted(geography.countries))),
                and_(recipient.c.kind == "region", recipient.c.code.in_(regions))))


def _without_money(activity_id):
    """The activity `activity_id` has no transaction parts at all."""
    split = schema.transaction_split
    return ~exists().where(split.c.activity_id == activity_id)


def _date_of(types: tuple[str, ...], name: str):
    """Each activity's date of the first of `types` it has (the earliest where it has several of that type)."""
    dates = schema.activity_date
    preferred = case(*((dates.c.type == code, index) for index, code in enumerate(types)), else_=99)
    conditions = [dates.c.type.in_(types), dates.c.iso_date.is_not(None)]
    ranked = (select(dates.c.activity_id, dates.c.iso_date,
                     func.row_number().over(partition_by=dates.c.activity_id,
                                            order_by=(preferred, dates.c.iso_date)).label("rank"))
              .where(*conditions).subquery())
    return select(ranked.c.activity_id, ranked.c.iso_date.label(name)).where(ranked.c.rank == 1).subquery(name)


def search_activities(connection: Connection, query: ActivityFilter) -> ActivityPage:
    """The page of activities `query` asks for. The page is chosen first, from the money and the sort
    key alone; titles and dates are then read for its activities only (reading them for every activity
    the filter matches, to throw all but a page away, was most of the time), by the activities' ids
    rather than by subqueries per row."""
    if query.line or query.objective:
        require_current_alignment(connection, query.crosswalk_digest)
    activity = schema.activity
    money = _money_rows(query)
    conditions = []
    if query.agency:
        conditions.append(activity.c.reporting_org_ref == query.agency)
    if query.status:
        conditions.append(activity.c.status_code == query.status)
    if query.text and query.text.strip():
        pattern = "%" + query.text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(func.lower(activity.c.title).like(pattern, escape="\\"),
                              func.lower(activity.c.iati_identifier).like(pattern, escape="\\"),
                              title_matches(activity, pattern)))
    # A geography without a filter on money rows lists its money's activities, and those with no money at all
    # that name one of its places themselves. With no other filter, they are found from both ends (a union):
    # asking it of every stored activity was half the list's time with the whole U.S. publication. With one,
    # the activities it picks are asked (on PostgreSQL, a tenth quicker than the union).
    listed, in_geography = None, query.geography is not None and not query.by_money_rows
    if in_geography and not conditions:
        money = money.cte("money")
        listed = union(select(money.c.activity_id), select(schema.recipient.c.activity_id).where(
            *_own_recipient_in(query.geography), _without_money(schema.recipient.c.activity_id))).subquery("listed")
    else:
        money = money.subquery("money")
        if in_geography:
            names_one = exists().where(schema.recipient.c.activity_id == activity.c.id,
                                       *_own_recipient_in(query.geography))
            conditions.append(or_(money.c.activity_id.is_not(None), and_(_without_money(activity.c.id), names_one)))
    disbursed = func.coalesce(money.c.d_units, 0) * 1_000_000 + func.coalesce(money.c.d_rest, 0)
    obligated = func.coalesce(money.c.o_units, 0) * 1_000_000 + func.coalesce(money.c.o_rest, 0)
    if listed is not None:
        joined = activity.join(listed, listed.c.activity_id == activity.c.id) \
            .join(money, money.c.activity_id == activity.c.id, isouter=True)
    else:
        joined = activity.join(money, money.c.activity_id == activity.c.id, isouter=not query.by_money_rows)
    matched = joined  # what the count of a page past the last needs: no sort key
    sort = query.sort.removeprefix("-")
    if sort == "start":
        start = _date_of(_START_DATE_TYPES, "start")
        joined = joined.join(start, start.c.activity_id == activity.c.id, isouter=True)
        key = start.c.start
    elif sort == "title":
        key = func.lower(func.coalesce(shown_title(activity, query.lang)[0], ""))
    else:
        key = {"identifier": activity.c.iati_identifier, "disbursed": disbursed, "obligated": obligated}[sort]
    order = [key.desc() if query.sort.startswith("-") else key.asc(), activity.c.iati_identifier]
    # The page and how many activities match, in one statement: both need the money of every match.
    chosen = connection.execute(
        select(activity.c.id, activity.c.iati_identifier, activity.c.title, activity.c.reporting_org_ref,
               activity.c.reporting_org_name, activity.c.status_code, money.c.d_units, money.c.d_rest,
               money.c.o_units, money.c.o_rest, func.count().over().label("total"))
        .select_from(joined).where(*conditions).order_by(*order)
        .limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    total = chosen[0].total if chosen else _count(connection, query, matched, conditions)
    return ActivityPage(_summaries(connection, chosen, query.lang), total, query.page, query.per_page)


def _count(connection: Connection, query: ActivityFilter, joined, conditions: list) -> int:
    """How many activities match (for a page past the last one, which has no row to say it), where the page
    was asked of `joined`."""
    # The money join only filters when the filter is on money rows or a geography: without either, the
    # activities alone (the join is most of the query's time).
    counted = joined if query.by_money_rows or query.geography is not None else schema.activity
    return connection.execute(select(func.count()).select_from(counted).where(*conditions)).scalar_one()


def _summaries(connection: Connection, chosen: list, lang: str) -> list[ActivitySummary]:
    """The activities of a page, in its order, with their titles (in `lang` where they have one) and dates."""
    if not chosen:
        return []
    ids = [row.id for row in chosen]
    titles = shown_titles(connection, ids, lang)
    dates = _first_dates(connection, ids)
    summaries = []
    for row in chosen:
        title, title_lang = titles[row.id]
        start, end = dates.get(row.id, (None, None))
        summaries.append(ActivitySummary(row.iati_identifier, row.title if title is None else title,
                                         row.reporting_org_ref, row.reporting_org_name, row.status_code, start, end,
                                         to_usd(joined_sum(row.d_units, row.d_rest)),
                                         to_usd(joined_sum(row.o_units, row.o_rest)), title_lang))
    return summaries


def _first_dates(connection: Connection, activity_ids: list[int]) -> dict[int, tuple[date | None, date | None]]:
    """(start, end) of each activity that has either: the date of the first of `_START_DATE_TYPES`
    (`_END_DATE_TYPES`) it has, the earliest where it has several of that type, as `_date_of` picks."""
    dates = schema.activity_date
    ranks = {code: (0, index) for index, code in enumerate(_START_DATE_TYPES)}
    ranks.update({code: (1, index) for index, code in enumerate(_END_DATE_TYPES)})
    best: dict[int, list] = {}
    for row in connection.execute(select(dates.c.activity_id, dates.c.type, dates.c.iso_date)
                                  .where(dates.c.activity_id.in_(activity_ids), dates.c.type.in_(tuple(ranks)),
                                         dates.c.iso_date.is_not(None))):
        which, rank = ranks[row.type]
        kept = best.setdefault(row.activity_id, [None, None])
        if kept[which] is None or (rank, row.iso_date) < kept[which]:
            kept[which] = (rank, row.iso_date)
    return {activity_id: tuple(None if found is None else found[1] for found in kept)
            for activity_id, kept in best.items()}


# --------------------------------------------------------------------------------- one activity

@dataclass(frozen=True)
class Participant:
    role_code: str | None
    ref: str | None
    name: str | None
    type_code: str | None


@dataclass(frozen=True)
class ActivityDateEntry:
    type_code: str
    iso_date: date | None


@dataclass(frozen=True)
class RecipientShare:
    kind: str  # country | region
    code: str
    percentage: float | None
    name: str | None


@dataclass(frozen=True)
class SectorShare:
    vocabulary: str
    code: str
    percentage: float | None
    name: str | None


@dataclass(frozen=True)
class TransactionEntry:
    transaction_id: int
    type_code: str
    transaction_date: date
    fiscal_year: int
    value_text: str | None
    usd: Decimal | None
    currency: str | None
    description: str | None
    provider: str | None
    receiver: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ResultPeriodEntry:
    start: date | None
    end: date | None
    target: str | None
    actual: str | None


@dataclass(frozen=True)
class ResultIndicatorEntry:
    title: str | None
    measure_code: str | None
    baseline: str | None
    baseline_year: int | None
    periods: list[ResultPeriodEntry]


@dataclass(frozen=True)
class ResultEntry:
    title: str | None
    type_code: str | None
    indicators: list[ResultIndicatorEntry]


@dataclass(frozen=True)
class ReportedValue:
    """An approved value entered through the results workflow (not published in IATI)."""

    id: int
    indicator_code: str
    period_start: date
    period_end: date
    value_type: str
    category: str
    value_text: str | None
    status: str


@dataclass(frozen=True)
class ActivityDetail:
    """What an activity is, who runs it, where and when, its money, and its results."""

    activity_id: int  # its row in the database, for reading more about it (`explain`)
    iati_identifier: str
    title: str | None  # as published (English where there is an English title)
    titles: list[Narrative]  # every language's
    descriptions: list[Narrative]
    reporting_org_ref: str | None
    reporting_org_name: str | None
    status_code: str | None
    default_currency: str | None
    last_updated: str | None
    participants: list[Participant]
    dates: list[ActivityDateEntry]
    recipients: list[RecipientShare]
    sectors: list[SectorShare]
    transactions: list[TransactionEntry]
    results: list[ResultEntry]
    reported_values: list[ReportedValue]  # approved ones only: drafts and reviews are the workspace's
    documents: list[tuple[str | None, str | None]]  # (title, url)

    def title_for(self, lang: str) -> Narrative | None:
        """The title a reader of `lang` is shown: in `lang` where there is one, else as published."""
        return in_language(self.titles, lang, self.title)

    def total_usd(self, type_code: str) -> Decimal:
        """The USD sum of one transaction type, as published (non-USD values left out)."""
        return sum((t.usd for t in self.transactions if t.type_code == type_code and t.usd is not None
                    and t.currency == USD), Decimal("0.00"))


def activity_detail(connection: Connection, iati_identifier: str) -> ActivityDetail:
    """Everything stored about one activity; QueryError when there is no such activity."""
    found = connection.execute(_activity_statement(), {"identifier": iati_identifier}).first()
    if found is None:
        raise QueryError(_("no activity with IATI identifier {identifier}").format(identifier=iati_identifier))
    aid = found.id

    def rows(table, columns: str, order: str, only_activity_level: bool = False):
        return connection.execute(_rows_statement(table, columns, order, only_activity_level),
                                  {"activity_id": aid}).all()

    titles, descriptions = narratives_of(connection, aid, found.default_lang)
    organisations = schema.participating_org
    participants = [Participant(r.role, r.ref, r.name, r.type)
                    for r in rows(organisations, "role ref name type", "role name")]
    dates = [ActivityDateEntry(r.type, r.iso_date)
             for r in rows(schema.activity_date, "type iso_date", "type")]
    recipient = schema.recipient
    # The activity's recipients and its transactions' in one read, by code (a transaction lists its own so).
    named = rows(recipient, "transaction_id kind code percentage name", "code")
    recipients = [RecipientShare(r.kind, r.code, r.percentage, r.name)
                  for r in sorted(named, key=lambda r: r.kind) if r.transaction_id is None]
    by_transaction: dict[int, list[str]] = {}
    for r in named:
        if r.transaction_id is not None:
            by_transaction.setdefault(r.transaction_id, []).append(
                r.code if r.kind == "country" else f"region-{r.code}")
    sector = schema.sector
    sectors = [SectorShare(r.vocabulary, r.code, r.percentage, r.name)
               for r in rows(sector, "vocabulary code percentage name", "vocabulary code",
                             only_activity_level=True)]
    tx = schema.transaction
    transactions = [TransactionEntry(r.id, r.type_code, r.transaction_date, r.fiscal_year, r.value_text,
                                     None if r.value_micros is None else to_usd(r.value_micros),
                                     r.currency, r.description, r.provider_org_name or r.provider_org_ref,
                                     r.receiver_org_name or r.receiver_org_ref, tuple(by_transaction.get(r.id, ())))
                    for r in rows(tx, "id type_code transaction_date fiscal_year value_text value_micros currency "
                                      "description provider_org_name provider_org_ref receiver_org_name "
                                      "receiver_org_ref", "transaction_date id")]
    links = schema.document_link
    documents = [(r.title, r.url) for r in rows(links, "title url", "title")]
    return ActivityDetail(aid, found.iati_identifier, found.title, titles, descriptions, found.reporting_org_ref,
                          found.reporting_org_name, found.status_code, found.default_currency,
                          found.last_updated_text, participants, dates, recipients, sectors, transactions,
                          _published_results(connection, aid), _reported_values(connection, iati_identifier),
                          documents)


@made_once
def _activity_statement() -> Select:
    activity = schema.activity
    return select(activity.c.id, activity.c.iati_identifier, activity.c.title, activity.c.default_lang,
                  activity.c.reporting_org_ref, activity.c.reporting_org_name, activity.c.status_code,
                  activity.c.default_currency, activity.c.last_updated_text).where(
        activity.c.iati_identifier == bindparam("identifier"))


@made_once
def _rows_statement(table: Table, columns: str, order: str, only_activity_level: bool) -> Select:
    """An activity's rows of `table` (bind parameter `activity_id`), by the columns named in `order`: the
    `columns` named, not every column (most tables keep the published element beside, which a page never
    shows and which costs the most to read); only those of no transaction with `only_activity_level`."""
    conditions = [table.c.activity_id == bindparam("activity_id"),
                  *([table.c.transaction_id.is_(None)] if only_activity_level else [])]
    return (select(*(table.c[name] for name in columns.split())).where(*conditions)
            .order_by(*(table.c[name] for name in order.split())))


def _published_results(connection: Connection, activity_id: int) -> list[ResultEntry]:
    results = connection.execute(_results_statement(), {"activity_id": activity_id}).all()
    if not results:
        return []  # most activities publish none: their indicators, periods and values are not looked for
    indicators = _published_indicators(connection, activity_id)
    return [ResultEntry(row.title, row.type_code, indicators.get(row.id, [])) for row in results]


@made_once
def _results_statement() -> Select:
    result = schema.result
    return (select(result.c.id, result.c.title, result.c.type_code)
            .where(result.c.activity_id == bindparam("activity_id")).order_by(result.c.id))


def _published_indicators(connection: Connection, activity_id: int) -> dict[int, list[ResultIndicatorEntry]]:
    """An activity's indicators by result, with their baselines and periods (some publish hundreds)."""
    baselines_sql, values_sql, periods_sql, indicators_sql = _indicator_statements()
    activity = {"activity_id": activity_id}
    baselines: dict[int, tuple] = {}
    for indicator_id, value_text, year in connection.execute(baselines_sql, activity):
        baselines.setdefault(indicator_id, (value_text, year))
    values: dict[tuple[int, str], str] = {}
    for period_id, kind, value_text in connection.execute(values_sql, activity):
        values.setdefault((period_id, kind), value_text)
    periods: dict[int, list[ResultPeriodEntry]] = {}
    for period_id, indicator_id, start, end in connection.execute(periods_sql, activity):
        periods.setdefault(indicator_id, []).append(ResultPeriodEntry(
            start, end, values.get((period_id, "target")), values.get((period_id, "actual"))))
    indicators: dict[int, list[ResultIndicatorEntry]] = {}
    for indicator_id, result_id, title, measure_code in connection.execute(indicators_sql, activity):
        base_text, base_year = baselines.get(indicator_id, (None, None))
        indicators.setdefault(result_id, []).append(ResultIndicatorEntry(
            title, measure_code, base_text, base_year, periods.get(indicator_id, [])))
    return indicators


@made_once
def _indicator_statements() -> tuple[Select, Select, Select, Select]:
    """An activity's (bind parameter `activity_id`) baselines, total values, periods and indicators."""
    indicator = schema.result_indicator
    baseline, period, value = schema.indicator_baseline, schema.indicator_period, schema.indicator_period_value
    activity_id = bindparam("activity_id")
    return (select(baseline.c.indicator_id, baseline.c.value_text, baseline.c.year)
            .where(baseline.c.activity_id == activity_id).order_by(baseline.c.year),
            select(value.c.period_id, value.c.kind, value.c.value_text)
            .where(value.c.activity_id == activity_id, value.c.dimensions.is_(None)),
            select(period.c.id, period.c.indicator_id, period.c.period_start, period.c.period_end)
            .where(period.c.activity_id == activity_id).order_by(period.c.period_start, period.c.id),
            select(indicator.c.id, indicator.c.result_id, indicator.c.title, indicator.c.measure_code)
            .where(indicator.c.activity_id == activity_id).order_by(indicator.c.id))


def _reported_values(connection: Connection, iati_identifier: str) -> list[ReportedValue]:
    return [ReportedValue(*row) for row in connection.execute(_reported_statement(), {"identifier": iati_identifier})]


@made_once
def _reported_statement() -> Select:
    value, indicator = schema.result_value, schema.indicator
    return (select(value.c.id, indicator.c.code, value.c.period_start, value.c.period_end, value.c.value_type,
                   value.c.category, value.c.value_text, value.c.status)
            .join(indicator, indicator.c.id == value.c.indicator_id)
            .where(value.c.activity == bindparam("identifier"), value.c.status == "approved")
            .order_by(indicator.c.code, value.c.period_start, value.c.value_type, value.c.category))


def activity_organisations(connection: Connection) -> list[tuple[str, str]]:
    """Reporting organisations with activities: (reference, name), by name."""
    return [(ref, name or ref) for ref, name in agency_names(connection)]


def identifiers_matching(connection: Connection, query: ActivityFilter, limit: int) -> list[str]:
    """The identifiers of every activity a filter matches (for downloads), in its order, at most `limit`."""
    found: list[str] = []
    page = 1
    while len(found) < limit:
        batch = search_activities(connection, ActivityFilter(**{**query.__dict__, "page": page,
                                                                "per_page": MAX_PER_PAGE}))
        found.extend(a.iati_identifier for a in batch.activities)
        if page >= batch.pages:
            break
        page += 1
    return found[:limit]

