"""Money and results together: per objective and country, the money disbursed next to how its
indicators are doing, and what a unit of result cost where an indicator counts units.

A unit cost divides everything the activity (with the activities under it) disbursed in the
country by the indicator's latest actual: a ceiling, since the same money usually buys several
results. It is computed on an indicator's total only, never on a disaggregate: the activity's money
was not spent on its female students alone. Each unit cost names the money it divides (whose, by
which activity, where, in which fiscal years), so a reader can check it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import NOT_ALIGNED, OUTSIDE_PREFIX, TRANSACTION_TYPES, USD, FundingQuery, exact_sum, \
    funding, joined_sum, to_usd
from stratmon.analysis.activity_families import activity_families
from stratmon.analysis.iptt import iptt
from stratmon.analysis.iptt_types import IpttCell, IpttRow, IpttTable
from stratmon.framework import Framework
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT


# An indicator that counts money ("Value of signed contracts", "Committed private investment", a unit
# of US$) has no cost per unit: dollars divided by dollars. IATI's measure code says "unit" for it
# all the same (MCC), so its name or unit tells.
_MONEY = re.compile(r"\b(value|investment|revenue|payments?|costs?|funding|budget|usd|us\$|dollars?|valor|"
                    r"inversi[oó]n|ingresos|pagos?|costos?|presupuesto|d[oó]lares)\b|\$", re.IGNORECASE)


def counts_money(row: IpttRow) -> bool:
    """Whether an indicator counts money rather than people or things."""
    return bool(_MONEY.search(row.indicator_name or "") or _MONEY.search(row.unit or ""))


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
    """What one unit of an indicator's result cost, at most: `disbursed_usd` (what `agency` disbursed
    through `activity` and the activities under it in `country`, fiscal years `first_fy`–`last_fy`)
    ÷ `actual` (the indicator's latest total)."""

    indicator_code: str
    indicator_name: str
    activity: str
    country: str
    objective_id: str | None
    actual: Decimal
    disbursed_usd: Decimal
    usd_per_unit: Decimal
    activity_title: str | None = None
    agency: str | None = None       # the reporting organisation's IATI reference
    unit: str | None = None
    first_fy: int | None = None     # the fiscal years the disbursements fall in
    last_fy: int | None = None


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
    for row in table.indicators():
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
    return rows, unit_costs(connection, table, country, fiscal_years)


def unit_costs(connection: Connection, table: IpttTable, country: str | None = None,
               fiscal_years: FiscalYears = FiscalYears()) -> list[UnitCost]:
    """The unit costs of the tracking table's indicators that count units (never of a disaggregate)."""
    return _unit_costs(connection, table.indicators(), country, fiscal_years)


@dataclass(frozen=True)
class _Spent:
    """Disbursed by one activity (with the activities under it) in one recipient, and when."""

    usd: Decimal = Decimal(0)
    first_fy: int | None = None
    last_fy: int | None = None

    def plus(self, usd: Decimal, fiscal_year: int | None) -> _Spent:
        years = [year for year in (self.first_fy, self.last_fy, fiscal_year) if year is not None]
        return _Spent(self.usd + usd, min(years, default=None), max(years, default=None))


def _unit_costs(connection: Connection, rows: list[IpttRow], country: str | None,
                fiscal_years: FiscalYears) -> list[UnitCost]:
    """Unit costs of the indicators `rows` (totals: a disaggregate is never divided into money)."""
    candidates = [(row, row.latest_total()) for row in rows
                  if row.counts_units and row.activity and not row.is_disaggregate and not counts_money(row)]
    candidates = [(row, cell) for row, cell in candidates if cell is not None and cell.actual and cell.actual > 0]
    identifiers = sorted({row.activity for row, _cell in candidates})
    activity = schema.activity
    found_activities = connection.execute(select(activity.c.iati_identifier, activity.c.id,
                                                 activity.c.reporting_org_ref).where(
        activity.c.iati_identifier.in_(identifiers))).all() if identifiers else []
    ids = {identifier: activity_id for identifier, activity_id, _org in found_activities}
    agency = {identifier: org for identifier, _id, org in found_activities}
    families = activity_families(connection, sorted(ids.values()))
    member_of = defaultdict(set)
    for identifier, root in ids.items():
        for member in families.get(root, {root}):
            member_of[member].add(identifier)
    split = schema.transaction_split
    spent: dict[tuple[str, str], _Spent] = defaultdict(_Spent)
    members = sorted(member_of)
    wanted = (NO_SECTOR_SPLIT, TRANSACTION_TYPES["disbursement"], USD)  # the recipient-only split of USD disbursements
    for start in range(0, len(members), 500):
        # Only the activities are asked for in SQL, the rest is kept here: given the vocabulary, type and years
        # too, SQLite reads every disbursement row of the table through the funding index for each chunk of 500
        # (quadratic in the data), where the activities' own index reads only theirs.
        statement = (select(split.c.activity_id, split.c.recipient_key, split.c.fiscal_year,
                            split.c.sector_vocabulary, split.c.type_code, split.c.currency,
                            *exact_sum(split.c.amount_micros))
                     .where(split.c.activity_id.in_(members[start:start + 500]))
                     .group_by(split.c.activity_id, split.c.recipient_key, split.c.fiscal_year,
                               split.c.sector_vocabulary, split.c.type_code, split.c.currency))
        for activity_id, recipient, fiscal_year, vocabulary, type_code, currency, units, remainder in \
                connection.execute(statement):
            if (vocabulary, type_code, currency) != wanted or fiscal_year not in fiscal_years:
                continue
            for identifier in member_of[activity_id]:
                key = (identifier, recipient)
                spent[key] = spent[key].plus(to_usd(joined_sum(units, remainder)), fiscal_year)
    found = []
    for row, cell in candidates:
        for code in row.country_codes:
            if country is not None and code != country:
                continue
            money = spent.get((row.activity, code))
            # Under a dollar a unit, the indicator counts money ("Exports adjusted") or things the
            # money did not buy one by one: no cost per unit.
            if money and money.usd >= cell.actual:
                found.append(UnitCost(row.indicator_code, row.indicator_name, row.activity, code, row.objective_id,
                                      cell.actual, money.usd, (money.usd / cell.actual).quantize(Decimal("0.01")),
                                      row.activity_title, agency.get(row.activity), row.unit, money.first_fy,
                                      money.last_fy))
    return sorted(found, key=lambda c: (c.objective_id or "", c.country, c.indicator_code))

