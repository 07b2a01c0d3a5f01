"""Issue 18, "order and form", for charts: each line of action is drawn in the framework's colour, the same in
the portal's charts and the report's; legends wrap long names instead of cutting them; axes of years stay
legible however many years they hold (never "200520062007…")."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from stratmon.analysis.report_data import _year_line_chart
from stratmon.analysis.report_types import Chart
from stratmon.chart_style import OTHER_COLOUR, SERIES_COLOURS, line_colours, wrapped_labels
from stratmon.framework import load_framework
from stratmon.reports.charts import chart_svg
from stratmon.web.charts import bars_by_year
from stratmon.web.portal.common import line_year_chart

OTHER = "Outside the Strategy or not aligned"
YEARS = range(2005, 2026)  # 21 fiscal years, as in an all-years report


def _recoloured(framework, colours: dict[str, str | None]):
    """The framework with other colours for its lines (None: no colour of its own)."""
    lines = tuple(line.model_copy(update={"colour": colours[line.id]}) for line in framework.lines_of_action)
    return framework.model_copy(update={"lines_of_action": lines})


class _Names:
    """What `Labels` gives the portal's chart: a line's name."""

    def __init__(self, framework):
        self.framework = framework

    def line(self, line_id: str) -> str:
        line = next((line for line in self.framework.lines_of_action if line.id == line_id), None)
        return line.name.en if line else line_id


class _Disbursed:
    """What the portal's chart asks of a `Breakdown`: disbursements by line and fiscal year."""

    def __init__(self, sums: dict[tuple[str, int], Decimal]):
        self._sums = sums

    def sums(self, keys, kind, **where):
        assert (keys, kind) == (("line", "fy"), "disbursement")
        return self._sums


class _Builder:
    """What the report's chart asks of the report's builder: the same sums, by fiscal year and line."""

    def __init__(self, framework, sums: dict[tuple[str, int], Decimal]):
        self.framework, self.events, self._sums = framework, (), sums

    def sums(self, by):
        assert by == ("fy", "line")
        return {(fy, line): usd for (line, fy), usd in self._sums.items()}

    def aligned_name(self, key, value):
        return _Names(self.framework).line(value)


def _sums(framework) -> dict[tuple[str, int], Decimal]:
    lines = [line.id for line in framework.lines_of_action] + ["outside-humanitarian", "not-aligned"]
    return {(line, fy): Decimal(1_000_000 * (index + 1) + fy) for fy in YEARS for index, line in enumerate(lines)}


def _portal(framework) -> dict:
    return line_year_chart(_Disbursed(_sums(framework)), _Names(framework), framework)


def _report(framework) -> Chart:
    return _year_line_chart(_Builder(framework, _sums(framework)))


def _fills(svg: str) -> set[str]:
    return {colour.upper() for colour in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)}


@pytest.mark.parametrize("colours", [
    None,  # the shipped framework's own
    {"prosperity": "#AA3377", "security": "#228833", "governance": "#CCBB44"},
])
def test_portal_and_report_charts_draw_each_line_in_the_framework_s_colour(colours):
    framework = load_framework()
    if colours:
        framework = _recoloured(framework, colours)
    expected = {line.name.en: line.colour for line in framework.lines_of_action}
    assert all(expected.values())

    portal = _portal(framework)["encoding"]["color"]["scale"]
    assert dict(zip(portal["domain"], portal["range"])) == {**expected, OTHER: OTHER_COLOUR}

    chart = _report(framework)
    assert dict(chart.colours) == {**expected, OTHER: OTHER_COLOUR}
    # Both stack and list the lines in the framework's order, the other money last.
    assert [name for name, _colour in chart.colours] == portal["domain"] == [*expected, OTHER]
    svg = chart_svg(chart, "en")
    assert {colour.upper() for colour in expected.values()} | {OTHER_COLOUR} <= _fills(svg)
    # Nothing else is coloured as a series would be: the outside money is one grey series.
    assert not (_fills(svg) & set(SERIES_COLOURS)) - {colour.upper() for colour in expected.values()}


def test_a_line_without_a_colour_takes_one_no_other_line_has():
    framework = _recoloured(load_framework(), {"prosperity": None, "security": "#332288", "governance": None})
    colours = line_colours(framework)
    assert colours["security"] == "#332288"
    assert len(set(colours.values())) == 3 and "#332288" not in (colours["prosperity"], colours["governance"])
    portal = _portal(framework)["encoding"]["color"]["scale"]
    assert portal["range"][:3] == [colours[line.id] for line in framework.lines_of_action]
    assert [colour for _name, colour in _report(framework).colours][:3] == portal["range"][:3]


def test_the_ranking_of_lines_colours_each_bar_as_its_line():
    framework = load_framework()
    data = ({"line": "Promoting Prosperity", "usd": Decimal(9)}, {"line": "Enhancing Security", "usd": Decimal(5)},
            {"line": "Outside the Strategy: Administrative and oversight costs", "usd": Decimal(2)})
    colours = (("Promoting Prosperity", framework.lines_of_action[0].colour),
               ("Enhancing Security", framework.lines_of_action[1].colour),
               ("Outside the Strategy: Administrative and oversight costs", OTHER_COLOUR))
    svg = chart_svg(Chart("by_line", "t", "bar", data, "line", "usd", "", "USD", colours=colours), "en")
    assert {colour.upper() for _name, colour in colours} <= _fills(svg)
    # The long name is on two lines down the axis, whole.
    assert ["Outside the Strategy:", "Administrative and", "oversight costs"] == [
        unescape(line) for line in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_report_s_legend_wraps_long_names_and_cuts_none(lang):
    svg = chart_svg(_report(load_framework()), lang)
    lines = [unescape(line) for line in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)]
    assert lines == ["Outside the Strategy", "or not aligned"]
    texts = [unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert not [text for text in texts if "…" in text]
    for name in ("Promoting Prosperity", "Enhancing Security", "Improving Governance"):
        assert name in texts


def test_the_portal_s_legend_wraps_long_names_and_cuts_none():
    legend = _portal(load_framework())["encoding"]["color"]["legend"]
    assert legend["labelLimit"] == 0 and legend["orient"] == "bottom" and legend["columns"] == 2
    assert legend["labelExpr"] == wrapped_labels([OTHER])
    assert '"Outside the Strategy or not aligned": ["Outside the Strategy", "or not aligned"]' in legend["labelExpr"]
    # Short names alone need no expression.
    assert "labelExpr" not in bars_by_year([{"fy": 2019, "usd": 1, "s": "Disbursed"}], series="s")["encoding"][
        "color"]["legend"]


def _year_labels(svg: str) -> list[tuple[str, str]]:
    """The year labels along the bottom: (text, opacity)."""
    return re.findall(r'<text[^>]*opacity="([01])"[^>]*>(20\d\d)</text>', svg)


def test_a_report_axis_of_many_years_leaves_labels_out_rather_than_run_them_together():
    svg = chart_svg(_report(load_framework()), "en")
    drawn = _year_labels(svg)
    # Every second year, from the first: left out of the drawing, not drawn and hidden (the PDF's text
    # would run hidden ones together all the same).
    assert [year for _opacity, year in drawn] == [str(year) for year in YEARS][::2]
    assert {opacity for opacity, _year in drawn} == {"1"}
    # Upright labels: no rotation on the axis's labels.
    assert "rotate(" not in "".join(re.findall(r"<text[^>]*>20\d\d</text>", svg))
    # Six years fit: every one is shown.
    few = Chart("few", "t", "stacked_bar", tuple({"fy": str(fy), "usd": Decimal(fy), "line": "A"} for fy in
                                                range(2016, 2022)), "fy", "usd", "Fiscal year", "USD", "line", "Line")
    assert _year_labels(chart_svg(few, "en")) == [("1", str(fy)) for fy in range(2016, 2022)]


def test_the_portal_s_year_axes_keep_labels_upright_and_apart():
    spec = _portal(load_framework())
    axis = spec["encoding"]["x"]["axis"]
    assert axis["labelAngle"] == 0 and axis["labelOverlap"] == "parity"
