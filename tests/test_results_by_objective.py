"""Results by objective that add up: indicators under their objective, disaggregates nested under
their indicator and never counted, status counts per objective that add up, missed targets with the
reasons given, cost per unit only on an indicator's total with its money named, and the starter
registry of Strategy-level indicators next to what agencies publish."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import create_engine

from conftest import FIXTURES, Cli
from stratmon.analysis.indicator_registry import registered_indicators
from stratmon.analysis.iptt import iptt
from stratmon.analysis.performance import unit_costs
from stratmon.analysis.results_by_objective import results_by_objective
from stratmon.framework import load_framework
from stratmon.indicators.registry import load_registry_file

DISAGGREGATED = FIXTURES / "results" / "disaggregated.xml"
STARTER = Path(str(resources.files("stratmon.framework") / "central_america" / "indicators.yaml"))
STATUS_COLUMNS = ("on_track", "needs_attention", "off_track", "no_target", "no_data")


def _results_cli(path: Path) -> Cli:
    """The hand-written results (totals with sex disaggregates as MCC publishes them) imported and aligned."""
    cli = Cli(f"sqlite:///{path}")
    for args in (("init",), ("import", "iati", str(DISAGGREGATED)), ("align",),
                 ("users", "add", "ada", "--role", "admin")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


@pytest.fixture(scope="module")
def results_db(tmp_path_factory) -> Cli:
    return _results_cli(tmp_path_factory.mktemp("results") / "stratmon.db")


def _tracking(cli: Cli):
    engine = create_engine(cli.db_url)
    try:
        with engine.connect() as connection:
            framework = load_framework()
            table = iptt(connection, framework, "en")
            return table, registered_indicators(connection), unit_costs(connection, table), framework
    finally:
        engine.dispose()


def _report(cli: Cli, *args: str, lang: str = "en"):
    result = cli("report", "--lang", lang, "--as-of", "2026-11-29", *args)
    assert result.exit_code == 0, result.output
    return lxml.html.fromstring(result.stdout.encode())


def _rows(document, key: str) -> list:
    return document.xpath(f'//table[@data-key="{key}"]/tbody/tr')


def _value(row, column: str) -> Decimal:
    return Decimal(row.xpath(f'./*[@data-column="{column}"]')[0].get("data-value"))


def _text(row, column: str) -> str:
    return row.xpath(f'./*[@data-column="{column}"]')[0].text_content().strip()


def test_no_cost_per_unit_is_computed_on_a_disaggregate(results_db):
    table, _registered, costs, _framework = _tracking(results_db)
    parts = {row.indicator_code for row in table.rows if row.is_disaggregate}
    assert {row.indicator_name for row in table.rows if row.is_disaggregate} == {
        "Students trained (Female)", "Students trained (Male)", "Young people reached (Female)"}
    assert costs and not {cost.indicator_code for cost in costs} & parts
    students = next(cost for cost in costs if cost.indicator_name == "Students trained")
    # The activity's disbursements in Guatemala, FY2019, divided by the total's actual.
    assert (students.disbursed_usd, students.actual) == (Decimal("1200000.00"), Decimal("27000"))
    assert students.usd_per_unit == Decimal("44.44")
    assert (students.agency, students.activity_title, students.first_fy, students.last_fy) == (
        "US-GOV-18", "Education Project", 2019, 2019)
    document = _report(results_db)
    costs_shown = _rows(document, "unit_costs")
    assert all("(" not in _text(row, "indicator") for row in costs_shown)
    assert _text(costs_shown[0], "computed") == ("US$1.2 million disbursed by MCC through “Education Project” in "
                                                "Guatemala, FY2019, ÷ 27,000 Students trained")


def test_the_performance_command_gives_the_cost_per_unit_in_json(results_db):
    # The records hold titles that know their language (i18n.InLanguage), which json output copies.
    result = results_db("performance", "--format", "json")
    assert result.exit_code == 0, result.output
    students = next(cost for cost in json.loads(result.stdout)["unit_costs"]
                    if cost["indicator_name"] == "Students trained")
    assert (students["activity_title"], students["actual"], students["disbursed_usd"], students["usd_per_unit"]) == (
        "Education Project", "27000", "1200000.00", "44.44")


def test_disaggregates_are_nested_under_their_indicator_and_not_counted(results_db):
    table, registered, _costs, framework = _tracking(results_db)
    results = {o.objective_id: o for o in results_by_objective(table, registered, framework, "en")}
    education = results["P4"]
    assert [i.name for i in education.indicators] == ["Students trained", "Teachers certified", "Schools equipped",
                                                      "Dropout rate"]
    by_name = {i.name: i for i in education.indicators}
    assert [d.category for d in by_name["Students trained"].disaggregates] == ["Female", "Male"]
    assert [d.latest.actual for d in by_name["Students trained"].disaggregates] == [13000, 14000]
    # IATI's own way, a <dimension> on the actual, nests the same way.
    assert [d.category for d in by_name["Teachers certified"].disaggregates] == ["Female (sex)"]
    assert [i.name for i in results["S2"].indicators] == ["Young people reached"]
    document = _report(results_db)
    rows = _rows(document, "objective_P4")
    nested = [row.text_content().strip() for row in rows if row.get("class") == "part"]
    indicators = [_text(row, "indicator") for row in rows if row.get("class") != "part"]
    # Each indicator's disaggregates on one line under it, never rows of their own.
    assert indicators == ["Students trained", "Teachers certified", "Schools equipped", "Dropout rate"]
    assert nested == ["Female: 13,000 of 15,000 (86.7%) · Male: 14,000", "Female (sex): 120"]
    summary = next(row for row in _rows(document, "results_by_objective") if _text(row, "objective").startswith("P4"))
    assert _value(summary, "indicators") == 4


def test_status_counts_per_objective_add_up_to_its_indicators(results_db):
    table, registered, _costs, framework = _tracking(results_db)
    results = results_by_objective(table, registered, framework, "en")
    for objective in results:
        assert sum(objective.counts().values()) == len(objective.indicators)
    assert sum(len(o.indicators) for o in results) == len(table.indicators()) == 5
    assert results[0].counts() == {"on_track": 1, "needs_attention": 0, "off_track": 2, "no_target": 0, "no_data": 1}
    document = _report(results_db)
    rows = _rows(document, "results_by_objective")
    for row in rows:
        assert sum(_value(row, status) for status in STATUS_COLUMNS) == _value(row, "indicators")
    footer = document.xpath('//table[@data-key="results_by_objective"]/tfoot/tr')[0]
    assert _value(footer, "indicators") == sum(_value(row, "indicators") for row in rows) == 5


def test_missed_targets_are_listed_with_the_reason_given_or_none(results_db):
    rows = {_text(row, "indicator"): _text(row, "reason") for row in _rows(_report(results_db), "missed_targets")}
    # A comment that only labels the value ("Indicator for Education Project Actual") is no reason.
    assert rows == {"Teachers certified": "Certification exams were postponed by the 2019 suspension of funding.",
                    "Schools equipped": "none given"}


def test_the_starter_registry_loads_validates_and_shows_next_to_published_indicators(tmp_path):
    registry = load_registry_file(STARTER, load_framework())
    assert len(registry.indicators) >= 8 and not registry.schemes
    for spec in registry.indicators:
        assert spec.level == "objective" and spec.objective
        assert spec.reference.data_source and spec.reference.rationale, spec.code
    cli = _results_cli(tmp_path / "registry.db")
    first = cli("indicators", "load", str(STARTER), "--user", "ada")
    assert first.exit_code == 0, first.output
    assert f"{len(registry.indicators)} new" in first.stdout
    again = cli("indicators", "load", str(STARTER), "--user", "ada")
    assert f"{len(registry.indicators)} unchanged" in again.stdout
    document = _report(cli)
    s2 = [row for row in _rows(document, "objective_S2") if row.get("class") != "part"]
    assert [_text(row, "indicator") for row in s2] == ["Young people reached", "Intentional homicide rate"]
    assert _text(s2[1], "reported_by").startswith("Registry: World Bank WDI VC.IHR.PSRC.P5")
    assert _text(s2[0], "reported_by") == "Honduras · USAID · Community violence prevention"
    assert _text(s2[1], "status") == "no data"
    for row in _rows(document, "results_by_objective"):
        assert sum(_value(row, status) for status in STATUS_COLUMNS) == _value(row, "indicators")


def test_the_report_shows_results_by_objective_on_the_real_data(shared_portal_url):
    result = Cli(shared_portal_url)("report", "--fy", "2016:2020", "--as-of", "2026-11-29")
    assert result.exit_code == 0, result.output
    document = lxml.html.fromstring(result.stdout.encode())
    section = document.xpath('//section[@data-key="results"]')[0]
    tables = [table.get("data-key") for table in section.xpath(".//table")]
    assert tables[0] == "results_by_objective" and tables[-2:] == ["missed_targets", "unit_costs"]
    objective_tables = tables[1:-2]
    assert "objective_P4" in objective_tables and "objective_P3" in objective_tables
    summary = _rows(document, "results_by_objective")
    assert len(summary) == len(objective_tables)
    listed = 0
    for row, key in zip(summary, objective_tables):
        assert sum(_value(row, status) for status in STATUS_COLUMNS) == _value(row, "indicators")
        indicators = [r for r in _rows(document, key) if r.get("class") != "part"]
        assert _value(row, "indicators") == len(indicators), key
        # MCC's "(Female)" and "(Male)" rows are parts of their indicator, never indicators.
        assert not [r for r in indicators if _text(r, "indicator").endswith(("(Female)", "(Male)"))], key
        listed += len(indicators)
    footer = document.xpath('//table[@data-key="results_by_objective"]/tfoot/tr')[0]
    assert _value(footer, "indicators") == listed
    parts = [r.text_content() for r in _rows(document, "objective_P4") if r.get("class") == "part"]
    assert any("Female: " in part and "Male: " in part for part in parts)
    # The test registry's indicator under P3 shows beside what MCC publishes, with no result yet.
    assert "Farmers applying improved practices" in [_text(r, "indicator") for r in _rows(document, "objective_P3")
                                                     if r.get("class") != "part"]
    costs = _rows(document, "unit_costs")
    assert costs and not [r for r in costs if _text(r, "indicator").endswith(("Female)", "Male)"))]
    assert all(" disbursed by MCC through " in _text(r, "computed") and " ÷ " in _text(r, "computed") for r in costs)


def test_the_portal_counts_indicators_by_objective_as_the_report_does(reader):
    page = lxml.html.fromstring(reader.get("/en/indicators").text)
    rows = page.xpath('//div[@id="table-by-objective"]//tbody/tr')
    assert rows
    for row in rows:
        cells = [cell.text_content().strip().replace(",", "") for cell in row.xpath("./th|./td")]
        assert int(cells[1]) == sum(int(cell) for cell in cells[2:7]), cells
    objective = lxml.html.fromstring(reader.get("/en/objectives/P4").text)
    shown = objective.xpath('//div[@id="table-results"]//tbody/tr/th')
    assert any(cell.text_content().strip().startswith("↳ ") for cell in shown)
    assert not any(cell.text_content().strip().endswith(("(Female)", "(Male)")) for cell in shown)
