"""Funding roll-ups: USD by recipient, fiscal year, agency and sector (DESIGN.md rules 2–6, 8).

Sums run over `transaction_split`, where each transaction's value is already split over
its recipients and sectors in exact integer millionths; this module only groups and sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, and_, exists, func, literal, or_, select, union_all

from stratmon.analysis.fiscal import FiscalYears
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT, UNSPECIFIED

TRANSACTION_TYPES = {"obligation": "2", "disbursement": "3", "expenditure": "4", "incoming_funds": "1"}
KEYS = ("country", "fy", "agency", "sector")
DEFAULT_SECTOR_VOCABULARY = "1"
USD = "USD"
CENT = Decimal("0.01")
MICROS = Decimal(1_000_000)

split = schema.transaction_split
_KEY_COLUMNS = {
    "country": split.c.recipient_key,
    "fy": split.c.fiscal_year,
    "agency": split.c.reporting_org_ref,
    "sector": split.c.sector_code,
}


@dataclass(frozen=True)
class FundingQuery:
    """What to sum: grouping keys, transaction type, fiscal years, sector vocabulary."""

    by: tuple[str, ...]
    transaction_type: str = "disbursement"
    fiscal_years: FiscalYears = field(default_factory=FiscalYears)
    sector_vocabulary: str = DEFAULT_SECTOR_VOCABULARY

    def __post_init__(self) -> None:
        unknown = [key for key in self.by if key not in KEYS]
        if unknown or not self.by:
            raise QueryError(_("--by takes keys from {keys}; got {got}").format(
                keys=", ".join(KEYS), got=", ".join(self.by) or "-"))
        if len(set(self.by)) != len(self.by):
            raise QueryError(_("--by names a key twice"))
        if self.transaction_type not in TRANSACTION_TYPES:
            raise QueryError(_("--type takes one of: {choices}").format(choices=", ".join(TRANSACTION_TYPES)))


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


class QueryError(ValueError):
    """A funding query the user asked for that cannot be answered as asked."""


def _filters(query: FundingQuery) -> list:
    return [split.c.type_code == TRANSACTION_TYPES[query.transaction_type],
            *query.fiscal_years.conditions(split.c.fiscal_year)]


def _split_rows(query: FundingQuery):
    """The split rows to sum: by recipient only, or by recipient × sector of one vocabulary.

    A transaction with no sector in the vocabulary counts under `unspecified`, so that
    sector tables add up to the same total as every other table.
    """
    base = _filters(query)
    if "sector" not in query.by:
        return select(split).where(split.c.sector_vocabulary == NO_SECTOR_SPLIT, *base).subquery()
    with_sector = select(split).where(split.c.sector_vocabulary == query.sector_vocabulary, *base)
    other = split.alias("other")
    lacking = exists().where(and_(other.c.transaction_id == split.c.transaction_id,
                                  other.c.sector_vocabulary == query.sector_vocabulary))
    columns = [literal(UNSPECIFIED).label("sector_code") if c.name == "sector_code" else c for c in split.c]
    without_sector = select(*columns).where(split.c.sector_vocabulary == NO_SECTOR_SPLIT, ~lacking, *base)
    return union_all(with_sector, without_sector).subquery()


def funding(connection: Connection, query: FundingQuery) -> FundingResult:
    """USD sums grouped by `query.by`, with non-USD amounts reported, not converted."""
    rows_source = _split_rows(query)
    keys = [rows_source.c[_KEY_COLUMNS[key].name] for key in query.by]
    usd_only = rows_source.c.currency == USD
    statement = select(*keys, *exact_sum(rows_source.c.amount_micros)).where(usd_only).group_by(*keys)
    # Sorted here rather than in SQL: collations differ between engines, code points do not.
    rows = sorted((FundingRow(tuple(row[:-2]), to_usd(joined_sum(row[-2], row[-1])))
                   for row in connection.execute(statement)),
                  key=lambda r: tuple(("", k) if k is None else (type(k).__name__, k) for k in r.keys))

    everything = select(split).where(split.c.sector_vocabulary == NO_SECTOR_SPLIT, *_filters(query)).subquery()
    excluded = {
        currency or "unknown": to_usd(joined_sum(units, remainder))
        for currency, units, remainder in connection.execute(
            select(everything.c.currency, *exact_sum(everything.c.amount_micros))
            .where(or_(everything.c.currency != USD, everything.c.currency.is_(None)))
            .group_by(everything.c.currency))
    }
    total = to_usd(joined_sum(*connection.execute(
        select(*exact_sum(everything.c.amount_micros)).where(everything.c.currency == USD)).one()))
    return FundingResult(query, rows, total, excluded, _without_value(connection, query))


def _without_value(connection: Connection, query: FundingQuery) -> int:
    tx = schema.transaction
    conditions = [tx.c.type_code == TRANSACTION_TYPES[query.transaction_type], tx.c.value_micros.is_(None),
                  *query.fiscal_years.conditions(tx.c.fiscal_year)]
    return connection.execute(select(func.count()).select_from(tx).where(*conditions)).scalar_one()
