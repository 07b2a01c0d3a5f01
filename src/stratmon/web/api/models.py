"""The shapes of the JSON API's answers and requests (they make the OpenAPI document).

Money is text with two decimals ("1234.50"), as in the CLI's JSON, so that no client reads it
through a float; only `/funding` answers numbers, as the issue's shape asks. Names are given
beside codes, in the request's language (`?lang=es`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

Money = str  # dollars with two decimals, as text
MAX_TEXT = 4000


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiError(Model):
    """Every error: a message in the request's language, and the HTTP status."""

    error: str
    status: int


class Bilingual(Model):
    en: str
    es: str


Name = str | Bilingual  # both languages unless `?lang=` picks one


# ------------------------------------------------------------------------------------ framework

class ObjectiveOut(Model):
    id: str
    name: Name
    description: Name
    status: str
    source: str
    objectives: list[ObjectiveOut] = []


class LineOut(Model):
    id: str
    code: str
    name: Name
    description: Name
    status: str
    source: str
    objectives: list[ObjectiveOut]


class CountryOut(Model):
    code: str
    iso3: str
    name: Name
    groups: list[str]


class GroupOut(Model):
    id: str
    name: Name
    countries: list[str]
    source: str


class RegionOut(Model):
    key: str
    code: str
    vocabulary: str
    name: Name


class AgencyOut(Model):
    id: str
    iati_ref: str
    acronym: str
    name: Name


class ContextIndicatorOut(Model):
    id: str
    name: Name
    unit: Name
    line: str
    direction: str
    baseline_year: int
    source: str


class CommitmentOut(Model):
    id: str
    name: Name
    description: Name
    countries: list[str]
    amount_usd: Money | None
    period: str
    source: str


class FrameworkOut(Model):
    id: str
    version: str
    name: Name
    short_name: Name
    purpose: Name
    source: str
    lines: list[LineOut]
    countries: list[CountryOut]
    groups: list[GroupOut]
    regions: list[RegionOut]
    agencies: list[AgencyOut]
    commitments: list[CommitmentOut]
    context_indicators: list[ContextIndicatorOut]


# ---------------------------------------------------------------------------- money by who, where

class MissingPublisherOut(Model):
    agency_ref: str
    agency: str
    places: list[str]
    accounts: list[str] = Field(description="Budget-table accounts that show the agency funds the places.")
    budget_usd: Money = Field(description="What those accounts allot the places in the budget tables' years.")
    iati_usd: Money = Field(description="What the agency publishes for the places in IATI in those years.")
    first_fy: int
    last_fy: int
    text: str


class CoverageOut(Model):
    places: list[str]
    type: str
    first_fy: int | None
    last_fy: int | None
    iati_usd: Money
    fagov_usd: Money | None = Field(description="ForeignAssistance.gov's figure for the same places, years and type.")
    share: str | None = Field(description="IATI ÷ ForeignAssistance.gov, four decimals.")
    is_low: bool = Field(description="Whether IATI holds less than 80% of ForeignAssistance.gov's figure.")
    missing_publishers: list[MissingPublisherOut]
    text: str
    warning: str | None
    outside_usd: Money | None = Field(None, description=(
        "IATI money outside the Strategy's geography over the same years and type (other countries, and "
        "regional money for places elsewhere): in no Strategy figure. Given when all its countries are asked for."))
    outside_recipients: int | None = Field(None, description="How many recipients that money went to.")


class CountryTotals(Model):
    code: str
    iso3: str
    name: str
    groups: list[str]
    first_fy: int | None
    last_fy: int | None
    obligated_usd: Money
    disbursed_usd: Money
    coverage: list[CoverageOut] = Field(description="IATI against ForeignAssistance.gov, obligations and "
                                                    "disbursements.")


class AgencyTotals(Model):
    ref: str | None
    id: str | None = Field(description="The framework's id for the agency, when it is one of the Strategy's.")
    acronym: str | None
    name: str
    obligated_usd: Money
    disbursed_usd: Money


class BudgetGapOut(Model):
    """One place, account and fiscal year of the budget comparison."""

    place: str = Field(description="A country's ISO code, or `regional` (the Strategy's regional programmes).")
    place_name: str
    account: str = Field(description="The budget tables' account (DA, ESF, INCLE, ...).")
    account_name: str
    fy: int
    budget_usd: Money
    iati_obligated_usd: Money
    iati_disbursed_usd: Money
    fagov_obligated_usd: Money | None = Field(description="None where ForeignAssistance.gov does not name the account.")
    gap_usd: Money = Field(description="Budget less IATI obligations.")


class BudgetComparisonOut(Model):
    fiscal_years: list[int] = Field(description="The budget tables' years compared.")
    rows: list[BudgetGapOut] = Field(description="Largest gap (in dollars, either way) first.")
    uncompared_budget_usd: dict[str, Money] = Field(description="Budget under columns that name no account.")
    notes: list[str]


class FundingRecord(BaseModel):
    """One group: the keys asked for (with `<key>_name` beside line, objective, agency, group,
    sector and account) and `usd`, a number with two decimals."""

    model_config = ConfigDict(extra="allow")

    country: str | None = None
    group: str | None = None
    group_name: str | None = None
    fy: int | None = None
    line: str | None = None
    line_name: str | None = None
    objective: str | None = None
    objective_name: str | None = None
    agency: str | None = None
    agency_name: str | None = None
    sector: str | None = None
    sector_name: str | None = None
    account: str | None = None
    account_name: str | None = None
    usd: float


# ---------------------------------------------------------------------------------- indicators

class PerformanceIndicatorOut(Model):
    code: str
    level: str
    objective: str | None
    objective_name: str | None
    name: str
    unit: str | None
    direction: str
    aggregation: str
    cumulative: bool
    disaggregations: list[str]
    reference: dict[str, str | None]
    status: dict[str, int] = Field(description="How many reporting activities (× countries) stand at each "
                                               "status, on their latest approved totals.")
    values_href: str


class AgainstBaselineOut(Model):
    country: str
    country_name: str
    baseline_year: int | None = Field(description="The year the baseline was taken from: the indicator's "
                                                   "baseline year, else the nearest year with a value within the "
                                                   "framework's tolerance; null when none is near enough.")
    baseline: str | None
    latest_year: int | None
    latest: str | None
    change: str | None
    improved: bool | None
    source: str | None


class ContextIndicatorStatus(Model):
    code: str
    name: str
    unit: str
    line: str
    direction: str
    baseline_year: int
    baseline_tolerance_years: int
    source: str
    countries: list[AgainstBaselineOut]


class IndicatorsOut(Model):
    performance: list[PerformanceIndicatorOut]
    context: list[ContextIndicatorStatus]


class ValueOut(Model):
    id: int
    indicator: str
    activity: str | None
    country: str | None
    period_start: date
    period_end: date
    value_type: str
    scheme: str | None
    scheme_version: int | None
    category: str | None
    value: str | None
    not_available: bool
    numerator: str | None
    denominator: str | None
    status: str
    status_name: str
    locked: bool
    reason: str | None
    comment: str | None = Field(description="Only for signed-in users.")
    organisation: str | None


class ValueList(Model):
    items: list[ValueOut]
    total: int
    page: int
    per_page: int


class ContextPointOut(Model):
    indicator: str
    indicator_name: str
    country: str
    country_name: str
    year: int
    period: str
    value: str
    unit: str | None
    source: str
    vintage: str | None


class ReasonOut(Model):
    code: str
    text: str


class ReconciliationOut(Model):
    country: str
    country_name: str
    fy: int
    type: str
    iati_usd: Money
    fagov_usd: Money | None
    difference_usd: Money | None
    ratio: str | None
    reasons: list[ReasonOut]


class DocumentOut(Model):
    id: int
    kind: str
    lang: str
    title: str
    published_on: date
    summary: str | None
    file_name: str | None
    media_type: str | None


# ------------------------------------------------------------------------------- the workspace

class UserOut(Model):
    name: str
    role: str
    organisation: str | None


Number = StrictInt | StrictFloat | StrictStr  # JSON true is no number
# Read by the results file's rules (a valid calendar date); typed here for the OpenAPI document.
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]


class ValueIn(Model):
    """One value, as one row of the results template."""

    indicator: str = Field(min_length=1, max_length=200)
    activity: str | None = Field(None, max_length=MAX_TEXT, description="IATI identifier (partners: required)")
    country: str | None = Field(None, max_length=200, description="ISO alpha-2 or alpha-3, a name, or region-CODE")
    period_start: IsoDate
    period_end: IsoDate
    value_type: Literal["baseline", "target", "actual"]
    value: Number = Field(description="A number, or DNA (disaggregates not available)")
    numerator: Number | None = None
    denominator: Number | None = None
    scheme: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=MAX_TEXT)
    comment: str | None = Field(None, max_length=MAX_TEXT)


class Written(Model):
    new: int
    updated: int
    unchanged: int
    values: list[ValueOut]


class ActionIn(Model):
    reason: str | None = Field(None, max_length=MAX_TEXT, description="Why (required to return or unlock).")


class AuditEntryOut(Model):
    id: int
    at: datetime
    user: str
    action: str
    entity: str
    entity_id: str | None
    field: str | None
    old: str | None
    new: str | None
    reason: str | None
    outcome: str


class AuditList(Model):
    items: list[AuditEntryOut]
    total: int
    page: int
    per_page: int
