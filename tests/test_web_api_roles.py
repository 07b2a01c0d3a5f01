"""Every operation of the OpenAPI document, called as every role, answers as the matrix below
declares: a route added without an entry here fails `test_the_matrix_covers_every_operation`."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from urllib.parse import quote

import pytest

from stratmon.framework import load_framework
from stratmon.indicators.workflow import User
from stratmon.sources.result_records import ResultRecord
from stratmon.store.db import get_engine
from stratmon.store.results import act_on_results, write_results
from webfixtures import PARTNER_ORG, client_for
from api_helpers import activity_of, bearer, token_for

ROLES = ("anonymous", "partner", "analyst", "admin")
USER_OF_ROLE = {"partner": "pablo", "analyst": "ana", "admin": "ada"}

PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 401, "partner": 200, "analyst": 200, "admin": 200}
REVIEWERS = {"anonymous": 401, "partner": 403, "analyst": 200, "admin": 200}
ADMINS = {"anonymous": 401, "partner": 403, "analyst": 403, "admin": 200}

# (method, path as in the OpenAPI document) → the status each role gets.
MATRIX = {
    ("GET", "/api/v1/framework"): PUBLIC,
    ("GET", "/api/v1/countries"): PUBLIC,
    ("GET", "/api/v1/agencies"): PUBLIC,
    ("GET", "/api/v1/funding"): PUBLIC,
    ("GET", "/api/v1/context"): PUBLIC,
    ("GET", "/api/v1/reconciliation"): PUBLIC,
    ("GET", "/api/v1/coverage"): PUBLIC,
    ("GET", "/api/v1/budget/comparison"): PUBLIC,
    ("GET", "/api/v1/organisation-budgets"): PUBLIC,
    ("GET", "/api/v1/documents"): PUBLIC,
    ("GET", "/api/v1/activities"): PUBLIC,
    ("GET", "/api/v1/activities/{identifier}"): PUBLIC,
    ("GET", "/api/v1/activities.xml"): PUBLIC,
    ("GET", "/api/v1/indicators"): PUBLIC,
    ("GET", "/api/v1/indicators/{code}/values"): PUBLIC,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/results"): SIGNED_IN,
    ("POST", "/api/v1/results"): {"anonymous": 401, "partner": 201, "analyst": 201, "admin": 201},
    ("POST", "/api/v1/results/{id}/submit"): SIGNED_IN,
    ("POST", "/api/v1/results/{id}/approve"): REVIEWERS,
    ("POST", "/api/v1/results/{id}/return"): REVIEWERS,
    ("POST", "/api/v1/results/{id}/unlock"): REVIEWERS,
    ("GET", "/api/v1/audit"): REVIEWERS,
    ("GET", "/api/v1/users"): ADMINS,
}

# Query parameters a route needs (or that make it do real work).
QUERIES = {"/api/v1/funding": {"by": "country,fy"}, "/api/v1/activities": {"country": "GT", "per_page": 5},
           "/api/v1/activities.xml": {"q": "CONN PROJ-015"},
           "/api/v1/context": {"indicator": "homicide_rate", "country": "GT"},
           "/api/v1/reconciliation": {"fy": "2019"}, "/api/v1/coverage": {"country": "GT"},
           "/api/v1/budget/comparison": {"country": "GT"}}
# The state a result must be in for each workflow action to be allowed.
STATE_FOR = {"submit": "draft", "approve": "submitted", "return": "submitted", "unlock": "approved"}
SPACED = "US-GOV-18-SLV-2750BXCOMD-CONN PROJ-0151"
INDICATOR = "CS.1-1"


@pytest.fixture(scope="module")
def setting(portal_master, tmp_path_factory):
    """A private copy of the portal, its client, a token per role and an activity of the partner's."""
    copy = tmp_path_factory.mktemp("roles") / "portal.db"
    shutil.copyfile(portal_master, copy)
    url = f"sqlite:///{copy}"
    with client_for(url) as client:
        yield {"url": url, "client": client, "activity": activity_of(url, PARTNER_ORG),
               "headers": {role: bearer(token_for(url, name)) for role, name in USER_OF_ROLE.items()}}


_periods = count()


def new_period() -> tuple[str, str]:
    """A period no other value of the test uses, so that every write is new."""
    start = date(2000, 1, 1) + timedelta(days=next(_periods))
    return start.isoformat(), start.isoformat()


def result_in_state(setting: dict, state: str) -> int:
    """A fresh result value of the partner's activity, brought to `state` through the workflow."""
    start, end = new_period()
    record = ResultRecord(1, INDICATOR, setting["activity"], "GT", date.fromisoformat(start), date.fromisoformat(end),
                          "target", Decimal(10), False, None, None, None, None, None, None)
    admin = User("ada", "admin", None)
    engine = get_engine(setting["url"])
    with engine.begin() as connection:
        write_results(connection, [record], admin, "roles test")
        value_id = connection.exec_driver_sql("SELECT max(id) FROM result_value").scalar_one()
        for action in {"draft": [], "submitted": ["submit"], "approved": ["submit", "approve"]}[state]:
            act_on_results(connection, [value_id], action, admin, None, load_framework())
    return value_id


def request_for(setting: dict, method: str, path: str) -> tuple[str, dict]:
    """The concrete address and keyword arguments of one call to an operation."""
    if path == "/api/v1/results" and method == "POST":
        start, end = new_period()
        return path, {"json": [{"indicator": INDICATOR, "activity": setting["activity"], "country": "GT",
                                "period_start": start, "period_end": end, "value_type": "target", "value": 10}]}
    if "{id}" in path:
        action = path.rsplit("/", 1)[-1]
        return path.replace("{id}", str(result_in_state(setting, STATE_FOR[action]))), {
            "json": {"reason": "checked"}}
    concrete = path.replace("{identifier}", quote(SPACED)).replace("{code}", INDICATOR)
    return concrete, {"params": QUERIES.get(path, {})}


def test_the_matrix_covers_every_operation(setting):
    document = setting["client"].get("/api/v1/openapi.json").json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert operations == set(MATRIX), {"without an entry": sorted(operations - set(MATRIX)),
                                       "no longer in the document": sorted(set(MATRIX) - operations)}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(setting, method, path, role):
    address, arguments = request_for(setting, method, path)
    headers = setting["headers"].get(role, {})
    response = setting["client"].request(method, address, headers=headers, **arguments)
    expected = MATRIX[(method, path)][role]
    assert response.status_code == expected, (role, method, address, response.text[:300])
    media_type = "application/xml" if path.endswith(".xml") and expected == 200 else "application/json"
    assert response.headers["content-type"].startswith(media_type)
    if expected == 401:
        assert response.headers["www-authenticate"] == "Bearer" and response.json()["error"]
    if expected == 403 and "{id}" in path:
        # Refused: the value stays as it was, and the attempt is on the audit log.
        value_id = address.split("/")[4]
        kept = setting["client"].get("/api/v1/results", headers=setting["headers"]["admin"],
                                     params={"per_page": 1000}).json()["items"]
        action = path.rsplit("/", 1)[-1]
        assert next(v for v in kept if str(v["id"]) == value_id)["status"] == STATE_FOR[action]
        log = setting["client"].get("/api/v1/audit", headers=setting["headers"]["admin"],
                                    params={"entity": "result_value", "entity_id": value_id}).json()["items"]
        assert (log[0]["user"], log[0]["action"], log[0]["outcome"]) == (USER_OF_ROLE[role], action, "refused")
