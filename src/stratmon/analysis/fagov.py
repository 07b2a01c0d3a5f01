"""ForeignAssistance.gov country-summary figures as imported: every type, period and dollar basis."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import to_usd
from stratmon.store import schema

figure_table = schema.fagov_figure


@dataclass(frozen=True)
class FagovFigure:
    """One published figure: recipient, fiscal year (and "tq" for a transition quarter), type, amounts."""

    recipient: str
    recipient_name: str | None
    fiscal_year: int
    fiscal_period: str
    transaction_type: str
    current_usd: Decimal | None
    constant_usd: Decimal | None


def fagov_figures(connection: Connection, *, fiscal_years: FiscalYears = FiscalYears(),
                  country: str | None = None, transaction_type: str | None = None) -> list[FagovFigure]:
    """Stored country-summary figures, filtered, ordered by recipient, year, period and type."""
    query = select(figure_table)
    query = query.where(*fiscal_years.conditions(figure_table.c.fiscal_year))
    if country:
        query = query.where(figure_table.c.recipient_key == country)
    if transaction_type:
        query = query.where(figure_table.c.transaction_type == transaction_type)
    figures = [FagovFigure(r.recipient_key, r.recipient_name, r.fiscal_year, r.fiscal_period, r.transaction_type,
                           None if r.current_micros is None else to_usd(r.current_micros),
                           None if r.constant_micros is None else to_usd(r.constant_micros))
               for r in connection.execute(query)]
    return sorted(figures, key=lambda f: (f.recipient, f.fiscal_year, f.fiscal_period, f.transaction_type))
