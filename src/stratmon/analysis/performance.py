"""Money and results together: per objective and country, the money disbursed next to how its
indicators are doing, and what a unit of result cost where an indicator counts units.

A unit cost divides everything the activity (with the activities under it) disbursed in the
country by the indicator's latest actual: a ceiling, since the same money usually buys several
results.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import NOT_ALIGNED, OUTSIDE_PREFIX, FundingQuery, exact_sum, funding, joined_sum, \
    to_usd
from stratmon.analysis.iptt import activity_families, iptt
from stratmon.analysis.iptt_types import IpttCell, IpttRow, IpttTable
from stratmon.framework import Framework
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT


@dataclass(frozen=True)
class ObjectivePerformance:
    """One objective in one country: money and indicator status (latest period of each indicator)."""

    objective_id: str
    country: str
    disbursed_usd: Decimal
    indicators: int
    with_data: int
    on_track: int
    needs_attention: int
    off_track: int
    median_achieved: Decimal | None


@dataclass(frozen=True)
class UnitCost:
    """What one unit of an indicator's result cost, at most."""

    indicator_code: str
    indicator_name: str
    activity: str
    country: str
    objective_id: str | None
    actual: Decimal
    disbursed_usd: Decimal
    usd_per_unit: Decimal


def performance(connection: Connection, framework: Framework, lang: str, *, country: str | None = None,
                fiscal_years: FiscalYears = FiscalYears(), crosswalk_digest: str | None = None,
                table: IpttTable | None = None) -> tuple[list[ObjectivePerformance], list[UnitCost]]:
    """Objective × country performance rows, and unit costs, for the filters given (`table`: the
    tracking table for the same filters, when the caller has it already)."""
    money = funding(connection, FundingQuery(("objective", "country"), "disbursement", fiscal_years,
                                             recipients=(country,) if country else (),
                                             crosswalk_digest=crosswalk_digest, geography=framework.geography))
    disbursed = {(objective, recipient): usd for (objective, recipient), usd in ((r.keys, r.usd) for r in money.rows)
                 if objective != NOT_ALIGNED and not objective.startswith(OUTSIDE_PREFIX)}
    table = table or iptt(connection, framework, lang, country=country, fiscal_years=fiscal_years)
    statuses: dict[tuple[str, str], list[IpttCell | None]] = defaultdict(list)
    for row in table.rows:
        if not row.objective_id:
            continue
        for code in row.country_codes or ():
            if country is None or code == country:
                statuses[(row.objective_id, code)].append(row.latest_total())
    rows = []
    for key in sorted(set(disbursed) | set(statuses)):
        cells = statuses.get(key, [])
        achieved = [c.percent_achieved for c in cells if c is not None and c.percent_achieved is not None]
        count = {status: sum(1 for c in cells if c is not None and c.status == status)
                 for status in ("on_track", "needs_attention", "off_track")}
        rows.append(ObjectivePerformance(
            key[0], key[1], disbursed.get(key, Decimal("0.00")), len(cells),
            sum(1 for c in cells if c is not None and c.actual is not None), count["on_track"],
            count["needs_attention"], count["off_track"], median(achieved) if achieved else None))
    return rows, _unit_costs(connection, table.rows, country, fiscal_years)


def _unit_costs(connection: Connection, rows: list[IpttRow], country: str | None,
                fiscal_years: FiscalYears) -> list[UnitCost]:
    candidates = [(row, row.latest_total()) for row in rows if row.counts_units and row.activity]
    candidates = [(row, cell) for row, cell in candidates if cell is not None and cell.actual and cell.actual > 0]
    identifiers = sorted({row.activity for row, _cell in candidates})
    activity = schema.activity
    ids = dict(connection.execute(select(activity.c.iati_identifier, activity.c.id).where(
        activity.c.iati_identifier.in_(identifiers))).all()) if identifiers else {}
    families = activity_families(connection, sorted(ids.values()))
    member_of = defaultdict(set)
    for identifier, root in ids.items():
        for member in families.get(root, {root}):
            member_of[member].add(identifier)
    split = schema.transaction_split
    spent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    members = sorted(member_of)
    for start in range(0, len(members), 500):
        statement = (select(split.c.activity_id, split.c.recipient_key, *exact_sum(split.c.amount_micros))
                     .where(split.c.activity_id.in_(members[start:start + 500]),
                            split.c.sector_vocabulary == NO_SECTOR_SPLIT, split.c.type_code == "3",
                            split.c.currency == "USD", *fiscal_years.conditions(split.c.fiscal_year))
                     .group_by(split.c.activity_id, split.c.recipient_key))
        for activity_id, recipient, units, remainder in connection.execute(statement):
            for identifier in member_of[activity_id]:
                spent[(identifier, recipient)] += to_usd(joined_sum(units, remainder))
    found = []
    for row, cell in candidates:
        for code in row.country_codes:
            if country is not None and code != country:
                continue
            money = spent.get((row.activity, code))
            if money and money > 0:
                found.append(UnitCost(row.indicator_code, row.indicator_name, row.activity, code, row.objective_id,
                                      cell.actual, money, (money / cell.actual).quantize(Decimal("0.01"))))
    return sorted(found, key=lambda c: (c.objective_id or "", c.country, c.indicator_code))

