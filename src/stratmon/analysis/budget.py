"""State Department budget tables: figures by fiscal year, row and account, as published."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import to_usd
from stratmon.store import schema

figure_table = schema.budget_figure


@dataclass(frozen=True)
class BudgetLine:
    """One amount of a budget table, in dollars."""

    fiscal_year: int
    label: str
    recipient_key: str | None
    kind: str
    account: str
    usd: Decimal | None


def budget_lines(connection: Connection, *, fiscal_years: FiscalYears = FiscalYears(),
                 country: str | None = None, account: str | None = None,
                 kinds: tuple[str, ...] = ("country", "region", "program", "total")) -> list[BudgetLine]:
    """Stored budget figures, filtered, ordered by year, row label and account."""
    query = select(figure_table).where(figure_table.c.kind.in_(kinds))
    query = query.where(*fiscal_years.conditions(figure_table.c.fiscal_year))
    if country:
        query = query.where(figure_table.c.recipient_key == country.upper())
    if account:
        query = query.where(figure_table.c.account == account)
    lines = [BudgetLine(r.fiscal_year, r.label, r.recipient_key, r.kind, r.account,
                        to_usd(r.amount_micros) if r.amount_micros is not None else None)
             for r in connection.execute(query)]
    return sorted(lines, key=lambda b: (b.fiscal_year, b.label, b.account))
