"""Pipeline and burn rate: money obligated but not yet disbursed, year by year.

For each group (e.g. agency × country) and U.S. fiscal year:
- pipeline = cumulative obligations − cumulative disbursements, from the first year in the data
  (de-obligations, being negative obligations, shrink it);
- burn rate = disbursements in the year ÷ money available to spend in it (the pipeline at
  the start of the year plus the year's obligations);
- months of pipeline = the year-end pipeline ÷ the year's average monthly disbursement.
Every figure comes from `funding`, so pipeline tables reconcile with funding tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import Connection, func, select

from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.i18n import _
from stratmon.store import schema

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PipelineRow:
    """One group's pipeline in one fiscal year (USD)."""

    keys: tuple
    fiscal_year: int
    obligated: Decimal
    disbursed: Decimal
    cumulative_obligated: Decimal
    cumulative_disbursed: Decimal

    @property
    def pipeline(self) -> Decimal:
        """Obligated but not yet disbursed at the end of the year."""
        return self.cumulative_obligated - self.cumulative_disbursed

    @property
    def available(self) -> Decimal:
        """What could be spent in the year: the opening pipeline plus the year's obligations."""
        return self.pipeline + self.disbursed

    @property
    def burn_rate(self) -> Decimal | None:
        """The share of the available money disbursed in the year (None when nothing was available)."""
        return self.disbursed / self.available if self.available > 0 else None

    @property
    def months_of_pipeline(self) -> Decimal | None:
        """How many months the year-end pipeline lasts at the year's pace (None without disbursements,
        or when more was disbursed than obligated)."""
        if self.disbursed <= 0 or self.pipeline < 0:
            return None
        return self.pipeline / (self.disbursed / 12)


def pipeline(connection: Connection, query: FundingQuery) -> list[PipelineRow]:
    """Pipeline rows for the groups of `query.by` (which must not include `fy`), per fiscal year
    in `query.fiscal_years`, cumulated over every earlier year in the data."""
    if "fy" in query.by:
        raise QueryError(_("the pipeline is always by fiscal year; leave fy out of --by"))
    history = replace(query, by=(*query.by, "fy"), fiscal_years=FiscalYears(None, query.fiscal_years.last))
    amounts: dict[tuple, dict[int, list[Decimal]]] = {}
    for index, transaction_type in enumerate(("obligation", "disbursement")):
        for row in funding(connection, replace(history, transaction_type=transaction_type)).rows:
            years = amounts.setdefault(row.keys[:-1], {})
            years.setdefault(row.keys[-1], [ZERO, ZERO])[index] += row.usd
    first = query.fiscal_years.first
    # Open money stays open after a group's last transaction: carry every group to the end of the
    # window (or of the data), so that no pipeline silently drops out of a later year.
    last = query.fiscal_years.last or connection.execute(
        select(func.max(schema.transaction.c.fiscal_year))).scalar_one() or 0
    found: list[PipelineRow] = []
    for keys in sorted(amounts, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        cumulative_obligated = cumulative_disbursed = ZERO
        years = amounts[keys]
        for year in range(min(years), max(max(years), last) + 1):
            obligated, disbursed = years.get(year, (ZERO, ZERO))
            cumulative_obligated += obligated
            cumulative_disbursed += disbursed
            row = PipelineRow(keys, year, obligated, disbursed, cumulative_obligated, cumulative_disbursed)
            is_closed = not (obligated or disbursed or row.pipeline)
            if (first is None or year >= first) and not is_closed:
                found.append(row)
    return found
