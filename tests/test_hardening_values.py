"""Issue 17, points 3 and 4: a value belongs to the organisation that entered it.

Chemonics (pablo) and Catholic Relief Services (olga) share an activity. The penetration test's
attacks are replayed through the API, the workspace, the store functions the CLI and the upload
use: each is refused with a clear reason and changes nothing, while each partner still enters,
corrects and submits its own values and an analyst reviews them all.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from stratmon.framework import load_framework
from stratmon.indicators.workflow import Refused, User
from stratmon.sources.result_records import ResultRecord
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.results import act_on_results, write_results
from api_helpers import activity_of, bearer, token_for
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG, client_for, sign_in
from workspace_helpers import form_token, query, scalar

INDICATOR = "EG.3.2-24"
CELL = {"indicator": INDICATOR, "country": "GT", "period_start": "2023-10-01", "period_end": "2024-09-30",
        "value_type": "actual"}
PABLO = User("pablo", "partner", PARTNER_ORG)
OLGA = User("olga", "partner", OTHER_PARTNER_ORG)
ANA = User("ana", "analyst", None)


@pytest.fixture
def shared(portal_url) -> str:
    """A Chemonics activity that Catholic Relief Services carries out too (as extending partner)."""
    activity = activity_of(portal_url, PARTNER_ORG, not_of=OTHER_PARTNER_ORG)
    engine = get_engine(portal_url)
    with engine.begin() as connection:
        activity_id = connection.execute(select(schema.activity.c.id).where(
            schema.activity.c.iati_identifier == activity)).scalar_one()
        connection.execute(insert(schema.participating_org).values(
            activity_id=activity_id, role="3", ref=OTHER_PARTNER_ORG, name="Catholic Relief Services"))
    engine.dispose()
    return activity


def _values(db_url: str) -> list[tuple]:
    return query(db_url, "SELECT id, value_text, org_ref, status, comment FROM result_value ORDER BY id")


# ------------------------------------------------------------------------------------------- API

def test_attack_3_through_the_api_another_partner_s_value_cannot_be_changed_or_submitted(
        client, portal_url, shared):
    pablo, olga, ana = (bearer(token_for(portal_url, name)) for name in ("pablo", "olga", "ana"))
    written = client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 100,
                                                    "comment": "Chemonics only"}], headers=pablo)
    assert written.status_code == 201, written.text
    pablo_value = written.json()["values"][0]["id"]

    # Olga writes the same cell: her own value, beside Pablo's, which stays as it was.
    theirs = client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 12345,
                                                   "comment": "CRS note"}], headers=olga)
    assert theirs.status_code == 201, theirs.text
    olga_value = theirs.json()["values"][0]
    assert olga_value["id"] != pablo_value and olga_value["organisation"] == OTHER_PARTNER_ORG
    assert olga_value["value"] == "12345"
    before = _values(portal_url)
    assert (pablo_value, "100", PARTNER_ORG, "draft", "Chemonics only") in before

    # She cannot submit Pablo's value: 403, saying whose it is; nothing changes; the attempt is logged.
    refused = client.post(f"/api/v1/results/{pablo_value}/submit", headers=olga)
    assert refused.status_code == 403
    assert refused.json()["error"] == (f"result {pablo_value}: the value belongs to {PARTNER_ORG}, not to "
                                       f"{OTHER_PARTNER_ORG}: a partner acts only on its own organisation's values")
    assert _values(portal_url) == before
    audit = client.get("/api/v1/audit", params={"user": "olga"}, headers=ana).json()["items"]
    assert audit[0]["outcome"] == "refused" and PARTNER_ORG in audit[0]["reason"]

    # Pablo corrects and submits his own value; an analyst approves both organisations' values.
    corrected = client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 150}], headers=pablo)
    assert corrected.status_code == 200 and corrected.json()["updated"] == 1
    assert [v["id"] for v in corrected.json()["values"]] == [pablo_value]
    for headers, value_id in ((pablo, pablo_value), (olga, olga_value["id"])):
        assert client.post(f"/api/v1/results/{value_id}/submit", headers=headers).status_code == 200
        approved = client.post(f"/api/v1/results/{value_id}/approve", headers=ana)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert query(portal_url, "SELECT value_text, org_ref FROM result_value WHERE id = :id", id=pablo_value) == [
        ("150", PARTNER_ORG)]


def test_attack_4_through_the_api_a_partner_sees_only_its_own_values_comments(client, portal_url, shared):
    pablo, olga, ana = (bearer(token_for(portal_url, name)) for name in ("pablo", "olga", "ana"))
    client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 100, "comment": "Chemonics only"}],
                headers=pablo)
    client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 7, "comment": "CRS note"}],
                headers=olga)

    def comments(headers) -> dict:
        return {v["organisation"]: v["comment"] for v in client.get("/api/v1/results", headers=headers).json()["items"]}

    assert comments(olga) == {PARTNER_ORG: None, OTHER_PARTNER_ORG: "CRS note"}
    assert comments(pablo) == {PARTNER_ORG: "Chemonics only", OTHER_PARTNER_ORG: None}
    assert comments(ana) == {PARTNER_ORG: "Chemonics only", OTHER_PARTNER_ORG: "CRS note"}


def test_a_nul_in_a_comment_is_refused_by_the_api_as_by_the_form(client, portal_url, shared):
    pablo = bearer(token_for(portal_url, "pablo"))
    refused = client.post("/api/v1/results", json=[{**CELL, "activity": shared, "value": 1, "comment": "a\x00b"}],
                          headers=pablo)
    assert refused.status_code == 422
    assert refused.json()["error"] == "value 1: column 'comment' contains characters that are not allowed"
    sign_in(client, "pablo")
    form = client.post("/en/workspace/results/new", data={
        "csrf_token": form_token(client, "/en/workspace/results/new"), "activity": shared, **CELL, "value": "1",
        "comment": "a\x00b"}, follow_redirects=False)
    assert form.status_code == 400 and "Comment contains characters that are not allowed" in form.text
    assert scalar(portal_url, "SELECT count(*) FROM result_value") == 0


# ------------------------------------------------------------------------------------- workspace

def _enter(client, activity: str, value: str, comment: str, then: str | None = None):
    data = {"csrf_token": form_token(client, "/en/workspace/results/new"), "activity": activity, **CELL,
            "value": value, "comment": comment, **({"then": then} if then else {})}
    return client.post("/en/workspace/results/new", data=data, follow_redirects=False)


def _checkboxes(page: str) -> set[str]:
    return set(re.findall(r'<input type="checkbox" name="id" value="(\d+)"', page))


def test_attacks_3_and_4_through_the_workspace(client, portal_url, shared):
    with client_for(portal_url) as pablo:
        sign_in(pablo, "pablo")
        assert _enter(pablo, shared, "100", "Chemonics only").status_code == 303
        pablo_value = scalar(portal_url, "SELECT id FROM result_value WHERE org_ref = :org", org=PARTNER_ORG)

        sign_in(client, "olga")
        # Olga's entry for the same cell, submitted at once, is her own value; Pablo's stays a draft.
        assert _enter(client, shared, "12345", "CRS note", then="submit").status_code == 303
        olga_value = scalar(portal_url, "SELECT id FROM result_value WHERE org_ref = :org", org=OTHER_PARTNER_ORG)
        assert olga_value != pablo_value
        before = _values(portal_url)
        assert (pablo_value, "100", PARTNER_ORG, "draft", "Chemonics only") in before

        # Her list shows Pablo's value, but not its comment and no way to submit or correct it.
        listing = client.get("/en/workspace/results").text
        assert "CRS note" in listing and "Chemonics only" not in listing
        assert str(pablo_value) not in _checkboxes(listing)
        assert f"results/new?id={pablo_value}" not in listing
        assert f"Entered by {PARTNER_ORG}" in listing
        # Opening Pablo's value in the form (which would show its comment) is refused.
        opened = client.get(f"/en/workspace/results/new?id={pablo_value}")
        assert opened.status_code == 403 and "Chemonics only" not in opened.text
        # A crafted submission of it is refused and changes nothing.
        crafted = client.post("/en/workspace/results/submit", data={"csrf_token": form_token(client),
                                                                     "id": str(pablo_value)})
        assert crafted.status_code == 403
        assert f"the value belongs to {PARTNER_ORG}, not to {OTHER_PARTNER_ORG}" in crafted.text
        assert _values(portal_url) == before
        assert ("submit", str(pablo_value)) in query(
            portal_url, "SELECT action, entity_id FROM audit_log WHERE user_name = 'olga' AND outcome = 'refused'")

        # Pablo corrects his own value (not refused: Olga's did not touch it) and submits it.
        assert _enter(pablo, shared, "150", "Chemonics only", then="submit").status_code == 303
        assert query(portal_url, "SELECT value_text, status FROM result_value WHERE id = :id", id=pablo_value) == [
            ("150", "submitted")]
        own_list = pablo.get("/en/workspace/results").text
        assert "Chemonics only" in own_list and "CRS note" not in own_list

    # The analyst sees both, with their comments, and approves both.
    with client_for(portal_url) as ana:
        sign_in(ana, "ana")
        queue = ana.get("/en/workspace/review").text
        assert {str(pablo_value), str(olga_value)} <= _checkboxes(queue)
        assert "Chemonics only" in queue and "CRS note" in queue
        approved = ana.post("/en/workspace/review", data={"csrf_token": form_token(ana), "action": "approve",
                                                          "id": [str(pablo_value), str(olga_value)]},
                            follow_redirects=False)
        assert approved.status_code == 303
    assert query(portal_url, "SELECT status FROM result_value ORDER BY id") == [("approved",), ("approved",)]


# ------------------------------------------------------------------ the CLI's and the upload's store

def _record(activity: str, value: int, comment: str | None = None) -> ResultRecord:
    return ResultRecord(2, INDICATOR, activity, "GT", date(2023, 10, 1), date(2024, 9, 30), "actual",
                        Decimal(value), False, None, None, None, None, None, comment)


def test_results_files_write_each_organisation_s_own_value(portal_url, shared):
    engine = get_engine(portal_url)
    with engine.begin() as connection:
        pablo_value = write_results(connection, [_record(shared, 100)], PABLO, "pablo.csv").ids[0]
    with engine.begin() as connection:
        change = write_results(connection, [_record(shared, 12345)], OLGA, "olga.csv")
    assert change.new == 1 and change.ids[0] != pablo_value
    # `stratmon results submit` as Olga of Pablo's value is refused; nothing changes.
    with pytest.raises(Refused, match=f"belongs to {PARTNER_ORG}"), engine.begin() as connection:
        act_on_results(connection, [pablo_value], "submit", OLGA, None, load_framework())
    assert query(portal_url, "SELECT value_text, org_ref, status FROM result_value ORDER BY id") == [
        ("100", PARTNER_ORG, "draft"), ("12345", OTHER_PARTNER_ORG, "draft")]

    # A reviewer's row (a file, an upload) corrects the implementing partner's value of the cell.
    with engine.begin() as connection:
        assert write_results(connection, [_record(shared, 110)], ANA, "ana.csv").ids == [pablo_value]
    engine.dispose()


def test_a_reviewer_s_row_for_a_cell_two_partners_entered_without_the_implementer_s_is_refused(portal_url):
    # An activity Catholic Relief Services and a third partner carry out, no implementer among them
    # given alone: a reviewer's row cannot tell whose value it corrects.
    activity = activity_of(portal_url, OTHER_PARTNER_ORG, not_of=PARTNER_ORG)
    engine = get_engine(portal_url)
    with engine.begin() as connection:
        activity_id = connection.execute(select(schema.activity.c.id).where(
            schema.activity.c.iati_identifier == activity)).scalar_one()
        connection.execute(insert(schema.participating_org).values(activity_id=activity_id, role="4",
                                                                   ref=PARTNER_ORG))
        connection.execute(insert(schema.participating_org).values(activity_id=activity_id, role="4",
                                                                   ref="XM-EXAMPLE-3"))
    for user, value in ((PABLO, 1), (OLGA, 2)):
        with engine.begin() as connection:
            write_results(connection, [_record(activity, value)], user, "partner.csv")
    with pytest.raises(Refused, match="each entered this value"), engine.begin() as connection:
        write_results(connection, [_record(activity, 3)], ANA, "ana.csv")
    assert query(portal_url, "SELECT value_text FROM result_value ORDER BY id") == [("1",), ("2",)]
    engine.dispose()
