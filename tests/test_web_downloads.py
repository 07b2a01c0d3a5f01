"""Every page's tables download as CSV and XLSX with names, not codes, and the figures are those
of `analysis.funding` to the cent."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from stratmon.align.crosswalk import load_crosswalks
from stratmon.analysis.activities import ActivityFilter, search_activities
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.analysis.labels import Labels
from stratmon.store.db import get_engine

CODE = re.compile(r"^(US-GOV-\d+|[A-Z]{2}|region-\w+|outside:\w+|not_aligned)$")


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# Pages show the Strategy's period (the framework's `period`) unless `?fy=` asks for another span.
PERIOD = FiscalYears(2016, 2021)


def funding_rows(url: str, by: tuple[str, ...], kind: str, recipients=(), fiscal_years: FiscalYears = PERIOD) -> dict:
    crosswalks = load_crosswalks()
    aligned = any(key in ("line", "objective") for key in by)
    query = FundingQuery(by, kind, fiscal_years, recipients=recipients,
                         crosswalk_digest=crosswalks.digest if aligned else None,
                         geography=crosswalks.framework.geography)
    with get_engine(url).connect() as connection:
        return {row.keys: row.usd for row in funding(connection, query).rows}


def money(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def test_country_page_figures_equal_funding_to_the_cent(reader, shared_portal_url):
    by_year = csv_rows(reader.get("/en/countries/GT?download=by-year&format=csv"))
    assert list(by_year[0]) == ["Fiscal year", "Obligated (USD)", "Disbursed (USD)"]
    for kind, column in (("obligation", "Obligated (USD)"), ("disbursement", "Disbursed (USD)")):
        expected = {f"FY{fy}": usd for (_country, fy), usd in
                    funding_rows(shared_portal_url, ("country", "fy"), kind, ("GT",)).items()}
        shown = {row["Fiscal year"]: money(row[column]) for row in by_year if row[column]}
        assert shown == expected, kind
        assert len(expected) == 6
    every_year = csv_rows(reader.get("/en/countries/GT?fy=all&download=by-year&format=csv"))
    expected = {f"FY{fy}": usd for (_country, fy), usd in
                funding_rows(shared_portal_url, ("country", "fy"), "disbursement", ("GT",), FiscalYears()).items()}
    assert {row["Fiscal year"]: money(row["Disbursed (USD)"]) for row in every_year if row["Disbursed (USD)"]} == expected
    assert len(expected) > 10

    crosswalks = load_crosswalks()
    with get_engine(shared_portal_url).connect() as connection:
        labels = Labels(connection, crosswalks.framework, "en", "1", crosswalks)
        by_line = csv_rows(reader.get("/en/countries/GT?download=by-line&format=csv"))
        expected = {labels.aligned("line", line): usd for (line,), usd in
                    funding_rows(shared_portal_url, ("line",), "disbursement", ("GT",)).items()}
        shown = {row["Line of action"]: money(row["Disbursed (USD)"]) for row in by_line if row["Line of action"] != "Total"}
        assert {name: usd for name, usd in shown.items() if usd is not None} == expected
        total = next(row for row in by_line if row["Line of action"] == "Total")
        assert money(total["Disbursed (USD)"]) == sum(expected.values())

    line_year = csv_rows(reader.get("/en/countries/GT?download=by-line-year&format=csv"))
    cells = funding_rows(shared_portal_url, ("line", "fy"), "disbursement", ("GT",))
    for line in crosswalks.framework.lines_of_action:
        expected = {f"FY{fy}": usd for (line_id, fy), usd in cells.items() if line_id == line.id}
        shown = {row["Fiscal year"]: money(row[line.name.en]) for row in line_year if row[line.name.en]}
        assert shown == expected, line.id
    per_year = funding_rows(shared_portal_url, ("fy",), "disbursement", ("GT",))
    assert {row["Fiscal year"]: money(row["Total"]) for row in line_year} == {f"FY{fy}": usd for (fy,), usd in
                                                                              per_year.items()}


@pytest.mark.parametrize("span, fiscal_years", [("", PERIOD), ("fy=all&", FiscalYears()),
                                                ("fy=2018:2019&", FiscalYears(2018, 2019))])
def test_home_and_countries_figures_equal_funding(reader, shared_portal_url, span, fiscal_years):
    expected = funding_rows(shared_portal_url, ("country",), "disbursement", fiscal_years=fiscal_years)
    for path in (f"/en/?{span}download=by-country&format=csv", f"/en/countries?{span}download=by-country&format=csv"):
        rows = csv_rows(reader.get(path))
        assert money(rows[-1]["Disbursed (USD)"]) == sum(expected.values())
        assert len(rows) == len(expected) + 1
        guatemala = next(row for row in rows if row["Country or region"] == "Guatemala")
        assert money(guatemala["Disbursed (USD)"]) == expected[("GT",)]


def table_files(largest: str) -> list[tuple[str, str]]:
    return [("/en/", "by-year"), ("/en/", "by-line"), ("/en/lines", "objectives"), ("/es/lines/security", "by-agency"),
            ("/en/objectives/P1", "objectives"), ("/en/countries", "by-country-year"), ("/es/countries/GT", "by-agency"),
            ("/en/countries/GT", "context"), ("/en/activities?country=GT", "activities"),
            (f"/en/activities/{quote(largest, safe='')}", "transactions"),
            (f"/es/activities/{quote(largest, safe='')}", "alignment"), ("/en/indicators", "tracking"),
            ("/en/indicators", "scorecard"), ("/en/releases", "releases"), ("/en/data", "imports"),
            ("/en/data", "coverage"), ("/es/data", "reconciliation-disbursement")]


def test_a_table_of_every_page_downloads_with_names(reader, shared_portal_url):
    with get_engine(shared_portal_url).connect() as connection:
        largest = search_activities(connection, ActivityFilter(per_page=1)).activities[0].iati_identifier
    for path, name in table_files(largest):
        joiner = "&" if "?" in path else "?"
        rows = csv_rows(reader.get(f"{path}{joiner}download={name}&format=csv"))
        workbook = reader.get(f"{path}{joiner}download={name}&format=xlsx")
        assert workbook.status_code == 200, (path, name)
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        values = list(sheet.iter_rows(values_only=True))
        assert len(values) == len(rows) + 1, (path, name)
        assert values[0] == tuple(rows[0]) if rows else True
        for row in rows:
            for heading, value in row.items():
                if any(word in heading for word in ("Agency", "Agencia", "Country", "País", "Line", "Línea")):
                    assert not CODE.match(value or ""), (path, name, heading, value)


def test_downloads_carry_every_filtered_activity(reader, shared_portal_url):
    page = reader.get("/en/activities?country=HN&fy_from=2019&fy_to=2021")
    total = int(re.search(r"([\d,]+) activities found", page.text).group(1).replace(",", ""))
    assert total > 50  # more than one page
    rows = csv_rows(reader.get("/en/activities?country=HN&fy_from=2019&fy_to=2021&page=2&download=activities&format=csv"))
    assert len(rows) == total
    with get_engine(shared_portal_url).connect() as connection:
        found = search_activities(connection, ActivityFilter(recipients=("HN",), fiscal_years=FiscalYears(2019, 2021),
                                                             per_page=500))
    assert sum(money(r["Disbursed (USD)"]) for r in rows) == sum(a.disbursed_usd for a in found.activities)


@pytest.mark.parametrize("query", ["download=nope&format=csv", "download=by-year&format=pdf"])
def test_bad_downloads_are_refused(reader, query):
    assert reader.get(f"/en/?{query}").status_code in (400, 404)
