"""The review queue and the evaluation (issue 15, points 4 and 5): contested attributions largest first,
settled in the workspace as overrides with who, when and why; precision measured on labelled activities."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from conftest import FIXTURES
from stratmon.analysis.alignment_review import review_queue
from stratmon.store.db import get_engine
from webfixtures import client_for, sign_in
from workspace_helpers import form_token, query, scalar

ALIGN_FIXTURE = FIXTURES / "align" / "activities.xml"
LABEL_HEADER = "iati_identifier,draw,half,objectives,sure,reason\n"


@pytest.fixture
def aligned(cli):
    assert cli("import", "iati", str(ALIGN_FIXTURE)).exit_code == 0
    assert cli("align").exit_code == 0
    return cli


def test_the_review_queue_lists_the_low_confidence_activities_largest_first(aligned):
    result = aligned("alignment", "review", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    low = {row[0] for row in query(aligned.db_url, """
        SELECT DISTINCT a.iati_identifier FROM alignment_split s JOIN activity a ON a.id = s.activity_id
        WHERE s.confidence = 'low' AND s.rule <> 'override' AND s.sector_vocabulary = ''""")}
    assert low and {item["iati_identifier"] for item in document["items"]} == low
    assert document["total"] == len(low)
    amounts = [Decimal(item["usd"]) for item in document["items"]]
    assert amounts == sorted(amounts, reverse=True)
    split = next(item for item in document["items"] if item["iati_identifier"] == "US-GOV-1-ALIGN-SPLIT")
    assert split["confidence"] == "low" and split["answer"] and split["contest"]
    assert "→" in split["explanation"] and "→" in split["contest_explanation"]
    table = aligned("alignment", "review")
    assert table.exit_code == 0 and "US-GOV-1-ALIGN-SPLIT" in table.stdout


def test_an_override_takes_an_activity_out_of_the_queue(aligned):
    assert aligned("alignment", "set", "US-GOV-1-ALIGN-SPLIT", "P3", "--reason", "Read the award").exit_code == 0
    document = json.loads(aligned("alignment", "review", "--format", "json").stdout)
    assert "US-GOV-1-ALIGN-SPLIT" not in {item["iati_identifier"] for item in document["items"]}


def test_coverage_gives_the_placed_dollars_by_confidence(aligned):
    document = json.loads(aligned("alignment", "coverage", "--format", "json").stdout)
    levels = {key: Decimal(value) for key, value in document["placed_usd_by_confidence"].items()}
    assert set(levels) == {"override", "high", "medium", "low"}
    assert sum(levels.values()) == Decimal(document["aligned_usd"]) + Decimal(document["outside_usd"])


# --- the workspace ------------------------------------------------------------------------------------

def _queue_item(client) -> tuple[str, str]:
    page = client.get("/en/workspace/alignment/review")
    assert page.status_code == 200, page.text[-500:]
    found = re.search(r'name="activity" value="([^"]+)">\s*<input type="hidden" name="answer" value="([^"]*)"',
                      page.text)
    assert found, "no item in the review queue"
    return found.group(1), found.group(2)


def test_accepting_in_the_workspace_records_an_override_with_who_when_and_why(portal_url):
    with client_for(portal_url) as client:
        sign_in(client, "ana")
        activity, answer = _queue_item(client)
        token = form_token(client, "/en/workspace/alignment/review")
        response = client.post("/en/workspace/alignment/review", data={
            "csrf_token": token, "activity": activity, "answer": answer, "action": "accept", "note": "read it",
            "target": ""}, follow_redirects=False)
        assert response.status_code == 303, response.text[-500:]
        override = query(portal_url, "SELECT target, reason, created_by, created_at FROM alignment_override "
                                     "WHERE iati_identifier = :a AND revoked_at IS NULL", a=activity)
        assert len(override) == 1
        target, reason, by, when = override[0]
        assert (target, by) == (answer, "ana") and when is not None
        assert reason == "Accepted the rules' answer in the review queue: read it"
        audit = query(portal_url, "SELECT user_name, action, entity_id, new_value, reason FROM audit_log "
                                  "WHERE action = 'review_accept'")
        assert audit == [("ana", "review_accept", activity, answer, reason)]
        rules = {row[0] for row in query(portal_url, "SELECT DISTINCT s.rule FROM alignment_split s JOIN activity a "
                                                     "ON a.id = s.activity_id WHERE a.iati_identifier = :a", a=activity)}
        assert rules == {"override"}  # re-aligned at once
        assert activity not in client.get("/en/workspace/alignment/review").text
        audit_page = client.get("/en/workspace/audit")
        assert audit_page.status_code == 200 and activity in audit_page.text


def test_choosing_another_objective_in_the_workspace_is_an_override_too(portal_url):
    with client_for(portal_url) as client:
        sign_in(client, "ana", lang="es")
        activity, answer = _queue_item(client)
        other = "G1" if answer != "G1" else "G2"
        token = form_token(client, "/es/workspace/alignment/review")
        response = client.post("/es/workspace/alignment/review", data={
            "csrf_token": token, "activity": activity, "answer": answer, "action": "choose", "target": other},
            follow_redirects=False)
        assert response.status_code == 303
        assert scalar(portal_url, "SELECT target FROM alignment_override WHERE iati_identifier = :a "
                                  "AND revoked_at IS NULL", a=activity) == other
        assert scalar(portal_url, "SELECT count(*) FROM audit_log WHERE action = 'review_choose' AND "
                                  "entity_id = :a AND user_name = 'ana'", a=activity) == 1


def test_accepting_is_refused_where_the_rules_put_the_money_in_several_places(portal_url):
    engine = get_engine(portal_url)
    with engine.connect() as connection:
        from stratmon.align.crosswalk import load_crosswalks
        _total, items = review_queue(connection, limit=200, crosswalk_digest=load_crosswalks().digest)
    split = next(item for item in items if not item.single_target)
    with client_for(portal_url) as client:
        sign_in(client, "ana")
        token = form_token(client, "/en/workspace/alignment/review")
        response = client.post("/en/workspace/alignment/review", data={
            "csrf_token": token, "activity": split.iati_identifier, "answer": split.answer, "action": "accept"})
        assert response.status_code == 400 and "more than one place" in response.text
    assert scalar(portal_url, "SELECT count(*) FROM alignment_override WHERE iati_identifier = :a",
                  a=split.iati_identifier) == 0


def test_a_partner_cannot_see_or_settle_the_review_queue(portal_url):
    with client_for(portal_url) as client:
        sign_in(client, "pablo")
        assert client.get("/en/workspace/alignment/review").status_code == 403
        before = scalar(portal_url, "SELECT count(*) FROM alignment_override")
        token = client.cookies.get("stratmon_csrf") or ""
        response = client.post("/en/workspace/alignment/review", data={
            "csrf_token": token, "activity": "x", "action": "accept", "answer": "S2"})
        assert response.status_code in (403, 400)
        assert scalar(portal_url, "SELECT count(*) FROM alignment_override") == before


def test_an_unknown_target_is_refused_and_nothing_is_recorded(portal_url):
    with client_for(portal_url) as client:
        sign_in(client, "ana")
        activity, _answer = _queue_item(client)
        token = form_token(client, "/en/workspace/alignment/review")
        response = client.post("/en/workspace/alignment/review", data={
            "csrf_token": token, "activity": activity, "action": "choose", "target": "Z9"})
        assert response.status_code == 400 and "choose one of the options" in response.text
        assert scalar(portal_url, "SELECT count(*) FROM alignment_override WHERE iati_identifier = :a",
                      a=activity) == 0


# --- evaluation -----------------------------------------------------------------------------------------

def test_evaluate_counts_right_and_wrong_by_activities_and_dollars(aligned, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(LABEL_HEADER + "\n".join([
        "US-GOV-11-ALIGN-CRIME,uniform,test,S1,yes,counter-crime award",          # right
        "US-GOV-18-ALIGN-POWER,uniform,test,P2 P1,yes,power lines",              # right
        "US-GOV-11-ALIGN-JUSTICE,uniform,test,G2,yes,labelled wrong on purpose",  # wrong objective, right line
        "US-GOV-6-ALIGN-NOTHING,dollars,test,G3,yes,nothing places it",           # not aligned: wrong
        "US-GOV-1-ALIGN-RELIEF,dollars,tune,outside:humanitarian,yes,relief",    # the other half
        "XM-NOT-IN-THE-DATA,dollars,test,P3,yes,absent",
    ]) + "\n", encoding="utf-8")
    result = aligned("alignment", "evaluate", str(labels), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["labelled"], document["activities"], document["not_found"]) == (5, 4, ["XM-NOT-IN-THE-DATA"])
    assert document["objective_precision"]["activities"] == 0.5
    assert document["line_precision"]["activities"] == 0.75
    # FY2016–2020 disbursements: CRIME 400,000 and POWER 250,000 right; JUSTICE 75,000 wrong objective but
    # right line; NOTHING 5,000 not aligned, wrong on both.
    assert Decimal(document["usd_fy2016_2020"]) == Decimal("730000.00")
    assert document["objective_precision"]["usd_fy2016_2020"] == pytest.approx(650000 / 730000, abs=1e-6)
    assert document["line_precision"]["usd_fy2016_2020"] == pytest.approx(725000 / 730000, abs=1e-6)
    assert {miss["iati_identifier"] for miss in document["misses"]} == {"US-GOV-11-ALIGN-JUSTICE",
                                                                        "US-GOV-6-ALIGN-NOTHING"}
    assert {"labelled": "governance", "answered": "governance", "activities": 1} in document["confusion_by_line"]
    assert {"labelled": "governance", "answered": "none", "activities": 1} in document["confusion_by_line"]
    everything = json.loads(aligned("alignment", "evaluate", str(labels), "--half", "all", "--format", "json").stdout)
    assert everything["labelled"] == 6 and everything["activities"] == 5
    table = aligned("alignment", "evaluate", str(labels))
    assert table.exit_code == 0 and "US-GOV-11-ALIGN-JUSTICE" in table.stdout


def test_labels_are_read_as_csv_records_whatever_their_text_holds(aligned, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(LABEL_HEADER + 'US-GOV-11-ALIGN-CRIME,uniform,test,S1,yes,"two\nlines"\n'
                      "US-GOV-18-ALIGN-POWER,uniform,test,P2,yes,a\u2028b\n", encoding="utf-8")
    document = json.loads(aligned("alignment", "evaluate", str(labels), "--format", "json").stdout)
    assert (document["labelled"], document["activities"]) == (2, 2)


@pytest.mark.parametrize("content, message", [
    ("iati_identifier,reason\nX,y\n", "labels.csv:1: missing column 'objectives'"),
    (LABEL_HEADER + "A,uniform,test,S1,yes,r\nA,uniform,test,S2,yes,r\n", "labels.csv:3: A is labelled twice"),
    (LABEL_HEADER + "A,uniform,test,,yes,r\n", "labels.csv:2: an activity and at least one objective"),
    (LABEL_HEADER + "US-GOV-11-ALIGN-CRIME,uniform,test,Z9,yes,r\n", "Z9 is no objective or outside category"),
])
def test_a_bad_labels_file_is_refused_with_its_place(aligned, tmp_path, content, message):
    labels = tmp_path / "labels.csv"
    labels.write_text(content, encoding="utf-8")
    result = aligned("alignment", "evaluate", str(labels))
    assert result.exit_code != 0
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
