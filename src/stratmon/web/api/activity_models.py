"""The shapes of the API's answers about activities: a page of them, and everything about one."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from stratmon.web.api.models import Model, Money, ValueOut


TITLE = "In the language asked for (`?lang=`) where the activity has a title in it, else as published."
TITLE_LANG = "The title's language (an ISO 639-1 code; null when the publisher did not say)."


class ActivityItem(Model):
    identifier: str
    title: str | None = Field(description=TITLE)
    title_lang: str | None = Field(description=TITLE_LANG)
    agency: str | None
    agency_name: str | None
    status: str | None
    status_name: str | None
    start: date | None
    end: date | None
    disbursed_usd: Money = Field(description="Disbursed within the filter (country, years, line, objective).")
    obligated_usd: Money = Field(description="Obligated within the filter.")
    href: str


class PageLinks(Model):
    self: str
    first: str
    last: str
    prev: str | None
    next: str | None


class ActivityList(Model):
    items: list[ActivityItem]
    total: int
    page: int
    per_page: int
    pages: int
    links: PageLinks


class Narrative(Model):
    lang: str | None = Field(description="An ISO 639-1 code; null when the publisher did not say.")
    text: str


class Description(Model):
    type: str | None
    type_name: str | None
    lang: str | None = Field(description="An ISO 639-1 code; null when the publisher did not say.")
    text: str


class ParticipantOut(Model):
    role: str | None
    role_name: str | None
    ref: str | None
    name: str | None
    type: str | None


class DateOut(Model):
    type: str
    type_name: str
    date: date | None


class RecipientOut(Model):
    kind: str
    code: str
    key: str
    name: str
    percentage: float | None


class SectorOut(Model):
    vocabulary: str
    code: str
    name: str | None
    percentage: float | None


class SectorMoneyOut(Model):
    vocabulary: str
    code: str = Field(description='"unspecified" for the transactions that name no sector of this vocabulary.')
    name: str | None = Field(description="As the publisher named it.")
    usd: dict[str, Money] = Field(description="USD by transaction type (obligation, disbursement, expenditure, "
                                              "...; other types by their code).")


class TransactionOut(Model):
    id: int
    type: str
    type_name: str
    date: date
    fy: int
    value: str | None = Field(description="The value as published.")
    currency: str | None
    usd: Money | None
    description: str | None
    provider: str | None
    receiver: str | None
    recipients: list[str]


class AlignedPart(Model):
    recipient: str
    recipient_name: str
    objective: str | None
    objective_name: str | None
    line: str | None
    line_name: str | None
    outside: str | None
    rule: str
    rule_name: str
    confidence: str | None
    evidence: str
    evidence_text: str
    contest: str | None
    contest_text: str | None
    usd: Money


class AlignedTransaction(Model):
    transaction_id: int
    type: str
    date: date
    fy: int
    parts: list[AlignedPart]


class OverrideOut(Model):
    id: int
    target: str
    reason: str
    created_at: datetime
    active: bool


class AlignmentOut(Model):
    is_current: bool
    overrides: list[OverrideOut]
    transactions: list[AlignedTransaction]


class PeriodOut(Model):
    start: date | None
    end: date | None
    target: str | None
    actual: str | None


class ResultIndicatorOut(Model):
    title: str | None
    measure: str | None
    baseline: str | None
    baseline_year: int | None
    periods: list[PeriodOut]


class PublishedResult(Model):
    title: str | None
    type: str | None
    type_name: str | None
    indicators: list[ResultIndicatorOut]


class LinkOut(Model):
    title: str | None
    url: str | None


class ActivityOut(Model):
    identifier: str
    title: str | None = Field(description=TITLE)
    title_lang: str | None = Field(description=TITLE_LANG)
    titles: list[Narrative] = Field(description="Every title the publisher gave, in each language.")
    descriptions: list[Description] = Field(description="In the language asked for first, then the others.")
    agency: str | None
    agency_name: str | None
    status: str | None
    status_name: str | None
    default_currency: str | None
    last_updated: str | None
    participants: list[ParticipantOut]
    dates: list[DateOut]
    recipients: list[RecipientOut]
    sectors: list[SectorOut]
    transaction_sectors: list[SectorMoneyOut] = Field(description=(
        "The sectors the transactions carry, with their dollars: each USD transaction's value split over its own "
        "sectors (else the activity's) by their percentages, one vocabulary at a time, so each vocabulary adds up "
        "to the totals. Some publishers (USAID) name sectors on transactions only, and none in `sectors`."))
    totals: dict[str, Money] = Field(description="USD sums by transaction type, as published.")
    transactions: list[TransactionOut]
    alignment: AlignmentOut
    results: list[PublishedResult]
    reported_values: list[ValueOut] = Field(description="Entered results: approved ones for the public.")
    documents: list[LinkOut]
