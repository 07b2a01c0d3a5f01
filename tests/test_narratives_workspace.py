"""Narratives in the workspace: an analyst writes the narrative of a line of action, a country and a span,
in English and in Spanish, every save a new version; another analyst or an administrator approves it
(never its author, unless an administrator); partners neither read nor write them; forms need the CSRF
token; every change and every refused attempt is in the audit log; the portal shows what is approved
beside its figures, in the reader's language or marked as in the other, and lists the gaps."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from stratmon.web.render import usd_short

from conftest import Cli, run_stratmon
from webfixtures import PASSWORD, client_for, sign_in
from workspace_helpers import counts, form_token, query, scalar

FY = "2016:2021"
PAGE = f"/en/workspace/narratives/security/HN?fy={FY}"
TEXT = {"progress": "Homicides fell in the 40 municipalities with prevention programmes.\nVetting went on.",
        "challenges": "Prosecutions stay slow.", "next_steps": "Extend community policing to San Pedro Sula."}
GAP = "No approved narrative for Enhancing Security, Honduras, FY2016–FY2021."


def _save(client, lang: str = "en", then: str | None = None, line: str = "security", country: str = "HN",
          fy: str = FY, **changes):
    data = {"csrf_token": form_token(client), "fy": fy, "lang": lang, **TEXT, **changes}
    if then:
        data["then"] = then
    return client.post(f"/en/workspace/narratives/{line}/{country}", data=data, follow_redirects=False)


def _act(client, action: str, version: int, lang: str = "en", reason: str | None = None):
    data = {"csrf_token": form_token(client, PAGE), "fy": FY, "lang": lang, "version": str(version),
            "action": action, **({"reason": reason} if reason else {})}
    return client.post("/en/workspace/narratives/security/HN/act", data=data, follow_redirects=False)


def _versions(db_url: str, lang: str = "en") -> list[tuple]:
    return query(db_url, "SELECT version, status, created_by, reviewed_by FROM narrative_version WHERE line_id = "
                         "'security' AND country = 'HN' AND lang = :lang ORDER BY version", lang=lang)


def _narrative_audit(db_url: str) -> list[tuple]:
    return query(db_url, "SELECT user_name, action, entity_id, field, outcome FROM audit_log WHERE entity = "
                         "'narrative' ORDER BY id")


def _error(response) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.text)
    return found.group(1) if found else ""


def _cells(csv_text: str, name: str) -> list[str]:
    """The cells after the name of the downloaded table's row named `name`."""
    return next(row for row in csv.reader(io.StringIO(csv_text)) if row and row[0] == name)[1:]


def _add_analyst(db_url: str, name: str) -> None:
    assert Cli(db_url)("users", "add", name, "--role", "analyst", "--user", "ada").exit_code == 0
    done = run_stratmon("users", "password", name, "--password-stdin", "--db", db_url, input_text=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def test_an_analyst_writes_another_analyst_approves_and_the_portal_shows_it(client, portal_url):
    sign_in(client, "ana")
    saved = _save(client)
    assert saved.status_code == 303 and "notice=narrative_saved" in saved.headers["location"]
    assert _versions(portal_url) == [(1, "draft", "ana", None)]
    # Nothing is approved: the line's page lists the cell as a gap and shows none of the text.
    with client_for(portal_url) as reader:
        line_page = reader.get("/en/lines/security").text
        assert GAP in line_page and "Vetting went on." not in line_page
    assert _act(client, "submit", 1).status_code == 303
    # Its author cannot approve it: refused, on record, nothing changed.
    refused = _act(client, "approve", 1)
    assert refused.status_code == 409 and "ana wrote this version" in _error(refused)
    assert _versions(portal_url) == [(1, "submitted", "ana", None)]
    assert ("ana", "approve", "security/HN/2016-2021/en v1", None, "refused") in _narrative_audit(portal_url)
    _add_analyst(portal_url, "bea")
    with client_for(portal_url) as bea:
        sign_in(bea, "bea")
        approved = bea.post("/en/workspace/narratives/security/HN/act", data={
            "csrf_token": form_token(bea, PAGE), "fy": FY, "lang": "en", "version": "1", "action": "approve"},
            follow_redirects=False)
        assert approved.status_code == 303, _error(approved)
    assert _versions(portal_url) == [(1, "approved", "ana", "bea")]
    with client_for(portal_url) as reader:
        line_page = reader.get("/en/lines/security").text
        assert GAP not in line_page and "Vetting went on." in line_page and "Version 1, approved on" in line_page
        assert "No approved narrative for Enhancing Security, Guatemala, FY2016–FY2021." in line_page
        assert 'href="/en/countries/HN"' in line_page
        country_page = reader.get("/en/countries/HN").text
        assert "Extend community policing to San Pedro Sula." in country_page
        # Beside the text, what the line disbursed in the country over the span, as `stratmon funding` sums it;
        # each page takes it from its own figures (the line's by country, the country's by line), whose
        # downloads give it to the cent.
        funding = json.loads(Cli(portal_url)("funding", "--by", "line,country", "--type", "disbursement", "--fy", FY,
                                             "--format", "json").stdout)
        usd = next(Decimal(row["usd"]) for row in funding["rows"] if (row["line"], row["country"]) == ("security", "HN"))
        shown = f"Disbursed, FY2016–FY2021: {usd_short(usd)}</p>"
        assert usd > 0 and shown in line_page and shown in country_page
        by_country = reader.get("/en/lines/security?download=by-country&format=csv").text
        by_line = reader.get("/en/countries/HN?download=by-line&format=csv").text
        assert f"Honduras,{_cells(by_country, 'Honduras')[0]},{usd}" in by_country
        assert f"Enhancing Security,{_cells(by_line, 'Enhancing Security')[0]},{usd}" in by_line
        assert "No approved narrative for Promoting Prosperity, Honduras, FY2016–FY2021." in country_page
        # A Spanish reader is shown the English text, marked as English.
        spanish = reader.get("/es/countries/HN").text
        assert re.search(r'<dd lang="en"><p>Homicides fell', spanish)
        # Another span has no narrative yet; an open span cannot have one.
        assert "Vetting went on." not in reader.get("/en/countries/HN?fy=2019").text
        assert "Vetting went on." not in reader.get("/en/countries/HN?fy=all").text


def test_every_save_is_a_new_version_and_the_approved_one_stays_published(client, portal_url):
    sign_in(client, "ana")
    assert _save(client, then="submit").status_code == 303
    with client_for(portal_url) as ada:
        sign_in(ada, "ada")
        assert _act(ada, "approve", 1).status_code == 303
        ana_v2 = _save(client, progress="Homicides fell by a third.")
        assert ana_v2.status_code == 303
        assert _versions(portal_url) == [(1, "approved", "ana", "ada"), (2, "draft", "ana", None)]
        # The same text again is no new version.
        same = _save(client, progress="Homicides fell by a third.")
        assert "notice=narrative_unchanged" in same.headers["location"]
        assert len(_versions(portal_url)) == 2
        # The portal keeps showing version 1 until version 2 is approved.
        with client_for(portal_url) as reader:
            page = reader.get("/en/lines/security").text
            assert "Homicides fell in the 40 municipalities" in page and "fell by a third" not in page
        # A page left open on version 1 acts on nothing.
        stale = _act(ada, "approve", 1)
        assert stale.status_code == 409 and "no longer the newest" in _error(stale)
        assert _act(client, "submit", 2).status_code == 303
        # Returning needs a reason, which its author then reads.
        assert _act(ada, "return", 2).status_code == 409
        assert _act(ada, "return", 2, reason="Give the source of the homicide figures.").status_code == 303
        page = client.get(PAGE).text
        assert "Returned by ada: Give the source of the homicide figures." in page
        assert "fell by a third" in page  # the form holds the newest version, to correct it
        assert _save(client, progress="Homicides fell by a third (police records).").status_code == 303
    assert _versions(portal_url) == [(1, "approved", "ana", "ada"), (2, "returned", "ana", "ada"),
                                     (3, "draft", "ana", None)]
    # Every version is listed on the page, with its text.
    page = client.get(PAGE).text
    history = page[page.index('id="versions"'):]
    assert len(re.findall(r"<details>", history)) == 3 and "police records" in history
    # Who did what, when: every change and refused attempt.
    lines = [line for line in _narrative_audit(portal_url) if line[4] == "done"]
    assert lines[:3] == [("ana", "create", "security/HN/2016-2021/en v1", part, "done")
                         for part in ("progress", "challenges", "next_steps")]
    assert [line[:4] for line in lines[3:]] == [
        ("ana", "submit", "security/HN/2016-2021/en v1", "status"),
        ("ada", "approve", "security/HN/2016-2021/en v1", "status"),
        ("ana", "update", "security/HN/2016-2021/en v2", "progress"),
        ("ana", "submit", "security/HN/2016-2021/en v2", "status"),
        ("ada", "return", "security/HN/2016-2021/en v2", "status"),
        ("ana", "update", "security/HN/2016-2021/en v3", "progress")]
    assert scalar(portal_url, "SELECT reason FROM audit_log WHERE action = 'return' AND outcome = 'done'") == \
        "Give the source of the homicide figures."
    assert scalar(portal_url, "SELECT count(*) FROM audit_log WHERE entity = 'narrative' AND outcome = 'refused'") == 2
    assert ("ana", "approve", "security/HN/2016-2021/en v2") not in [line[:3] for line in lines]


def test_an_administrator_may_approve_their_own_narrative(client, portal_url):
    sign_in(client, "ada")
    assert _save(client, lang="es", then="submit", progress="Bajaron los homicidios.").status_code == 303
    assert _act(client, "approve", 1, lang="es").status_code == 303
    assert _versions(portal_url, "es") == [(1, "approved", "ada", "ada")]
    with client_for(portal_url) as reader:
        assert re.search(r'<dd lang="es"><p>Bajaron los homicidios.</p></dd>', reader.get("/es/lines/security").text)


def test_partners_neither_read_nor_write_narratives(client, portal_url):
    sign_in(client, "pablo")
    assert client.get("/en/workspace/narratives").status_code == 403
    assert client.get(PAGE).status_code == 403
    before = counts(portal_url, "narrative_version")
    data = {"csrf_token": form_token(client), "fy": FY, "lang": "en", **TEXT}
    assert client.post("/en/workspace/narratives/security/HN", data=data).status_code == 403
    assert client.post("/en/workspace/narratives/security/HN/act", data={
        **data, "version": "1", "action": "approve"}).status_code == 403
    assert counts(portal_url, "narrative_version") == before
    refused = query(portal_url, "SELECT user_name, entity_id, outcome FROM audit_log WHERE outcome = 'refused'")
    assert ("pablo", "/en/workspace/narratives/security/HN", "refused") in refused
    assert "/workspace/narratives" not in client.get("/en/workspace/").text  # not in a partner's navigation


def test_narrative_forms_need_the_csrf_token(client, portal_url):
    sign_in(client, "ana")
    before = counts(portal_url, "narrative_version", "audit_log")
    data = {"fy": FY, "lang": "en", **TEXT}
    assert client.post("/en/workspace/narratives/security/HN", data=data).status_code == 403
    assert client.post("/en/workspace/narratives/security/HN", data={**data, "csrf_token": "forged"}).status_code == 403
    forged = client.cookies.get("stratmon_csrf")  # the sign-in form's cookie is not the session's token
    assert client.post("/en/workspace/narratives/security/HN", data={**data, "csrf_token": forged}).status_code == 403
    assert counts(portal_url, "narrative_version", "audit_log") == before


def test_a_form_naming_no_narrative_or_missing_a_part_is_refused(client, portal_url):
    sign_in(client, "ana")
    for path in ("/en/workspace/narratives/peace/HN?fy=2019", "/en/workspace/narratives/security/MX?fy=2019",
                 "/en/workspace/narratives/security/HN?fy=all", "/en/workspace/narratives/security/HN?fy=2021:2016"):
        assert client.get(path).status_code == 404, path
    assert _save(client, line="peace").status_code == 404
    missing = _save(client, challenges="  ")
    assert missing.status_code == 400 and "Challenges is required" in _error(missing)
    assert "Homicides fell in the 40 municipalities" in missing.text  # what was typed is kept
    assert _save(client, lang="fr").status_code == 400
    assert _save(client, progress="x" * 4001).status_code == 400
    assert counts(portal_url, "narrative_version") == {"narrative_version": 0}


def test_the_overview_lists_every_cell_of_the_span_and_the_queue(client, portal_url):
    sign_in(client, "ana")
    assert _save(client, then="submit").status_code == 303
    assert _save(client, line="prosperity", country="GT", fy="2019").status_code == 303
    page = client.get("/en/workspace/narratives").text
    grid = page[page.index("Narratives, FY2016–FY2021"):]
    assert grid.count("Write or review</a>") == 21  # three lines of action by seven countries
    queue = page[page.index("Waiting for approval"):page.index("Narratives, FY2016–FY2021")]
    assert "Enhancing Security, Honduras, FY2016–FY2021" in queue and "Promoting Prosperity" not in queue
    assert 'href="/en/workspace/narratives?fy=2019:2019"' in page  # spans with narratives
    assert "draft, version 1" in client.get("/en/workspace/narratives?fy=2019").text
    assert client.get("/en/workspace/narratives?fy=all").status_code == 400
