"""Context indicators in their period: the baseline from the year nearest the baseline year (within the
framework's tolerance, the year used named), the latest value never after the span, the change in values
and direction; on a hand-written series, on a portal page, and on the real homicide files."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES
from stratmon.analysis import context as context_module
from stratmon.analysis.context import AgainstBaseline, against_baseline, baseline_year_words, change_words
from stratmon.analysis.context_sources import context_sources
from stratmon.analysis.fiscal import FiscalYears
from stratmon.framework import load_framework
from stratmon.i18n import using_language
from stratmon.store.db import get_engine
from stratmon.web.app import create_app

GAPS = FIXTURES / "context" / "homicide_gaps.csv"
PERIOD = FiscalYears(2016, 2021)


@pytest.fixture
def gaps(sqlite_cli):
    """The hand-written homicide series (gaps around 2015) as the catalogue's homicide rate."""
    result = sqlite_cli("import", "context", str(GAPS), "--format", "datahub", "--indicator", "homicide_rate")
    assert result.exit_code == 0, result.output
    engine = get_engine(sqlite_cli.db_url)
    yield engine
    engine.dispose()


def _rows(engine, fiscal_years=None) -> dict:
    with engine.connect() as connection:
        rows = against_baseline(connection, load_framework(), indicator="homicide_rate", fiscal_years=fiscal_years)
    return {row.country: row for row in rows}


def test_the_tolerance_is_the_framework_s():
    assert load_framework().context_baseline.tolerance_years == 3


def test_the_baseline_comes_from_the_nearest_year_and_names_it(gaps):
    rows = _rows(gaps, PERIOD)
    guatemala, costa_rica, honduras = rows["GT"], rows["CR"], rows["HN"]
    # No 2015 value: 2014 is one year away, nearer than 2012 or 2017.
    assert (guatemala.reference_year, guatemala.baseline_year, guatemala.baseline) == (2015, 2014, Decimal("33.5"))
    assert baseline_year_words(guatemala) == "2014, nearest to 2015"
    # 2013 and 2017 are both two years away: the earlier, before the Strategy, is the baseline.
    assert (costa_rica.baseline_year, costa_rica.baseline) == (2013, Decimal("8.7"))
    # Nothing within three years of 2015 (2010 and 2020 are five away): no baseline, and the table says where
    # it looked.
    assert (honduras.baseline_year, honduras.baseline, honduras.change) == (None, None, None)
    assert baseline_year_words(honduras) == "no value in 2012–2018"


def test_the_latest_value_is_never_after_the_span(gaps):
    within = _rows(gaps, PERIOD)
    assert (within["GT"].latest_year, within["GT"].latest) == (2019, Decimal("25.0"))  # not 2022 or 2024
    assert within["CR"].latest_year == 2021
    assert all(row.latest_year is None or 2016 <= row.latest_year <= 2021 for row in within.values())
    # A span with no value of its own has no latest value (nor a change), only its baseline.
    early = _rows(gaps, FiscalYears(2015, 2016))
    assert (early["GT"].latest, early["GT"].change, early["GT"].baseline_year) == (None, None, 2014)
    # Without a span (the CLI's `context show`), the last value stored.
    assert _rows(gaps)["GT"].latest_year == 2024


def test_the_change_reads_as_difference_and_direction(gaps):
    rows = _rows(gaps, PERIOD)
    assert rows["GT"].change == Decimal("-8.5") and rows["GT"].improved is True
    assert change_words(rows["GT"], "en") == "−8.50, better"
    assert change_words(rows["CR"], "en") == "+2.50, worse"
    assert change_words(rows["HN"], "en") == "–"
    with using_language("es"):
        # Spanish separators; the words themselves come from the translations.
        assert change_words(rows["GT"], "es").startswith("−8,50")


def test_the_country_page_names_the_baseline_year_and_keeps_to_its_span(gaps, sqlite_cli):
    client = TestClient(create_app(sqlite_cli.db_url))
    page = client.get("/en/countries/GT")
    assert page.status_code == 200
    html = page.text
    assert "Context indicators against their baseline, latest values up to 2021" in html
    assert "2014, nearest to 2015" in html and "−8.50, better" in html
    assert "at most 3 years away" in html
    every_year = client.get("/en/countries/GT?fy=all").text
    assert "−15.50, better" in every_year  # the whole series: 2024 is the latest


def test_a_table_of_some_indicators_and_a_country_outside_the_framework(gaps, tmp_path, sqlite_cli):
    framework = load_framework()
    with gaps.connect() as connection:
        every = against_baseline(connection, framework, fiscal_years=PERIOD)
        some = against_baseline(connection, framework, indicators={"homicide_rate"}, fiscal_years=PERIOD)
        assert some and some == [row for row in every if row.indicator == "homicide_rate"]
        assert against_baseline(connection, framework, indicators=set(), fiscal_years=PERIOD) == []
    # Mexico is no country of the framework: its values are read for it alone, beside the kept ones.
    mexico = tmp_path / "mexico.csv"
    mexico.write_text("Country Name,Country Code,Year,Value\nMexico,MEX,2014,15.0\nMexico,MEX,2020,28.0\n")
    result = sqlite_cli("import", "context", str(mexico), "--format", "datahub", "--indicator", "homicide_rate")
    assert result.exit_code == 0, result.output
    with gaps.connect() as connection:
        (row,) = against_baseline(connection, framework, countries=["MX"], fiscal_years=PERIOD)
        assert (row.country, row.baseline_year, row.latest_year, row.change) == ("MX", 2014, 2020, Decimal("13.0"))
        assert {row.country for row in against_baseline(connection, framework, fiscal_years=PERIOD)} == {
            "GT", "CR", "HN"}


def test_pages_read_the_series_once_per_data_version_and_a_new_value_shows_after_an_import(
        gaps, sqlite_cli, tmp_path, monkeypatch):
    reads = []
    real = context_module.context_points
    monkeypatch.setattr(context_module, "context_points", lambda *a, **k: reads.append(k) or real(*a, **k))
    client = TestClient(create_app(sqlite_cli.db_url))
    for path in ("/en/countries/GT", "/es/countries/HN", "/en/lines/security", "/en/lines/prosperity"):
        assert client.get(path).status_code == 200, path
    assert len(reads) == 1, "the context series were read again for the same data"
    assert "−8.50, better" in client.get("/en/countries/GT?fy=2016:2020").text
    # A 2020 value for Guatemala, imported: the next page shows it.
    newer = tmp_path / "homicide_newer.csv"
    newer.write_text(GAPS.read_text() + "Guatemala,GTM,2020,21.0\n")
    result = sqlite_cli("import", "context", str(newer), "--format", "datahub", "--indicator", "homicide_rate")
    assert result.exit_code == 0, result.output
    assert "−12.50, better" in client.get("/en/countries/GT?fy=2016:2020").text
    assert len(reads) == 2


def test_the_sources_are_counted_once_per_data_version_and_a_new_one_shows_after_an_import(gaps, sqlite_cli,
                                                                                          tmp_path):
    client = TestClient(create_app(sqlite_cli.db_url))
    assert client.get("/en/data").status_code == 200
    with gaps.connect() as connection:
        first = context_sources(connection)
        assert context_sources(connection) is first, "the sources were counted again for the same data"
        assert [(s.indicator, s.countries, s.first_year, s.last_year, s.values) for s in first] == [
            ("homicide_rate", 3, 2010, 2024, 11)]
    mexico = tmp_path / "mexico.csv"
    mexico.write_text("Country Name,Country Code,Year,Value\nMexico,MEX,2030,15.0\n")
    result = sqlite_cli("import", "context", str(mexico), "--format", "datahub", "--indicator", "homicide_rate")
    assert result.exit_code == 0, result.output
    assert "2010–2030" in client.get("/es/data").text


# --- the real files: Guatemala's homicide rate has no value for 2015 --------------------------------------------

def _spanish_wdi_value(path: Path, iso3: str, year: int) -> str:
    """A value of the World Bank's Spanish WDI download, read with the csv module (not the reader)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = next(row for row in rows if row[:2] == ["Country Name", "Country Code"])
    return next(row for row in rows if row[1:2] == [iso3])[header.index(str(year))]


def test_guatemala_s_homicide_baseline_has_a_value_and_its_year_on_the_real_data(shared_data, sqlite_cli):
    spanish = shared_data / "context-more" / "API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv"
    if not spanish.is_file():
        pytest.fail(f"{spanish} is missing: the real-data test needs the shared context-more folder", pytrace=False)
    for args in (("import", "context", str(shared_data / "owid-context"), "--format", "owid"),
                 ("import", "context", str(spanish), "--format", "wdi")):
        result = sqlite_cli(*args)
        assert result.exit_code == 0, result.output
    assert _spanish_wdi_value(spanish, "GTM", 2015) == ""  # the gap the tolerance is for
    engine = get_engine(sqlite_cli.db_url)
    with engine.connect() as connection:
        [guatemala] = against_baseline(connection, load_framework(), indicator="homicide_rate", countries=["GT"],
                                       fiscal_years=PERIOD)
    engine.dispose()
    assert guatemala.baseline_year == 2014
    assert guatemala.baseline == Decimal(_spanish_wdi_value(spanish, "GTM", 2014))
    assert guatemala.latest_year == 2021 and guatemala.latest == Decimal(_spanish_wdi_value(spanish, "GTM", 2021))
    assert guatemala.improved is True
    assert baseline_year_words(guatemala) == "2014, nearest to 2015"
    assert change_words(guatemala, "en").endswith(", better")
    result = sqlite_cli("context", "show", "--indicator", "homicide_rate", "--country", "GT", "--format", "json")
    assert result.exit_code == 0, result.output
    [shown] = json.loads(result.stdout)
    assert (shown["reference_year"], shown["baseline_year"], shown["baseline"]) == (2015, 2014, str(guatemala.baseline))


@pytest.mark.parametrize("baseline, latest, improved, words", [
    ("36.6612", "36.6571", False, "−0.004, worse"),  # too small for two decimals: its own
    ("12.5", "12.5", None, "no change"),
    ("15971743", "17598650", None, "+1,626,907"),  # neither better nor worse
    ("0.4833", "0.4521", True, "−0.031, better"),
])
def test_the_change_keeps_the_values_decimals_and_says_no_verdict_for_neutral_indicators(
        baseline, latest, improved, words):
    row = AgainstBaseline("x", "GT", 2015, 3, 2015, Decimal(baseline), 2021, Decimal(latest),
                          Decimal(latest) - Decimal(baseline), improved, "a source")
    assert change_words(row, "en") == words
