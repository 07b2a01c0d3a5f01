"""The report's events: the framework's dated events of the report's years (and country), listed with
their sources in a section of their own and marked, by the same numbers, on its charts over fiscal years."""

from __future__ import annotations

from stratmon.analysis.events import DatedEvent, event_date_words, event_places_words
from stratmon.analysis.report_types import ChartEvent, Column, Section, Table
from stratmon.i18n import _, ngettext


def chart_events(events: list[DatedEvent]) -> tuple[ChartEvent, ...]:
    """The marks of `events` on a chart whose categories are fiscal years written "2019"."""
    return tuple(ChartEvent(str(event.fiscal_year), event.position, str(event.number)) for event in events)


def chart_events_note() -> str:
    return _("Dashed numbered lines mark the events listed, with their sources, in the section “Events”.")


def events_section(events: list[DatedEvent], framework, lang: str) -> Section:
    """The dated list of `events`, numbered as on the charts."""
    table = Table("events", _("Events of the period, by date"), (
        Column("number", _("No.")), Column("date", _("Date")), Column("places", _("Countries")),
        Column("event", _("Event")), Column("source", _("Source"), as_published=True)),
        tuple({"number": str(event.number), "date": event_date_words(event.event, lang),
               "places": event_places_words(event.event, framework, lang),
               "event": _("{title}. {text}").format(title=event.event.title.get(lang), text=event.event.text.get(lang)),
               "source": event.event.source} for event in events))
    paragraph = (ngettext("What happened to the Strategy and its countries in these years, to read its figures "
                          "against: {n} event from the framework's list of dated events, with its source.",
                          "What happened to the Strategy and its countries in these years, to read its figures "
                          "against: {n} events from the framework's list of dated events, each with its source.",
                          len(events)).format(n=len(events))
                 if events else _("None of the framework's dated events falls in the report's years."))
    return Section("events", _("Events"), (paragraph,), (), (table,) if events else ())
