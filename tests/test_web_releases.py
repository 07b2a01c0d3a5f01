"""Remarks and releases on the portal: newest first, filtered by kind, bodies as text, attached
files served as downloads with a safe name."""

from __future__ import annotations

from datetime import date

from stratmon.store import web as web_store
from stratmon.store.db import get_engine
from stratmon.web.context import write_transaction


def publish(url: str, **fields) -> int:
    document = {"kind": "release", "lang": "en", "summary": None, "body": None, "file_name": None,
                "media_type": None, "content": None, "created_by": "ada", **fields}
    with write_transaction(get_engine(url)) as connection:
        return web_store.add_document(connection, **document)


def test_releases_list_newest_first_and_filter_by_kind(client, portal_url):
    older = publish(portal_url, title="Fact sheet on security", kind="fact_sheet", published_on=date(2019, 3, 1))
    newer = publish(portal_url, title="Remarks at the Conference on Prosperity", kind="remarks",
                    published_on=date(2021, 6, 15), summary="What was said.")
    spanish = publish(portal_url, title="Comunicado sobre la Estrategia", lang="es", published_on=date(2020, 1, 10))
    page = client.get("/en/releases").text
    assert page.index("Remarks at the Conference") < page.index("Comunicado sobre") < page.index("Fact sheet on")
    assert f'href="/en/releases/{newer}"' in page and 'lang="es"' in page
    only = client.get("/en/releases?kind=fact_sheet").text
    assert "Fact sheet on security" in only and "Remarks at the Conference" not in only
    assert client.get("/en/releases?kind=poem").status_code == 400
    assert "Comunicado sobre la Estrategia" in client.get("/es/").text  # home lists its language's
    assert "Remarks at the Conference" in client.get("/en/").text
    rows = client.get("/en/releases?download=releases&format=csv").content.decode("utf-8-sig").splitlines()
    assert rows[0] == "Date,Title,Kind,Language,Summary" and len(rows) == 4
    assert rows[1].startswith("2021-06-15,Remarks at the Conference on Prosperity,Remarks,English")
    assert older and spanish


def test_a_release_shows_its_body_as_text_and_serves_its_file(client, portal_url):
    document = publish(portal_url, title="<b>Report</b> 2021", kind="report", published_on=date(2021, 9, 30),
                       body="First paragraph <script>alert(1)</script>\n\nSecond\nparagraph.",
                       file_name='../../etc/"passwd" report 2021.pdf', media_type="application/pdf",
                       content=b"%PDF-1.4 test")
    page = client.get(f"/en/releases/{document}")
    assert page.status_code == 200
    assert "<title>&lt;b&gt;Report&lt;/b&gt; 2021" in page.text
    assert "First paragraph &lt;script&gt;alert(1)&lt;/script&gt;</p>" in page.text
    assert "<script>alert" not in page.text
    assert '<p class="description">Second\nparagraph.</p>' in page.text
    assert f'href="/en/releases/{document}/file"' in page.text
    served = client.get(f"/en/releases/{document}/file")
    assert served.status_code == 200 and served.content == b"%PDF-1.4 test"
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == 'attachment; filename="etc-passwd-report-2021.pdf"'
    assert "sandbox" in served.headers["content-security-policy"]


def test_a_file_of_any_claimed_type_is_only_ever_a_download(client, portal_url):
    document = publish(portal_url, title="Odd", published_on=date(2022, 1, 1), file_name="<x>.html",
                       media_type="text/html; charset=<script>", content=b"<script>alert(1)</script>")
    served = client.get(f"/es/releases/{document}/file")
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"] == 'attachment; filename="x-.html"'
    plain = publish(portal_url, title="No file", published_on=date(2022, 1, 2))
    assert client.get(f"/en/releases/{plain}/file").status_code == 404
    with write_transaction(get_engine(portal_url)) as connection:
        web_store.withdraw_document(connection, plain)
    assert client.get(f"/en/releases/{plain}").status_code == 404
