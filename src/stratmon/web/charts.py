"""Vega-Lite specifications for the portal's charts. Each page also shows the same data as a
table, so a chart is an enhancement: its alt text says what it shows, the table gives the numbers.

Charts by fiscal year can mark events (`analysis/events.py`): a dashed line where the event's date
falls in its fiscal year, numbered at the top, with the date and title in its tooltip; the spec's
`usermeta.events` lists the events drawn, for the page to print under the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from stratmon.analysis.events import DatedEvent, event_date_words
from stratmon.i18n import _, language

LINE_COLOURS = {"prosperity": "#1f6f43", "security": "#8a1c1c", "governance": "#3a3a8c"}
EVENT_COLOUR = "#4a5561"
EVENT_LABEL_STEP = 12  # pixels between the labels of events in the same fiscal year


def _number(value) -> float | None:
    return None if value is None else float(Decimal(value))


def bars_by_year(records: list[dict], *, series: str | None = None, series_title: str = "",
                 colours: dict[str, str] | None = None, stacked: bool = False,
                 events: Sequence[DatedEvent] = ()) -> dict:
    """Bars of USD per fiscal year; records have `fy`, `usd` and, with `series`, a `<series>`
    name, drawn side by side (or `stacked`); `events` of the fiscal years shown are marked."""
    values = [{"fy": f"FY{r['fy']}", "usd": _number(r["usd"]), **({"series": r[series]} if series else {})}
              for r in records]
    encoding = {
        "x": {"field": "fy", "type": "ordinal", "title": _("Fiscal year")},
        "y": {"field": "usd", "type": "quantitative", "title": _("U.S. dollars"), "axis": {"format": "~s"}},
        "tooltip": [{"field": "fy", "title": _("Fiscal year")},
                    {"field": "usd", "title": _("U.S. dollars"), "format": ",.2f"}],
    }
    if series:
        scale = {"domain": list(colours), "range": list(colours.values())} if colours else {}
        encoding["color"] = {"field": "series", "type": "nominal", "title": series_title, "scale": scale,
                             "legend": {"orient": "bottom"}}
        if not stacked:
            encoding["xOffset"] = {"field": "series"}
        encoding["tooltip"].insert(1, {"field": "series", "title": series_title})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 240,
            "data": {"values": values}, "mark": {"type": "bar", "tooltip": True}, "encoding": encoding,
            "config": {"font": "DejaVu Sans", "view": {"stroke": None}}}
    return with_events(spec, events, {value["fy"] for value in values})


def with_events(spec: dict, events: Sequence[DatedEvent], fiscal_years: set[str]) -> dict:
    """`spec` (one mark, its x axis the fiscal years "FY2019") with a numbered line for each event of
    a fiscal year on the axis; the same spec when there is none."""
    shown = [event for event in events if event.fiscal_year_label in fiscal_years]
    if not shown:
        return spec
    layers = [{"mark": spec.pop("mark"), "encoding": spec.pop("encoding")}]
    lang = language()
    for index, event in enumerate(shown):
        # Labels of events in the same fiscal year step down, so that near lines keep legible numbers.
        step = sum(1 for other in shown[:index] if other.fiscal_year == event.fiscal_year)
        where = {"datum": event.fiscal_year_label, "type": "ordinal", "bandPosition": event.position}
        datum = {"number": str(event.number), "date": event_date_words(event.event, lang),
                 "title": event.event.title.get(lang)}
        tooltip = [{"field": "date", "title": _("Date")}, {"field": "title", "title": _("Event")}]
        layers.append({"data": {"values": [datum]},
                       "mark": {"type": "rule", "color": EVENT_COLOUR, "strokeDash": [4, 3], "strokeWidth": 1.5},
                       "encoding": {"x": where, "tooltip": tooltip}})
        layers.append({"data": {"values": [datum]},
                       "mark": {"type": "text", "color": EVENT_COLOUR, "fontWeight": "bold", "align": "left",
                                "baseline": "top", "dx": 3, "dy": 2 + EVENT_LABEL_STEP * step},
                       "encoding": {"x": where, "y": {"value": 0}, "text": {"field": "number"}, "tooltip": tooltip}})
    return {**spec, "layer": layers,
            "usermeta": {"events": [{"number": event.number, "date": event_date_words(event.event, lang),
                                     "title": event.event.title.get(lang)} for event in shown]}}


def horizontal_bars(records: list[dict], label: str, label_title: str) -> dict:
    """Horizontal bars of USD per named item (largest first)."""
    values = [{"label": r[label], "usd": _number(r["usd"])} for r in records]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container",
            "height": {"step": 22}, "data": {"values": values}, "mark": {"type": "bar", "color": "#0b3d66"},
            "encoding": {
                "y": {"field": "label", "type": "nominal", "sort": "-x", "title": label_title},
                "x": {"field": "usd", "type": "quantitative", "title": _("U.S. dollars"), "axis": {"format": "~s"}},
                "tooltip": [{"field": "label", "title": label_title},
                            {"field": "usd", "title": _("U.S. dollars"), "format": ",.2f"}]},
            "config": {"font": "DejaVu Sans", "view": {"stroke": None}}}


def series_line(points: list[dict], value_title: str, baseline_year: int | None = None) -> dict:
    """A line over years (`year`, `value`), with the baseline year marked."""
    layers = [{"mark": {"type": "line", "point": True, "color": "#0b3d66"},
               "encoding": {"x": {"field": "year", "type": "ordinal", "title": _("Year")},
                            "y": {"field": "value", "type": "quantitative", "title": value_title},
                            "tooltip": [{"field": "year", "title": _("Year")},
                                        {"field": "value", "title": value_title}]}}]
    if baseline_year is not None:
        layers.append({"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#4a5561"},
                       "encoding": {"x": {"datum": baseline_year, "type": "ordinal"}}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 160,
            "data": {"values": [{"year": p["year"], "value": _number(p["value"])} for p in points]},
            "layer": layers, "config": {"font": "DejaVu Sans", "view": {"stroke": None}}}
