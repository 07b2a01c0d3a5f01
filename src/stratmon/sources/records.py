"""Typed records of the tabular sources (ForeignAssistance.gov, budget tables, context indicators).

Readers yield these; `store` loads them. Money is Decimal in U.S. dollars (budget tables are
converted from their $ thousands by the reader); a missing value is None, never zero.
Recipients use the same keys as IATI funding: ISO 3166-1 alpha-2 for countries, and
`region-<code>` for regions (ForeignAssistance.gov's own region codes, e.g. `region-CNA`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# ForeignAssistance.gov transaction types, by the names this project uses.
FAGOV_TRANSACTION_TYPES = ("appropriated_planned", "obligation", "disbursement", "budget_request",
                           "initial_allocation")


@dataclass(slots=True)
class FundingFigure:
    """One country-level figure of the ForeignAssistance.gov country summary."""

    line: int
    recipient_key: str
    recipient_name: str
    fiscal_year: int
    fiscal_period: str  # "" for the fiscal year, "tq" for a transition quarter such as 1976tq
    transaction_type: str  # one of FAGOV_TRANSACTION_TYPES
    current_usd: Decimal | None
    constant_usd: Decimal | None


@dataclass(slots=True)
class FagovTransaction:
    """One row of the ForeignAssistance.gov complete (activity-level) file."""

    line: int
    activity_id: str
    activity_name: str | None
    recipient_key: str
    recipient_name: str
    managing_agency: str | None
    managing_sub_agency: str | None
    implementing_partner: str | None
    implementing_partner_category: str | None
    us_category: str | None
    us_sector: str | None
    dac_sector: str | None
    dac_purpose: str | None
    funding_account: str | None
    funding_agency: str | None
    aid_type: str | None
    transaction_type: str  # "obligation" or "disbursement"
    fiscal_year: int
    transaction_date: date | None
    current_usd: Decimal | None
    constant_usd: Decimal | None
    submission_id: str | None


@dataclass(slots=True)
class BudgetFigure:
    """One cell of a State Department budget-by-country-and-account table."""

    line: int
    fiscal_year: int
    label: str  # the row's label as printed ("Guatemala", "Western Hemisphere", "TOTAL", ...)
    recipient_key: str | None  # ISO2 for a country row, None for totals, regions and programs
    kind: str  # "country" | "region" | "program" | "total"
    account: str  # "All Accounts", "DA", "ESF", "INCLE", ...
    amount_usd: Decimal | None  # "-" in the table is zero; an empty cell is None


@dataclass(slots=True)
class ContextValue:
    """One country-year value of a context indicator, with where it came from."""

    line: int
    indicator: str  # catalogue code, e.g. "homicide_rate"
    country_key: str  # ISO2
    year: int  # calendar year, or fiscal year for fiscal-year series (see `period`)
    period: str  # "calendar" or "fiscal"
    value: Decimal
    unit: str
    source: str
    vintage: str | None  # the file's "last updated" date where it gives one
    dimension: str = ""  # e.g. a CBP demographic; "" for the total
