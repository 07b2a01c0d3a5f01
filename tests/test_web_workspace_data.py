"""The workspace's data pages: uploads that run an import (and refuse bad, oversize or cunningly
named files harmlessly), alignment overrides, users, API tokens and documents, each for its roles."""

from __future__ import annotations

import uuid

from conftest import FIXTURES
from stratmon.analysis.alignment_state import alignment_state
from stratmon.store.db import get_engine
from stratmon.web.workspace.upload import MAX_UPLOAD_BYTES
from webfixtures import PASSWORD, client_for, sign_in
from workspace_helpers import counts, form_token, query, scalar

IATI_FIXTURE = FIXTURES / "align" / "activities.xml"
DATA_TABLES = ("activity", "iati_transaction", "fagov_transaction", "import_run", "alignment_split", "alignment_run",
               "result_value")


def _upload(client, kind: str, name: str, content: bytes, path: str = "/en/workspace/upload"):
    return client.post(path, data={"csrf_token": form_token(client, path), "kind": kind},
                       files={"file": (name, content, "application/octet-stream")})


# -------------------------------------------------------------------------------------------- upload

def test_an_iati_upload_is_imported_aligned_and_reported(client, portal_url):
    sign_in(client, "ana")
    before = scalar(portal_url, "SELECT count(*) FROM activity")
    response = _upload(client, "iati", "activities.xml", IATI_FIXTURE.read_bytes())
    assert response.status_code == 200, response.text[-1500:]
    assert "Import report: activities.xml" in response.text
    assert "<dt>New</dt><dd>7</dd>" in response.text and "<dt>Alignment</dt><dd>recomputed</dd>" in response.text
    assert scalar(portal_url, "SELECT count(*) FROM activity") == before + 7
    assert scalar(portal_url, "SELECT count(*) FROM activity WHERE iati_identifier = 'US-GOV-11-ALIGN-CRIME'") == 1
    engine = get_engine(portal_url)
    with engine.connect() as connection:  # the portal's pages stay current
        assert alignment_state(connection).is_current
    engine.dispose()
    # The ledger names a generated file, and the audit log the person and the file's own name.
    assert scalar(portal_url, "SELECT path FROM import_run ORDER BY id DESC LIMIT 1").endswith("/upload.xml")
    assert ("ana", "upload", "iati activities.xml", "done") in query(
        portal_url, "SELECT user_name, action, new_value, outcome FROM audit_log")
    # The same file again changes nothing and says so.
    again = _upload(client, "iati", "activities.xml", IATI_FIXTURE.read_bytes())
    assert again.status_code == 200 and "unchanged: this file was imported before" in again.text


def test_a_bad_upload_shows_one_line_and_changes_nothing(client, portal_url):
    sign_in(client, "ana")
    before = counts(portal_url, *DATA_TABLES)
    broken = IATI_FIXTURE.read_bytes()[:900]  # cut off inside an activity
    response = _upload(client, "iati", "broken.xml", broken)
    assert response.status_code == 400
    error = response.text.split('<p class="error" role="alert">')[1].split("</p>")[0]
    assert error.startswith("Refused; nothing was changed. broken.xml:") and "\n" not in error
    assert "stratmon-upload" not in response.text and "/tmp/" not in response.text
    results = _upload(client, "results", "results.csv", b"indicator,period_start,period_end,value_type,value\n"
                                                        b"CS.1-1,2024-02-30,2024-09-30,target,5\n")
    assert results.status_code == 400
    assert "results.csv:2: column &#39;period_start&#39;: &#39;2024-02-30&#39; is not a valid date" in results.text
    assert counts(portal_url, *DATA_TABLES) == before


def test_a_results_upload_stores_drafts(client, portal_url):
    sign_in(client, "ana")
    response = _upload(client, "results", "targets.csv", b"indicator,period_start,period_end,value_type,value\n"
                                                        b"CS.1-1,2023-10-01,2024-09-30,target,500\n")
    assert response.status_code == 200, response.text[-1500:]
    assert "<dt>New values</dt><dd>1</dd>" in response.text
    assert query(portal_url, "SELECT value_text, status, source FROM result_value") == [
        ("500", "draft", "targets.csv:2")]


def test_an_uploaded_file_name_cannot_reach_the_file_system(client, portal_url, tmp_path):
    sign_in(client, "ana")
    target = tmp_path / f"pwned-{uuid.uuid4().hex}.csv"
    cunning = "../" * 12 + str(target).lstrip("/")
    response = _upload(client, "results", cunning, b"indicator,period_start,period_end,value_type,value\n"
                                                   b"CS.1-1,2023-10-01,2024-09-30,target,500\n")
    assert response.status_code == 200, response.text[-1500:]
    assert not target.exists()
    assert f"Import report: {target.name}" in response.text  # shown as text, its last part only
    assert "../" not in response.text.split("Import report")[1]
    absolute = _upload(client, "fagov", str(tmp_path / "abs.csv"), b"not,a,fagov,file\n1,2,3,4\n")
    assert absolute.status_code == 400 and not (tmp_path / "abs.csv").exists()


def test_an_oversize_upload_is_refused_with_413(client, portal_url):
    sign_in(client, "ana")
    before = counts(portal_url, *DATA_TABLES)
    # Past the limit by the form's length, refused before reading it...
    assert _upload(client, "iati", "big.xml", b"<" * (MAX_UPLOAD_BYTES + 100_000)).status_code == 413
    # ...and past it by the file's own length, within the form's allowance for the other fields.
    just_over = _upload(client, "iati", "big.xml", b"<" * (MAX_UPLOAD_BYTES + 1))
    assert just_over.status_code == 413 and "larger than the limit of 50 MB" in just_over.text
    assert counts(portal_url, *DATA_TABLES) == before


def test_partners_cannot_upload(client, portal_url):
    sign_in(client, "pablo")
    assert client.get("/en/workspace/upload").status_code == 403
    before = counts(portal_url, *DATA_TABLES)
    refused = _upload(client, "iati", "activities.xml", IATI_FIXTURE.read_bytes(), path="/en/workspace/results/new")
    assert refused.status_code in (400, 403)  # the entry form is not an upload form
    token = form_token(client)
    direct = client.post("/en/workspace/upload", data={"csrf_token": token, "kind": "iati"},
                         files={"file": ("a.xml", IATI_FIXTURE.read_bytes(), "text/xml")})
    assert direct.status_code == 403
    assert counts(portal_url, *DATA_TABLES) == before
    assert ("pablo", "request", "/en/workspace/upload", "refused") in query(
        portal_url, "SELECT user_name, action, entity_id, outcome FROM audit_log")


# ----------------------------------------------------------------------------------------- alignment

def test_an_analyst_sets_and_revokes_an_override_and_the_activity_is_realigned(client, portal_url):
    identifier = scalar(portal_url, "SELECT a.iati_identifier FROM activity a JOIN alignment_split s "
                                    "ON s.activity_id = a.id WHERE s.rule = 'keyword' ORDER BY a.id LIMIT 1")
    sign_in(client, "ana")
    page = f"/en/workspace/alignment?activity={identifier}"
    set_response = client.post("/en/workspace/alignment/set", data={
        "csrf_token": form_token(client, page), "activity": identifier, "target": "G3",
        "reason": "per the award letter"}, follow_redirects=False)
    assert set_response.status_code == 303, set_response.text[-1000:]
    rows = query(portal_url, "SELECT DISTINCT s.objective_id, s.rule FROM alignment_split s JOIN activity a "
                             "ON a.id = s.activity_id WHERE a.iati_identifier = :id", id=identifier)
    assert rows == [("G3", "override")]
    history = client.get(page).text
    assert "per the award letter" in history and "Current override: G3, by ana" in history
    assert client.post("/en/workspace/alignment/unset", data={
        "csrf_token": form_token(client, page), "activity": identifier, "reason": "wrong award"},
        follow_redirects=False).status_code == 303
    rules = query(portal_url, "SELECT DISTINCT s.rule FROM alignment_split s JOIN activity a "
                              "ON a.id = s.activity_id WHERE a.iati_identifier = :id", id=identifier)
    assert rules and ("override",) not in rules
    actions = query(portal_url, "SELECT action, reason FROM audit_log WHERE entity = 'alignment_override'")
    assert actions == [("set_override", "per the award letter"), ("unset_override", "wrong award")]


def test_a_bad_override_is_refused_and_changes_nothing(client, portal_url):
    sign_in(client, "ana")
    before = counts(portal_url, "alignment_override", "alignment_split")
    token = form_token(client, "/en/workspace/alignment")
    unknown = client.post("/en/workspace/alignment/set", data={"csrf_token": token, "activity": "NO-SUCH",
                                                               "target": "G3", "reason": "x"})
    assert unknown.status_code == 404 and "No activity has the IATI identifier NO-SUCH." in unknown.text
    nowhere = client.post("/en/workspace/alignment/set", data={"csrf_token": token, "activity": "NO-SUCH",
                                                               "target": "Z9", "reason": "x"})
    assert nowhere.status_code == 400
    assert counts(portal_url, "alignment_override", "alignment_split") == before


# --------------------------------------------------------------------------------------------- users

def test_an_administrator_adds_a_user_who_can_then_sign_in(client, portal_url):
    sign_in(client, "ada")
    added = client.post("/en/workspace/users", data={
        "csrf_token": form_token(client, "/en/workspace/users"), "name": "nora", "role": "partner",
        "org": "US-EIN-52-2145827", "password": "a long enough secret"}, follow_redirects=False)
    assert added.status_code == 303, added.text[-1000:]
    assert "a long enough secret" not in client.get("/en/workspace/users").text
    assert query(portal_url, "SELECT role, org_ref FROM app_user WHERE name = 'nora'") == [
        ("partner", "US-EIN-52-2145827")]
    with client_for(portal_url) as nora:
        nora.get("/en/workspace/login")
        signed = nora.post("/en/workspace/login", data={"name": "nora", "password": "a long enough secret",
                                                        "csrf_token": nora.cookies.get("stratmon_csrf")},
                           follow_redirects=False)
        assert signed.status_code == 303
        assert "nora" in nora.get("/en/workspace/").text
    again = client.post("/en/workspace/users", data={
        "csrf_token": form_token(client, "/en/workspace/users"), "name": "nora", "role": "analyst",
        "password": "another long secret"})
    assert again.status_code == 409 and "nora is already a user" in again.text
    short = client.post("/en/workspace/users/password", data={
        "csrf_token": form_token(client, "/en/workspace/users"), "name": "pablo", "password": "short"})
    assert short.status_code == 400


def test_a_password_reset_ends_the_users_sessions(client, portal_url):
    with client_for(portal_url) as pablo:
        sign_in(pablo, "pablo")
        sign_in(client, "ada")
        assert client.post("/en/workspace/users/password", data={
            "csrf_token": form_token(client, "/en/workspace/users"), "name": "pablo",
            "password": "a brand new secret"}, follow_redirects=False).status_code == 303
        assert pablo.get("/en/workspace/", follow_redirects=False).status_code == 303
        pablo.get("/en/workspace/login")
        assert pablo.post("/en/workspace/login", data={"name": "pablo", "password": PASSWORD,
                                                       "csrf_token": pablo.cookies.get("stratmon_csrf")},
                          follow_redirects=False).status_code == 401


def test_partners_and_analysts_are_refused_the_administrators_pages(client, portal_url):
    sign_in(client, "pablo")
    for path in ("/en/workspace/users", "/en/workspace/audit", "/en/workspace/documents", "/en/workspace/alignment",
                 "/en/workspace/review"):
        assert client.get(path).status_code == 403, path
    before = counts(portal_url, "app_user")
    refused = client.post("/en/workspace/users", data={"csrf_token": form_token(client), "name": "mallory",
                                                       "role": "admin", "password": "a long enough secret"})
    assert refused.status_code == 403
    assert counts(portal_url, "app_user") == before
    with client_for(portal_url) as ana:
        sign_in(ana, "ana")
        assert ana.get("/en/workspace/users").status_code == 403
        assert ana.get("/en/workspace/audit").status_code == 200


# -------------------------------------------------------------------------------------------- tokens

def test_a_token_is_shown_once_works_and_can_be_revoked_by_its_owner_only(client, portal_url):
    sign_in(client, "pablo")
    made = client.post("/en/workspace/tokens", data={"csrf_token": form_token(client, "/en/workspace/tokens"),
                                                     "label": "nightly script"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = made.text.split('<p class="token" id="new-token">')[1].split("</p>")[0]
    assert len(token) > 30 and token not in client.get("/en/workspace/tokens").text
    engine = get_engine(portal_url)
    from stratmon.store.web import token_use

    with engine.begin() as connection:
        assert token_use(connection, token).user.name == "pablo"
    token_id = scalar(portal_url, "SELECT id FROM api_token WHERE label = 'nightly script'")
    with client_for(portal_url) as olga:
        sign_in(olga, "olga")
        assert "nightly script" not in olga.get("/en/workspace/tokens").text
        refused = olga.post("/en/workspace/tokens/revoke", data={"csrf_token": form_token(olga), "id": str(token_id)})
        assert refused.status_code == 404
    assert client.post("/en/workspace/tokens/revoke", data={"csrf_token": form_token(client), "id": str(token_id)},
                       follow_redirects=False).status_code == 303
    with engine.begin() as connection:
        assert token_use(connection, token) is None
    engine.dispose()


# ------------------------------------------------------------------------------------------ documents

def _publish(client, file: tuple | None, title: str = "Fact sheet: FY2024"):
    data = {"csrf_token": form_token(client, "/en/workspace/documents"), "kind": "fact_sheet", "lang": "es",
            "published_on": "2024-10-01", "title": title, "summary": "Resumen", "body": "Texto"}
    return client.post("/en/workspace/documents", data=data, files={"file": file} if file else None,
                       follow_redirects=False)


def test_documents_are_published_with_a_pdf_and_a_file_that_is_not_one_is_refused(client, portal_url):
    sign_in(client, "ana")
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    published = _publish(client, ("../../hoja <informativa>.pdf", pdf, "application/pdf"))
    assert published.status_code == 303, published.text[-1000:]
    assert query(portal_url, "SELECT kind, lang, title, file_name, media_type, created_by FROM document") == [
        ("fact_sheet", "es", "Fact sheet: FY2024", "hoja-informativa.pdf", "application/pdf", "ana")]
    assert scalar(portal_url, "SELECT content FROM document") == pdf
    before = counts(portal_url, "document")
    fake = _publish(client, ("report.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), title="Fake")
    assert fake.status_code == 415 and "is not a PDF" in fake.text
    assert counts(portal_url, "document") == before
    text_only = _publish(client, None, title="Remarks without a file")
    assert text_only.status_code == 303
    document_id = scalar(portal_url, "SELECT id FROM document WHERE title = 'Remarks without a file'")
    withdrawn = client.post("/en/workspace/documents/withdraw", data={
        "csrf_token": form_token(client, "/en/workspace/documents"), "id": str(document_id)}, follow_redirects=False)
    assert withdrawn.status_code == 303
    assert scalar(portal_url, "SELECT withdrawn_at IS NOT NULL FROM document WHERE id = :id", id=document_id) == 1
    assert [row[0] for row in query(portal_url, "SELECT action FROM audit_log WHERE entity = 'document'")] == [
        "publish", "publish", "withdraw"]
