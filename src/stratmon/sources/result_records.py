"""Records the results readers yield: one reported value of a performance indicator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

VALUE_TYPES = ("baseline", "target", "actual")
NOT_AVAILABLE = "DNA"  # "disaggregates not available": an explicit value, never a blank


@dataclass(frozen=True)
class ResultRecord:
    """One row of a results file.

    `value` is None exactly when `not_available` is true. A row without `category` is the total
    for its indicator, activity, period and value type; a row with one is a disaggregate under
    `scheme` (a disaggregation scheme code such as "sex" or "age").
    """

    line: int                      # 1-based row number in the file (header is row 1)
    indicator: str                 # indicator code in the registry
    activity: str | None           # IATI identifier of the activity reporting (None: objective level)
    country: str | None            # ISO alpha-2, or region-<code>
    period_start: date
    period_end: date
    value_type: str                # one of VALUE_TYPES
    value: Decimal | None
    not_available: bool
    numerator: Decimal | None      # for percentage indicators
    denominator: Decimal | None
    scheme: str | None             # disaggregation scheme code
    category: str | None           # category code within the scheme
    reason: str | None             # why a target was missed (required then; checked later)
    comment: str | None
