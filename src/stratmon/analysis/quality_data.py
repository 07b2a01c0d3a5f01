"""Entered results as the data-quality checks read them, and what partners were expected to report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.quality_types import ResultPoint
from stratmon.store import schema


def _decimal(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def result_points(connection: Connection) -> list[ResultPoint]:
    """Every entered result value."""
    value, ind = schema.result_value, schema.indicator
    rows = connection.execute(select(value, ind.c.code, ind.c.aggregation).join(ind, ind.c.id == value.c.indicator_id)
                              .order_by(value.c.id))
    return [ResultPoint(
        id=r.id, indicator=r.code, aggregation=r.aggregation, activity=r.activity or None, org=r.org_ref or None,
        country=r.country_key or None, period_start=r.period_start, period_end=r.period_end,
        value_type=r.value_type, value=_decimal(r.value_text), not_available=r.not_available,
        numerator=_decimal(r.numerator_text), denominator=_decimal(r.denominator_text),
        scheme=r.scheme_code or None, category=r.category or None,
        submitted_on=r.submitted_at.date() if r.submitted_at else None) for r in rows]


def expected_reports(points: list[ResultPoint]) -> list[tuple[str, str, date, date]]:
    """(partner, indicator, period) that owe an actual: every total target a partner set."""
    return sorted({(p.org, p.indicator, p.period_start, p.period_end) for p in points
                   if p.value_type == "target" and p.category is None and p.org})
