"""Activity pages and the activity finder: a real activity's transactions and alignment reasons,
text from the data shown as text, approved results only, the finder's links."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import lxml.html

from conftest import FIXTURES, Cli
from stratmon.align.crosswalk import load_crosswalks
from stratmon.analysis.activities import ActivityFilter, activity_detail, search_activities
from stratmon.analysis.alignment import explain
from stratmon.analysis.labels import Labels
from stratmon.store.db import get_engine
from webfixtures import client_for

MARKUP_ID = "US-GOV-1-MARKUP/TEST 0001"
MARKUP_PATH = "/activities/" + quote(MARKUP_ID, safe="")


def test_a_real_activity_shows_its_transactions_and_alignment_reasons(reader, shared_portal_url):
    crosswalks = load_crosswalks()
    with get_engine(shared_portal_url).connect() as connection:
        identifier = search_activities(connection, ActivityFilter(per_page=1)).activities[0].iati_identifier
        detail = activity_detail(connection, identifier)
        explanation = explain(connection, identifier, crosswalks.digest)
        labels = Labels(connection, crosswalks.framework, "en", "1", crosswalks)
    path = "/en/activities/" + quote(identifier, safe="")
    page = reader.get(path)
    assert page.status_code == 200
    assert lxml.html.fromstring(page.text).xpath("string(//h1)") == detail.title
    transactions = list(csv.DictReader(io.StringIO(
        reader.get(f"{path}?download=transactions&format=csv").content.decode("utf-8-sig"))))
    assert len(transactions) == len(detail.transactions) > 0
    assert {row["Type"] for row in transactions} <= {"Obligation (outgoing commitment)", "Disbursement",
                                                     "Expenditure", "Incoming funds"}
    parts = list(csv.DictReader(io.StringIO(
        reader.get(f"{path}?download=alignment&format=csv").content.decode("utf-8-sig"))))
    expected = [(labels.rule(p.rule), labels.confidence(p.confidence), labels.evidence(p.evidence),
                 labels.evidence(p.contest) if p.contest else "", f"{p.usd:.2f}")
                for t in explanation.transactions for p in t.parts]
    assert [(row["Rule"], row["Confidence"], row["Evidence for"], row["Evidence against"], row["Amount"])
            for row in parts] == expected
    first = explanation.transactions[0].parts[0]
    assert labels.rule(first.rule) in page.text and labels.evidence(first.evidence) in page.text
    assert f"{first.objective_id} {labels.objective(first.objective_id)}" in page.text


def test_markup_in_the_data_is_shown_as_text(portal_url):
    cli = Cli(portal_url)
    result = cli("import", "iati", str(FIXTURES / "web" / "markup-title.xml"))
    assert result.exit_code == 0, result.output
    with client_for(portal_url) as client:
        for lang in ("en", "es"):
            page = client.get(f"/{lang}{MARKUP_PATH}")
            assert page.status_code == 200, page.text[-1000:]
            text = page.text
            assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in text
            assert "<script>alert" not in text and "<b>bold" not in text and "<img src=x" not in text
            assert "&lt;i&gt;Implementer&lt;/i&gt;" in text and "&lt;u&gt;Annual report&lt;/u&gt;" in text
            assert 'href="javascript:' not in text and "Bad link" in text
            assert '<a href="https://example.org/report.pdf" rel="noopener nofollow">' in text
        listing = client.get("/en/activities?q=MARKUP%2FTEST").text
        assert "1 activity found" in listing
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in listing and "<script>alert" not in listing
        assert f'href="/en{MARKUP_PATH}"' in listing  # slash and space quoted in the link
        country = client.get("/en/countries/GT?download=top-activities&format=csv")
        assert country.status_code == 200
        rows = list(csv.DictReader(io.StringIO(
            client.get("/en/activities?q=MARKUP%2FTEST&download=activities&format=csv").content.decode("utf-8-sig"))))
        assert rows[0]["Title"] == "<script>alert(1)</script><b>bold</b> water project"


def test_pages_without_a_current_alignment_show_money_and_a_note(portal_url):
    # Importing a file after `stratmon align` leaves the alignment out of date.
    assert Cli(portal_url)("import", "iati", str(FIXTURES / "web" / "markup-title.xml")).exit_code == 0
    with client_for(portal_url) as client:
        for path in ("/", "/lines", "/lines/security", "/objectives/P1", "/countries/GT", "/data", MARKUP_PATH,
                     "/activities", "/indicators"):
            page = client.get(f"/en{path}")
            assert page.status_code == 200, (path, page.text[-1000:])
        assert "appear once the data is aligned" in client.get("/en/lines/security").text
        home = client.get("/en/")
        assert 'id="table-by-line"' not in home.text and 'id="table-by-year"' in home.text
        assert client.get("/en/activities?line=security").status_code == 400
        assert "table-alignment" not in client.get(f"/en{MARKUP_PATH}").text


def test_only_approved_results_show_on_the_public_page(portal_url, tmp_path):
    cli = Cli(portal_url)
    assert cli("import", "iati", str(FIXTURES / "web" / "markup-title.xml")).exit_code == 0
    results = tmp_path / "results.csv"
    results.write_text("indicator,activity,country,period_start,period_end,value_type,value,scheme,category,reason,"
                       "comment\n"
                       f"EG.3.2-24,{MARKUP_ID},GT,2018-10-01,2019-09-30,target,12345,,,,\n"
                       f"EG.3.2-24,{MARKUP_ID},GT,2018-10-01,2019-09-30,actual,67891,,,,\n", encoding="utf-8")
    result = cli("results", "import", str(results), "--user", "ana")
    assert result.exit_code == 0, result.output
    listed = json.loads(cli("results", "list", "--format", "json").output)
    target = next(r["id"] for r in listed if r["value_type"] == "target" and r["activity"] == MARKUP_ID)
    assert cli("results", "submit", str(target), "--user", "ana").exit_code == 0
    approved = cli("results", "approve", str(target), "--user", "ada")
    assert approved.exit_code == 0, approved.output
    with client_for(portal_url) as client:
        page = client.get(f"/en{MARKUP_PATH}").text
        assert "12,345" in page or "12345" in page
        assert "67891" not in page and "67,891" not in page
        assert "Farmers applying improved practices" in page
        assert "Productores que aplican prácticas mejoradas" in client.get(f"/es{MARKUP_PATH}").text


def test_the_finder_links_pages_and_the_iati_xml_export(reader):
    page = reader.get("/en/activities?country=GT&fy_from=2018&fy_to=2020&status=4&sort=title").text
    found = int(re.search(r"([\d,]+) activit(?:y|ies) found", page).group(1).replace(",", ""))
    assert found > 0
    assert ('href="/en/activities.xml?country=GT&amp;fy_from=2018&amp;fy_to=2020&amp;status=4&amp;sort=title"'
            in page)
    assert "Download these activities as IATI XML" in page
    many = reader.get("/en/activities").text
    assert 'href="/en/activities?page=2"' in many and 'rel="next"' in many
    for control in ("f-country", "f-agency", "f-line", "f-objective", "f-fy_from", "f-fy_to", "f-status", "f-q",
                    "f-sort"):
        assert f'for="{control}"' in many and f'id="{control}"' in many
    second = reader.get("/en/activities?page=2").text
    assert 'aria-current="page">2<' in second and 'rel="prev"' in second
