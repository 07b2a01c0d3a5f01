"""The JSON API on the real data: the CLI's figures to the cent (funding, reconciliation), activities
that add up to funding, identifiers with spaces, results written within a partner's scope and
approved by an analyst, published documents, bounded bodies, and JSON errors for bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest

from conftest import run_stratmon
from stratmon.framework import load_framework
from stratmon.store.db import get_engine
from stratmon.store.web import add_document, withdraw_document
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG
from api_helpers import activity_of, bearer, stored_values, token_for

SPACED = "US-GOV-18-SLV-2750BXCOMD-CONN PROJ-0151"
INDICATOR = "CS.1-1"  # from tests/fixtures/results/registry.yaml


def cli_csv(db_url: str, *args: str) -> list[dict]:
    result = run_stratmon(*args, "--format", "csv", "--db", db_url)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def decimal_json(response) -> object:
    assert response.status_code == 200, response.text[:500]
    return json.loads(response.text, parse_float=Decimal)


# ------------------------------------------------------------------------------------ funding

def test_funding_is_the_cli_s_to_the_cent(reader, shared_portal_url):
    response = reader.get("/api/v1/funding", params={"by": "country,fy", "type": "disbursement", "fy": "all"})
    rows = decimal_json(response)
    # The shape: a list of {"country", "fy", "usd"}, fy an integer, usd a number with two decimals.
    assert all(list(row) == ["country", "fy", "usd"] and isinstance(row["fy"], int) for row in rows)
    assert len(re.findall(r'"usd": -?\d+\.\d\d[},]', response.text)) == len(rows)
    expected = cli_csv(shared_portal_url, "funding", "--by", "country,fy", "--type", "disbursement")
    assert len(rows) > 100
    assert [(r["country"], r["fy"], r["usd"]) for r in rows] == \
        [(r["country"], int(r["fy"]), Decimal(r["usd"])) for r in expected]


def test_money_endpoints_default_to_the_strategy_s_period(reader, shared_portal_url):
    default = decimal_json(reader.get("/api/v1/funding", params={"by": "fy"}))
    assert [row["fy"] for row in default] == list(range(2016, 2022))
    expected = cli_csv(shared_portal_url, "funding", "--by", "fy", "--fy", "2016:2021")
    assert [row["usd"] for row in default] == [Decimal(r["usd"]) for r in expected]


def test_funding_names_match_the_cli_in_spanish(reader, shared_portal_url):
    params = {"by": "line,agency", "type": "obligation", "fy": "2017:2020", "lang": "es"}
    rows = decimal_json(reader.get("/api/v1/funding", params=params))
    expected = cli_csv(shared_portal_url, "--lang", "es", "funding", "--by", "line,agency", "--type", "obligation",
                       "--fy", "2017:2020")
    assert [{**row, "usd": f"{row['usd']:.2f}"} for row in rows] == expected
    spanish = {line.name.es for line in load_framework().lines_of_action}
    assert spanish <= {row["line_name"] for row in rows}


def test_reconciliation_and_context_are_the_cli_s(reader, shared_portal_url):
    answer = reader.get("/api/v1/reconciliation", params={"fy": "2018:2019", "country": "GT"}).json()
    result = run_stratmon("reconcile", "--fy", "2018:2019", "--country", "GT", "--format", "json", "--db",
                          shared_portal_url)
    assert result.returncode == 0, result.stderr
    expected = json.loads(result.stdout)
    assert len(answer) == len(expected) == 4
    for got, cli in zip(answer, expected):
        assert {key: got[key] for key in ("country", "fy", "type", "iati_usd", "fagov_usd", "difference_usd",
                                          "ratio")} == {key: cli[key] for key in cli if key != "explanation"}
        assert "; ".join(reason["text"] for reason in got["reasons"]) == cli["explanation"]
        assert got["country_name"] == "Guatemala"

    series = reader.get("/api/v1/context", params={"indicator": "homicide_rate", "country": "GT"}).json()
    assert len(series) > 10 and {p["country"] for p in series} == {"GT"}
    assert all(p["source"] and Decimal(p["value"]) > 0 for p in series)
    assert [p["year"] for p in series] == sorted(p["year"] for p in series)
    group = reader.get("/api/v1/context", params={"indicator": "homicide_rate", "country": "northern-triangle"})
    assert {p["country"] for p in group.json()} == {"GT", "HN", "SV"}


def test_reference_lists(reader):
    both = reader.get("/api/v1/framework").json()
    spanish = reader.get("/api/v1/framework", params={"lang": "es"}).json()
    assert both["lines"][0]["name"] == {"en": "Promoting Prosperity", "es": spanish["lines"][0]["name"]}
    assert [c["code"] for c in both["countries"]] == [c["code"] for c in reader.get("/api/v1/countries").json()]
    agencies = reader.get("/api/v1/agencies", params={"fy": "2019"}).json()
    by_agency = decimal_json(reader.get("/api/v1/funding", params={"by": "agency", "fy": "2019"}))
    assert {a["ref"]: Decimal(a["disbursed_usd"]) for a in agencies if Decimal(a["disbursed_usd"])} == \
        {r["agency"]: r["usd"] for r in by_agency if r["usd"]}
    usaid = next(a for a in agencies if a["ref"] == "US-GOV-1")
    assert (usaid["acronym"], usaid["id"]) == ("USAID", "usaid")


# --------------------------------------------------------------------------------- activities

def all_pages(client, **params) -> tuple[list[dict], int]:
    items, page = [], 1
    while True:
        answer = client.get("/api/v1/activities", params={**params, "page": page, "per_page": 500}).json()
        items.extend(answer["items"])
        if answer["links"]["next"] is None:
            return items, answer["total"]
        page += 1


def test_activities_add_up_to_funding(reader):
    items, total = all_pages(reader, country="GT")
    assert total == len(items) == len({i["identifier"] for i in items}) > 100
    funding = decimal_json(reader.get("/api/v1/funding", params={"by": "country", "country": "GT", "fy": "all"}))
    assert sum(Decimal(i["disbursed_usd"]) for i in items) == funding[0]["usd"]
    obligated = decimal_json(reader.get("/api/v1/funding", params={"by": "country", "country": "GT",
                                                                   "type": "obligation", "fy": "all"}))
    assert sum(Decimal(i["obligated_usd"]) for i in items) == obligated[0]["usd"]

    items, _total = all_pages(reader, line="security", fy="2019")
    by_line = decimal_json(reader.get("/api/v1/funding", params={"by": "line", "fy": "2019"}))
    assert sum(Decimal(i["disbursed_usd"]) for i in items) == next(r["usd"] for r in by_line
                                                                    if r["line"] == "security")


def test_activity_filters_sorting_and_pages(reader):
    wide = reader.get("/api/v1/activities", params={"country": "northern-triangle", "per_page": 6}).json()
    narrow = reader.get("/api/v1/activities", params={"country": "northern-triangle", "per_page": 3,
                                                      "page": 2}).json()
    assert narrow["items"] == wide["items"][3:6]
    assert narrow["links"]["prev"].endswith("page=1") and "country=northern-triangle" in narrow["links"]["next"]
    guatemala = reader.get("/api/v1/activities", params={"country": "GT", "per_page": 1}).json()
    assert wide["total"] > guatemala["total"] > 0
    disbursed = [Decimal(i["disbursed_usd"]) for i in wide["items"]]
    assert disbursed == sorted(disbursed, reverse=True)

    by_title = reader.get("/api/v1/activities", params={"agency": "US-GOV-18", "sort": "title",
                                                        "per_page": 50}).json()
    assert by_title["items"] and all(i["agency"] == "US-GOV-18" and i["agency_name"] == "Millennium Challenge "
                                     "Corporation" for i in by_title["items"])
    titles = [(i["title"] or "").lower() for i in by_title["items"]]
    assert titles == sorted(titles)

    found = reader.get("/api/v1/activities", params={"q": "conn proj-015", "status": "4"}).json()
    assert found["items"] and all("conn proj-015" in i["identifier"].lower() and i["status"] == "4"
                                  for i in found["items"])
    beyond = reader.get("/api/v1/activities", params={"country": "GT", "page": guatemala["total"] + 1,
                                                      "per_page": 1}).json()
    assert beyond["items"] == [] and beyond["links"]["next"] is None


def test_an_identifier_with_a_space(reader):
    found = reader.get("/api/v1/activities", params={"q": SPACED}).json()
    assert [i["identifier"] for i in found["items"]] == [SPACED]
    href = found["items"][0]["href"]
    assert href == "/api/v1/activities/" + quote(SPACED) and "%20" in href
    detail = reader.get(href)
    assert detail.status_code == 200
    activity = detail.json()
    assert activity["identifier"] == SPACED and activity["title"]
    transactions = activity["transactions"]
    assert transactions and {t["type"] for t in transactions} >= {"3"}
    disbursed = sum(Decimal(t["usd"]) for t in transactions if t["type"] == "3" and t["usd"] is not None)
    assert f"{disbursed:.2f}" == activity["totals"]["disbursement"]
    aligned = activity["alignment"]
    assert aligned["is_current"] and {t["transaction_id"] for t in aligned["transactions"]} == \
        {t["id"] for t in transactions}
    parts = [p for t in aligned["transactions"] for p in t["parts"]]
    assert parts and all(p["rule_name"] and p["recipient_name"] == "El Salvador" for p in parts)
    assert reader.get("/api/v1/activities/" + quote(SPACED + "-missing")).status_code == 404


# ------------------------------------------------------------------------------------ results

def value(activity: str, **changes) -> dict:
    return {"indicator": INDICATOR, "activity": activity, "country": "GT", "period_start": "2019-10-01",
            "period_end": "2020-09-30", "value_type": "actual", "value": 120, **changes}


def test_a_partner_writes_for_its_own_activities_only(client, portal_url):
    pablo, ana, olga = (bearer(token_for(portal_url, name)) for name in ("pablo", "ana", "olga"))
    own = activity_of(portal_url, PARTNER_ORG, not_of=OTHER_PARTNER_ORG)
    other = activity_of(portal_url, OTHER_PARTNER_ORG, not_of=PARTNER_ORG)

    written = client.post("/api/v1/results", json=[value(own, comment="field visit")], headers=pablo)
    assert written.status_code == 201, written.text
    assert written.json()["new"] == 1
    stored = written.json()["values"][0]
    assert (stored["activity"], stored["value"], stored["status"], stored["comment"]) == (own, "120", "draft",
                                                                                         "field visit")
    again = client.post("/api/v1/results", json=[value(own, comment="field visit")], headers=pablo)
    assert again.status_code == 200 and again.json()["unchanged"] == 1

    before = stored_values(portal_url)
    refused = client.post("/api/v1/results", json=[value(own, value_type="target", value=200), value(other)],
                          headers=pablo)
    assert refused.status_code == 403
    assert refused.json()["error"] == f"value 2: {other} is not an activity of {PARTNER_ORG}"
    assert stored_values(portal_url) == before  # the first value was not written either
    audit = client.get("/api/v1/audit", params={"user": "pablo"}, headers=ana).json()["items"]
    assert audit[0]["outcome"] == "refused" and other in audit[0]["reason"]
    assert client.get("/api/v1/audit", headers=pablo).status_code == 403

    assert client.get("/api/v1/results", headers=olga).json()["total"] == 0
    assert client.post(f"/api/v1/results/{stored['id']}/submit", headers=olga).status_code == 403
    assert client.get("/api/v1/results", headers=pablo).json()["items"][0]["id"] == stored["id"]
    assert client.get("/api/v1/results", headers=ana).json()["total"] == 1


def test_an_analyst_approves_what_a_partner_submitted(client, portal_url):
    pablo, ana = (bearer(token_for(portal_url, name)) for name in ("pablo", "ana"))
    own = activity_of(portal_url, PARTNER_ORG)
    stored = client.post("/api/v1/results", json=[value(own, comment="internal")], headers=pablo).json()["values"][0]
    public = f"/api/v1/indicators/{INDICATOR}/values"
    assert client.get(public).json()["total"] == 0
    assert client.get(public, headers=pablo).json()["total"] == 1  # its own draft

    submitted = client.post(f"/api/v1/results/{stored['id']}/submit", headers=pablo)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert client.post(f"/api/v1/results/{stored['id']}/approve", headers=pablo).status_code == 403
    approved = client.post(f"/api/v1/results/{stored['id']}/approve", headers=ana)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["locked"]) == ("approved", True)
    assert client.post(f"/api/v1/results/{stored['id']}/approve", headers=ana).status_code == 409

    scorecard = next(i for i in client.get("/api/v1/indicators").json()["performance"] if i["code"] == INDICATOR)
    assert scorecard["status"]["no_target"] == 1 and scorecard["values_href"] == public  # an actual, no target yet
    seen = client.get(public).json()["items"]
    assert [(v["id"], v["value"], v["comment"]) for v in seen] == [(stored["id"], "120", None)]
    detail = client.get("/api/v1/activities/" + quote(own)).json()
    assert [v["id"] for v in detail["reported_values"]] == [stored["id"]]
    changes = client.get("/api/v1/audit", params={"entity": "result_value", "entity_id": str(stored["id"])},
                         headers=ana).json()["items"]
    assert [(c["user"], c["action"], c["outcome"]) for c in changes] == [
        ("ana", "approve", "refused"), ("ana", "approve", "done"), ("pablo", "approve", "refused"),
        ("pablo", "submit", "done"), ("pablo", "create", "done")]
    assert client.post(f"/api/v1/results/{stored['id']}/unlock", headers=ana, json={}).status_code == 422
    unlocked = client.post(f"/api/v1/results/{stored['id']}/unlock", headers=ana, json={"reason": "typo"})
    assert unlocked.json()["status"] == "draft" and client.get(public).json()["total"] == 0


def test_documents_list_what_is_published(client, portal_url):
    with get_engine(portal_url).begin() as connection:
        for kind, lang, title, day in (("remarks", "en", "Remarks <b>on</b> prosperity", 3),
                                       ("release", "es", "Comunicado", 5), ("report", "en", "Withdrawn", 4)):
            added = add_document(connection, kind=kind, lang=lang, title=title, published_on=date(2024, 1, day),
                                 summary="S", body="the whole text", file_name=None, media_type=None, content=None,
                                 created_by="ada")
    with get_engine(portal_url).begin() as connection:
        withdraw_document(connection, added)
    listed = client.get("/api/v1/documents").json()
    assert [(d["kind"], d["lang"], d["title"]) for d in listed] == [("release", "es", "Comunicado"),
                                                                    ("remarks", "en", "Remarks <b>on</b> prosperity")]
    assert "body" not in listed[0] and listed[0]["published_on"] == "2024-01-05"
    assert [d["title"] for d in client.get("/api/v1/documents", params={"written_in": "en"}).json()] == [
        "Remarks <b>on</b> prosperity"]
    assert client.get("/api/v1/documents", params={"kind": "release", "written_in": "en"}).json() == []


def test_bodies_are_bounded(client, portal_url):
    pablo = bearer(token_for(portal_url, "pablo"))
    own = activity_of(portal_url, PARTNER_ORG)
    huge = client.post("/api/v1/results", content=b"[" + b" " * 1_000_001 + b"]", headers={
        **pablo, "content-type": "application/json"})
    assert huge.status_code == 413 and "bytes" in huge.json()["error"]
    streamed = client.post("/api/v1/results", content=iter([b"[" + b" " * 600_000, b" " * 600_000 + b"]"]),
                           headers={**pablo, "content-type": "application/json"})  # no Content-Length: counted
    assert streamed.status_code == 413
    many = client.post("/api/v1/results", json=[value(own)] * 1001, headers=pablo)
    assert many.status_code == 422 and "1000" in many.json()["error"]
    bad = client.post("/api/v1/results", json=[value(own, period_end="2019-02-30")], headers=pablo)
    assert bad.status_code == 422 and bad.json()["error"].startswith("value 1: column 'period_end'")
    assert stored_values(portal_url) == 0


# ------------------------------------------------------------------------------------- errors

BAD_REQUESTS = [
    ("/api/v1/funding?by=country,budget", 400, "by takes"),
    ("/api/v1/funding", 422, "by"),
    ("/api/v1/funding?by=country&type=gift", 422, "type"),
    ("/api/v1/funding?by=country&fy=2020:2019", 400, "ends before it starts"),
    ("/api/v1/activities?country=Atlantis", 400, "Atlantis"),
    ("/api/v1/activities?per_page=0", 422, "per_page"),
    ("/api/v1/activities?page=first", 422, "page"),
    ("/api/v1/activities?sort=price", 422, "sort"),
    ("/api/v1/activities/NOT-AN-ACTIVITY", 404, "NOT-AN-ACTIVITY"),
    ("/api/v1/indicators/NOPE/values", 404, "NOPE"),
    ("/api/v1/context?indicator=happiness", 400, "happiness"),
    ("/api/v1/reconciliation?fy=last", 400, "last"),
    ("/api/v1/reconciliation?fy=1000:9999", 400, "years run from 1900 to 2100"),
    ("/api/v1/documents?kind=poem", 422, "kind"),
    ("/api/v1/framework?lang=fr", 422, "lang"),
    ("/api/v1/no-such-thing", 404, ""),
]


@pytest.mark.parametrize(("path", "status", "fragment"), BAD_REQUESTS)
def test_bad_requests_get_json_errors(reader, path, status, fragment):
    response = reader.get(path)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and body["error"] and fragment in body["error"]


def test_tokens(reader):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic YWRhOmFkYQ=="}):
        response = reader.get("/api/v1/me", headers=headers)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert "token" in response.json()["error"]
    # A revoked or mistyped token is refused even where no token is needed, so that scripts notice.
    assert reader.get("/api/v1/activities/" + quote(SPACED), headers={"Authorization": "Bearer x"}).status_code == 401
