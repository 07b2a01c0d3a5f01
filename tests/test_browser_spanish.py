"""The Spanish portal in a real browser (issue 21), on the real data: a USAID activity titled in Spanish
shows its Spanish title, no fiscal year reads "FY" (charts drawn by Vega included), dates read
"4 de marzo de 2025", counts agree with their nouns for one and for many; and the home, country,
activity, indicators and data pages, in both languages, at 1,280 and 390 pixels, keep every column,
legend and map in the frame (full-page screenshots to look at with STRATMON_SCREENSHOTS)."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from stratmon.i18n import format_moment, using_language
from test_spanish_pages import assert_spanish
from test_web_browser import browser, live, page, shoot  # noqa: F401 (fixtures)
from test_web_spanish import LONG_SPANISH_DATE, _spanish_titled

# The words a reader meets, charts included, without what the data holds (marked as such on the page).
PAGE_WORDS = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('script, style, .as-published, [lang]:not([lang^="es"])').forEach(e => e.remove());
  const spoken = Array.from(copy.querySelectorAll('[aria-label]')).map(e => e.getAttribute('aria-label'));
  const texts = [], walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { texts.push(walker.currentNode.data); }
  return [...texts, ...spoken].join(' ').replace(/\\s+/g, ' ');
}"""
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def titled(shared_portal_url) -> tuple[str, str, str, str | None]:
    return _spanish_titled(shared_portal_url)


def _activity(identifier: str) -> str:
    return "/es/activities/" + quote(identifier, safe="")


def _drawn(page: Page) -> None:
    """Waits for the page's charts and map to be drawn (Vega and Leaflet, offline)."""
    for figure in page.locator("figure.chart").all():
        expect(figure).to_have_class(re.compile(r"\bdrawn\b"), timeout=15_000)
    if page.locator("div.map").count():
        expect(page.locator("div.map.drawn")).to_be_visible(timeout=15_000)


def test_a_usaid_activity_titled_in_spanish_shows_its_spanish_title_and_spanish_dates(page, live, titled):  # noqa: F811
    identifier, spanish, english, updated = titled
    page.goto(f"{live}{_activity(identifier)}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text(spanish)
    # The English title is there for whoever wants it, folded and marked as English.
    folded = page.locator("details.other-language")
    folded.locator("summary").click()
    expect(folded.locator('[lang="en"].other-title')).to_have_text(english)
    words = page.evaluate(PAGE_WORDS)
    with using_language("es"):
        assert format_moment(datetime.fromisoformat(updated)) in words  # "4 de marzo de 2025, 21:36 UTC"
    assert updated not in words and LONG_SPANISH_DATE.search(words)
    # The English page shows the English title.
    page.click("#language-switch")
    expect(page.locator("h1")).to_have_text(english)


def test_no_fiscal_year_reads_fy_on_spanish_pages_charts_included(page, live, titled):  # noqa: F811
    for path in ("/es/", "/es/countries", "/es/countries/GT", "/es/lines/prosperity", "/es/objectives/P1",
                 _activity(titled[0]), "/es/activities", "/es/indicators", "/es/data"):
        page.goto(f"{live}{path}")
        _drawn(page)
        words = page.evaluate(PAGE_WORDS)
        assert not re.search(r"\bFY", words), (path, re.findall(r".{40}\bFY.{20}", words)[:3])
        drawn_years = page.locator("figure.chart svg text").all_text_contents()
        assert not [text for text in drawn_years if "FY" in text], path
    page.goto(f"{live}/es/countries/GT")
    _drawn(page)
    assert "AF 2019" in page.locator("figure.chart svg").first.text_content()
    # The events under a chart read as Spanish dates.
    assert LONG_SPANISH_DATE.search(page.locator("ol.chart-events").first.inner_text())


def test_counts_agree_with_their_nouns_for_one_and_for_many(page, live, titled):  # noqa: F811
    page.goto(f"{live}/es/activities?q={quote(titled[0])}")
    expect(page.locator("main")).to_contain_text("1 actividad encontrada")
    page.goto(f"{live}/es/activities")
    assert re.search(r"\b\d[\d.]* actividades encontradas", page.locator("main").inner_text())
    page.goto(f"{live}/es/indicators")
    cards = page.locator(".cards").inner_text()
    counts = re.findall(r"\b(\d[\d.]*) (indicador(?:es)?|requieren? atención|desviados?|en buen camino)\b", cards)
    assert counts
    singular = {"indicador", "requiere atención", "desviado"}
    plural = {"indicadores", "requieren atención", "desviados"}
    for number, words in counts:
        if words in singular | plural:
            assert (number == "1") == (words in singular), (number, words)
    found = {words for _number, words in counts}
    assert found & singular and found & plural, found  # the real data has both


@pytest.mark.parametrize("path", ["/es/", "/es/countries/GT", "activity", "/es/indicators", "/es/data"])
def test_what_the_browser_draws_on_spanish_pages_is_spanish_too(page, live, titled, path):  # noqa: F811
    """Once Vega and Leaflet have drawn: axes, legends, the map's buttons and every name a screen reader is
    given, scanned as the pages are (tests/test_spanish_pages.py)."""
    path = _activity(titled[0]) if path == "activity" else path
    page.goto(f"{live}{path}")
    _drawn(page)
    assert_spanish(f"{path} (drawn)", page.content())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", ["home", "country", "activity", "indicators", "data"])
def test_pages_keep_their_columns_legends_and_maps_in_the_frame(browser, live, titled, name, lang, width):  # noqa: F811
    path = {"home": "/{lang}/", "country": "/{lang}/countries/GT", "activity": _activity(titled[0]).replace("/es/", "/{lang}/"),
            "indicators": "/{lang}/indicators", "data": "/{lang}/data"}[name].format(lang=lang)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live}{path}")
    _drawn(page)
    # Nothing pushes the page sideways: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    for figure in page.locator("figure.chart").all():  # a chart and its legend fit the page's column
        frame, drawn = figure.bounding_box(), figure.locator("svg").bounding_box()
        assert drawn["x"] >= frame["x"] - 1 and drawn["x"] + drawn["width"] <= frame["x"] + frame["width"] + 1
    if page.locator("div.map.drawn").count():
        legend = page.locator(".map-legend")
        expect(legend).to_be_visible()
        box = legend.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    if name == "indicators":
        # Where the tracking table stands is in view without scrolling sideways, on a phone as on a screen.
        row = page.locator("#table-tracking tbody tr").first
        status = row.locator(".status")
        expect(status).to_be_visible()
        assert status.bounding_box()["x"] + status.bounding_box()["width"] <= width
        wanted = {"en": ("Target", "Actual"), "es": ("Meta", "Valor real")}[lang]
        for heading in wanted:
            cells = row.locator(f'td[data-label="{heading}"]')
            if cells.count() and cells.first.is_visible():
                box = cells.first.bounding_box()
                assert box["x"] + box["width"] <= width + 1, heading
    shoot(page, f"{name}-{lang}-{width}")
    context.close()
