"""Funding roll-ups: USD by recipient, fiscal year, agency, sector, appropriation account, line of
action and objective (DESIGN.md rules 2–8).

Sums run over `transaction_split`, where each transaction's value is already split over its
recipients and sectors in exact integer millionths, or, when a line of action or objective is
asked for, over `alignment_split`, which refines those rows by objective; this module only
groups and sums. Tables without a sector or account key read the roll-ups of those rows
(`split_total`, `alignment_total`, kept by store/rollups.py), whose size does not grow with the
transactions. The account is the transaction's (`iati_transaction.treasury_account`), named as the
budget tables name it (analysis/funding_accounts.py): the roll-ups do not carry it, so account tables
read the split rows joined to their transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, and_, case, exists, func, literal, or_, select, union_all

from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding_accounts import funding_accounts
from stratmon.analysis.geography import STRATEGY, check_scope, scope_conditions
from stratmon.framework.model import Geography
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.rollups import ABSENT, OPTIONAL_KEYS
from stratmon.store.splits import NO_SECTOR_SPLIT, UNSPECIFIED

TRANSACTION_TYPES = {"obligation": "2", "disbursement": "3", "expenditure": "4", "incoming_funds": "1"}
# The two types most tables show (code → name): what is promised and what is paid.
OBLIGATION_AND_DISBURSEMENT = {TRANSACTION_TYPES[name]: name for name in ("obligation", "disbursement")}
KEYS = ("country", "group", "fy", "line", "objective", "agency", "sector", "account")
ALIGNED_KEYS = ("line", "objective")
# Keys the roll-ups do not hold: tables by them sum the split rows themselves.
DETAIL_KEYS = ("sector", "account")
DEFAULT_SECTOR_VOCABULARY = "1"
USD = "USD"
CENT = Decimal("0.01")
MICROS = Decimal(1_000_000)
NOT_ALIGNED = "not_aligned"
OUTSIDE_PREFIX = "outside:"

split = schema.transaction_split
_KEY_COLUMNS = {
    "country": "recipient_key",
    "group": "recipient_key",
    "fy": "fiscal_year",
    "agency": "reporting_org_ref",
    "sector": "sector_code",
    "account": "treasury_account",
    "line": "line_id",
    "objective": "objective_id",
}


@dataclass(frozen=True)
class FundingQuery:
    """What to sum: grouping keys, transaction type, fiscal years, sector vocabulary."""

    by: tuple[str, ...]
    transaction_type: str = "disbursement"
    fiscal_years: FiscalYears = field(default_factory=FiscalYears)
    sector_vocabulary: str = DEFAULT_SECTOR_VOCABULARY
    # (member recipient key, group id): `group` rolls members up under the group's id.
    country_groups: tuple[tuple[str, str], ...] = ()
    # Recipient keys to keep (all when empty).
    recipients: tuple[str, ...] = ()
    # The crosswalks a line or objective table must have been aligned with (None: not checked).
    crosswalk_digest: str | None = None
    # The Strategy's geography, and which money to keep: the Strategy's (the default), the money
    # outside its geography, or all (DESIGN.md rule 9). No geography: every recipient.
    geography: Geography | None = None
    scope: str = STRATEGY

    @property
    def is_aligned(self) -> bool:
        """Whether the query needs alignment (a line-of-action or objective key)."""
        return any(key in ALIGNED_KEYS for key in self.by)

    @property
    def needs_split_rows(self) -> bool:
        """Whether the query groups by a key the roll-ups do not hold (sector, account)."""
        return any(key in DETAIL_KEYS for key in self.by)

    def __post_init__(self) -> None:
        unknown = [key for key in self.by if key not in KEYS]
        if unknown or not self.by:
            raise QueryError(_("--by takes keys from {keys}; got {got}").format(
                keys=", ".join(KEYS), got=", ".join(self.by) or "-"))
        if len(set(self.by)) != len(self.by):
            raise QueryError(_("--by names a key twice"))
        if self.transaction_type not in TRANSACTION_TYPES:
            raise QueryError(_("--type takes one of: {choices}").format(choices=", ".join(TRANSACTION_TYPES)))
        check_scope(self.scope)


@dataclass(frozen=True)
class FundingRow:
    """One group: its key values (in `FundingQuery.by` order) and its USD sum."""

    keys: tuple
    usd: Decimal


@dataclass(frozen=True)
class FundingResult:
    """A funding table and what was left out of it."""

    query: FundingQuery
    rows: list[FundingRow]
    total_usd: Decimal
    excluded_by_currency: dict[str, Decimal]
    transactions_without_value: int


def to_usd(micros) -> Decimal:
    """Integer millionths as dollars and cents (half away from zero; never "-0.00")."""
    usd = (Decimal(int(micros or 0)) / MICROS).quantize(CENT, rounding=ROUND_HALF_UP)
    return usd if usd else CENT * 0


def exact_sum(column):
    """SUM of integer millionths that cannot overflow SQLite's 64-bit integers.

    Whole units and remainders are summed apart (each far from the limit) and joined
    in Python by `joined_sum`; on PostgreSQL this is exact too.
    """
    # Integer division and remainder both truncate toward zero on SQLite and PostgreSQL, so
    # units * 1e6 + remainder is each row exactly, negatives included.
    return (func.sum(column.op("/")(1_000_000)).label("units"), func.sum(column % 1_000_000).label("remainder"))


def joined_sum(units, remainder) -> int:
    """The exact total of millionths from the two parts of `exact_sum`."""
    return int(units or 0) * 1_000_000 + int(remainder or 0)


def _filters(query: FundingQuery, table=split, *, with_type: bool = True) -> list:
    conditions = [*query.fiscal_years.conditions(table.c.fiscal_year),
                  *scope_conditions(table, query.geography, query.scope)]
    if with_type:
        conditions.insert(0, table.c.type_code == TRANSACTION_TYPES[query.transaction_type])
    if query.recipients:
        conditions.append(table.c.recipient_key.in_(query.recipients))
    return conditions


def rolled_up(aligned: bool):
    """The groups of a roll-up (the alignment's or the splits'), absent keys as NULL as in the split rows."""
    table = schema.alignment_total if aligned else schema.split_total
    columns = [func.nullif(c, ABSENT).label(c.name) if c.name in OPTIONAL_KEYS else c for c in table.c]
    return select(*columns).subquery()


def _rolled_up(query: FundingQuery, aligned: bool):
    """The roll-up's groups that pass the query's filters."""
    table = rolled_up(aligned)
    return select(*table.c).where(*_filters(query, table)).subquery()


def rows_to_sum(query: FundingQuery, *, with_type: bool = True):
    """The split rows to sum: by recipient only, or by recipient × sector of one vocabulary;
    from `alignment_split` when the query groups by line of action or objective; with their
    transaction's treasury account when it groups by account. Of the query's transaction type,
    or of every type with `with_type=False`.

    A transaction with no sector in the vocabulary counts under `unspecified`, so that
    sector tables add up to the same total as every other table.
    """
    table = schema.alignment_split if query.is_aligned else split
    base = _filters(query, table, with_type=with_type)

    def rows(*columns):
        if "account" not in query.by:
            return select(*columns)
        tx = schema.transaction
        return select(*columns, tx.c.treasury_account).select_from(
            table.join(tx, tx.c.id == table.c.transaction_id))

    if "sector" not in query.by:
        return rows(*table.c).where(table.c.sector_vocabulary == NO_SECTOR_SPLIT, *base).subquery()
    with_sector = rows(*table.c).where(table.c.sector_vocabulary == query.sector_vocabulary, *base)
    other = split.alias("other")
    lacking = exists().where(and_(other.c.transaction_id == table.c.transaction_id,
                                  other.c.sector_vocabulary == query.sector_vocabulary))
    columns = [literal(UNSPECIFIED).label("sector_code") if c.name == "sector_code" else c for c in table.c]
    without_sector = rows(*columns).where(table.c.sector_vocabulary == NO_SECTOR_SPLIT, ~lacking, *base)
    return union_all(with_sector, without_sector).subquery()


def key_column(rows_source, query: FundingQuery, key: str):
    """The SQL expression a key groups by. Money outside the Strategy's lines groups as
    `outside:<category>`, and money not aligned as `not_aligned`, so that line and objective
    tables add up to the same total as every other table. Accounts group under the budget tables'
    names, a symbol the mapping does not know under itself, and none under `unspecified`."""
    column = rows_source.c[_KEY_COLUMNS[key]]
    if key == "account":
        return funding_accounts().expression(column, rows_source.c.reporting_org_ref).label(key)
    if key in ALIGNED_KEYS:
        outside = literal(OUTSIDE_PREFIX).concat(rows_source.c.outside_id)
        return func.coalesce(column, outside, literal(NOT_ALIGNED)).label(key)
    if key == "group" and query.country_groups:
        return case(dict(query.country_groups), value=column, else_=column).label(key)
    return column.label(key)


def funding(connection: Connection, query: FundingQuery) -> FundingResult:
    """USD sums grouped by `query.by`, with non-USD amounts reported, not converted."""
    if query.is_aligned:
        require_current_alignment(connection, query.crosswalk_digest)
    # Without a sector or account key, the roll-ups hold the same sums in far fewer rows.
    rows_source = rows_to_sum(query) if query.needs_split_rows else _rolled_up(query, query.is_aligned)
    # Sorted here rather than in SQL: collations differ between engines, code points do not.
    rows = sorted((FundingRow(keys, usd) for keys, _none, usd in _usd_sums(connection, query, rows_source)),
                  key=lambda r: tuple(("", k) if k is None else (type(k).__name__, k) for k in r.keys))

    everything = _rolled_up(query, aligned=False)
    excluded = {
        currency or "unknown": to_usd(joined_sum(units, remainder))
        for currency, units, remainder in connection.execute(
            select(everything.c.currency, *_sums(everything))
            .where(or_(everything.c.currency != USD, everything.c.currency.is_(None)))
            .group_by(everything.c.currency))
    }
    total = to_usd(joined_sum(*connection.execute(
        select(*_sums(everything)).where(everything.c.currency == USD)).one()))
    return FundingResult(query, rows, total, excluded, _without_value(connection, query))


def funding_by_type(connection: Connection, query: FundingQuery, types: tuple[str, ...]) -> dict[str, list[FundingRow]]:
    """The rows `funding` gives for `query` with each of `types` as its transaction type (in no particular order),
    for a query of some recipients by a key the roll-ups do not hold, read in one pass over their split rows.

    One pass rather than one per type, and by the recipients' own index, which SQLite uses only when the query
    names no type (see store/schema.py beside the index)."""
    if not (query.needs_split_rows and query.recipients):
        raise ValueError("funding_by_type reads the split rows of some recipients")
    if query.is_aligned:
        require_current_alignment(connection, query.crosswalk_digest)
    rows_source = rows_to_sum(query, with_type=False)
    codes = {TRANSACTION_TYPES[name]: name for name in types}
    found: dict[str, list[FundingRow]] = {name: [] for name in types}
    for keys, (code,), usd in _usd_sums(connection, query, rows_source, rows_source.c.type_code):
        if (name := codes.get(code)) is not None:
            found[name].append(FundingRow(keys, usd))
    return found


def _usd_sums(connection: Connection, query: FundingQuery, rows_source,
              *more) -> Iterator[tuple[tuple, tuple, Decimal]]:
    """The USD sums of `rows_source` grouped by the query's keys, then by the columns `more`: for each group,
    its key values, its values of `more` and its sum."""
    keys = [key_column(rows_source, query, key) for key in query.by]
    grouped = [*keys, *more]
    statement = select(*grouped, *_sums(rows_source)).where(rows_source.c.currency == USD).group_by(*grouped)
    width = len(keys)
    for row in connection.execute(statement):
        yield tuple(row[:width]), tuple(row[width:-2]), to_usd(joined_sum(row[-2], row[-1]))


def _sums(rows_source) -> tuple:
    """The two parts of the exact sum, over split rows or over roll-up groups."""
    if "units" in rows_source.c:
        return func.sum(rows_source.c.units).label("units"), func.sum(rows_source.c.remainder).label("remainder")
    return exact_sum(rows_source.c.amount_micros)


def _without_value(connection: Connection, query: FundingQuery) -> int:
    tx = schema.transaction
    conditions = [tx.c.type_code == TRANSACTION_TYPES[query.transaction_type], tx.c.value_micros.is_(None),
                  *query.fiscal_years.conditions(tx.c.fiscal_year)]
    return connection.execute(select(func.count()).select_from(tx).where(*conditions)).scalar_one()
