"""Spanish for real (issue 21): activities' titles and descriptions in the reader's language, and
every date, fiscal year, number and plural in the reader's locale — on the real data's pages, files,
API answers, workspace and report."""

from __future__ import annotations

import copy
import csv
import io
import pickle
import re
from datetime import datetime
from urllib.parse import quote

import lxml.html
from sqlalchemy import func, select

from conftest import FIXTURES, Cli
from stratmon.i18n import InLanguage, format_day, format_fiscal_year, format_moment, using_language
from stratmon.store import schema
from stratmon.store.db import get_engine
from webfixtures import sign_in

USAID = "US-GOV-1"
LONG_SPANISH_DATE = re.compile(r"\b\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
                               r"octubre|noviembre|diciembre) de \d{4}\b")


def _spanish_titled(url: str) -> tuple[str, str, str, str | None]:
    """A USAID activity the data titles in Spanish and in English: (identifier, Spanish title, English
    title, its publisher's last update as published), the one with the longest Spanish title (few others
    share its words)."""
    activity, narrative = schema.activity, schema.activity_narrative
    spanish = narrative.alias("spanish")
    with get_engine(url).connect() as connection:
        row = connection.execute(
            select(activity.c.iati_identifier, spanish.c.text, activity.c.title, activity.c.last_updated_text)
            .join(spanish, spanish.c.activity_id == activity.c.id)
            .where(activity.c.reporting_org_ref == USAID, spanish.c.element == "title", spanish.c.lang == "es",
                   spanish.c.text != activity.c.title, ~spanish.c.text.like("USAID %"))
            .order_by(func.length(spanish.c.text).desc(), activity.c.iati_identifier)).first()
    assert row is not None, "the real data has USAID activities titled in Spanish"
    return row.iati_identifier, row.text, row.title, row.last_updated_text


def _text(html: str) -> str:
    """A page's words as a reader sees them: no scripts (chart data), no text the data holds in English."""
    document = lxml.html.fromstring(html)
    for element in document.xpath('//script | //*[@lang="en"] | //*[contains(@class, "lang-mark")]'):
        element.drop_tree()
    return " ".join(" ".join(document.itertext()).split())


def test_a_text_keeps_its_language_when_copied_or_pickled():
    title = InLanguage("Sociedad civil", "ES")
    for again in (copy.copy(title), copy.deepcopy(title), pickle.loads(pickle.dumps(title))):
        assert isinstance(again, InLanguage) and (again, again.lang) == ("Sociedad civil", "es")


def test_fiscal_years_dates_and_times_in_the_readers_language():
    with using_language("es"):
        assert format_fiscal_year(2019) == "AF 2019"
        assert format_day("2025-03-04") == "4 de marzo de 2025"
        assert format_moment("2025-03-04T21:36:22.405Z") == "4 de marzo de 2025, 21:36 UTC"
        assert format_moment(datetime(2025, 3, 4, 9, 5, 7), seconds=True) == "4 de marzo de 2025, 9:05:07 UTC"
        assert InLanguage("Civil Society", "en").is_foreign and not InLanguage("Sociedad civil", "es").is_foreign
    with using_language("en"):
        assert format_fiscal_year(2019) == "FY2019"
        assert format_day("2025-03-04") == "March 4, 2025"
        assert format_day("not a date") == "not a date"


def test_titles_in_the_readers_language_on_both_engines(cli):
    """The title columns are subqueries any engine runs: chosen, sorted and searched in the language."""
    from stratmon.analysis.activities import ActivityFilter, activity_detail, search_activities
    from stratmon.analysis.activity_titles import titles_for

    assert cli("import", "iati", str(FIXTURES / "iati" / "unseen-agency.xml")).exit_code == 0
    with get_engine(cli.db_url).connect() as connection:
        spanish = search_activities(connection, ActivityFilter(lang="es", text="salud", sort="title"))
        english = search_activities(connection, ActivityFilter(lang="en", text="salud", sort="-title"))
        titles = titles_for(connection, ["US-GOV-8-TEST-0001"], "es")
        detail = activity_detail(connection, "US-GOV-8-TEST-0001")
    assert [(a.title, a.title_lang) for a in spanish.activities] == [("Sistemas de salud regionales", "es")]
    assert [(a.title, a.title_lang) for a in english.activities] == [("Regional health systems", "en")]
    assert (titles["US-GOV-8-TEST-0001"], titles["US-GOV-8-TEST-0001"].lang) == ("Sistemas de salud regionales", "es")
    assert detail.title_for("es").text == "Sistemas de salud regionales" and detail.title_for("fr").lang == "en"


def test_an_activity_titled_in_spanish_reads_in_spanish_on_its_page(reader, shared_portal_url):
    identifier, spanish, english, _updated = _spanish_titled(shared_portal_url)
    path = "/activities/" + quote(identifier, safe="")
    document = lxml.html.fromstring(reader.get("/es" + path).text)
    assert document.xpath("string(//h1)").strip() == spanish
    assert not document.xpath("//h1//*[@lang]")  # in the page's language: nothing to mark
    # The English title and descriptions are folded under the Spanish ones, labelled with their language.
    folded = document.xpath('//details[contains(@class, "other-language")]')
    assert folded and "inglés" in folded[0].xpath("string(summary)")
    assert folded[0].xpath('string(.//*[@lang="en"][contains(@class, "other-title")])').strip() == english
    descriptions = document.xpath('//p[contains(@class, "description")]/@lang')
    assert descriptions and descriptions[0] == "es"  # the reader's language first
    english_page = lxml.html.fromstring(reader.get("/en" + path).text)
    assert english_page.xpath("string(//h1)").strip() == english


def test_the_finder_and_its_download_show_titles_in_the_readers_language(reader, shared_portal_url):
    identifier, spanish, english, _updated = _spanish_titled(shared_portal_url)
    query = f"?q={quote(identifier)}"
    page = lxml.html.fromstring(reader.get("/es/activities" + query).text)
    assert page.xpath("string(//table//td/a)").strip() == spanish
    # Searching finds the activity by its Spanish title too.
    assert identifier in reader.get(f"/es/activities?q={quote(spanish)}").text
    rows = list(csv.reader(io.StringIO(reader.get(f"/es/activities{query}&download=activities&format=csv")
                                       .content.decode("utf-8-sig"))))
    assert rows[1][1:3] == [spanish, "es"]
    english_rows = list(csv.DictReader(io.StringIO(
        reader.get(f"/en/activities{query}&download=activities&format=csv").content.decode("utf-8-sig"))))
    assert (english_rows[0]["Title"], english_rows[0]["Title: language"]) == (english, "en")


def test_titles_published_in_english_only_are_marked_on_spanish_pages(reader):
    document = lxml.html.fromstring(reader.get("/es/activities?agency=US-GOV-18").text)  # MCC: English only
    cells = document.xpath("//table/tbody/tr/td[1]")  # the title, after the identifier (the row heading)
    assert cells
    for cell in cells:
        assert cell.xpath('.//span[@lang="en"]') and cell.xpath('string(.//*[contains(@class, "lang-mark")])')
    # The largest activities in El Salvador: MCC's, titled in English only.
    country = lxml.html.fromstring(reader.get("/es/countries/SV").text)
    titles = country.xpath('//*[@id="table-top-activities"]//tbody/tr/td[1]')
    assert titles and any(cell.xpath('.//span[@lang="en"]') for cell in titles)
    english = lxml.html.fromstring(reader.get("/en/countries/SV").text)
    assert not english.xpath('//*[@id="table-top-activities"]//span[@lang]')


def test_the_api_gives_the_title_in_the_language_asked_for(reader, shared_portal_url):
    identifier, spanish, english, _updated = _spanish_titled(shared_portal_url)
    found = reader.get(f"/api/v1/activities?lang=es&q={quote(identifier)}").json()["items"]
    assert [(a["title"], a["title_lang"]) for a in found] == [(spanish, "es")]
    found = reader.get(f"/api/v1/activities?q={quote(identifier)}").json()["items"]
    assert [(a["title"], a["title_lang"]) for a in found] == [(english, "en")]
    one = reader.get(f"/api/v1/activities/{quote(identifier, safe='')}?lang=es").json()
    assert (one["title"], one["title_lang"]) == (spanish, "es")
    assert {(t["lang"], t["text"]) for t in one["titles"]} >= {("es", spanish), ("en", english)}
    assert one["descriptions"][0]["lang"] == "es"


def test_no_fiscal_year_reads_fy_on_spanish_pages(reader, shared_portal_url):
    identifier, _spanish, _english, _updated = _spanish_titled(shared_portal_url)
    for path in ("/es/", "/es/countries/GT", "/es/activities/" + quote(identifier, safe=""), "/es/data",
                 "/es/activities"):
        response = reader.get(path)
        assert response.status_code == 200, path
        text = _text(response.text)
        assert not re.search(r"\bFY", text), (path, re.findall(r".{40}\bFY.{20}", text)[:3])
    assert "AF 2019" in _text(reader.get("/es/").text)


def test_dates_read_as_spanish_dates(reader, shared_portal_url):
    identifier, _spanish, _english, updated = _spanish_titled(shared_portal_url)
    moment = datetime.fromisoformat(updated)
    text = _text(reader.get("/es/activities/" + quote(identifier, safe="")).text)
    with using_language("es"):
        assert format_moment(moment) in text  # e.g. "4 de marzo de 2025, 21:36 UTC"
    assert updated not in text
    assert LONG_SPANISH_DATE.search(text)


def test_status_counts_agree_with_their_number(reader):
    text = _text(reader.get("/es/indicators").text)
    counts = re.findall(r"\b(\d+) (requiere|requieren) atención", text)
    assert counts
    assert all((n == "1") == (verb == "requiere") for n, verb in counts), counts
    off = re.findall(r"\b(\d+) (desviados?)\b", text)
    assert off and all((n == "1") == (word == "desviado") for n, word in off), off


def test_the_workspace_names_audit_actions_and_counts_in_spanish(client):
    sign_in(client, "ada", lang="es")
    users = _text(client.get("/es/workspace/users").text)
    assert re.search(r"\b4 usuarios\b", users)
    audit = client.get("/es/workspace/audit").text
    table = lxml.html.fromstring(audit).xpath("//table")[0]
    actions = {cell.text_content().strip() for cell in table.xpath(".//tbody/tr/td[3]")}
    assert "inicio de sesión" in actions and "sign_in" not in actions
    kinds = {cell.text_content().split()[0] for cell in table.xpath(".//tbody/tr/td[4]") if cell.text_content().strip()}
    assert kinds and not {"app_user", "web_session"} & kinds
    assert LONG_SPANISH_DATE.search(table.xpath("string(.//tbody/tr/td[1])"))
    captions = [lxml.html.fromstring(client.get(f"/es/workspace/audit?who={who}").text)
                .xpath("string(//table/caption)").strip() for who in ("", "olga", "ada")]
    assert "1 línea" in captions  # olga set her password, and did nothing else
    for caption in captions:
        number, word = caption.split()
        assert word == ("línea" if number == "1" else "líneas"), caption


def test_the_spanish_report_names_agencies_and_titles_in_spanish(portal_url):
    result = Cli(portal_url)("report", "--lang", "es", "--fy", "2016:2020", "--as-of", "2026-11-29")
    assert result.exit_code == 0, result.output
    document = lxml.html.fromstring(result.stdout.encode())
    agencies = {row.xpath("string(./*[1])").strip()
                for row in document.xpath('//table[@data-key="funding_by_agency"]/tbody/tr')}
    assert "Depto. de Estado" in agencies and not {"State", "Treasury", "Peace Corps"} & agencies
    for cell in document.xpath('//table[@data-key="top_activities"]//td[@data-column="title"]'):
        marked = cell.xpath('.//span[@lang="en"]')
        assert marked or not re.search(r"\b(the|and|of)\b", cell.text_content()), cell.text_content()
    # Charts are read out in Spanish, with grouped numbers, not Vega's English descriptions.
    labels = document.xpath("//figure//svg/@aria-label")
    assert labels and all("axis" not in label for label in labels)
    assert any(re.search(r"\d{1,3}(\.\d{3})+(,\d+)?", label) for label in labels)
