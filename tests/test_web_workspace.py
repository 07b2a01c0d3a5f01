"""The workspace: sign-in (cookie, throttle, sign-out), CSRF on every form, roles checked on the
server, and results from a partner's entry through submission to an analyst's approval, with a
partner kept to its own organisation's activities and values."""

from __future__ import annotations

import re

from stratmon.store.db import get_engine
from stratmon.store.results import activity_partners
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG, PASSWORD, client_for, sign_in
from workspace_helpers import counts, form_token, query, scalar

LOGIN = "/en/workspace/login"


def _login(client, name: str, password: str):
    client.get(LOGIN)
    return client.post(LOGIN, data={"name": name, "password": password,
                                    "csrf_token": client.cookies.get("stratmon_csrf")}, follow_redirects=False)


# ------------------------------------------------------------------------------------------ sign-in

def test_sign_in_sets_a_secure_session_cookie_rotated_on_every_sign_in(client, portal_url):
    first = _login(client, "pablo", PASSWORD)
    assert first.status_code == 303 and first.headers["location"] == "/en/workspace/"
    cookie = first.headers["set-cookie"]
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/", "Max-Age=28800"):
        assert attribute in cookie, cookie
    old_token = client.cookies.get("stratmon_session")
    assert "pablo" in client.get("/en/workspace/").text
    second = _login(client, "pablo", PASSWORD)
    assert second.status_code == 303
    assert client.cookies.get("stratmon_session") != old_token
    # The old session ended with the new sign-in: its cookie opens nothing.
    with client_for(portal_url) as other:
        other.cookies.set("stratmon_session", old_token)
        assert other.get("/en/workspace/", follow_redirects=False).status_code == 303
    assert scalar(portal_url, "SELECT count(*) FROM web_session") == 1


def test_a_wrong_password_is_refused_and_never_echoed(client, portal_url):
    response = _login(client, "pablo", "not-the-password-42")
    assert response.status_code == 401
    assert "not-the-password-42" not in response.text
    assert "The name or the password is not right." in response.text
    assert "stratmon_session" not in response.headers.get("set-cookie", "")
    assert client.get("/en/workspace/", follow_redirects=False).status_code == 303
    # An unknown name reads exactly the same.
    assert _login(client, "nobody", PASSWORD).status_code == 401


def test_sign_in_is_throttled_after_five_failures_even_with_the_right_password(client, portal_url):
    for _attempt in range(5):
        assert _login(client, "pablo", "wrong password!").status_code == 401
    sixth = _login(client, "pablo", PASSWORD)
    assert sixth.status_code == 429
    assert "Wait 15 minutes" in sixth.text and int(sixth.headers["retry-after"]) == 900
    assert scalar(portal_url, "SELECT count(*) FROM web_session") == 0
    # Another account from another client is not held up.
    with client_for(portal_url) as other:
        assert _login(other, "ana", PASSWORD).status_code == 303


def test_a_user_without_a_password_cannot_sign_in(client, portal_url):
    from conftest import Cli

    result = Cli(portal_url)("users", "add", "nopass", "--role", "analyst", "--user", "ada")
    assert result.exit_code == 0, result.output
    assert _login(client, "nopass", "").status_code in (400, 401)
    assert _login(client, "nopass", PASSWORD).status_code == 401


def test_sign_out_ends_the_session(client, portal_url):
    sign_in(client, "ana")
    token = form_token(client)
    response = client.post("/en/workspace/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/en/workspace/", follow_redirects=False).status_code == 303
    assert scalar(portal_url, "SELECT count(*) FROM web_session") == 0
    assert ("ana", "sign_out") in query(portal_url, "SELECT user_name, action FROM audit_log")


def test_pages_need_a_session_and_forms_without_one_are_refused(client):
    page = client.get("/en/workspace/results", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/en/workspace/login?next=%2Fen%2Fworkspace%2Fresults"
    client.get(LOGIN)
    refused = client.post("/en/workspace/results/submit", data={"csrf_token": client.cookies.get("stratmon_csrf"),
                                                                 "id": "1"})
    assert refused.status_code == 401


def test_the_workspace_speaks_spanish(client):
    sign_in(client, "pablo", lang="es")
    page = client.get("/es/workspace/")
    assert page.status_code == 200 and 'lang="es"' in page.text
    assert 'href="/en/workspace/"' in page.text  # the language switch keeps the page


# --------------------------------------------------------------------------------------------- CSRF

def test_a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(client, portal_url):
    sign_in(client, "ana")
    before = counts(portal_url, "result_value", "audit_log", "app_user", "api_token")
    form = {"indicator": "CS.1-1", "period_start": "2023-10-01", "period_end": "2024-09-30",
            "value_type": "target", "value": "100"}
    assert client.post("/en/workspace/results/new", data=form).status_code == 403
    assert client.post("/en/workspace/results/new", data={**form, "csrf_token": "forged"}).status_code == 403
    # The double-submit cookie is not the session's token.
    forged = client.cookies.get("stratmon_csrf")
    assert client.post("/en/workspace/tokens", data={"label": "x", "csrf_token": forged}).status_code == 403
    assert client.post("/en/workspace/logout", data={}).status_code == 403
    assert counts(portal_url, "result_value", "audit_log", "app_user", "api_token") == before
    # With the token the same form works.
    saved = client.post("/en/workspace/results/new", data={**form, "csrf_token": form_token(client)},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text[-800:]
    assert scalar(portal_url, "SELECT count(*) FROM result_value") == before["result_value"] + 1


def test_every_workspace_form_needs_the_csrf_token(client, portal_url):
    from stratmon.web.workspace.routes import PARTS

    posts = sorted(route.path for part in PARTS for route in part.router.routes if "POST" in route.methods)
    assert len(posts) >= 14
    sign_in(client, "ada")
    before = counts(portal_url, "result_value", "app_user", "api_token", "document", "alignment_override",
                    "web_session", "import_run")
    for path in posts:
        response = client.post(f"/en/workspace{path}", data={"csrf_token": "forged", "name": "x", "id": "1"})
        assert response.status_code == 403, (path, response.status_code)
        assert "did not come from this site" in response.text
    assert counts(portal_url, "result_value", "app_user", "api_token", "document", "alignment_override",
                  "web_session", "import_run") == before


def test_the_sign_in_form_needs_its_csrf_token(client, portal_url):
    client.get(LOGIN)
    refused = client.post(LOGIN, data={"name": "ana", "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.cookies.get("stratmon_session") is None


# ------------------------------------------------------------------------------------------ results

def _activity_options(page_text: str) -> list[str]:
    select = re.search(r'<select name="activity"[^>]*>(.*?)</select>', page_text, re.S)
    assert select, "no activity choice on the entry form"
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(1)) if value]


def _enter(client, activity: str, value: str, then: str | None = None, **extra):
    data = {"csrf_token": form_token(client, "/en/workspace/results/new"), "activity": activity,
            "indicator": "EG.3.2-24", "country": "GT", "period_start": "2023-10-01", "period_end": "2024-09-30",
            "value_type": "actual", "value": value, "comment": "field records", **extra}
    if then:
        data["then"] = then
    return client.post("/en/workspace/results/new", data=data, follow_redirects=False)


def _value_id(db_url: str, activity: str) -> int:
    return scalar(db_url, "SELECT id FROM result_value WHERE activity = :activity", activity=activity)


def test_a_partner_enters_and_submits_for_its_own_activities_only_and_an_analyst_approves(client, portal_url):
    engine = get_engine(portal_url)
    # Olga (Catholic Relief Services) saves a draft for one of her organisation's activities.
    with client_for(portal_url) as olga:
        sign_in(olga, "olga")
        olga_activities = _activity_options(olga.get("/en/workspace/results/new").text)
        assert olga_activities
        olga_activity = olga_activities[0]
        assert _enter(olga, olga_activity, "40").status_code == 303
    olga_value = _value_id(portal_url, olga_activity)

    # Pablo (Chemonics) is offered Chemonics's activities only.
    sign_in(client, "pablo")
    offered = _activity_options(client.get("/en/workspace/results/new").text)
    assert offered and olga_activity not in offered
    with engine.connect() as connection:
        assert all(PARTNER_ORG in activity_partners(connection, identifier) for identifier in offered)
        assert OTHER_PARTNER_ORG not in activity_partners(connection, offered[0])
    activity = offered[0]
    saved = _enter(client, activity, "1,250")
    assert saved.status_code == 303 and saved.headers["location"] == "/en/workspace/results?notice=saved"
    value_id = _value_id(portal_url, activity)
    assert query(portal_url, "SELECT status, value_text, org_ref, created_by FROM result_value WHERE id = :id",
                 id=value_id) == [("draft", "1250", PARTNER_ORG, "pablo")]

    # His list shows his value, not Olga's.
    listing = client.get("/en/workspace/results").text
    assert f'value="{value_id}"' in listing and activity in listing
    assert olga_activity not in listing and f'value="{olga_value}"' not in listing

    submitted = client.post("/en/workspace/results/submit",
                            data={"csrf_token": form_token(client), "id": str(value_id)}, follow_redirects=False)
    assert submitted.status_code == 303
    assert scalar(portal_url, "SELECT status FROM result_value WHERE id = :id", id=value_id) == "submitted"

    # He cannot approve, not even his own value.
    assert client.get("/en/workspace/review").status_code == 403
    refused = client.post("/en/workspace/review", data={"csrf_token": form_token(client), "action": "approve",
                                                        "id": str(value_id)})
    assert refused.status_code == 403
    assert scalar(portal_url, "SELECT status FROM result_value WHERE id = :id", id=value_id) == "submitted"

    # An analyst approves it; the audit log shows the submission and the approval.
    with client_for(portal_url) as ana:
        sign_in(ana, "ana")
        queue = ana.get("/en/workspace/review").text
        assert f'value="{value_id}"' in queue
        approved = ana.post("/en/workspace/review", data={"csrf_token": form_token(ana), "action": "approve",
                                                          "id": str(value_id)}, follow_redirects=False)
        assert approved.status_code == 303
        assert query(portal_url, "SELECT status, locked FROM result_value WHERE id = :id", id=value_id) == [
            ("approved", 1)]
        log = ana.get(f"/en/workspace/audit?entity=result_value&entity_id={value_id}").text
        # Actions and kinds of thing by name, not by code (submit, result_value).
        rows = re.findall(r"<tr><td>[^<]+</td><td>(\w+)</td><td>([\w ]+)</td><td>result value " + str(value_id), log)
        assert ("pablo", "submitted") in rows and ("ana", "approved") in rows and ("pablo", "created") in rows
    engine.dispose()


def test_a_partner_cannot_act_on_another_organisations_value_or_activity(client, portal_url):
    with client_for(portal_url) as olga:
        sign_in(olga, "olga")
        olga_activity = _activity_options(olga.get("/en/workspace/results/new").text)[0]
        assert _enter(olga, olga_activity, "40").status_code == 303
    olga_value = _value_id(portal_url, olga_activity)
    before = query(portal_url, "SELECT * FROM result_value ORDER BY id")

    sign_in(client, "pablo")
    # A crafted submission of Olga's value.
    crafted = client.post("/en/workspace/results/submit", data={"csrf_token": form_token(client),
                                                                 "id": str(olga_value)})
    assert crafted.status_code == 403
    assert "is not an activity of" in crafted.text
    # A crafted value for Olga's activity.
    entered = _enter(client, olga_activity, "999")
    assert entered.status_code == 403
    # Reading Olga's value to correct it.
    assert client.get(f"/en/workspace/results/new?id={olga_value}").status_code == 403

    assert query(portal_url, "SELECT * FROM result_value ORDER BY id") == before
    refusals = query(portal_url, "SELECT action, entity_id FROM audit_log WHERE user_name = 'pablo' "
                                 "AND outcome = 'refused' ORDER BY id")
    assert ("submit", str(olga_value)) in refusals and ("create", olga_activity) in refusals


def test_an_entry_is_checked_as_a_results_file_row_is(client, portal_url):
    sign_in(client, "pablo")
    activity = _activity_options(client.get("/en/workspace/results/new").text)[0]
    bad = _enter(client, activity, "lots")
    assert bad.status_code == 400
    assert "column &#39;value&#39;: &#39;lots&#39; is not a number" in bad.text
    assert 'value="lots"' in bad.text  # the form comes back as it was filled in
    backwards = _enter(client, activity, "5", period_end="2023-01-01")
    assert backwards.status_code == 400 and "is before period_start" in backwards.text
    assert scalar(portal_url, "SELECT count(*) FROM result_value") == 0


def test_a_reviewer_returns_with_a_reason_and_the_partner_corrects_and_resubmits(client, portal_url):
    sign_in(client, "pablo")
    activity = _activity_options(client.get("/en/workspace/results/new").text)[0]
    assert _enter(client, activity, "10", then="submit").status_code == 303
    value_id = _value_id(portal_url, activity)
    assert scalar(portal_url, "SELECT status FROM result_value WHERE id = :id", id=value_id) == "submitted"
    with client_for(portal_url) as ana:
        sign_in(ana, "ana")
        no_reason = ana.post("/en/workspace/review", data={"csrf_token": form_token(ana), "action": "return",
                                                           "id": str(value_id)})
        assert no_reason.status_code == 400
        returned = ana.post("/en/workspace/review", data={"csrf_token": form_token(ana), "action": "return",
                                                          "id": str(value_id), "reason": "count women too"},
                            follow_redirects=False)
        assert returned.status_code == 303
    assert scalar(portal_url, "SELECT status FROM result_value WHERE id = :id", id=value_id) == "returned"
    assert "count women too" in client.get("/en/workspace/results").text
    assert _enter(client, activity, "12", then="submit").status_code == 303
    assert query(portal_url, "SELECT status, value_text FROM result_value WHERE id = :id", id=value_id) == [
        ("submitted", "12")]
