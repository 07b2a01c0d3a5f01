"""The results-framework model: every name bilingual, every claim with its source.

A framework is data (YAML). Nothing here knows about Central America; the shipped
default lives in `central_america/framework.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

LANGUAGES = ("en", "es")


class Strict(BaseModel):
    """Base for framework models: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A piece of text in every supported language."""

    en: str = Field(min_length=1)
    es: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in `lang`, English when that language is unknown."""
        return getattr(self, lang) if lang in LANGUAGES else self.en


Status = Literal["official", "proposed"]


class Objective(Strict):
    """An objective (or sub-objective) under a line of action."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: Text
    description: Text
    status: Status
    source: str = Field(min_length=1)
    objectives: tuple[Objective, ...] = ()

    def walk(self) -> Iterator[Objective]:
        """This objective and all its sub-objectives, depth first."""
        yield self
        for child in self.objectives:
            yield from child.walk()


class LineOfAction(Strict):
    """One of the strategy's lines of action (pillars)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    code: str = Field(min_length=1, max_length=4)
    name: Text
    description: Text
    status: Status
    source: str = Field(min_length=1)
    objectives: tuple[Objective, ...] = ()
    # The line's colour wherever it is drawn (portal and report charts, the portal's cards), "#rrggbb";
    # a line without one takes the next of `stratmon.chart_style`'s series colours.
    colour: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")

    def all_objectives(self) -> Iterator[Objective]:
        """Every objective under this line, sub-objectives included."""
        for objective in self.objectives:
            yield from objective.walk()


class Country(Strict):
    """A recipient country, by ISO 3166-1 code."""

    code: str = Field(pattern=r"^[A-Z]{2}$")
    iso3: str = Field(pattern=r"^[A-Z]{3}$")
    name: Text


class CountryGroup(Strict):
    """A named group of the framework's countries (e.g. the Northern Triangle)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Text
    countries: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=1)


class Region(Strict):
    """A recipient region as IATI codes it (vocabulary 1 is OECD DAC), and whose it is: `own`, a region
    of the Strategy's own (its money is the Strategy's unless its texts name only places elsewhere), or
    `context`, a wider region shown apart (its money is the Strategy's only where its texts name one of
    the Strategy's countries). DESIGN.md rule 9."""

    code: str = Field(pattern=r"^[0-9A-Za-z]+$")
    vocabulary: str = "1"
    name: Text
    scope: Literal["own", "context"]

    @property
    def key(self) -> str:
        """The recipient key used in funding tables: `region-<code>`."""
        return f"region-{self.code}"


class Period(Strict):
    """The fiscal years the strategy ran (U.S. fiscal years, October to September), with the
    source that dates them. Figures default to this span; a user may choose another."""

    first_fy: int = Field(ge=1900, le=2100)
    last_fy: int | None = Field(default=None, ge=1900, le=2100)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.last_fy is not None and self.last_fy < self.first_fy:
            raise ValueError("period.last_fy is before period.first_fy")
        return self


class BudgetProgram(Strict):
    """A row of the State Department's budget tables (by country and account) that funds the strategy's
    regional programmes, under every label the tables print it with from year to year."""

    name: Text
    labels: tuple[str, ...] = Field(min_length=1)
    note: Text | None = None


class Agency(Strict):
    """A U.S. government agency, with its IATI organisation reference."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    iati_ref: str = Field(pattern=r"^[A-Z]{2}-[A-Z0-9-]+$")
    acronym: str = Field(min_length=1)
    name: Text
    # Where the acronym is a word, each language's own short name ("State": "Depto. de Estado").
    short_name: Text | None = None

    def short(self, lang: str) -> str:
        """What tables call the agency: its short name in `lang` where it has one, else its acronym."""
        return self.short_name.get(lang) if self.short_name else self.acronym


class Commitment(Strict):
    """A partner-government commitment (e.g. Alliance for Prosperity own funds)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: Text
    description: Text
    countries: tuple[str, ...] = Field(min_length=1)
    amount_usd: Decimal | None = None
    period: str = Field(min_length=1)
    source: str = Field(min_length=1)


class ContextIndicator(Strict):
    """A country-level outcome the strategy is judged by (homicide rate, poverty, migration...)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    unit: Text
    line: str = Field(min_length=1)  # a line-of-action id, or "purpose" for the strategy's purpose
    direction: Literal["higher", "lower", "neutral"]  # which way is better ("neutral": neither)
    # The year its baseline should come from; none: the strategy's first fiscal year (`Framework.baseline_year`).
    baseline_year: int | None = Field(default=None, ge=1900, le=2100)
    source: str = Field(min_length=1)


class ContextBaseline(Strict):
    """How a context indicator's baseline is found when its source has no value for the baseline year:
    the value of the nearest year at most `tolerance_years` away (the earlier of two equally near)."""

    tolerance_years: int = Field(default=3, ge=0, le=10)
    source: str = "Strategy Monitor default"


_EVENT_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


class Event(Strict):
    """Something that happened to the strategy or its countries (a suspension of assistance, a successor
    strategy), dated and sourced, so that its figures can be read against it. `date` is YYYY-MM-DD, or
    YYYY-MM when the source gives only the month; `countries` are codes of the framework, or "all"."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    date: str
    countries: tuple[str, ...] | Literal["all"]
    title: Text
    text: Text
    source: str = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _from_yaml_date(cls, value: object) -> object:
        # YAML reads an unquoted 2019-03-30 as a date; 2019-03 stays text.
        return value.isoformat() if isinstance(value, date) else value

    @field_validator("date")
    @classmethod
    def _a_real_day_or_month(cls, value: str) -> str:
        match = _EVENT_DATE.fullmatch(value)
        if match is None:
            raise ValueError("expected a date as YYYY-MM-DD, or YYYY-MM when the source gives only the month")
        year, month, day = match.groups()
        date(int(year), int(month), int(day or 1))  # ValueError for 2019-13 or 2019-02-30
        return value

    @field_validator("countries")
    @classmethod
    def _some_countries(cls, value: tuple[str, ...] | str) -> tuple[str, ...] | str:
        if not value:
            raise ValueError("name the countries the event touched, or write all")
        return value

    @property
    def has_day(self) -> bool:
        """Whether the source dates the event to the day (else only to the month)."""
        return len(self.date) == 10

    @property
    def first_day(self) -> date:
        """The event's day, or the first day of its month."""
        year, month, day = _EVENT_DATE.fullmatch(self.date).groups()
        return date(int(year), int(month), int(day or 1))

    def touches(self, countries: Collection[str]) -> bool:
        """Whether the event concerns any of `countries`."""
        return self.countries == "all" or any(code in countries for code in self.countries)


class EventFile(Strict):
    """A framework's `events.yaml`: its dated events, whose countries must be the framework's (given as
    the validation context `countries`)."""

    events: tuple[Event, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_and_unique(self, info: ValidationInfo) -> EventFile:
        known = (info.context or {}).get("countries")
        seen: set[str] = set()
        for event in self.events:
            if event.id in seen:
                raise ValueError(f"duplicate id {event.id!r}")
            seen.add(event.id)
            named = () if known is None or event.countries == "all" else event.countries
            unknown = [code for code in named if code not in known]
            if unknown:
                raise ValueError(f"events.{event.id}: unknown countries {', '.join(unknown)}")
        return self


class StatusThresholds(Strict):
    """Achievement (actual ÷ target) from which an indicator is on track, or needs attention;
    below `needs_attention` it is off track."""

    on_track: Decimal = Field(default=Decimal("0.9"), gt=0)
    needs_attention: Decimal = Field(default=Decimal("0.75"), gt=0)
    source: str = "Strategy Monitor default"

    @model_validator(mode="after")
    def _ordered(self) -> StatusThresholds:
        if self.needs_attention > self.on_track:
            raise ValueError("needs_attention must not exceed on_track")
        return self


@dataclass(frozen=True)
class Geography:
    """The recipients whose money can be the Strategy's (DESIGN.md rule 9): its countries (always),
    its own regions (unless `align` finds the money is for elsewhere) and the context regions (only
    where `align` finds the money names one of its countries). Any other recipient is outside."""

    countries: frozenset[str]
    own_regions: frozenset[str]
    context_regions: frozenset[str]

    @property
    def regions(self) -> frozenset[str]:
        return self.own_regions | self.context_regions

    @property
    def candidates(self) -> frozenset[str]:
        """Every recipient key whose money `align` looks at."""
        return self.countries | self.regions


class Framework(Strict):
    """A strategy's results framework and its surroundings."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(min_length=1)
    name: Text
    short_name: Text
    purpose: Text
    source: str = Field(min_length=1)
    period: Period
    lines_of_action: tuple[LineOfAction, ...] = Field(min_length=1)
    countries: tuple[Country, ...] = Field(min_length=1)
    country_groups: tuple[CountryGroup, ...] = ()
    regions: tuple[Region, ...] = ()
    budget_programs: tuple[BudgetProgram, ...] = ()
    agencies: tuple[Agency, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    context_indicators: tuple[ContextIndicator, ...] = ()
    context_baseline: ContextBaseline = ContextBaseline()
    indicator_status: StatusThresholds = StatusThresholds()
    events: tuple[Event, ...] = ()  # the loader reads them from `events.yaml` beside the framework

    @field_validator("lines_of_action", "countries", "country_groups", "agencies", "commitments",
                     "context_indicators", "events")
    @classmethod
    def _unique_ids(cls, items: tuple) -> tuple:
        seen: set[str] = set()
        for item in items:
            key = getattr(item, "id", None) or getattr(item, "code")
            if key in seen:
                raise ValueError(f"duplicate id {key!r}")
            seen.add(key)
        return items

    @model_validator(mode="after")
    def _references_resolve(self) -> Framework:
        codes = {country.code for country in self.countries}
        for where, members in [
            *((f"country_groups.{g.id}", g.countries) for g in self.country_groups),
            *((f"commitments.{c.id}", c.countries) for c in self.commitments),
            *((f"events.{e.id}", e.countries) for e in self.events if e.countries != "all"),
        ]:
            unknown = [code for code in members if code not in codes]
            if unknown:
                raise ValueError(f"{where}: unknown countries {', '.join(unknown)}")
        lines = {line.id for line in self.lines_of_action} | {"purpose"}
        for indicator in self.context_indicators:
            if indicator.line not in lines:
                raise ValueError(f"context_indicators.{indicator.id}: unknown line {indicator.line!r}")
        objective_ids = [o.id for line in self.lines_of_action for o in line.all_objectives()]
        duplicates = sorted({i for i in objective_ids if objective_ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate objective ids {', '.join(duplicates)}")
        return self

    @cached_property
    def geography(self) -> Geography:
        """The Strategy's geography: its countries and regions by recipient key (made once: the model
        is frozen, and queries ask for it on every request)."""
        return Geography(frozenset(country.code for country in self.countries),
                         frozenset(region.key for region in self.regions if region.scope == "own"),
                         frozenset(region.key for region in self.regions if region.scope == "context"))

    def country(self, code: str) -> Country | None:
        """The framework's country with ISO code `code`, if any."""
        return next((c for c in self.countries if c.code == code), None)

    def agency_by_ref(self, ref: str) -> Agency | None:
        """The agency whose IATI organisation reference is `ref`, if any."""
        return next((a for a in self.agencies if a.iati_ref == ref), None)

    def group(self, group_id: str) -> CountryGroup | None:
        """The country group `group_id`, if any."""
        return next((g for g in self.country_groups if g.id == group_id), None)

    def context_indicator(self, indicator_id: str) -> ContextIndicator | None:
        """The catalogue entry of a context indicator, if any."""
        return next((i for i in self.context_indicators if i.id == indicator_id), None)

    def baseline_year(self, indicator: ContextIndicator) -> int:
        """The year a context indicator's baseline should come from: its own, else the strategy's start."""
        return indicator.baseline_year if indicator.baseline_year is not None else self.period.first_fy

    def objectives(self) -> Iterator[tuple[LineOfAction, Objective]]:
        """Every objective with its line of action."""
        for line in self.lines_of_action:
            for objective in line.all_objectives():
                yield line, objective
