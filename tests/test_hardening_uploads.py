"""Issue 17, points 1 and 2: a hostile workbook is refused quickly and holds no lock while it is read;
`stratmon serve` stops on SIGTERM mid-request; many concurrent IATI exports cannot starve cheap requests.

Never asserts times (the bench measures them, bench/costly_bench.py); asserts what each attack gets.
"""

from __future__ import annotations

import re
import threading
import zipfile
from pathlib import Path

import httpx
import pytest

from api_helpers import activity_of, bearer, token_for
from conftest import run_stratmon
from stratmon.sources.errors import ImportRejected
from stratmon.sources.results import read_results
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG, PASSWORD, client_for, running_server, sign_in, start_server
from workspace_helpers import form_token, scalar

SHEET = "xl/worksheets/sheet1.xml"
INDICATOR = "CS.1-1"  # from tests/fixtures/results/registry.yaml
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.'
    'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="results" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
ROWS = '<row r="1"><c r="A1" t="inlineStr"><is><t>indicator</t></is></c></row>'
COMMENT = "<!--" + "x" * (32 * 1024 * 1024) + "-->"  # the penetration test's: minutes for openpyxl
DEEP = "<x>" * 200 + "</x>" * 200


def sign_in_over_http(address: str, name: str) -> int:
    """One sign-in through the login form of a real server; its status (the CSRF cookie is Secure,
    so the plain-HTTP client hands it back by hand)."""
    page = httpx.get(address + "/en/workspace/login", timeout=60)
    token = re.search(r"stratmon_csrf=([^;]+)", page.headers.get("set-cookie", ""))
    assert page.status_code == 200 and token, page.headers
    response = httpx.post(address + "/en/workspace/login", headers={"cookie": f"stratmon_csrf={token[1]}"},
                          data={"name": name, "password": PASSWORD, "csrf_token": token[1]}, timeout=60)
    return response.status_code


def hostile_xlsx(folder: Path, before_sheet_data: str, name: str = "hostile.xlsx") -> Path:
    """A small workbook whose sheet holds `before_sheet_data` before its <sheetData>."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part, text in PARTS.items():
            bundle.writestr(part, text)
        bundle.writestr(SHEET, '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                        'openxmlformats.org/spreadsheetml/2006/main">' + before_sheet_data
                        + f"<sheetData>{ROWS}</sheetData></worksheet>")
    return path


@pytest.mark.parametrize(("markup", "reason"), [
    (COMMENT, "not well-formed XML: Comment too big found"),
    ("<!--" + "x" * (2 * 1024 * 1024) + "-->", "a comment longer than 65,536 characters"),
    ('<sheetPr codeName="' + "x" * (2 * 1024 * 1024) + '"/>', "a start tag longer than 65,536 characters"),
    ("<?pi " + "x" * (2 * 1024 * 1024) + "?>", "a processing instruction longer than 65,536 characters"),
    (DEEP, "elements nested deeper than 64"),
])
def test_a_hostile_workbook_is_refused_in_one_line(tmp_path, markup, reason):
    path = hostile_xlsx(tmp_path, markup)
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportRejected) as refused:
        list(read_results(path))
    assert str(refused.value) == f"{path}: too large to read safely: part {SHEET}, line 1: {reason}"


def test_the_cli_refuses_it_and_stores_nothing(tmp_path, portal_url):
    before = scalar(portal_url, "SELECT count(*) FROM result_value")
    for markup in (COMMENT, DEEP):
        path = hostile_xlsx(tmp_path, markup)
        result = run_stratmon("import", "results", str(path), "--user", "ana", "--db", portal_url)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "too large to read safely" in lines[0], result.stderr
    assert scalar(portal_url, "SELECT count(*) FROM result_value") == before


def test_the_workspace_upload_refuses_it_and_stores_nothing(tmp_path, portal_url):
    path = hostile_xlsx(tmp_path, COMMENT)
    before = scalar(portal_url, "SELECT count(*) FROM result_value")
    with client_for(portal_url) as client:
        sign_in(client, "ana")
        page = "/en/workspace/upload"
        response = client.post(page, data={"csrf_token": form_token(client, page), "kind": "results"},
                               files={"file": ("hostile.xlsx", path.read_bytes(), "application/octet-stream")})
    assert response.status_code == 400
    assert "hostile.xlsx: too large to read safely: part xl/worksheets/sheet1.xml" in response.text
    assert scalar(portal_url, "SELECT count(*) FROM result_value") == before


def test_sign_in_and_api_writes_go_on_while_hostile_workbooks_are_refused(tmp_path, portal_url):
    path = hostile_xlsx(tmp_path, COMMENT)
    pablo = bearer(token_for(portal_url, "pablo"))
    own = activity_of(portal_url, PARTNER_ORG, not_of=OTHER_PARTNER_ORG)
    refusals: list[int] = []

    def refuse_repeatedly() -> None:
        for _attempt in range(3):
            result = run_stratmon("import", "results", str(path), "--user", "ana", "--db", portal_url)
            refusals.append(result.returncode)

    with running_server(portal_url) as address:
        importer = threading.Thread(target=refuse_repeatedly)
        importer.start()
        try:
            assert sign_in_over_http(address, "ana") == 303
            written = httpx.post(address + "/api/v1/results", headers=pablo, timeout=60, json=[{
                "indicator": INDICATOR, "activity": own, "country": "GT", "period_start": "2019-10-01",
                "period_end": "2020-09-30", "value_type": "actual", "value": 120}])
            assert written.status_code == 201, written.text
        finally:
            importer.join()
    assert refusals and all(code != 0 for code in refusals)


# ------------------------------------------------------------------------------------ the server

def test_sigterm_stops_a_server_in_the_middle_of_a_request(portal_url, tmp_path, monkeypatch):
    monkeypatch.setenv("STRATMON_CACHE_DIR", str(tmp_path / "cache"))  # a cold cache: the export is written
    process, address = start_server(portal_url)
    try:
        started = threading.Event()

        def export() -> None:
            started.set()
            try:
                httpx.get(address + "/api/v1/activities.xml?country=GT", timeout=60)
            except httpx.HTTPError:
                pass  # cut off by the shutdown

        downloader = threading.Thread(target=export, daemon=True)
        downloader.start()
        started.wait()
        threading.Event().wait(1.0)  # the request is at work
        process.terminate()
        process.wait(timeout=10)  # raises if the server is still there
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_many_exports_at_once_do_not_starve_cheap_requests(portal_url, tmp_path, monkeypatch):
    monkeypatch.setenv("STRATMON_CACHE_DIR", str(tmp_path / "cache"))
    with running_server(portal_url) as address:
        barrier = threading.Barrier(15)
        statuses: list[int] = []

        def export() -> None:
            barrier.wait()
            response = httpx.get(address + "/api/v1/activities.xml?country=HN", timeout=120)
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) > 0 and response.json()["status"] == 429

        threads = [threading.Thread(target=export) for _ in range(15)]
        for thread in threads:
            thread.start()
        countries = httpx.get(address + "/api/v1/countries", timeout=120)
        for thread in threads:
            thread.join()
        assert countries.status_code == 200
        assert set(statuses) <= {200, 429} and statuses.count(429) >= 1 and statuses.count(200) >= 1, statuses
        # What was written once is sent again from the cache.
        again = httpx.get(address + "/api/v1/activities.xml?country=HN", timeout=120)
        assert again.status_code == 200 and again.content.startswith(b"<?xml")
