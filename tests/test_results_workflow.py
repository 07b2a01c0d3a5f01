"""Results through their workflow: roles, partner scope, locks, reasons, audit, re-cut schemes."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from conftest import FIXTURES, Cli
from dbdump import dump

RESULTS = FIXTURES / "results"


def ok(cli: Cli, *args: str, lang: str | None = None):
    result = cli(*args, lang=lang)
    assert result.exit_code == 0, result.output
    return result


def refused(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def results(cli: Cli) -> list[dict]:
    return json.loads(ok(cli, "results", "list", "--format", "json").stdout)


def audit(cli: Cli) -> list[dict]:
    return json.loads(ok(cli, "results", "audit", "--format", "json").stdout)


@pytest.fixture
def registry(cli):
    ok(cli, "import", "iati", str(RESULTS / "activities.xml"))
    ok(cli, "users", "add", "root", "--role", "admin")
    ok(cli, "users", "add", "ana", "--role", "analyst", "--user", "root")
    ok(cli, "users", "add", "pat", "--role", "partner", "--org", "XI-TEST-PARTNER-A", "--user", "root")
    ok(cli, "indicators", "load", str(RESULTS / "registry.yaml"), "--user", "ana")
    return cli


def test_a_partner_enters_submits_and_an_analyst_approves_and_locks(registry):
    ok(registry, "results", "import", str(RESULTS / "results-a.csv"), "--user", "pat")
    stored = results(registry)
    assert len(stored) == 9 and {r["status"] for r in stored} == {"draft"}
    assert {r["org"] for r in stored} == {"XI-TEST-PARTNER-A"}
    ids = [str(r["id"]) for r in stored]
    ok(registry, "results", "submit", *ids, "--user", "pat", "--reason", "survey delayed by the rains")
    # The partner cannot approve its own results; the attempt is refused and on record.
    message = refused(registry, "results", "approve", ids[0], "--user", "pat")
    assert "only an analyst or an administrator can approve" in message
    assert audit(registry)[-1]["outcome"] == "refused" and audit(registry)[-1]["user"] == "pat"
    ok(registry, "results", "approve", *ids, "--user", "ana")
    assert {(r["status"], r["locked"]) for r in results(registry)} == {("approved", True)}

    # A locked value cannot be edited, by anyone, until an analyst unlocks it with a reason.
    path = _write((RESULTS / "results-a.csv").read_text().replace(",actual,950,", ",actual,960,"))
    before = dump(registry.db_url)
    message = refused(registry, "results", "import", str(path), "--user", "pat")
    assert "row 4" in message and "approved and locked" in message
    assert _without_audit(dump(registry.db_url)) == _without_audit(before)
    refused(registry, "results", "import", str(path), "--user", "ana")
    assert "a reason is required" in refused(registry, "results", "unlock", ids[2], "--user", "ana")
    ok(registry, "results", "unlock", ids[2], "--user", "ana", "--reason", "partner found a tally error")
    ok(registry, "results", "import", str(path), "--user", "pat")
    row = next(r for r in results(registry) if r["id"] == int(ids[2]))
    assert (row["value"], row["status"], row["locked"]) == ("960", "draft", False)
    trail = [(e["action"], e["outcome"]) for e in audit(registry) if e["id"] == ids[2]]
    assert trail == [("create", "done"), ("submit", "done"), ("approve", "done"), ("unlock", "refused"),
                     ("unlock", "done"), ("update", "done"), ("update", "done")]
    entries = [e for e in audit(registry) if e["id"] == ids[2]]
    value_change = next(e for e in entries if e["field"] == "value_text")
    assert (value_change["old"], value_change["new"], value_change["user"]) == ("950", "960", "pat")
    # The reason given for 950 does not explain 960: it is cleared, on record.
    assert next(e for e in entries if e["field"] == "reason")["old"] == "survey delayed by the rains"
    assert entries[4]["reason"] == "partner found a tally error"


def _write(text: str):
    import tempfile
    from pathlib import Path

    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
    handle.write(text)
    handle.close()
    return Path(handle.name)


def _without_audit(dumped):
    return {table: rows for table, rows in dumped.items() if table != "audit_log"} \
        if isinstance(dumped, dict) else dumped


def test_a_partner_writing_another_organisations_result_is_refused_and_audited(registry):
    before = dump(registry.db_url)
    message = refused(registry, "import", "results", str(RESULTS / "results-b-by-a.csv"), "--user", "pat")
    assert "results-b-by-a.csv, row 2" in message and "US-GOV-1-RESULTS-B is not an activity of XI-TEST-PARTNER-A" \
        in message
    assert results(registry) == []
    entry = audit(registry)[-1]
    assert (entry["user"], entry["action"], entry["outcome"]) == ("pat", "import", "refused")
    assert _without_audit(dump(registry.db_url)) == _without_audit(before)
    # An analyst may enter it.
    ok(registry, "results", "import", str(RESULTS / "results-b-by-a.csv"), "--user", "ana")


def test_a_missed_target_needs_a_reason_and_returning_needs_one_too(registry):
    low = (RESULTS / "results-a.csv").read_text().replace(",actual,950,", ",actual,600,")
    ok(registry, "results", "import", str(_write(low)), "--user", "pat")
    actual = next(r for r in results(registry) if r["value_type"] == "actual" and not r["scheme"])
    assert "misses its target" in refused(registry, "results", "submit", str(actual["id"]), "--user", "pat")
    ok(registry, "results", "submit", str(actual["id"]), "--user", "pat", "--reason", "drought in Q3")
    assert "a reason is required" in refused(registry, "results", "return", str(actual["id"]), "--user", "ana")
    # An administrator reviews as an analyst does.
    ok(registry, "results", "return", str(actual["id"]), "--user", "root", "--reason", "attach the survey")
    row = next(r for r in results(registry) if r["id"] == actual["id"])
    assert row["status"] == "returned" and row["reason"] == "drought in Q3"
    # Returned, the partner can correct and submit again.
    ok(registry, "results", "submit", str(actual["id"]), "--user", "pat")


def test_unknown_users_and_partner_registry_changes_are_refused(registry):
    assert "nobody is not a user" in refused(registry, "results", "import", str(RESULTS / "results-a.csv"),
                                             "--user", "nobody")
    assert "only an analyst or an administrator" in refused(
        registry, "indicators", "load", str(RESULTS / "registry.yaml"), "--user", "pat")
    assert "needs --org" in refused(registry, "users", "add", "p2", "--role", "partner", "--user", "root")
    # Only an administrator adds users; anyone else's attempt is refused and on record.
    assert "only an administrator" in refused(registry, "users", "add", "eve", "--role", "admin", "--user", "pat")
    assert "only an administrator" in refused(registry, "users", "add", "eve", "--role", "admin")
    assert any(e["entity"] == "app_user" and e["outcome"] == "refused" for e in audit(registry))


def _iptt_rows(cli: Cli, *args: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(ok(cli, "iptt", "--format", "csv", *args).stdout)))


def test_re_cut_age_bands_keep_every_value_and_the_totals(registry):
    ok(registry, "results", "import", str(RESULTS / "results-a.csv"), "--user", "pat")
    ids = [str(r["id"]) for r in results(registry)]
    ok(registry, "results", "submit", *ids, "--user", "pat", "--reason", "survey delayed")
    ok(registry, "results", "approve", *ids, "--user", "ana")

    def age_cells() -> dict[str, Decimal]:
        rows = [r for r in _iptt_rows(registry, "--country", "GT") if r["indicator_code"] == "EG.3.2-24"]
        return {r["category"]: Decimal(r["actual"]) for r in rows if r["category"].startswith("Age: ")}

    before = age_cells()
    assert before == {"Age: 0–14": 100, "Age: 15–19": 300, "Age: 20–24": 250, "Age: 25 and over": 300}
    stored_before = results(registry)
    ok(registry, "indicators", "load", str(RESULTS / "registry-age-recut.yaml"), "--user", "ana")
    after = age_cells()
    assert after == {"Age: 0–14": 100, "Age: 15–24": 550, "Age: 25 and over": 300}
    assert sum(after.values()) == sum(before.values()) == 950
    # Nothing stored was rewritten: the values keep their version and category, and stay readable.
    assert results(registry) == stored_before
    # Re-sending the same values changes nothing; a new-category row for the same period would
    # count twice and is refused.
    ok(registry, "results", "import", str(RESULTS / "results-a.csv"), "--user", "pat")
    recut = "indicator,activity,country,period_start,period_end,value_type,value,scheme,category\n" \
        "EG.3.2-24,US-GOV-1-RESULTS-A,GT,2018-10-01,2019-09-30,actual,550,age,15-24\n"
    rejected = registry("results", "import", str(_write(recut)), "--user", "pat")
    assert rejected.exit_code == 1 and "counted twice" in rejected.stderr


def test_a_scheme_change_that_would_strand_values_is_refused(registry, tmp_path):
    broken = (RESULTS / "registry-age-recut.yaml").read_text().replace(
        '    mapping: {"15-19": "15-24", "20-24": "15-24"}\n', '    mapping: {"15-19": "15-24"}\n')
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    assert "20-24" in refused(registry, "indicators", "load", str(path), "--user", "ana")


def test_iptt_shows_names_targets_actuals_and_status_in_spanish(registry, tmp_path):
    ok(registry, "results", "import", str(RESULTS / "results-a.csv"), "--user", "pat")
    ids = [str(r["id"]) for r in results(registry)]
    ok(registry, "results", "submit", *ids, "--user", "pat", "--reason", "survey delayed")
    ok(registry, "results", "approve", *ids, "--user", "ana")
    total = next(r for r in _iptt_rows(registry, "--country", "GT") if r["indicator_code"] == "EG.3.2-24"
                 and not r["category"])
    assert (total["period"], total["target"], total["actual"], total["status"]) == ("FY2019", "1000", "950",
                                                                                      "on_track")
    assert total["baseline"] == "400" and total["line"] == "Promoting Prosperity"
    html = ok(registry, "iptt", "--format", "html", "--country", "GT", lang="es").stdout
    assert "Productores que aplican prácticas mejoradas" in html and "en buen camino" in html
    out = tmp_path / "iptt.xlsx"
    ok(registry, "iptt", "--format", "xlsx", "--out", str(out), "--country", "GT")
    assert out.stat().st_size > 0


def test_an_assessment_is_recorded_with_its_indicator(registry):
    ok(registry, "indicators", "assess", "EG.3.2-24", "--findings", "Field records match the survey sample.",
       "--precision", "partly met", "--user", "ana")
    assert "no-such" in refused(registry, "indicators", "assess", "no-such", "--findings", "x", "--user", "ana")
    entries = [e for e in audit(registry) if e["entity"] == "dq_assessment"]
    assert entries and entries[0]["reason"] == "EG.3.2-24"
    shown = json.loads(ok(registry, "indicators", "show", "EG.3.2-24", "--format", "json").stdout)
    assert shown["assessments"][0]["precision"] == "partly met" and shown["assessments"][0]["assessor"] == "ana"
    assert shown["reference"]["definition"].startswith("Farmers who applied")
    assert shown["change_log"][0]["change"] == "created"
    table = ok(registry, "indicators", "show", "EG.3.2-24", lang="es").stdout
    assert "Evaluaciones de la calidad de los datos" in table or "calidad" in table


def test_quality_finds_planted_errors_and_nothing_in_clean_results(registry):
    ok(registry, "results", "import", str(RESULTS / "results-a.csv"), "--user", "pat")
    clean = json.loads(ok(registry, "quality", "--format", "json").stdout)
    assert clean["findings"] == []
    # A draft is not yet reported; once submitted, it is.
    assert (clean["completeness"][0]["expected"], clean["completeness"][0]["reported"]) == (1, 0)
    ok(registry, "results", "submit", *[str(r["id"]) for r in results(registry)], "--user", "pat")
    submitted = json.loads(ok(registry, "quality", "--format", "json").stdout)["completeness"][0]
    assert (submitted["org"], submitted["reported"]) == ("XI-TEST-PARTNER-A", 1)
    planted = (RESULTS / "results-a.csv").read_text().replace(",actual,450,sex,m", ",actual,445,sex,m") + \
        "CS.1-1,US-GOV-1-RESULTS-A,GT,2018-10-01,2019-09-30,actual,-3,,,,\n"
    ok(registry, "results", "import", str(_write(planted)), "--user", "ana")
    findings = json.loads(ok(registry, "quality", "--format", "json").stdout)["findings"]
    assert sorted(f["check"] for f in findings) == ["actual_not_negative", "disaggregates_sum_to_total"]
    table = ok(registry, "quality").stdout
    assert "disaggregates_sum_to_total" in table and "the sex disaggregates add up to 945" in table
    assert "desagregados por sex suman 945" in " ".join(ok(registry, "quality", lang="es").stdout.split())


def test_quarters_and_the_life_of_project_follow_the_indicator_aggregation(registry):
    quarterly = (
        "indicator,activity,country,period_start,period_end,value_type,value\n"
        "CS.1-1,US-GOV-1-RESULTS-B,HN,2018-10-01,2019-09-30,target,200\n"
        "CS.1-1,US-GOV-1-RESULTS-B,HN,2018-10-01,2018-12-31,actual,30\n"
        "CS.1-1,US-GOV-1-RESULTS-B,HN,2019-01-01,2019-03-31,actual,50\n"
        "CS.1-1,US-GOV-1-RESULTS-B,HN,2018-10-01,2019-09-30,actual,80\n")
    ok(registry, "results", "import", str(_write(quarterly)), "--user", "ana")
    ids = [str(r["id"]) for r in results(registry)]
    ok(registry, "results", "submit", *ids, "--user", "ana", "--reason", "schools closed in Q3")
    ok(registry, "results", "approve", *ids, "--user", "ana")
    rows = {r["period"]: r for r in _iptt_rows(registry, "--country", "HN") if r["indicator_code"] == "CS.1-1"}
    assert set(rows) == {"FY2019", "FY2019 Q1", "FY2019 Q2", "Life of project"}
    lop = rows["Life of project"]
    # The quarters are counted, not the year that holds them as well.
    assert (lop["target"], lop["actual"], lop["percent_achieved"], lop["status"]) == ("200", "80", "0.4000",
                                                                                      "off_track")
    assert rows["FY2019"]["lop_target"] == "200"
