"""Fuzzing the JSON API with schemathesis: every operation of the OpenAPI document, with data the
document allows and data it does not, finds no server error, answers in the statuses, media types
and shapes the document declares, and gives every error as JSON.

It runs on a small database (the hand-written IATI fixtures, aligned, with users and the test
indicator registry) so that a few hundred requests take seconds; the role matrix and the
real-data tests cover the real data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import FIXTURES, Cli
from stratmon.web.app import create_app
from api_helpers import bearer, token_for

# The schema is read when tests are collected, before any fixture exists; the application only
# opens its database on the first request, so `fuzz_db` builds the database at this address.
FOLDER = Path(tempfile.gettempdir()) / f"stratmon-fuzz-{os.getpid()}"
URL = f"sqlite:///{FOLDER / 'fuzz.db'}"
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(URL))


@pytest.fixture(scope="module")
def fuzz_db():
    """A fresh database with a few real-shaped activities, aligned, users and the indicator registry."""
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir()
    url = URL
    cli = Cli(url)
    steps = [("init",), ("import", "iati", str(FIXTURES / "align" / "activities.xml"),
                         str(FIXTURES / "results" / "activities.xml")),
             ("import", "fagov", str(FIXTURES / "fagov" / "complete-sample.csv")), ("align",),
             ("users", "add", "ada", "--role", "admin"), ("users", "add", "ana", "--role", "analyst", "--user", "ada"),
             ("indicators", "load", str(FIXTURES / "results" / "registry.yaml"), "--user", "ada")]
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.output)
    yield url
    shutil.rmtree(FOLDER, ignore_errors=True)


@pytest.fixture(scope="module")
def analyst_headers(fuzz_db) -> dict:
    return bearer(token_for(fuzz_db, "ana"))


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_server_errors(case, analyst_headers):
    # An analyst's token opens every route (partners' limits are the role matrix's business). Besides
    # "no 5xx", every answer must be one the document declares, in its declared shape.
    response = case.call_and_validate(headers=dict(analyst_headers), checks=[
        not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance])
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/json"), response.text[:200]
