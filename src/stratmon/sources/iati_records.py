"""Typed records the IATI reader yields: one class per IATI concept, named as the standard names it.

A record of an element that the store keeps in a row of its own (a participating organisation, a date,
a sector, a transaction...) has `published`: the element whole (iati_common.to_json) when the row's
columns cannot give all of it back (sources/iati_shapes.py), None when they can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

JSON = Any


@dataclass(slots=True)
class Narrative:
    """A text in one language (`lang` None means the activity's default language)."""

    text: str
    lang: str | None = None


@dataclass(slots=True)
class Org:
    """An organisation as referenced in an activity (reporting, provider, receiver...)."""

    ref: str | None = None
    type: str | None = None
    name: str | None = None
    activity_id: str | None = None


@dataclass(slots=True)
class ParticipatingOrg:
    role: str | None
    ref: str | None
    type: str | None
    name: str | None
    activity_id: str | None = None
    crs_channel_code: str | None = None
    published: JSON | None = None


@dataclass(slots=True)
class Recipient:
    """A recipient country (`kind` "country") or region ("region"), with its share."""

    kind: str
    code: str
    vocabulary: str | None
    percentage: Decimal | None
    name: str | None
    vocabulary_uri: str | None = None
    published: JSON | None = None

    @property
    def key(self) -> str:
        """The key used in funding tables: ISO country code, `region-<code>` for OECD DAC
        regions, `region-<vocabulary>-<code>` for regions of any other vocabulary."""
        if self.kind == "country":
            return self.code
        if self.vocabulary in (None, "1"):
            return f"region-{self.code}"
        return f"region-{self.vocabulary}-{self.code}"


@dataclass(slots=True)
class Sector:
    vocabulary: str
    code: str
    percentage: Decimal | None
    name: str | None
    vocabulary_uri: str | None = None
    published: JSON | None = None


@dataclass(slots=True)
class Transaction:
    line: int
    ref: str | None
    type_code: str
    transaction_date: date
    value: Decimal | None
    value_text: str | None
    currency: str | None
    value_date: date | None
    description: str | None = None
    provider: Org | None = None
    receiver: Org | None = None
    disbursement_channel: str | None = None
    flow_type: str | None = None
    finance_type: str | None = None
    aid_type: str | None = None
    tied_status: str | None = None
    humanitarian: bool | None = None
    recipients: list[Recipient] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    extensions: list[JSON] = field(default_factory=list)
    published: JSON | None = None


@dataclass(slots=True)
class Budget:
    type: str | None
    status: str | None
    period_start: date | None
    period_end: date | None
    value: Decimal | None
    value_text: str | None
    currency: str | None
    value_date: date | None
    published: JSON | None = None


@dataclass(slots=True)
class PlannedDisbursement:
    type: str | None
    period_start: date | None
    period_end: date | None
    value: Decimal | None
    value_text: str | None
    currency: str | None
    value_date: date | None
    provider: Org | None = None
    receiver: Org | None = None
    published: JSON | None = None


@dataclass(slots=True)
class Location:
    ref: str | None
    reach: str | None
    name: str | None
    description: str | None
    activity_description: str | None
    srs_name: str | None
    latitude: float | None
    longitude: float | None
    exactness: str | None
    location_class: str | None
    feature_designation: str | None
    location_ids: list[JSON] = field(default_factory=list)
    administratives: list[JSON] = field(default_factory=list)
    published: JSON | None = None


@dataclass(slots=True)
class DocumentLink:
    url: str | None
    format: str | None
    title: str | None
    description: str | None
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    document_date: date | None = None
    published: JSON | None = None


@dataclass(slots=True)
class ActivityDate:
    type: str
    iso_date: date | None
    narrative: str | None
    published: JSON | None = None


@dataclass(slots=True)
class RelatedActivity:
    type: str | None
    ref: str  # "" when the element gives none (it is then kept whole)
    published: JSON | None = None


@dataclass(slots=True)
class IndicatorValue:
    """A baseline, target or actual: the value as published and as a number."""

    value_text: str | None
    value: Decimal | None
    comment: str | None = None
    year: int | None = None
    iso_date: date | None = None
    dimensions: list[JSON] = field(default_factory=list)
    location_refs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Period:
    period_start: date | None
    period_end: date | None
    targets: list[IndicatorValue] = field(default_factory=list)
    actuals: list[IndicatorValue] = field(default_factory=list)


@dataclass(slots=True)
class Indicator:
    measure: str | None
    ascending: bool | None
    aggregation_status: bool | None
    title: str | None
    description: str | None
    references: list[JSON] = field(default_factory=list)
    baselines: list[IndicatorValue] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    extensions: list[JSON] = field(default_factory=list)


@dataclass(slots=True)
class Result:
    type: str | None
    aggregation_status: bool | None
    title: str | None
    description: str | None
    indicators: list[Indicator] = field(default_factory=list)
    published: JSON | None = None


@dataclass(slots=True)
class Activity:
    """One `iati-activity`, with everything the importer keeps of it."""

    identifier: str
    line: int
    content_hash: str
    iati_version: str | None
    last_updated: datetime | None
    last_updated_text: str | None
    default_currency: str | None
    default_lang: str | None
    hierarchy: int | None
    humanitarian: bool | None
    reporting_org: Org
    linked_data_uri: str | None = None
    budget_not_provided: str | None = None
    linked_data_default: str | None = None  # the file's (its root's @linked-data-default)
    # The activity's attributes as published where its columns cannot give them back (iati_shapes.py).
    published_attributes: dict[str, str] | None = None
    secondary_reporter: bool | None = None
    titles: list[Narrative] = field(default_factory=list)
    descriptions: list[tuple[str | None, Narrative]] = field(default_factory=list)
    participating_orgs: list[ParticipatingOrg] = field(default_factory=list)
    status: str | None = None
    scope: str | None = None
    collaboration_type: str | None = None
    default_flow_type: str | None = None
    default_finance_type: str | None = None
    default_aid_type: str | None = None
    default_tied_status: str | None = None
    dates: list[ActivityDate] = field(default_factory=list)
    related: list[RelatedActivity] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    planned_disbursements: list[PlannedDisbursement] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    documents: list[DocumentLink] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    extensions: list[JSON] = field(default_factory=list)
    # Standard elements kept whole: those the columns have no place for (contact-info, conditions...), and
    # the reporting-org, title, descriptions or coded elements when their columns cannot give them back.
    other_elements: list[JSON] = field(default_factory=list)

    def title(self, lang: str = "en") -> str | None:
        """The title in `lang`, else in the default language, else the first one."""
        return _pick(self.titles, lang, self.default_lang)


@dataclass(slots=True)
class SkippedActivity:
    """An activity the reader could not read; the rest of the file goes on."""

    line: int
    identifier: str | None
    reason: str


def _pick(narratives: list[Narrative], lang: str, default_lang: str | None) -> str | None:
    for narrative in narratives:
        if (narrative.lang or default_lang) == lang:
            return narrative.text
    return narratives[0].text if narratives else None
