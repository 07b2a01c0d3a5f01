"""Typed records the IATI organisation reader yields: one class per concept of the organisation
standard (iati-organisations-schema.xsd, versions 2.01–2.03), named as the standard names it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from stratmon.sources.iati_records import JSON, DocumentLink, Narrative, Org, _pick


@dataclass(slots=True, kw_only=True)
class BudgetLine:
    """A `budget-line` (of a budget) or `expense-line` (of total-expenditure): a sub-total the
    publisher names in its narrative. Lines need not add up to their parent's value."""

    line: int
    ref: str | None
    value: Decimal | None
    value_text: str | None
    currency: str | None
    value_date: date | None
    narratives: list[Narrative] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class PeriodValue:
    """What every organisation budget and expenditure has: a period (at most a year, says the standard),
    a value, and its lines. `status` is the BudgetStatus code as published (absent means indicative)."""

    kind: ClassVar[str]
    element: ClassVar[str]

    line: int
    period_start: date
    period_end: date
    value: Decimal | None
    value_text: str | None
    currency: str | None
    value_date: date | None
    status: str | None = None
    lines: list[BudgetLine] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class TotalBudget(PeriodValue):
    """`total-budget`: the organisation's own budget for a period."""

    kind: ClassVar[str] = "total"
    element: ClassVar[str] = "total-budget"


@dataclass(slots=True, kw_only=True)
class RecipientOrgBudget(PeriodValue):
    """`recipient-org-budget`: core funding budgeted for an institution."""

    kind: ClassVar[str] = "recipient-org"
    element: ClassVar[str] = "recipient-org-budget"

    recipient_org: Org


@dataclass(slots=True, kw_only=True)
class RecipientCountryBudget(PeriodValue):
    """`recipient-country-budget`: money budgeted for a country (ISO 3166-1 alpha-2 `code`)."""

    kind: ClassVar[str] = "recipient-country"
    element: ClassVar[str] = "recipient-country-budget"

    code: str
    name: str | None = None

    @property
    def recipient_key(self) -> str:
        """The key funding tables use: the ISO code."""
        return self.code


@dataclass(slots=True, kw_only=True)
class RecipientRegionBudget(PeriodValue):
    """`recipient-region-budget`: money budgeted for a region, not counted again under its countries."""

    kind: ClassVar[str] = "recipient-region"
    element: ClassVar[str] = "recipient-region-budget"

    code: str
    vocabulary: str
    vocabulary_uri: str | None = None
    name: str | None = None

    @property
    def recipient_key(self) -> str:
        """The key funding tables use: `region-<code>` for OECD DAC regions, else `region-<vocabulary>-<code>`."""
        return f"region-{self.code}" if self.vocabulary == "1" else f"region-{self.vocabulary}-{self.code}"


@dataclass(slots=True, kw_only=True)
class TotalExpenditure(PeriodValue):
    """`total-expenditure`: what the organisation spent in a past period; its lines are `expense-line`s."""

    kind: ClassVar[str] = "expenditure"
    element: ClassVar[str] = "total-expenditure"


OrganisationBudget = TotalBudget | RecipientOrgBudget | RecipientCountryBudget | RecipientRegionBudget | TotalExpenditure
BUDGET_CLASSES: tuple[type[PeriodValue], ...] = (
    TotalBudget, RecipientOrgBudget, RecipientCountryBudget, RecipientRegionBudget, TotalExpenditure)
# The elements an import counts, by name.
COUNTED = (*(cls.element for cls in BUDGET_CLASSES), "budget-line", "expense-line", "document-link")


@dataclass(slots=True)
class OrganisationDocumentLink(DocumentLink):
    """An organisation's `document-link`: the activity standard's, plus the countries it is about."""

    line: int = 0
    recipient_countries: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Organisation:
    """One `iati-organisation`, with everything the importer keeps of it."""

    identifier: str
    line: int
    content_hash: str
    iati_version: str | None
    last_updated: datetime | None
    last_updated_text: str | None
    default_currency: str | None
    default_lang: str | None
    names: list[Narrative] = field(default_factory=list)
    reporting_org: Org = field(default_factory=Org)
    secondary_reporter: bool | None = None
    budgets: list[OrganisationBudget] = field(default_factory=list)
    documents: list[OrganisationDocumentLink] = field(default_factory=list)
    extensions: list[JSON] = field(default_factory=list)

    def name(self, lang: str = "en") -> str | None:
        """The name in `lang`, else in the default language, else the first one."""
        return _pick(self.names, lang, self.default_lang)

    def counts(self) -> dict[str, int]:
        """How many of each element it holds, by the element's name (COUNTED; the import ledger shows them)."""
        found = dict.fromkeys(COUNTED, 0)
        for budget in self.budgets:
            found[budget.element] += 1
        found["budget-line"] = sum(len(b.lines) for b in self.budgets if b.kind != "expenditure")
        found["expense-line"] = sum(len(b.lines) for b in self.budgets if b.kind == "expenditure")
        found["document-link"] = len(self.documents)
        return found


BUDGET_ELEMENTS = tuple(cls.element for cls in BUDGET_CLASSES if cls is not TotalExpenditure)


def budget_count(counts: dict[str, int]) -> int:
    """How many budgets (total-budget and recipient-*-budget elements) `Organisation.counts` name."""
    return sum(counts.get(element, 0) for element in BUDGET_ELEMENTS)
