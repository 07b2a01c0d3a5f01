"""A report's `Chart` as an SVG string: a Vega-Lite spec built with Altair, drawn offline by vl-convert.

`chart.x` is always the category (country, agency, fiscal year) and `chart.y` the quantity, wherever
they are drawn: "bar" is a ranking, horizontal bars with the categories down the left axis (titled
`x_title`) sorted by value, largest first; "stacked_bar" is vertical columns, categories along the
bottom in the order they first appear in `data`, stacked by `chart.color`; "line" is a trend, the
categories along the bottom as ordinal years in ascending order, one line per `chart.color` value.

Series (stacks, lines, legend entries) follow `chart.colours`, then the order in which they first
appear in `data`; a series or bar named in `chart.colours` has that colour (the framework's colour of a
line of action, as in the portal: `stratmon.chart_style`), the others Tol's muted colours in turn.
Labels too long for one line, in legends and down a ranking's axis, wrap onto more lines; an axis of
years leaves every other label out where they would touch. Axis numbers use the language's separators
(1,234 / 1.234); when the largest bar, stack or point reaches a million, the value axis reads in
millions ("12M" / "12 M") and the caller's axis title should name the unit only ("USD"). No chart
title: the report prints it above the chart.

Charts over years ("stacked_bar", "line") mark `chart.events`: a dashed vertical line where the event
falls in its category's band (its place in the fiscal year), its label (a number) at the top; events
of categories not on the axis are left out.

Screen readers read the chart as one image named by its figures in the report's language, with
grouped numbers ("Guatemala: 219.714.562,63"); Vega's own descriptions of marks and axes (English,
ungrouped numbers) are left out.

Rendering is deterministic (same chart and language, same bytes) and never touches the network:
the data are inlined, vl-convert bundles Vega and is told to fetch no URL, and text is set in a
generic font family that resolves to installed fonts.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import altair as alt
import vl_convert
from markupsafe import escape

from stratmon.analysis.report_types import Chart
from stratmon.chart_style import colour_range, label_lines, line_count, wrapped_labels, year_axis
from stratmon.i18n import format_measure

CHART_KINDS = ("bar", "stacked_bar", "line")
# vl-convert's d3 format locales: they set the decimal and thousands separators on axes.
FORMAT_LOCALES = {"en": "en-US", "es": "es-ES"}
MILLIONS_SUFFIX = {"en": "M", "es": "\u00a0M"}   # the glossary's "US$ 1,2 millones", shortened for axes
FONT = "DejaVu Sans, sans-serif"
WIDTH = 640              # the whole SVG, labels and legend included: fits an A4 or Letter text column
PLOT_HEIGHT = 300        # columns and lines; horizontal bars grow with their number instead
BAR_STEP = 22            # pixels per horizontal bar, gap included
LABEL_LINE_HEIGHT = 13   # pixels per further line of a wrapped label (11-pixel type)
BAR_LABEL_CHARACTERS = 32  # a ranking's labels wrap beyond this: about the axis's 220 pixels
CHARACTER_WIDTH = 6.6    # pixels, an 11-pixel DejaVu Sans character on average: to size legend columns
LEGEND_SYMBOL = 34       # pixels of a legend entry besides its label: symbol and gaps
PLOT_WIDTH = WIDTH - 70  # pixels left of WIDTH for the plot beside the value axis's labels and title
CATEGORY_LABEL_GAP = 8   # pixels at least between two labels along the bottom
TICK_COUNT = 6
MILLION = 1_000_000
ONE_SERIES_COLOUR = "#4477AA"   # Tol's "bright" blue: a single series needs no contrast with others
EVENT_COLOUR = "#4A5561"        # events are marks on the chart, not a series: a dark grey
EVENT_LABEL_STEP = 12           # pixels between the labels of events in the same category
SERIES_SHAPES = (
    "circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-right", "triangle-left",
)


def chart_svg(chart: Chart, lang: str) -> str:
    """`chart` as a standalone SVG document, with numbers written for `lang` ("en" or "es").

    Records whose `y` is None are left out (a line joins its neighbours). Returns "" when no record
    is left, so that the caller can say "no data" in its own words instead of drawing empty axes.
    """
    if lang not in FORMAT_LOCALES:
        raise ValueError(f"unsupported chart language: {lang!r}")
    if chart.kind not in CHART_KINDS:
        raise ValueError(f"unknown chart kind {chart.kind!r} in chart {chart.key!r}")
    if chart.kind == "stacked_bar" and chart.color is None:
        raise ValueError(f"stacked_bar chart {chart.key!r} names no `color` field")
    records = _records(chart)
    if not records:
        return ""
    builders = {"bar": _bar, "stacked_bar": _stacked_bar, "line": _line}
    spec = _configured(builders[chart.kind](chart, records, _value_axis(chart, records, lang))).to_dict()
    spec.pop("$schema", None)  # a URL nobody needs: vl-convert renders with its bundled Vega-Lite
    locale = FORMAT_LOCALES[lang]
    svg = vl_convert.vegalite_to_svg(
        spec, format_locale=locale, time_format_locale=locale, allowed_base_urls=[]
    )
    return _described(svg, _description(chart, records, lang))


MAX_DESCRIBED = 60  # figures a screen reader is read before "…": the table beside the chart has them all
_VEGA_ROLES = re.compile(r'\s(?:role="graphics-[a-z-]+"|aria-roledescription="[^"]*")')


def _description(chart: Chart, records: list[dict[str, Any]], lang: str) -> str:
    """The chart's figures for a screen reader, in `lang` (its title is the figure's caption)."""
    def figure(record: dict[str, Any]) -> str:
        amount = format_measure(Decimal(str(record["y"])), lang)
        where = f"{record['x']}, {record['series']}" if "series" in record else str(record["x"])
        return f"{where}: {amount}"

    described = [figure(record) for record in records[:MAX_DESCRIBED]]
    more = ["…"] if len(records) > MAX_DESCRIBED else []
    return f"{chart.y_title}: " + "; ".join(described + more)


def _described(svg: str, description: str) -> str:
    """The SVG as one image named by `description`, without Vega's English roles for its parts."""
    svg = _VEGA_ROLES.sub("", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(description)}" ', 1)


def _plain(value: Any) -> Any:
    """A JSON value for the chart: Decimal amounts become floats here, and only here."""
    return float(value) if isinstance(value, Decimal) else value


def _records(chart: Chart) -> list[dict[str, Any]]:
    """The chart's data under fixed field names (x, y, series and its rank in order of first
    appearance), so that a field name with a dot or bracket in it cannot be read as a path."""
    records = []
    for row in chart.data:
        if row.get(chart.y) is None:
            continue
        record = {"x": _plain(row.get(chart.x)), "y": _plain(row[chart.y])}
        if chart.color is not None:
            record["series"] = _plain(row.get(chart.color))
        records.append(record)
    if chart.color is not None:
        rank = {series: index for index, series in enumerate(_series_order(chart, records))}
        for record in records:
            record["series_rank"] = rank[record["series"]]
    return records


def _series_order(chart: Chart, records: list[dict[str, Any]]) -> list[Any]:
    """The series drawn: those of `chart.colours` in its order, then the others as they first appear."""
    present = _first_seen(records, "series")
    named = [name for name, _colour in chart.colours if name in present]
    return named + [series for series in present if series not in named]


def _first_seen(records: list[dict[str, Any]], field: str) -> list[Any]:
    """The distinct values of `field` in the order they first appear."""
    return list(dict.fromkeys(record[field] for record in records))


def _largest_magnitude(chart: Chart, records: list[dict[str, Any]]) -> float:
    """How far from zero the value axis reaches: the tallest stack for stacked bars."""
    if chart.kind != "stacked_bar":
        return max(abs(record["y"]) for record in records)
    above: dict[Any, float] = {}
    below: dict[Any, float] = {}
    for record in records:
        side = above if record["y"] >= 0 else below
        side[record["x"]] = side.get(record["x"], 0.0) + abs(record["y"])
    return max([*above.values(), *below.values()])


def _value_axis(chart: Chart, records: list[dict[str, Any]], lang: str) -> alt.Axis:
    """The quantity's axis: grouped thousands in the language, and millions from a million up."""
    if _largest_magnitude(chart, records) < MILLION:
        return alt.Axis(tickCount=TICK_COUNT, format=",~r")
    # Vega's format() uses the locale vl-convert is given, so "1.5M" in English is "1,5 M" in Spanish.
    in_millions = f"format(datum.value / {MILLION}, ',~r') + '{MILLIONS_SUFFIX[lang]}'"
    return alt.Axis(tickCount=TICK_COUNT, labelExpr=f"datum.value == 0 ? '0' : {in_millions}")


def _base(records: list[dict[str, Any]]) -> alt.Chart:
    """The chart's inline data."""
    return alt.Chart(alt.Data(values=records))


def _configured(spec: alt.Chart | alt.LayerChart) -> alt.Chart | alt.LayerChart:
    """The pieces every kind shares, set on the whole chart (layers included): font and no view border."""
    return (
        spec.configure(font=FONT, aria=False)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, titleFontWeight="normal", labelLimit=220)
        .configure_legend(labelFontSize=11, titleFontSize=11, titleFontWeight="normal", labelLimit=220)
    )


def _with_events(chart: Chart, records: list[dict[str, Any]], spec: alt.Chart,
                 x_type: str) -> alt.Chart | alt.LayerChart:
    """`spec` with a dashed line and a label for each of the chart's events on its axis."""
    categories = {record["x"] for record in records}
    shown = [event for event in chart.events if event.x in categories]
    marks = []
    for index, event in enumerate(shown):
        # Labels of events in the same category step down, so that near lines keep legible labels.
        step = sum(1 for other in shown[:index] if other.x == event.x)
        where = alt.XDatum(event.x, type=x_type, bandPosition=event.position)
        data = alt.Data(values=[{"label": event.label}])
        marks.append(alt.Chart(data).mark_rule(color=EVENT_COLOUR, strokeDash=[4, 3], strokeWidth=1.2)
                     .encode(x=where))
        marks.append(alt.Chart(data).mark_text(color=EVENT_COLOUR, fontWeight="bold", align="left", baseline="top",
                                               dx=3, dy=2 + EVENT_LABEL_STEP * step)
                     .encode(x=where, y=alt.YValue(0), text="label:N"))
    return alt.layer(spec, *marks) if marks else spec


def _legend(chart: Chart, series: list[Any]) -> alt.Legend:
    """Below the plot, so that the plot keeps the page's width: as many columns as the longest label
    (wrapped) leaves room for, the entries spread evenly over the rows; no label is cut."""
    names = [str(name) for name in series]
    longest = max(len(line) for name in names for line in label_lines(name))
    fitting = max(1, min(len(names), int(WIDTH // (longest * CHARACTER_WIDTH + LEGEND_SYMBOL))))
    columns = math.ceil(len(names) / math.ceil(len(names) / fitting))
    wrapped = wrapped_labels(names)
    return alt.Legend(title=chart.color_title, orient="bottom", direction="horizontal", columns=columns,
                      labelLimit=WIDTH // columns - LEGEND_SYMBOL,
                      **({"labelExpr": wrapped} if wrapped else {}))


def _sized(spec: alt.Chart, height: int | alt.Step) -> alt.Chart:
    # "fit-x" with padding included: the SVG is WIDTH wide however long the labels are.
    return spec.properties(
        width=WIDTH, height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _bar(chart: Chart, records: list[dict[str, Any]], value_axis: alt.Axis) -> alt.Chart:
    """A ranking: one horizontal bar per category, largest value on top; a category named in
    `chart.colours` in its colour, the others in one blue."""
    labels = [str(label) for label in _first_seen(records, "x")]
    wrapped = wrapped_labels(labels, BAR_LABEL_CHARACTERS)
    encoding: dict[str, Any] = {
        "y": alt.Y("x:N", sort="-x", title=chart.x_title, axis=alt.Axis(labelExpr=wrapped) if wrapped else alt.Axis()),
        "x": alt.X("y:Q", title=chart.y_title, axis=value_axis),
    }
    if chart.colours:
        fixed = dict(chart.colours)
        categories = _first_seen(records, "x")
        encoding["color"] = alt.Color("x:N", legend=None, scale=alt.Scale(
            domain=categories, range=[fixed.get(category, ONE_SERIES_COLOUR) for category in categories]))
    spec = _base(records).mark_bar(color=ONE_SERIES_COLOUR).encode(**encoding)
    # A bar whose label takes two lines gets the room of two.
    step = BAR_STEP + LABEL_LINE_HEIGHT * (line_count(labels, BAR_LABEL_CHARACTERS) - 1)
    return _sized(spec, alt.Step(step))


def _stacked_bar(chart: Chart, records: list[dict[str, Any]], value_axis: alt.Axis) -> alt.Chart:
    """One column per category, its parts stacked by series (first series at the bottom)."""
    series = _series_order(chart, records)
    spec = _base(records).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("x:N", sort=_first_seen(records, "x"), title=chart.x_title,
                axis=_category_axis(_first_seen(records, "x"))),
        y=alt.Y("y:Q", title=chart.y_title, axis=value_axis, stack="zero"),
        color=alt.Color("series:N", sort=series, scale=_colour_scale(chart, series), legend=_legend(chart, series)),
        # The first series sits on the baseline, where its size reads best.
        order=alt.Order("series_rank:Q", sort="ascending"),
    )
    return _sized(_with_events(chart, records, spec, "nominal"), PLOT_HEIGHT)


def _line(chart: Chart, records: list[dict[str, Any]], value_axis: alt.Axis) -> alt.Chart:
    """A trend over ordinal years; each series with its own colour and point shape (for print)."""
    encoding: dict[str, Any] = {
        "x": alt.X("x:O", sort="ascending", title=chart.x_title,
                   axis=_category_axis(sorted(_first_seen(records, "x")))),
        "y": alt.Y("y:Q", title=chart.y_title, axis=value_axis),
    }
    mark: dict[str, Any] = {"point": alt.OverlayMarkDef(filled=True, size=40), "strokeWidth": 2}
    if chart.color is None:
        mark["color"] = ONE_SERIES_COLOUR
        mark["point"] = alt.OverlayMarkDef(filled=True, size=40, color=ONE_SERIES_COLOUR)
    else:
        series = _series_order(chart, records)
        legend = _legend(chart, series)
        encoding["color"] = alt.Color("series:N", sort=series, scale=_colour_scale(chart, series), legend=legend)
        encoding["shape"] = alt.Shape(
            "series:N", sort=series, scale=alt.Scale(domain=series, range=list(SERIES_SHAPES)), legend=legend
        )
    return _sized(_with_events(chart, records, _base(records).mark_line(**mark).encode(**encoding), "ordinal"),
                  PLOT_HEIGHT)


def _category_axis(categories: list[Any]) -> alt.Axis:
    """The axis along the bottom (years): upright labels, and when they would touch, only every second,
    fourth, ... one, starting with the first; the others are left out of the drawing, not hidden in it,
    so that the PDF's text does not run them together either."""
    widest = max(len(str(category)) for category in categories) * CHARACTER_WIDTH + CATEGORY_LABEL_GAP
    step = 1
    while step < len(categories) and PLOT_WIDTH * step / len(categories) < widest:
        step *= 2
    shown = {"values": categories[::step]} if step > 1 else {}
    return alt.Axis(**year_axis(), **shown)


def _colour_scale(chart: Chart, series: list[Any]) -> alt.Scale:
    """Each series' colour: its own from `chart.colours`, else Tol's muted colours in turn."""
    return alt.Scale(domain=series, range=colour_range(series, dict(chart.colours)))
