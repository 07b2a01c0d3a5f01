"""Events as data (events.yaml beside the framework): validated with the framework, chosen by span and
country, marked on the portal's and the report's charts by fiscal year, and listed, dated, in the report."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import lxml.html
import pytest
import yaml

from stratmon.align.crosswalk import load_crosswalks
from stratmon.analysis.events import event_date_words, events_in
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.report_data import build_report
from stratmon.analysis.report_events import chart_events
from stratmon.analysis.report_types import Chart
from stratmon.framework import FrameworkError, load_framework
from stratmon.framework.loader import EVENTS_FILE, shipped_framework_path
from stratmon.reports.charts import chart_svg
from stratmon.reports.report import report_html
from stratmon.store.db import get_engine
from stratmon.web.charts import bars_by_year

PERIOD = FiscalYears(2016, 2021)


@pytest.fixture(scope="module")
def framework():
    return load_framework()


# --- the data and its validation ------------------------------------------------------------------------------

def test_the_shipped_events_are_dated_bilingual_and_sourced(framework):
    events = framework.events
    assert len(events) >= 6
    ids = {event.id for event in events}
    assert {"assistance-suspended", "suspension-ended", "root-causes-strategy"} <= ids
    suspended = next(event for event in events if event.id == "assistance-suspended")
    assert (suspended.date, suspended.has_day, suspended.countries) == ("2019-03", False, ("GT", "HN", "SV"))
    assert "GAO-21-104366" in suspended.source
    for event in events:
        assert event.title.en != event.title.es and event.text.en != event.text.es
        # A source a reader can look up, not the project's own notes (events.yaml's comments cite them).
        assert event.source.strip() and "strategy-facts.md" not in event.source


def test_events_come_only_from_what_the_reference_verifies(framework, shared_data):
    """The facts each event rests on are in the reference file it names; the October 2019 restoration and
    hurricanes Eta and Iota are not verified there, and are not shipped."""
    facts = (shared_data.parent / "reference" / "strategy-facts.md").read_text(encoding="utf-8")
    for fact in ("launched November 2014", "2018-12-18", "March 2019. Up to 14 months",
                 "**~$396 million (85%) of FY2018**", "transmitted **May 22, 2019**", "Title 42 from March FY20",
                 "ended June 2020", "**92 of USAID's 114** and **65 of State's 168**", "P.L. 116-260, Dec 27 2020",
                 "Root Causes Strategy (July 2021)"):
        assert fact in facts, fact
    titles = " ".join(event.title.en for event in framework.events).lower()
    assert "hurricane" not in titles and "restor" not in titles


def _framework_copy(tmp_path: Path, events: dict | str) -> Path:
    shutil.copy(shipped_framework_path("central_america"), tmp_path / "framework.yaml")
    text = events if isinstance(events, str) else yaml.safe_dump(events, allow_unicode=True)
    (tmp_path / EVENTS_FILE).write_text(text, encoding="utf-8")
    return tmp_path / "framework.yaml"


def _event(**changes) -> dict:
    event = {"id": "storm", "date": "2020-11-05", "countries": ["HN"], "title": {"en": "Storm", "es": "Tormenta"},
             "text": {"en": "A storm.", "es": "Una tormenta."}, "source": "A report"}
    return {**event, **changes}


def test_an_events_file_beside_any_framework_is_loaded(tmp_path):
    loaded = load_framework(str(_framework_copy(tmp_path, {"events": [_event(date=date(2020, 11, 5))]})))
    [storm] = loaded.events
    assert (storm.date, storm.first_day, storm.has_day) == ("2020-11-05", date(2020, 11, 5), True)


@pytest.mark.parametrize("change, where", [
    ({"countries": ["MX"]}, "events.storm: unknown countries MX"),
    ({"date": "2020-02-30"}, "events[0].date"),
    ({"date": "November 2020"}, "expected a date as YYYY-MM-DD"),
    ({"countries": []}, "events[0].countries"),
    ({"title": {"en": "Storm"}}, "events[0].title.es"),
    ({"source": ""}, "events[0].source"),
    ({"colour": "red"}, "events[0].colour"),
])
def test_a_bad_event_is_an_error_naming_the_events_file(tmp_path, change, where):
    path = _framework_copy(tmp_path, {"events": [_event(**change)]})
    with pytest.raises(FrameworkError) as error:
        load_framework(str(path))
    assert str(error.value).startswith(str(tmp_path / EVENTS_FILE)) and where in str(error.value)


def test_duplicate_events_are_an_error(tmp_path):
    path = _framework_copy(tmp_path, {"events": [_event(), _event()]})
    with pytest.raises(FrameworkError, match="duplicate id 'storm'"):
        load_framework(str(path))


# --- chosen by span and country, placed in their fiscal year --------------------------------------------------------

def test_events_are_chosen_by_fiscal_year_and_country_in_date_order(framework):
    period = events_in(framework, PERIOD)
    assert [event.number for event in period] == list(range(1, len(period) + 1))
    assert [event.event.first_day for event in period] == sorted(event.event.first_day for event in period)
    assert all(2016 <= event.fiscal_year <= 2021 for event in period)
    assert "a4p-launched" not in {event.event.id for event in period}  # November 2014 is FY2015
    panama = events_in(framework, PERIOD, ["PA"])
    assert {event.event.id for event in panama} == {"title-42-encounters", "root-causes-strategy"}  # "all" only
    december = next(event for event in period if event.event.id == "enhanced-engagement-act")
    assert (december.fiscal_year, december.fiscal_year_label) == (2021, "FY2021")  # 27 December 2020 is FY2021
    assert 0.2 < december.position < 0.25  # early in its fiscal year: 88 of 365 days gone
    march = next(event for event in period if event.event.id == "assistance-suspended")
    assert 0.44 < march.position < 0.47  # the middle of March, the source giving no day
    assert event_date_words(march.event, "en") == "March 2019"
    assert event_date_words(december.event, "es") == "27 de diciembre de 2020"


# --- on the charts ---------------------------------------------------------------------------------------------

def test_the_portal_year_chart_draws_a_numbered_rule_per_event_of_its_years(framework):
    events = events_in(framework, PERIOD)
    spec = bars_by_year([{"fy": fy, "usd": Decimal(fy)} for fy in (2018, 2019, 2020)], events=events)
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    labels = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    shown = [event for event in events if event.fiscal_year in (2018, 2019, 2020)]
    assert len(rules) == len(labels) == len(shown) > 0  # FY2021's events are off this axis
    assert [rule["encoding"]["x"] for rule in rules] == [
        {"datum": event.fiscal_year_label, "type": "ordinal", "bandPosition": event.position} for event in shown]
    assert [label["data"]["values"][0]["number"] for label in labels] == [str(event.number) for event in shown]
    assert spec["layer"][0]["mark"]["type"] == "bar"
    assert [item["number"] for item in spec["usermeta"]["events"]] == [event.number for event in shown]
    plain = bars_by_year([{"fy": 2017, "usd": Decimal(1)}], events=events)
    assert "layer" not in plain and "usermeta" not in plain  # no event in FY2017: the chart as it was


def test_the_report_chart_marks_events_in_the_svg(framework):
    events = events_in(framework, PERIOD)
    data = tuple({"fy": str(fy), "usd": Decimal(1_000_000 * (fy - 2010)), "line": line}
                 for fy in range(2016, 2022) for line in ("Prosperity", "Security"))
    chart = Chart("by_year", "t", "stacked_bar", data, "fy", "usd", "Fiscal year", "USD", "line", "Line",
                  events=chart_events(events))
    svg = chart_svg(chart, "en")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for event in events:
        assert str(event.number) in texts
    assert svg.count('stroke-dasharray="4,3"') == len(events)
    assert chart_svg(chart, "en") == svg  # still deterministic


# --- in the report --------------------------------------------------------------------------------------------

@pytest.fixture
def report_of(sqlite_cli):
    """A report of the period on a database with nothing imported: the events do not need money."""
    assert sqlite_cli("align").exit_code == 0

    def build(country: str | None = None, fiscal_years: FiscalYears = PERIOD):
        engine = get_engine(sqlite_cli.db_url)
        with engine.connect() as connection:
            report = build_report(connection, load_crosswalks(), "en", fiscal_years=fiscal_years, country=country,
                                  generated_on=date(2026, 11, 29))
        engine.dispose()
        return report
    return build


def test_the_report_lists_the_period_s_events_by_date_with_their_sources(report_of, framework):
    report = report_of()
    section = next(section for section in report.sections if section.key == "events")
    assert [s.key for s in report.sections][:3] == ["summary", "events", "funding"]
    [table] = section.tables
    expected = events_in(framework, PERIOD)
    assert [row["number"] for row in table.rows] == [str(event.number) for event in expected]
    assert [row["date"] for row in table.rows] == [event_date_words(event.event, "en") for event in expected]
    assert table.rows[1]["date"] == "March 2019"
    assert table.rows[1]["places"] == "Guatemala, Honduras, El Salvador"
    assert all(row["source"] and row["event"] for row in table.rows)
    chart = next(chart for s in report.sections for chart in s.charts if chart.key == "disbursements_by_year")
    assert [(mark.x, mark.label) for mark in chart.events] == [(str(e.fiscal_year), str(e.number)) for e in expected]
    assert chart.note
    html = lxml.html.fromstring(report_html(report, {}).encode())
    rows = html.xpath('//table[@data-key="events"]/tbody/tr')
    assert len(rows) == len(expected)
    assert rows[0].xpath('./td[@data-column="date"]')[0].text_content() == "December 18, 2018"


def test_a_country_report_lists_only_its_events_and_a_span_without_any_says_so(report_of):
    panama = next(section for section in report_of("PA").sections if section.key == "events")
    assert {row["event"].split(".")[0] for row in panama.tables[0].rows} == {
        "Border figures include Title 42 expulsions", "Root Causes Strategy succeeds the Strategy"}
    quiet = next(section for section in report_of(fiscal_years=FiscalYears(2016, 2017)).sections
                 if section.key == "events")
    assert quiet.tables == () and quiet.paragraphs == ("None of the framework's dated events falls in the report's "
                                                       "years.",)
