"""Any filtered set of activities as IATI XML, from the portal (`/en/activities.xml`, the activity
finder's parameters) and the API (`/api/v1/activities.xml`): exactly the activities the filter
matches, safe XML that imports again to the same money, and clear errors for bad filters."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from conftest import Cli
from stratmon.analysis.activities import MAX_PER_PAGE, ActivityFilter, search_activities
from stratmon.analysis.fiscal import FiscalYears
from stratmon.store.db import get_engine
from stratmon.web.app import create_app

USAID = "US-GOV-1"
XML_PATH = "/api/v1/activities.xml"


@pytest.fixture(scope="module")
def downloads(shared_portal_url):
    """A client for the application (the export routes are `web.exports`)."""
    with TestClient(create_app(shared_portal_url), base_url="https://testserver") as client:
        yield client


def safe_parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def identifiers_in(data: bytes) -> list[str]:
    root = safe_parse(data)
    assert root.tag == "iati-activities" and root.get("version") == "2.03"
    return [activity.findtext("iati-identifier") for activity in root.iterfind("iati-activity")]


def searched(url: str, query: ActivityFilter) -> list[str]:
    """Every activity `search_activities` lists for the filter, page after page."""
    found, page = [], 1
    with get_engine(url).connect() as connection:
        while True:
            result = search_activities(connection, ActivityFilter(**{**query.__dict__, "page": page,
                                                                      "per_page": MAX_PER_PAGE}))
            found += [a.iati_identifier for a in result.activities]
            if page >= result.pages:
                return found
            page += 1


def disbursed_by_country_and_agency(cli: Cli) -> dict[tuple[str, str], str]:
    result = cli("funding", "--by", "country,agency", "--type", "disbursement", "--format", "csv")
    assert result.exit_code == 0, result.output
    return {(row["country"], row["agency"]): row["usd"] for row in csv.DictReader(io.StringIO(result.stdout))}


def assert_attachment(response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["content-disposition"] == 'attachment; filename="stratmon-activities.xml"'
    assert int(response.headers["content-length"]) == len(response.content)


def test_a_download_holds_exactly_the_filtered_activities_and_reimports_to_the_same_money(
        downloads, shared_portal_url, tmp_path):
    response = downloads.get(XML_PATH, params={"country": "SV", "agency": USAID})
    assert_attachment(response)
    expected = searched(shared_portal_url, ActivityFilter(recipients=("SV",), agency=USAID))
    assert len(expected) > 100
    assert identifiers_in(response.content) == expected  # the same activities, in the list's order

    path = tmp_path / "download.xml"
    path.write_bytes(response.content)
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert fresh("init").exit_code == 0
    result = fresh("import", "iati", str(path), "--strict")
    assert result.exit_code == 0, result.output
    original = disbursed_by_country_and_agency(Cli(shared_portal_url))
    again = disbursed_by_country_and_agency(fresh)
    assert again[("SV", USAID)] == original[("SV", USAID)]
    assert {agency for _country, agency in again} == {USAID}


def test_the_portal_download_is_the_finders_selection(downloads, shared_portal_url):
    portal = downloads.get("/en/activities.xml", params={"country": "GT", "agency": "US-GOV-11", "fy_from": "2019",
                                                         "fy_to": "2020", "sort": "title"})
    assert_attachment(portal)
    expected = searched(shared_portal_url, ActivityFilter(recipients=("GT",), agency="US-GOV-11",
                                                          fiscal_years=FiscalYears(2019, 2020), sort="title"))
    assert expected and identifiers_in(portal.content) == expected
    api = downloads.get(XML_PATH, params={"country": "GT", "agency": "US-GOV-11", "fy": "2019:2020", "sort": "title"})
    assert_attachment(api)
    stamp = re.compile(rb'generated-datetime="[^"]*"')
    assert stamp.sub(b"", api.content) == stamp.sub(b"", portal.content)


def test_a_country_group_and_words_filter_like_the_list(downloads, shared_portal_url):
    response = downloads.get("/es/activities.xml", params={"country": "northern-triangle", "q": "agua"})
    assert_attachment(response)
    expected = searched(shared_portal_url, ActivityFilter(recipients=("GT", "HN", "SV"), text="agua"))
    assert expected and identifiers_in(response.content) == expected


def test_a_filter_matching_nothing_is_a_valid_empty_file(downloads, shared_portal_url):
    # USAID publishes no Guatemala file in the shared data.
    response = downloads.get(XML_PATH, params={"country": "GT", "agency": USAID})
    assert_attachment(response)
    assert identifiers_in(response.content) == [] == searched(
        shared_portal_url, ActivityFilter(recipients=("GT",), agency=USAID))


def test_a_filter_matching_too_many_is_a_clear_400(downloads):
    api = downloads.get(XML_PATH)
    assert api.status_code == 400
    body = api.json()
    assert body["status"] == 400
    assert re.search(r"matches [\d,]+ activities; an IATI file holds at most 5,000\. Narrow the filter", body["error"])
    portal = downloads.get("/en/activities.xml")
    assert portal.status_code == 400 and portal.headers["content-type"].startswith("text/html")
    assert "an IATI file holds at most 5,000" in portal.text
    spanish = downloads.get("/es/activities.xml")
    assert spanish.status_code == 400 and 'lang="es"' in spanish.text and "5.000" in spanish.text


@pytest.mark.parametrize(("params", "message"), [
    ({"fy": "abc"}, "fiscal years abc"),
    ({"fy": "2021:2019"}, "ends before it starts"),
    ({"country": "Atlantis"}, "Atlantis: not a country"),
    ({"line": "nope"}, "line takes one of"),
    ({"objective": "nope"}, "nope: no such objective"),
    ({"status": "99"}, "status takes an IATI activity status code"),
    ({"q": "water\x00"}, "q: control characters are not allowed"),
])
def test_bad_parameters_are_400_with_a_message(downloads, params, message):
    response = downloads.get(XML_PATH, params=params)
    assert response.status_code == 400, response.text[:300]
    assert message in response.json()["error"]


@pytest.mark.parametrize(("params", "message"), [
    ({"sort": "bad"}, "sort takes one of"),
    ({"fy_from": "twenty"}, "fy_from takes a whole number"),
    ({"country": "Atlantis"}, "Atlantis: not a country"),
])
def test_bad_portal_parameters_are_400_pages(downloads, params, message):
    response = downloads.get("/en/activities.xml", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_unknown_language_is_404(downloads):
    assert downloads.get("/fr/activities.xml", params={"country": "GT"}).status_code == 404


def test_the_api_download_is_in_the_openapi_document(downloads):
    document = downloads.get("/api/v1/openapi.json").json()
    operation = document["paths"][XML_PATH]["get"]
    assert "application/xml" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} >= {"country", "agency", "line", "objective", "fy",
                                                           "status", "q", "sort"}
    assert operation["tags"] and not any(path.endswith("activities.xml") and path.startswith("/{lang}")
                                         for path in document["paths"])


def test_xml_download_changes_nothing(downloads, shared_portal_url):
    database = Path(shared_portal_url.removeprefix("sqlite:///"))
    before = database.read_bytes()
    assert downloads.get(XML_PATH, params={"country": "PA", "agency": USAID}).status_code == 200
    assert database.read_bytes() == before
