"""Report charts as SVG: every kind draws its labels, numbers follow the language, output is stable
and safe to inline in HTML."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest

from stratmon.analysis.report_types import Chart
from stratmon.reports.charts import chart_svg

COUNTRIES = ("Guatemala", "Honduras", "El Salvador")


def _bar(data=None) -> Chart:
    if data is None:
        data = (
            {"country": "Guatemala", "usd": Decimal("345678.00")},
            {"country": "Honduras", "usd": Decimal("123456.50")},
            {"country": "El Salvador", "usd": Decimal("98765.25")},
        )
    return Chart("by_country", "Disbursements by country", "bar", tuple(data),
                 x="country", y="usd", x_title="Country", y_title="Disbursements (USD)")


def _stacked() -> Chart:
    data = tuple({"fy": fy, "country": country, "usd": Decimal(1_000_000 * (index + 1) + fy)}
                 for fy in (2021, 2022, 2023) for index, country in enumerate(COUNTRIES))
    return Chart("by_fy", "Disbursements by fiscal year", "stacked_bar", data, x="fy", y="usd",
                 x_title="Fiscal year", y_title="USD", color="country", color_title="Recipient")


def _line(color: str | None = "country") -> Chart:
    countries = COUNTRIES if color else COUNTRIES[:1]   # one series: one value per year
    data = tuple({"year": year, "country": country, "rate": Decimal("30.5") - index - (year - 2018)}
                 for index, country in enumerate(countries) for year in (2018, 2019, 2020))
    return Chart("homicides", "Homicide rate", "line", data, x="year", y="rate", x_title="Year",
                 y_title="Homicides per 100,000", color=color, color_title="Country" if color else None)


def _texts(svg: str) -> list[str]:
    return [unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _is_svg_document(svg: str) -> bool:
    return ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_bar_draws_categories_and_titles(lang):
    svg = chart_svg(_bar(), lang)
    assert svg.startswith("<svg") and _is_svg_document(svg)
    texts = _texts(svg)
    for label in (*COUNTRIES, "Country", "Disbursements (USD)"):
        assert label in texts
    assert "Disbursements by country" not in svg   # the report prints the title, not the chart


def test_bar_puts_the_largest_value_on_top():
    data = ({"country": "Small", "usd": Decimal(1)}, {"country": "Large", "usd": Decimal(9)},
            {"country": "Middle", "usd": Decimal(5)})
    texts = _texts(chart_svg(_bar(data), "en"))
    assert [t for t in texts if t in ("Small", "Large", "Middle")] == ["Large", "Middle", "Small"]


def test_bar_height_grows_with_the_number_of_bars():
    def height(count: int) -> int:
        data = [{"country": f"C{i}", "usd": Decimal(i + 1)} for i in range(count)]
        return int(re.search(r'<svg[^>]*height="(\d+)"', chart_svg(_bar(data), "en")).group(1))

    assert height(20) - height(10) == height(30) - height(20) > 100


def test_stacked_bar_draws_categories_series_and_legend():
    svg = chart_svg(_stacked(), "en")
    assert _is_svg_document(svg)
    texts = _texts(svg)
    for label in ("2021", "2022", "2023", *COUNTRIES, "Recipient", "Fiscal year", "USD"):
        assert label in texts
    # Legend entries keep the order in which series first appear in the data.
    assert [t for t in texts if t in COUNTRIES] == list(COUNTRIES)


@pytest.mark.parametrize("color", ["country", None])
def test_line_draws_years_and_series(color):
    svg = chart_svg(_line(color), "es")
    assert _is_svg_document(svg)
    texts = _texts(svg)
    for label in ("2018", "2019", "2020", "Year", "Homicides per 100,000"):
        assert label in texts
    assert all((label in texts) == (color is not None) for label in COUNTRIES)  # no legend for one


def test_spanish_and_english_separators_differ():
    big = _bar([{"country": "Guatemala", "usd": Decimal("1234567")}])
    english, spanish = _texts(chart_svg(big, "en")), _texts(chart_svg(big, "es"))
    assert "1.2M" in english and "1,2\u00a0M" in spanish
    thousands = _bar([{"country": "Guatemala", "usd": Decimal("345678")}])
    english, spanish = _texts(chart_svg(thousands, "en")), _texts(chart_svg(thousands, "es"))
    assert "300,000" in english and "300.000" in spanish


def test_identical_input_gives_identical_bytes():
    first = chart_svg(_stacked(), "es")
    assert chart_svg(_line(), "es") != first          # something else drawn in between
    assert chart_svg(_stacked(), "es") == first
    # And in a fresh process, where Vega's counters start again.
    script = ("from tests.test_report_charts import _stacked; from stratmon.reports.charts import chart_svg; "
              "import sys; sys.stdout.write(chart_svg(_stacked(), 'es'))")
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).parents[1])
    assert fresh.stdout == first


def test_empty_data_gives_empty_string():
    assert chart_svg(_bar([]), "en") == ""
    assert chart_svg(_bar([{"country": "Guatemala", "usd": None}]), "en") == ""


def test_label_with_markup_is_escaped():
    data = [{"country": "<script>alert(1)</script>", "usd": Decimal(10)}]
    svg = chart_svg(_bar(data), "en")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script>alert(1)</script>" in _texts(svg)


def test_field_names_are_not_read_as_paths():
    data = [{"recipient.name": "Guatemala", "usd[fy2024]": Decimal(5)}]
    chart = Chart("k", "t", "bar", tuple(data), x="recipient.name", y="usd[fy2024]", x_title="X", y_title="Y")
    assert "Guatemala" in _texts(chart_svg(chart, "en"))


def test_negative_values_stack_below_zero():
    data = ({"fy": 2024, "agency": "USAID", "usd": Decimal("-2000000")},
            {"fy": 2024, "agency": "State", "usd": Decimal("3000000")})
    chart = Chart("k", "t", "stacked_bar", data, x="fy", y="usd", x_title="FY", y_title="USD", color="agency")
    texts = _texts(chart_svg(chart, "en"))
    assert "-2M" in texts or "−2M" in texts


def test_nothing_is_fetched():
    svg = chart_svg(_stacked(), "en")
    assert "http://" not in svg.replace("http://www.w3.org/", "")
    assert "https://" not in svg
    assert 'font-family="DejaVu Sans, sans-serif"' in svg


@pytest.mark.parametrize("change, message", [
    ({"kind": "pie"}, "unknown chart kind"),
    ({"color": None}, "names no `color` field"),
])
def test_bad_chart_is_refused(change, message):
    chart = _stacked()
    chart = Chart(**{**chart.__dict__, **change})
    with pytest.raises(ValueError, match=message):
        chart_svg(chart, "en")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unsupported chart language"):
        chart_svg(_bar(), "fr")
