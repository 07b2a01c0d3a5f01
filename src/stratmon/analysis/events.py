"""Events the Strategy's figures are read against (the framework's `events.yaml`): those of a span of
fiscal years and of some countries, in date order and numbered, placed where they fall in their fiscal
year, and said in words. Charts draw each as a numbered line; lists give the number, date and text."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date, format_skeleton

from stratmon.analysis.fiscal import FiscalYears
from stratmon.framework.model import Event, Framework
from stratmon.i18n import _, format_fiscal_year, language
from stratmon.sources.values import fiscal_year


@dataclass(frozen=True)
class DatedEvent:
    """An event as a chart or a list shows it."""

    number: int  # 1, 2, ... in date order: the mark on a chart, the line in a list
    event: Event
    fiscal_year: int
    position: float  # where in its fiscal year it falls: 0 is 1 October, 1 is 30 September

    @property
    def fiscal_year_label(self) -> str:
        """"FY2019" ("AF 2019"), as the portal's fiscal-year axes read."""
        return format_fiscal_year(self.fiscal_year)


def events_in(framework: Framework, fiscal_years: FiscalYears,
              countries: Collection[str] | None = None) -> list[DatedEvent]:
    """The framework's events whose date falls in the span (by U.S. fiscal year) and, when `countries`
    is given, that touch one of them; in date order, numbered from 1."""
    chosen = [event for event in sorted(framework.events, key=lambda e: (e.first_day, e.id))
              if fiscal_year(event.first_day) in fiscal_years
              and (countries is None or event.touches(countries))]
    return [DatedEvent(number, event, fiscal_year(event.first_day), _position(event))
            for number, event in enumerate(chosen, start=1)]


def _position(event: Event) -> float:
    """The share of its fiscal year gone by on the event's day (mid-month when only the month is known)."""
    day = event.first_day
    start = date(fiscal_year(day) - 1, 10, 1)
    length = (date(fiscal_year(day), 10, 1) - start).days
    offset = (day - start).days + (0 if event.has_day else (monthrange(day.year, day.month)[1] - 1) / 2)
    return round((offset + 0.5) / length, 4)


def event_date_words(event: Event, lang: str | None = None) -> str:
    """"18 December 2018" / "18 de diciembre de 2018"; "March 2019" / "marzo de 2019" when only the
    month is known."""
    locale = lang or language()
    if event.has_day:
        return format_date(event.first_day, format="long", locale=locale)
    return format_skeleton("yMMMM", event.first_day, locale=locale)


def event_places_words(event: Event, framework: Framework, lang: str | None = None) -> str:
    """The countries an event touched, by name, or all the Strategy's countries."""
    if event.countries == "all":
        return _("all the Strategy's countries")
    return ", ".join(country.name.get(lang or language()) for code in event.countries
                     if (country := framework.country(code)) is not None)
