"""Funding broken down by several keys and transaction types at once, for pages that show the
same money many ways (by year, by country, by agency, by objective).

One query reads the split rows once, grouped by every key a page needs and by transaction type;
the page then rolls the groups up. Roll-ups add exact millionths and round once, so each one
equals what `analysis.funding` gives for the same keys, type and recipients, to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from sqlalchemy import Connection, func, select

from stratmon.analysis.activity_titles import shown_title
from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import OBLIGATION_AND_DISBURSEMENT, TRANSACTION_TYPES, USD, FundingQuery, exact_sum, \
    joined_sum, key_column, rolled_up, to_usd
from stratmon.analysis.geography import STRATEGY, scope_conditions
from stratmon.framework.model import Geography
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

BREAKDOWN_KEYS = ("country", "fy", "agency", "line", "objective")
_TYPE_OF_CODE = {code: name for name, code in TRANSACTION_TYPES.items()}


@dataclass(frozen=True)
class Breakdown:
    """Exact sums (millionths of USD) per group of `by` and transaction type."""

    by: tuple[str, ...]
    micros: dict[tuple, dict[str, int]] = field(default_factory=dict)

    def sums(self, keys: tuple[str, ...], transaction_type: str, **where) -> dict[tuple, Decimal]:
        """USD per value of `keys` for one transaction type, among the groups matching `where`
        (key=value, or key=a set of values)."""
        pick = itemgetter(*(self.by.index(key) for key in keys))
        key_of = (lambda group: (pick(group),)) if len(keys) == 1 else pick  # one key's value, as a tuple too
        rolled: dict[tuple, int] = defaultdict(int)
        for group, amount in self._matching(transaction_type, where):
            rolled[key_of(group)] += amount
        return {key: to_usd(amount) for key, amount in rolled.items()}

    def total(self, transaction_type: str, **where) -> Decimal:
        """USD of one transaction type over the groups matching `where`."""
        return to_usd(sum(amount for _group, amount in self._matching(transaction_type, where)))

    def values(self, key: str, **where) -> set:
        """The values `key` takes among the groups matching `where` (any transaction type)."""
        index, test = self.by.index(key), self._test(where)
        return {group[index] for group in self.micros if test(group)}

    def _matching(self, transaction_type: str, where: dict):
        test = self._test(where) if where else None  # most roll-ups take every group: none is tested then
        for group, by_type in self.micros.items():
            if transaction_type in by_type and (test is None or test(group)):
                yield group, by_type[transaction_type]

    def _test(self, where: dict):
        """A predicate on groups for `where`: each key equal to a value, or in a set of values."""
        wanted = [(self.by.index(key), value if isinstance(value, (set, frozenset)) else
                   set(value) if isinstance(value, (tuple, list)) else {value}) for key, value in where.items()]
        return lambda group: all(group[index] in values for index, values in wanted)


def breakdown(connection: Connection, by: tuple[str, ...], *, transaction_types: tuple[str, ...] = (
        "obligation", "disbursement"), recipients: tuple[str, ...] = (), lines: tuple[str, ...] = (),
        objectives: tuple[str, ...] = (), fiscal_years: FiscalYears = FiscalYears(),
        crosswalk_digest: str | None = None, geography: Geography | None = None,
        scope: str = STRATEGY) -> Breakdown:
    """USD sums by `by` (keys of BREAKDOWN_KEYS) and transaction type, optionally only for some
    fiscal years, recipients, lines of action or objectives, of the money in `scope` of `geography`
    (the Strategy's, by default; every recipient when no geography is given). Keys `line` and
    `objective` (and the line and objective filters) need the current alignment; their values are
    named as in `analysis.funding` (`outside:<category>`, `not_aligned`)."""
    unknown = [key for key in by if key not in BREAKDOWN_KEYS]
    if unknown or not by:
        raise QueryError(_("a breakdown takes keys from {keys}; got {got}").format(
            keys=", ".join(BREAKDOWN_KEYS), got=", ".join(by) or "-"))
    query = FundingQuery(by)  # names the key columns exactly as `funding` does
    is_aligned = query.is_aligned or bool(lines or objectives)
    if is_aligned:
        require_current_alignment(connection, crosswalk_digest)
    # The roll-ups hold every key a breakdown groups or filters by, in far fewer rows than the split
    # rows they sum; the alignment's add up exactly to the splits', so both give the same totals.
    table = rolled_up(is_aligned)
    conditions = [table.c.currency == USD, table.c.type_code.in_([TRANSACTION_TYPES[t] for t in transaction_types]),
                  *fiscal_years.conditions(table.c.fiscal_year), *scope_conditions(table, geography, scope)]
    if recipients:
        conditions.append(table.c.recipient_key.in_(recipients))
    if lines:
        conditions.append(table.c.line_id.in_(lines))
    if objectives:
        conditions.append(table.c.objective_id.in_(objectives))
    keys = [key_column(table, query, key) for key in by]
    statement = (select(*keys, table.c.type_code, func.sum(table.c.units), func.sum(table.c.remainder))
                 .where(*conditions).group_by(*keys, table.c.type_code))
    micros: dict[tuple, dict[str, int]] = defaultdict(dict)
    width = len(keys)
    for row in connection.execute(statement).all():  # at once: row by row costs PostgreSQL's driver more
        micros[tuple(row[:width])][_TYPE_OF_CODE[row[width]]] = joined_sum(row[width + 1], row[width + 2])
    return Breakdown(tuple(by), dict(micros))


def funded_fiscal_years(connection: Connection, geography: Geography | None = None) -> list[int]:
    """The fiscal years with any of the Strategy's money (of any money without a geography), oldest
    first (for choosing a range); read from the funding roll-up, whose size does not grow with the data."""
    total = schema.split_total
    statement = select(total.c.fiscal_year).distinct().where(*scope_conditions(total, geography, STRATEGY))
    return sorted(year for (year,) in connection.execute(statement) if year is not None)


@dataclass(frozen=True)
class ActivityMoney:
    """An activity's obligations and disbursements within a breakdown's filters."""

    iati_identifier: str
    title: str | None
    reporting_org_ref: str | None
    obligated_usd: Decimal
    disbursed_usd: Decimal
    title_lang: str | None = None


def largest_activities(connection: Connection, *, limit: int = 10, recipients: tuple[str, ...] = (),
                       lines: tuple[str, ...] = (), objectives: tuple[str, ...] = (),
                       fiscal_years: FiscalYears = FiscalYears(), crosswalk_digest: str | None = None,
                       geography: Geography | None = None, scope: str = STRATEGY,
                       lang: str = "en") -> list[ActivityMoney]:
    """The `limit` activities that disbursed most within the filters (as `breakdown` takes them),
    with what they obligated there too; titles in `lang` where the activities have one."""
    ranked = ranked_activities(connection, limit=limit, recipients=recipients, lines=lines, objectives=objectives,
                               fiscal_years=fiscal_years, crosswalk_digest=crosswalk_digest, geography=geography,
                               scope=scope)
    return named_activities(connection, ranked, lang)


def ranked_activities(connection: Connection, *, limit: int = 10, recipients: tuple[str, ...] = (),
                      lines: tuple[str, ...] = (), objectives: tuple[str, ...] = (),
                      fiscal_years: FiscalYears = FiscalYears(), crosswalk_digest: str | None = None,
                      geography: Geography | None = None, scope: str = STRATEGY) -> tuple[tuple[int, int, int], ...]:
    """`largest_activities` without words: (activity id, obligated, disbursed millionths of USD) of each,
    largest first."""
    is_aligned = bool(lines or objectives)
    if is_aligned:
        require_current_alignment(connection, crosswalk_digest)
    table = schema.alignment_split if is_aligned else schema.transaction_split
    conditions = [table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD,
                  *fiscal_years.conditions(table.c.fiscal_year), *scope_conditions(table, geography, scope)]
    if recipients:
        # The types are then kept below, so that SQLite reads by the recipient index (see store/schema.py).
        conditions.append(table.c.recipient_key.in_(recipients))
    else:
        conditions.append(table.c.type_code.in_(tuple(OBLIGATION_AND_DISBURSEMENT)))
    if lines:
        conditions.append(table.c.line_id.in_(lines))
    if objectives:
        conditions.append(table.c.objective_id.in_(objectives))
    sums = (select(table.c.activity_id, table.c.type_code, *exact_sum(table.c.amount_micros))
            .where(*conditions).group_by(table.c.activity_id, table.c.type_code))
    money: dict[int, dict[str, int]] = defaultdict(dict)
    for activity_id, type_code, units, remainder in connection.execute(sums).all():
        if type_code in OBLIGATION_AND_DISBURSEMENT:
            money[activity_id][OBLIGATION_AND_DISBURSEMENT[type_code]] = joined_sum(units, remainder)
    ranked = sorted(money, key=lambda a: (-money[a].get("disbursement", 0), -money[a].get("obligation", 0), a))[:limit]
    return tuple((a, money[a].get("obligation", 0), money[a].get("disbursement", 0)) for a in ranked)


def named_activities(connection: Connection, ranked: tuple[tuple[int, int, int], ...],
                     lang: str = "en") -> list[ActivityMoney]:
    """The activities `ranked_activities` ranked, in its order, with titles in `lang` where they have one; any
    no longer stored (replaced by an import since they were ranked) left out."""
    if not ranked:
        return []
    activity = schema.activity
    about = {row.id: row for row in connection.execute(
        select(activity.c.id, activity.c.iati_identifier, *shown_title(activity, lang), activity.c.reporting_org_ref)
        .where(activity.c.id.in_([a for a, _obligated, _disbursed in ranked])))}
    return [ActivityMoney(about[a].iati_identifier, about[a].title, about[a].reporting_org_ref,
                          to_usd(obligated), to_usd(disbursed), about[a].title_lang)
            for a, obligated, disbursed in ranked if a in about]
