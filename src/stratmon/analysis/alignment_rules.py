"""How much money each signal decided: manual override, U.S. program area, DAC purpose code, keywords,
organisation, account, geography, or nothing (not aligned)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, select

from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

# The signals in the order `align` lists them (DESIGN.md rule 7); "none" is money no signal places.
RULES = ("override", "program_area", "dac", "keyword", "organisation", "account", "geography", "none")


@dataclass(frozen=True)
class RuleTotal:
    """The money one rule attributed, and across how many activities."""

    rule: str
    activities: int
    usd: Decimal


def money_by_rule(connection: Connection, transaction_type: str = "disbursement",
                  crosswalk_digest: str | None = None) -> list[RuleTotal]:
    """USD (net, USD values only) and activities per rule, in the order the rules are tried."""
    require_current_alignment(connection, crosswalk_digest)
    table = schema.alignment_split
    statement = (select(table.c.rule, func.count(table.c.activity_id.distinct()), *exact_sum(table.c.amount_micros))
                 .where(table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD,
                        table.c.type_code == TRANSACTION_TYPES[transaction_type])
                 .group_by(table.c.rule))
    found = {rule: RuleTotal(rule, activities, to_usd(joined_sum(units, remainder)))
             for rule, activities, units, remainder in connection.execute(statement)}
    return [found.get(rule, RuleTotal(rule, 0, to_usd(0))) for rule in RULES] + [
        total for rule, total in sorted(found.items()) if rule not in RULES]
