"""The portal in a real browser (Playwright driving Debian's Chromium) against `stratmon serve` on
loopback: the drill-down from the home page to a transaction in both languages, a download checked
against the API, the partner → analyst results workflow with its audit trail, keyboard use and
accessibility (axe-core)."""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from stratmon.analysis.result_entries import organisation_activities
from stratmon.store.db import get_engine
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG, PASSWORD, running_server

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "build" / "test-assets" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("STRATMON_SCREENSHOTS")


@pytest.fixture(scope="module")
def live(shared_portal_url):
    """`stratmon serve` over a module-wide copy of the portal database."""
    with running_server(shared_portal_url) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (run `make sysdeps`)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot for review, when STRATMON_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def switch_language_and_back(page: Page, name: str) -> None:
    """The language switch keeps the page: same path under /es/, Spanish text, and back."""
    english_url = page.url
    page.click("#language-switch")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url == english_url.replace("/en/", "/es/", 1)
    shoot(page, f"{name}-es")
    page.click("#language-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == english_url


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violations on the current page."""
    # Evaluated through the DevTools protocol: the pages' CSP (rightly) refuses injected script tags.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['html'][:120]})"
               for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: " + "; ".join(serious)


# ------------------------------------------------------------------------------------- the tests

def test_home_to_guatemala_to_an_activity_to_its_transactions_in_both_languages(page, live):
    page.goto(f"{live}/en/")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("figure.chart.drawn").first).to_be_visible(timeout=15_000)  # Vega drew it, offline
    shoot(page, "home-en")
    switch_language_and_back(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Countries").click()
    page.get_by_role("link", name="Guatemala", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Guatemala")
    assert page.url.endswith("/en/countries/GT")
    expect(page.locator("div.map.drawn")).to_be_visible(timeout=15_000)  # Leaflet drew the country shapes
    shoot(page, "country-en")
    switch_language_and_back(page, "country")

    page.locator("#table-top-activities a[href*='/activities/']").first.click()
    expect(page.locator("#transactions")).to_be_visible()
    rows = page.locator("#transactions ~ .table-wrap").first.locator("tbody tr")
    assert rows.count() > 0
    expect(page.locator("#alignment")).to_be_visible()
    shoot(page, "activity-en")
    switch_language_and_back(page, "activity")
    page.click("#language-switch")
    expect(page.locator("#transactions")).to_have_text("Transacciones")


def test_a_downloaded_table_equals_the_api(page, live):
    page.goto(f"{live}/en/countries/GT")
    with page.expect_download() as download_info:
        page.locator("#table-by-year ~ .downloads a", has_text="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[0] == "Fiscal year"
    disbursed_column = header.index("Disbursed (USD)")
    from_page = {int(row[0].removeprefix("FY")): Decimal(row[disbursed_column]) for row in body if row[disbursed_column]}
    api = httpx.get(f"{live}/api/v1/funding", params={"by": "fy", "type": "disbursement", "country": "GT"}).json()
    from_api = {row["fy"]: Decimal(str(row["usd"])).quantize(Decimal("0.01")) for row in api}
    assert from_page == from_api and from_page


def sign_in_as(page: Page, live: str, name: str) -> None:
    page.goto(f"{live}/en/workspace/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Workspace")).to_be_visible()


def enter_value(page: Page, live: str, activity: str, value: str, then_submit: bool) -> int:
    """Fills the result form for `activity` and returns the new value's id (from the results list)."""
    page.goto(f"{live}/en/workspace/results/new")
    # (A select's accessible name includes its chosen option, so selects are found by name.)
    page.locator("select[name=activity]").select_option(activity)
    page.locator("select[name=indicator]").select_option("EG.3.2-24")
    page.get_by_label("Period start").fill("2019-10-01")
    page.get_by_label("Period end").fill("2020-09-30")
    page.locator("select[name=value_type]").select_option("actual")
    page.get_by_label("Value (a number").fill(value)
    button = "Save and submit for review" if then_submit else "Save as draft"
    page.get_by_role("button", name=button).click()
    expect(page.locator(".error")).to_have_count(0)
    page.goto(f"{live}/en/workspace/results")
    cell = page.locator("tbody tr", has_text=activity).first.locator("td.num").first
    return int(cell.inner_text().strip())


def test_partner_submits_analyst_approves_and_the_audit_log_shows_both(browser, shared_portal_url):
    with get_engine(shared_portal_url).connect() as connection:
        own = connection.execute(organisation_activities(PARTNER_ORG).order_by(None).limit(1)).scalar_one()
        others = connection.execute(organisation_activities(OTHER_PARTNER_ORG).order_by(None).limit(1)).scalar_one()
    with running_server(shared_portal_url) as live:
        contexts = [browser.new_context() for _ in range(3)]
        olga, pablo, ana = (context.new_page() for context in contexts)

        sign_in_as(olga, live, "olga")
        olgas_value = enter_value(olga, live, others, "77", then_submit=False)

        sign_in_as(pablo, live, "pablo")
        pablos_value = enter_value(pablo, live, own, "1234", then_submit=True)
        shoot(pablo, "workspace-results-partner")
        # Pablo sees his own value and not Olga's, and cannot open hers to change it.
        listing = pablo.locator("main").inner_text()
        assert others not in listing and own in listing
        response = pablo.goto(f"{live}/en/workspace/results/new?id={olgas_value}")
        assert response.status == 403
        # Nor can he approve his own value: the approval queue is not his.
        assert pablo.goto(f"{live}/en/workspace/review").status == 403

        sign_in_as(ana, live, "ana")
        ana.goto(f"{live}/en/workspace/review")
        ana.locator(f"#pick-{pablos_value}").check()
        ana.get_by_role("button", name="Approve").click()
        expect(ana.locator(".flash")).to_be_visible()
        ana.goto(f"{live}/en/workspace/audit")
        shoot(ana, "workspace-audit")
        log = ana.locator("main").inner_text()
        assert "pablo" in log and "ana" in log
        rows = ana.locator("tbody tr", has_text=str(pablos_value))
        actions = " ".join(rows.all_inner_texts())
        assert "submit" in actions and "approve" in actions
        # Olga's attempt to look at Pablo's value: she never sees it either.
        olga.goto(f"{live}/en/workspace/results")
        assert own not in olga.locator("main").inner_text()
        for context in contexts:
            context.close()


@pytest.mark.parametrize("path", ["/en/", "/es/", "/en/countries/GT", "/es/countries/GT",
                                  "/en/activities", "/en/indicators", "/en/data", "/en/workspace/login"])
def test_pages_have_no_serious_accessibility_problems(page, live, path):
    page.goto(f"{live}{path}")
    page.wait_for_load_state("networkidle")
    assert_accessible(page)


def test_activity_pages_have_no_serious_accessibility_problems(page, live):
    page.goto(f"{live}/en/countries/GT")
    page.locator("#table-top-activities a[href*='/activities/']").first.click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    page.click("#language-switch")
    assert_accessible(page)


def test_keyboard_reaches_the_content_and_the_language_switch(page, live):
    page.goto(f"{live}/en/countries/GT")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{live}/en/")
    page.locator("#language-switch").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_pages_work_without_javascript(browser, live):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live}/en/countries/GT")
    # The chart's numbers are in the table beside it; the finder's form works by plain GET.
    assert page.locator("#table-by-year tbody tr").count() > 0
    page.goto(f"{live}/en/activities")
    page.locator("select[name=country]").select_option("GT")
    page.locator("form.filters button[type=submit]").click()
    assert "country=GT" in page.url
    assert page.locator("main tbody tr").count() > 0
    context.close()


def test_nothing_is_loaded_from_outside_the_server(page, live):
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(live) and not request.url.startswith("data:") else None)
    for path in ("/en/", "/en/countries/GT", "/api/docs"):
        page.goto(f"{live}{path}")
        page.wait_for_load_state("networkidle")
    assert outside == []
    expect(page.locator(".swagger-ui")).to_be_visible()
