"""Coverage beside the money figures (issue 16, points 1 and 2) on the real data: the portal in a
real browser in both languages, the API and the report summary, for the Strategy's period.

The expected shares are computed here from the stored rows with plain SQL, and the budget-table
evidence from the published CSV files read by hand, not by the product's readers."""

from __future__ import annotations

import csv
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from stratmon.i18n import format_percent
from test_web_browser import browser, live, page  # noqa: F401  (fixtures shared with the browser tests)

PERIOD = (2016, 2021)  # the framework's `period`
SPAN = {"en": "FY2016–FY2021", "es": "AF 2016–AF 2021"}
COUNTRIES = ("GT", "HN", "SV", "BZ", "CR", "NI", "PA")


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def share_by_sql(url: str, places: tuple[str, ...], kind: str) -> Decimal:
    """IATI ÷ ForeignAssistance.gov for the places over the Strategy's period, from the stored rows."""
    code = {"obligation": "2", "disbursement": "3"}[kind]
    marks = ",".join("?" * len(places))
    with sqlite3.connect(_path(url)) as db:
        iati = db.execute(f"SELECT SUM(amount_micros) FROM transaction_split WHERE sector_vocabulary = '' "
                          f"AND currency = 'USD' AND type_code = ? AND fiscal_year BETWEEN ? AND ? "
                          f"AND recipient_key IN ({marks})", (code, *PERIOD, *places)).fetchone()[0]
        fagov = db.execute(f"SELECT SUM(current_micros) FROM fagov_figure WHERE fiscal_period = '' "
                           f"AND transaction_type = ? AND fiscal_year BETWEEN ? AND ? AND recipient_key IN ({marks})",
                           (kind, *PERIOD, *places)).fetchone()[0]
    return (Decimal(iati) / Decimal(fagov)).quantize(Decimal("0.0001"))


def budget_by_hand(shared_data: Path, country: str, accounts: tuple[str, ...], years: tuple[int, ...]) -> Decimal:
    """Dollars of some accounts for a country, read from the published budget tables ($ thousands)."""
    total = Decimal(0)
    for year in years:
        path = shared_data / "state-cbj-budget-by-country" / f"STATE budget by country.{year % 100:02d}.csv"
        with open(path, encoding="cp1252") as handle:
            rows = list(csv.reader(handle))
        # Headers are spelt "GHP-USAID" one year and "GHP USAID" the next.
        header = [cell.strip().replace(" ", "-") for cell in rows[0]]
        row = next(r for r in rows if r and r[0].strip() == country)
        for account in accounts:
            cell = row[header.index(account)].replace(",", "").strip()
            total += Decimal(0) if cell in ("-", "") else Decimal(cell) * 1000
    return total


@pytest.mark.parametrize("lang", ["en", "es"])
def test_home_and_country_pages_show_coverage_and_name_missing_publishers(page, live, shared_portal_url, lang):
    every = share_by_sql(shared_portal_url, COUNTRIES, "disbursement")
    for path, places, missing in (("/", COUNTRIES, True), ("/countries/GT", ("GT",), True),
                                  ("/countries/HN", ("HN",), True), ("/countries/CR", ("CR",), False)):
        page.goto(f"{live}/{lang}{path}")
        coverage = page.locator("#coverage")
        expect(coverage).to_contain_text("ForeignAssistance.gov")
        expect(coverage).to_contain_text(SPAN[lang])
        share = every if places == COUNTRIES else share_by_sql(shared_portal_url, places, "disbursement")
        expect(coverage).to_contain_text(format_percent(share, lang))
        expect(page.locator("ul.figures")).to_contain_text(format_percent(share, lang))
        named = coverage.locator("li")
        if missing:
            assert share < Decimal("0.8")
            expect(coverage).to_have_class("coverage warning")
            expect(named.first).to_contain_text("USAID")
        else:
            # Costa Rica: the budget tables show State's FMF and IMET only, and State publishes there.
            expect(named).to_have_count(0)
            assert "USAID" not in coverage.inner_text() and "State:" not in coverage.inner_text()
            # ... and the tables do cover the years: they show no agency missing, not nothing at all.
            expect(coverage).to_contain_text({"en": "show no agency missing from IATI",
                                              "es": "no muestran aquí ninguna agencia ausente"}[lang])
        expect(page.locator("html")).to_have_attribute("lang", lang)
    heading = {"en": "Headline figures, ", "es": "Cifras principales, "}[lang] + SPAN[lang]
    page.goto(f"{live}/{lang}/")
    expect(page.locator("#figures")).to_have_text(heading)


def test_a_span_out_of_bounds_is_refused_at_once(reader):
    assert reader.get("/en/data", params={"fy": "0001:9999"}).status_code == 400
    assert reader.get("/en/", params={"fy_first": "2016", "fy_last": "x" * 40}).status_code == 400
    wide = reader.get("/api/v1/coverage", params={"country": "GT", "fy": "1900:2100"}).json()
    narrow = reader.get("/api/v1/coverage", params={"country": "GT", "fy": "all"}).json()
    # Only years with data on either side count, and only those ForeignAssistance.gov has a figure for.
    assert [c["iati_usd"] for c in wide] == [c["iati_usd"] for c in narrow]


def test_a_reader_chooses_another_span(page, live):
    page.goto(f"{live}/en/countries/GT")
    page.select_option("#span-first", "2018")
    page.select_option("#span-last", "2019")
    page.click("form.span button")
    expect(page.locator("#coverage")).to_contain_text("FY2018–FY2019")
    expect(page.locator("#by-year")).to_have_text("Funding by fiscal year, FY2018–FY2019")
    page.click("text=Back to the Strategy's period")
    expect(page.locator("#by-year")).to_have_text("Funding by fiscal year, FY2016–FY2021")
    page.click("form.span >> text=All fiscal years")
    expect(page.locator("form.span .span-now")).to_contain_text("all fiscal years with data")


def test_the_api_carries_coverage_with_the_budget_evidence(reader, shared_portal_url, shared_data):
    answer = reader.get("/api/v1/coverage", params={"country": "GT"}).json()
    disbursed = next(c for c in answer if c["type"] == "disbursement")
    assert (disbursed["first_fy"], disbursed["last_fy"]) == PERIOD
    assert Decimal(disbursed["share"]) == share_by_sql(shared_portal_url, ("GT",), "disbursement")
    assert disbursed["is_low"] is True and disbursed["warning"]
    usaid = next(p for p in disbursed["missing_publishers"] if p["agency_ref"] == "US-GOV-1")
    assert usaid["accounts"] == ["DA", "FFP", "GHP-USAID"] and (usaid["first_fy"], usaid["last_fy"]) == (2016, 2017)
    assert Decimal(usaid["budget_usd"]) == budget_by_hand(shared_data, "Guatemala", ("DA", "GHP-USAID", "FFP"),
                                                          (2016, 2017))
    costa_rica = reader.get("/api/v1/coverage", params={"country": "CR"}).json()
    assert all(c["missing_publishers"] == [] for c in costa_rica)
    countries = {c["code"]: c for c in reader.get("/api/v1/countries").json()}
    assert (countries["HN"]["first_fy"], countries["HN"]["last_fy"]) == PERIOD
    assert {c["type"] for c in countries["HN"]["coverage"]} == {"obligation", "disbursement"}
    every = reader.get("/api/v1/countries", params={"fy": "all"}).json()
    assert every[0]["first_fy"] < PERIOD[0]


def test_the_report_summary_opens_with_coverage(shared_portal_url, tmp_path):
    from conftest import run_stratmon

    out = tmp_path / "report.md"
    result = run_stratmon("report", "--format", "md", "--out", str(out), "--db", shared_portal_url)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "FY2016–FY2021, the Strategy's period" in text.splitlines()[2]
    summary = text.split("## 1. Summary", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    assert summary[0].startswith("The Strategy's 7 countries, FY2016–FY2021: ForeignAssistance.gov reports")
    assert format_percent(share_by_sql(shared_portal_url, COUNTRIES, "disbursement"), "en") in summary[0]
    assert any(line.startswith("USAID: the State Department's budget tables allot") for line in summary)
