"""An activity's money by sector, gathered from its transactions (DESIGN.md rule 6).

Some publishers (USAID among them) name no sector on the activity and one or more on each
transaction; the activity's sectors are then those its transactions name, each with the dollars
the transactions put on it. This reads `transaction_split`, where each transaction's value is
already split, per sector vocabulary, over the transaction's own sectors (else the activity's) by
their percentages, the parts adding up exactly to the value; and `sector` for the names the
publisher gave. Only USD values are summed (rule 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Select, bindparam, func, select

from stratmon.analysis.errors import QueryError
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.statements import made_once
from stratmon.store.splits import NO_SECTOR_SPLIT, UNSPECIFIED

_TYPE_NAMES = {code: name for name, code in TRANSACTION_TYPES.items()}


@dataclass(frozen=True)
class SectorMoney:
    """One sector of one vocabulary, and the USD its transactions put on it, by transaction type."""

    vocabulary: str
    code: str  # `UNSPECIFIED` for the transactions that name no sector of this vocabulary
    name: str | None  # as the publisher named it, if it did
    usd: dict[str, Decimal]  # by transaction type name ("obligation", "disbursement", ...; else the type code)

    @property
    def is_unspecified(self) -> bool:
        return self.code == UNSPECIFIED


def sectors_from_transactions(connection: Connection, iati_identifier: str,
                              activity_id: int | None = None) -> list[SectorMoney]:
    """The activity's sectors with the USD of its transactions, vocabulary by vocabulary, the most
    disbursed (then obligated) first; QueryError when there is no such activity. `activity_id`, its row,
    when the caller has read it already."""
    if activity_id is None:
        activity = schema.activity
        activity_id = connection.execute(select(activity.c.id).where(
            activity.c.iati_identifier == iati_identifier)).scalar_one_or_none()
    if activity_id is None:
        raise QueryError(_("no activity with IATI identifier {identifier}").format(identifier=iati_identifier))
    sums = connection.execute(_sector_sums_statement(), {"activity_id": activity_id})
    by_sector: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in sums:
        kind = _TYPE_NAMES.get(row.type_code, row.type_code)
        by_sector.setdefault((row.sector_vocabulary, row.sector_code), {})[kind] = to_usd(
            joined_sum(row.units, row.remainder))
    names = {(row.vocabulary, row.code): row.name
             for row in connection.execute(_sector_names_statement(), {"activity_id": activity_id})}
    found = [SectorMoney(vocabulary, code, names.get((vocabulary, code)), usd)
             for (vocabulary, code), usd in by_sector.items()]
    zero = Decimal(0)
    return sorted(found, key=lambda s: (s.vocabulary, s.is_unspecified, -s.usd.get("disbursement", zero),
                                        -s.usd.get("obligation", zero), s.code))


@made_once
def _sector_sums_statement() -> Select:
    split = schema.transaction_split
    units, rest = exact_sum(split.c.amount_micros)
    return (select(split.c.sector_vocabulary, split.c.sector_code, split.c.type_code, units, rest)
            .where(split.c.activity_id == bindparam("activity_id"), split.c.sector_vocabulary != NO_SECTOR_SPLIT,
                   split.c.currency == USD)
            .group_by(split.c.sector_vocabulary, split.c.sector_code, split.c.type_code))


@made_once
def _sector_names_statement() -> Select:
    sector = schema.sector
    return (select(sector.c.vocabulary, sector.c.code, func.min(sector.c.name).label("name"))
            .where(sector.c.activity_id == bindparam("activity_id")).group_by(sector.c.vocabulary, sector.c.code))
