"""Vega-Lite specifications for the portal's charts. Each page also shows the same data as a
table, so a chart is an enhancement: its alt text says what it shows, the table gives the numbers."""

from __future__ import annotations

from decimal import Decimal

from stratmon.i18n import _

LINE_COLOURS = {"prosperity": "#1f6f43", "security": "#8a1c1c", "governance": "#3a3a8c"}


def _number(value) -> float | None:
    return None if value is None else float(Decimal(value))


def bars_by_year(records: list[dict], *, series: str | None = None, series_title: str = "",
                 colours: dict[str, str] | None = None, stacked: bool = False) -> dict:
    """Bars of USD per fiscal year; records have `fy`, `usd` and, with `series`, a `<series>`
    name, drawn side by side (or `stacked`)."""
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
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 240,
            "data": {"values": values}, "mark": {"type": "bar", "tooltip": True}, "encoding": encoding,
            "config": {"font": "DejaVu Sans", "view": {"stroke": None}}}


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
