"""Why money to the framework's regions is, or is not, the Strategy's (DESIGN.md rule 9): the decisions
`stratmon align` recorded in `regional_scope`, with the money each one moved."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Select, bindparam, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import OBLIGATION_AND_DISBURSEMENT, USD, exact_sum, joined_sum, to_usd
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.statements import made_once
from stratmon.store.splits import NO_SECTOR_SPLIT


@dataclass(frozen=True)
class RegionalDecision:
    """Whether one activity's money to a framework region is the Strategy's, why, and how much it is."""

    iati_identifier: str
    title: str | None
    recipient_key: str
    geography: str  # in | out
    reason: str  # own-region | names-strategy | names-outside | context-region | override
    places: str | None
    obligated_usd: Decimal
    disbursed_usd: Decimal


def regional_decisions(connection: Connection, fiscal_years: FiscalYears = FiscalYears()) -> list[RegionalDecision]:
    """Every decision `stratmon align` made on money to the framework's regions, with that money over
    `fiscal_years`, largest disbursement first (decisions without money in the span are left out)."""
    scope, split, activity = schema.regional_scope, schema.transaction_split, schema.activity
    money: dict[tuple[int, str], dict[str, int]] = {}
    # The regions' rows by the recipient index, the types kept here rather than in SQL (see store/schema.py).
    statement = (select(split.c.activity_id, split.c.recipient_key, split.c.type_code, *exact_sum(split.c.amount_micros))
                 .join(scope, (scope.c.activity_id == split.c.activity_id)
                       & (scope.c.recipient_key == split.c.recipient_key))
                 .where(split.c.recipient_key.in_(select(scope.c.recipient_key).distinct()),
                        split.c.sector_vocabulary == NO_SECTOR_SPLIT, split.c.currency == USD,
                        *fiscal_years.conditions(split.c.fiscal_year))
                 .group_by(split.c.activity_id, split.c.recipient_key, split.c.type_code))
    for activity_id, key, code, units, remainder in connection.execute(statement):
        if code in OBLIGATION_AND_DISBURSEMENT:
            money.setdefault((activity_id, key), {})[OBLIGATION_AND_DISBURSEMENT[code]] = joined_sum(units, remainder)
    found = []
    for row in connection.execute(select(scope, activity.c.iati_identifier, activity.c.title)
                                  .join(activity, activity.c.id == scope.c.activity_id)):
        sums = money.get((row.activity_id, row.recipient_key))
        if not sums:
            continue
        found.append(RegionalDecision(row.iati_identifier, row.title, row.recipient_key, row.geography, row.reason,
                                      row.places, to_usd(sums.get("obligation", 0)), to_usd(sums.get("disbursement", 0))))
    found.sort(key=lambda d: (-d.disbursed_usd, -d.obligated_usd, d.iati_identifier, d.recipient_key))
    return found


def reason_text(reason: str) -> str:
    """Why regional money is, or is not, the Strategy's, in the reader's language (the places its texts
    name are the data's words, shown beside it as they were found)."""
    texts = {"own-region": _("a region of the Strategy's own"),
             "names-strategy": _("its texts name the Strategy's countries"),
             "names-outside": _("its texts name only places elsewhere"),
             "context-region": _("a wider region, and its texts name none of the Strategy's countries"),
             "override": _("an analyst's attribution")}
    return texts[reason]


def decisions_of(connection: Connection, activity_id: int) -> list[tuple[str, str, str, str | None]]:
    """One activity's decisions: (region key, in|out, reason, places named), by region."""
    return [tuple(row) for row in connection.execute(_decisions_statement(), {"activity_id": activity_id})]


@made_once
def _decisions_statement() -> Select:
    scope = schema.regional_scope
    return (select(scope.c.recipient_key, scope.c.geography, scope.c.reason, scope.c.places)
            .where(scope.c.activity_id == bindparam("activity_id")).order_by(scope.c.recipient_key))
