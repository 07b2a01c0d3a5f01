"""The indicator tracking table as plain data: what `stratmon iptt` renders."""

from __future__ import annotations

from dataclasses import dataclass, field

# The table's columns, in order: the machine keys of CSV output and of the headings.
COLUMNS = ("indicator_code", "indicator", "unit", "line", "objective", "activity", "activity_title", "country",
           "baseline", "baseline_year", "lop_target", "period", "period_start", "period_end", "category",
           "target", "actual", "percent_achieved", "status", "reason")
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class IpttCell:
    """Target, actual and achievement of one indicator in one period (or for one disaggregate)."""

    period_label: str              # "FY2019", "FY2019 Q2", "2015-09-09 – 2020-09-09", ...
    period_start: date
    period_end: date
    category: str | None           # None: the total; else a disaggregate's category name
    target: Decimal | None
    actual: Decimal | None
    actual_not_available: bool
    percent_achieved: Decimal | None   # actual / target (direction-aware), as a fraction (1 = 100 %)
    status: str                    # "on_track" | "needs_attention" | "off_track" | "no_target" | "no_data"
    status_label: str              # status in the user's language
    reason: str | None             # why a target was missed
    # What the publisher wrote where it is not a number ("Yes", "500 (2020)"): shown as published.
    target_text: str | None = None
    actual_text: str | None = None


@dataclass(frozen=True)
class IpttRow:
    """One indicator with its baseline and every period."""

    indicator_code: str
    indicator_name: str            # in the user's language where known; an `InLanguage` when the publisher's
    unit: str | None
    direction: str                 # "higher" | "lower" | "neutral"
    line_name: str | None          # line of action, named
    objective_name: str | None
    activity: str | None           # IATI identifier
    activity_title: str | None
    country: str | None            # country name(s)
    baseline: Decimal | None
    baseline_year: int | None
    lop_target: Decimal | None     # life-of-project target where known
    cells: list[IpttCell] = field(default_factory=list)
    baseline_text: str | None = None   # a baseline published as text, not a number
    # Codes behind the names, for analyses that join indicators to money.
    objective_id: str | None = None
    country_codes: tuple[str, ...] = ()
    counts_units: bool = False     # the indicator counts things (not a percentage or a rate)
    # A disaggregate a publisher published as an indicator of its own ("Students (Female)"): the code
    # of the indicator it breaks down, and its category. It is never counted as an indicator.
    disaggregate_of: str | None = None
    category: str | None = None

    @property
    def is_disaggregate(self) -> bool:
        return self.disaggregate_of is not None

    def latest_total(self) -> IpttCell | None:
        """Where the indicator stands: of the totals ending last, the longest (the life of project)."""
        totals = [cell for cell in self.cells if cell.category is None]
        return max(totals, key=lambda cell: (cell.period_end, -cell.period_start.toordinal())) if totals else None


@dataclass(frozen=True)
class IpttTable:
    """The whole table, with the labels renderers need (already translated)."""

    title: str
    generated_on: date
    filters: str                   # "Country: El Salvador; FY2016–2020", in the user's language
    headings: dict[str, str]       # column key → heading, in the user's language
    rows: list[IpttRow]
    lang: str

    def indicators(self) -> list[IpttRow]:
        """The indicators: every row but the disaggregates published as indicators of their own."""
        return [row for row in self.rows if not row.is_disaggregate]

    def disaggregates(self) -> dict[str, list[IpttRow]]:
        """The rows that break an indicator down, by the indicator's code, in the table's order."""
        found: dict[str, list[IpttRow]] = {}
        for row in self.rows:
            if row.disaggregate_of is not None:
                found.setdefault(row.disaggregate_of, []).append(row)
        return found
