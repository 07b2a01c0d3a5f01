"""What the data-quality checks read and report (plain records, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ResultPoint:
    """One stored result value, as the quality checks see it."""

    id: int                        # result_value id
    indicator: str                 # indicator code
    aggregation: str               # "sum" | "last" | "percentage"
    activity: str | None
    org: str | None                # reporting partner organisation reference
    country: str | None
    period_start: date
    period_end: date
    value_type: str                # "baseline" | "target" | "actual"
    value: Decimal | None          # None when not available
    not_available: bool
    numerator: Decimal | None
    denominator: Decimal | None
    scheme: str | None
    category: str | None           # None: the total
    submitted_on: date | None      # when it was submitted (for timeliness)


@dataclass(frozen=True)
class Finding:
    """A problem a check found."""

    check: str                     # rule id, "outlier_zscore", "outlier_minmax", ...
    severity: str                  # "error" | "warning"
    result_ids: tuple[int, ...]    # the values concerned
    indicator: str
    message: str                   # English, with the numbers; rendered by the caller
    details: dict                  # the numbers behind the message (for JSON output and translation)
