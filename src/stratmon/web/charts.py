"""Vega-Lite specifications for the portal's charts. Each page also shows the same data as a
table, so a chart is an enhancement: its alt text says what it shows, the table gives the numbers.

Charts by fiscal year can mark events (`analysis/events.py`): a dashed line where the event's date
falls in its fiscal year, numbered at the top, with the date and title in its tooltip; the spec's
`usermeta.events` lists the events drawn, for the page to print under the chart.

Lines of action take the framework's colours and legends wrap long names, as in the report's charts
(`stratmon.chart_style`); axes of years leave labels out rather than let them run together.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from stratmon.analysis.events import DatedEvent, event_date_words
from stratmon.chart_style import wrapped_labels, year_axis
from stratmon.i18n import _, format_fiscal_year, format_measure, language
from stratmon.web.render import usd_short

EVENT_COLOUR = "#4a5561"
EVENT_LABEL_STEP = 12  # pixels between the labels of events in the same fiscal year


# d3-format locales: the separators of axis numbers and tooltips, as the page's language writes them.
NUMBER_LOCALES = {"en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
                  "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["US$\u00a0", ""]}}


def _config() -> dict:
    """What every chart shares: the font, no frame, numbers in the page's language; axes and legends
    out of the accessibility tree (Vega describes them in English): each mark says its figure instead."""
    return {"font": "DejaVu Sans", "view": {"stroke": None}, "axis": {"aria": False}, "legend": {"aria": False},
            "locale": {"number": NUMBER_LOCALES.get(language(), NUMBER_LOCALES["en"])}}


MAX_DESCRIBED = 40  # figures in the whole chart's description: the table beside the chart has them all


def _described(values: list[dict], label: str, value: str = "usd") -> str:
    """Each value's figure in words in the page's language ("FY2019, Disbursed: $252.06 M"), kept in it as
    `desc` (what a screen reader says of its bar or point); the chart's figures together, for its alt text."""
    for entry in values:
        number = None if entry.get(value) is None else Decimal(str(entry[value]))
        amount = "–" if number is None else usd_short(number) if value == "usd" else format_measure(number)
        where = ", ".join(str(entry[key]) for key in (label, "series") if entry.get(key) is not None)
        entry["desc"] = f"{where}: {amount}"
    described = [entry["desc"] for entry in values[:MAX_DESCRIBED] if entry.get(value) is not None]
    return "; ".join(described + (["…"] if len(values) > MAX_DESCRIBED else []))


def _number(value) -> float | None:
    return None if value is None else float(Decimal(value))


def bars_by_year(records: list[dict], *, series: str | None = None, series_title: str = "",
                 colours: dict[str, str] | None = None, stacked: bool = False,
                 events: Sequence[DatedEvent] = ()) -> dict:
    """Bars of USD per fiscal year; records have `fy`, `usd` and, with `series`, a `<series>`
    name, drawn side by side (or `stacked`); `events` of the fiscal years shown are marked."""
    values = [{"fy": format_fiscal_year(r["fy"]), "usd": _number(r["usd"]), **({"series": r[series]} if series else {})}
              for r in records]
    encoding = {
        "x": {"field": "fy", "type": "ordinal", "title": _("Fiscal year"), "axis": year_axis()},
        "y": {"field": "usd", "type": "quantitative", "title": _("U.S. dollars"), "axis": {"format": "~s"}},
        "tooltip": [{"field": "fy", "title": _("Fiscal year")},
                    {"field": "usd", "title": _("U.S. dollars"), "format": ",.2f"}],
        "description": {"field": "desc"},
    }
    if series:
        scale = {"domain": list(colours), "range": list(colours.values())} if colours else {}
        encoding["color"] = {"field": "series", "type": "nominal", "title": series_title, "scale": scale,
                             "legend": _legend([value["series"] for value in values])}
        if not stacked:
            encoding["xOffset"] = {"field": "series"}
        elif colours:
            # Stacked in the order of `colours` (the framework's lines first), the first on the baseline.
            rank = {name: index for index, name in enumerate(colours)}
            for value in values:
                value["rank"] = rank.get(value["series"], len(rank))
            encoding["order"] = {"field": "rank", "type": "quantitative"}
        encoding["tooltip"].insert(1, {"field": "series", "title": series_title})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 240,
            "description": _described(values, "fy"), "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True}, "encoding": encoding,
            "config": _config()}
    return with_events(spec, events, {value["fy"] for value in values})


def _legend(series: list[str]) -> dict:
    """Below the chart, two entries a row (they fit a phone), long names on two lines, none cut."""
    legend = {"orient": "bottom", "direction": "horizontal", "columns": 2, "labelLimit": 0}
    wrapped = wrapped_labels(dict.fromkeys(series))
    return {**legend, "labelExpr": wrapped} if wrapped else legend


def with_events(spec: dict, events: Sequence[DatedEvent], fiscal_years: set[str]) -> dict:
    """`spec` (one mark, its x axis the fiscal years, "FY2019") with a numbered line for each event of
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
        datum["desc"] = _("{number}. {date}: {title}").format(**datum)
        tooltip = [{"field": "date", "title": _("Date")}, {"field": "title", "title": _("Event")}]
        layers.append({"data": {"values": [datum]},
                       "mark": {"type": "rule", "color": EVENT_COLOUR, "strokeDash": [4, 3], "strokeWidth": 1.5},
                       "encoding": {"x": where, "tooltip": tooltip, "description": {"field": "desc"}}})
        layers.append({"data": {"values": [datum]},
                       "mark": {"type": "text", "color": EVENT_COLOUR, "fontWeight": "bold", "align": "left",
                                "baseline": "top", "dx": 3, "dy": 2 + EVENT_LABEL_STEP * step},
                       "encoding": {"x": where, "y": {"value": 0}, "text": {"field": "number"}, "tooltip": tooltip,
                                    "description": {"field": "desc"}}})
    return {**spec, "layer": layers,
            "usermeta": {"events": [{"number": event.number, "date": event_date_words(event.event, lang),
                                     "title": event.event.title.get(lang)} for event in shown]}}


def horizontal_bars(records: list[dict], label: str, label_title: str) -> dict:
    """Horizontal bars of USD per named item (largest first)."""
    values = [{"label": r[label], "usd": _number(r["usd"])} for r in records]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container",
            "height": {"step": 22}, "description": _described(values, "label"), "data": {"values": values},
            "mark": {"type": "bar", "color": "#0b3d66"},
            "encoding": {
                "y": {"field": "label", "type": "nominal", "sort": "-x", "title": label_title},
                "x": {"field": "usd", "type": "quantitative", "title": _("U.S. dollars"), "axis": {"format": "~s"}},
                "tooltip": [{"field": "label", "title": label_title},
                            {"field": "usd", "title": _("U.S. dollars"), "format": ",.2f"}],
                "description": {"field": "desc"}},
            "config": _config()}


def series_line(points: list[dict], value_title: str, baseline_year: int | None = None) -> dict:
    """A line over years (`year`, `value`), with the baseline year marked."""
    layers = [{"mark": {"type": "line", "point": True, "color": "#0b3d66"},
               "encoding": {"x": {"field": "year", "type": "ordinal", "title": _("Year"), "axis": year_axis()},
                            "y": {"field": "value", "type": "quantitative", "title": value_title},
                            "tooltip": [{"field": "year", "title": _("Year")},
                                        {"field": "value", "title": value_title}],
                            "description": {"field": "desc"}}}]
    if baseline_year is not None:
        layers.append({"mark": {"type": "rule", "strokeDash": [4, 4], "color": "#4a5561"},
                       "encoding": {"x": {"datum": baseline_year, "type": "ordinal"}}})
    values = [{"year": p["year"], "value": _number(p["value"])} for p in points]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 160,
            "description": _described(values, "year", "value"), "data": {"values": values},
            "layer": layers, "config": _config()}
