"""What `stratmon import iati` says about a file (issue 19): a missing or unknown IATI version (a warning,
a refusal with --strict), the line of the very element that cannot be read, "skipped" apart from
"unchanged" in the ledger, and a tie on last-updated-datetime said as a tie and decided by the content
hash (DESIGN.md rule 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbdump import dump

ACTIVITY = """ <iati-activity last-updated-datetime="{updated}" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <recipient-country code="GT"/>
{body}
  <transaction>
   <transaction-type code="3"/>
   <transaction-date iso-date="2019-01-15"/>
   <value value-date="2019-01-15">{value}</value>
  </transaction>
 </iati-activity>
"""


def activity(identifier: str = "XM-DIAG-1", *, title: str = "Wells", value: str = "100",
             updated: str = "2024-01-01T00:00:00Z", body: str = "") -> str:
    return ACTIVITY.format(identifier=identifier, title=title, value=value, updated=updated, body=body)


def iati_file(tmp_path: Path, name: str, *activities: str, root: str = 'version="2.03"') -> Path:
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities {root}>\n{"".join(activities)}'
                    "</iati-activities>\n", encoding="utf-8")
    return path


def lines(result, prefix: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(prefix)]


def ledger(cli) -> list[dict]:
    result = cli("imports", "--format", "json", "--issues")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def line_of(path: Path, fragment: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[:text.index(fragment)].count("\n") + 1


# --------------------------------------------------------------------------- the version

@pytest.mark.parametrize(("root", "said"), [
    ("", "declares no IATI version"),
    ('version="2.99"', "IATI version '2.99', which the standard does not have"),
    ('version=""', "declares no IATI version"),
], ids=["missing", "unknown", "empty"])
def test_a_file_without_a_version_of_the_standard_is_read_and_said(sqlite_cli, tmp_path, root, said):
    path = iati_file(tmp_path, "versionless.xml", activity(), root=root)
    result = sqlite_cli("import", "iati", str(path))
    assert result.exit_code == 0, result.output
    (warning,) = lines(result, "warning: ")
    assert warning.startswith(f"warning: {path}:2: ") and said in warning, warning
    (run,) = ledger(sqlite_cli)
    assert run["status"] == "imported" and run["records_new"] == 1
    assert [(issue["kind"], issue["line"]) for issue in run["issues"]] == [("warning", 2)]


@pytest.mark.parametrize("root", ["", 'version="2.99"'], ids=["missing", "unknown"])
def test_with_strict_a_file_without_a_version_of_the_standard_is_refused(sqlite_cli, tmp_path, root):
    before = dump(sqlite_cli.db_url)
    path = iati_file(tmp_path, "versionless.xml", activity(), root=root)
    result = sqlite_cli("import", "iati", str(path), "--strict")
    assert result.exit_code != 0
    (rejected,) = lines(result, "rejected: ")
    assert rejected.startswith(f"rejected: {path}:2: the file declares"), rejected
    assert dump(sqlite_cli.db_url) == before


@pytest.mark.parametrize("version", ["1.05", "2.01", "2.03"])
def test_a_version_of_the_standard_is_not_remarked_on(sqlite_cli, tmp_path, version):
    path = iati_file(tmp_path, "versioned.xml", activity(), root=f'version="{version}"')
    result = sqlite_cli("import", "iati", str(path), "--strict")
    assert result.exit_code == 0 and not lines(result, "warning: "), result.output


# --------------------------------------------------------------------------- the line of the element

RESULT_WITH_A_BAD_BASELINE = """  <result type="1">
   <title><narrative>Result</narrative></title>
   <indicator measure="1">
    <title><narrative>Indicator</narrative></title>
    <baseline year="2019" iso-date="2019-02-30" value="10"/>
   </indicator>
  </result>"""
BUDGET_WITH_A_BAD_VALUE = """  <budget type="1">
   <period-start iso-date="2019-01-01"/>
   <period-end iso-date="2019-12-31"/>
   <value value-date="2019-01-01">lots</value>
  </budget>"""
LOCATION_WITH_A_BAD_POINT = """  <location>
   <point srsName="http://www.opengis.net/def/crs/EPSG/0/4326">
    <pos>91.5 14.8</pos>
   </point>
  </location>"""


@pytest.mark.parametrize(("body", "element"), [
    (RESULT_WITH_A_BAD_BASELINE, "<baseline"),
    (BUDGET_WITH_A_BAD_VALUE, "<value value-date=\"2019-01-01\">lots"),
    (LOCATION_WITH_A_BAD_POINT, "<pos>"),
], ids=["baseline-date", "budget-value", "location-point"])
def test_the_line_reported_is_the_element_that_cannot_be_read(sqlite_cli, tmp_path, body, element):
    path = iati_file(tmp_path, "bad.xml", activity("XM-GOOD-1"), activity("XM-BAD-1", body=body))
    result = sqlite_cli("import", "iati", str(path))
    assert result.exit_code == 0, result.output
    (skipped,) = lines(result, "skipped: ")
    assert skipped.startswith(f"skipped: {path}:{line_of(path, element)}: XM-BAD-1: "), skipped


def test_in_a_1_0x_file_the_line_is_the_1_0x_element_at_fault(sqlite_cli, tmp_path):
    """A 1.0x location's coordinates become a 2.0x point as the activity is read: a bad one is reported at
    the coordinates' own line."""
    body = """  <location>
   <name>Nowhere</name>
   <coordinates latitude="95.5" longitude="10" precision="1"/>
  </location>"""
    path = iati_file(tmp_path, "old.xml", activity("XM-OLD-1", body=body), root='version="1.05"')
    result = sqlite_cli("import", "iati", str(path))
    (skipped,) = lines(result, "skipped: ")
    assert skipped.startswith(f"skipped: {path}:{line_of(path, '<coordinates')}: XM-OLD-1: "), skipped


# --------------------------------------------------------------------------- skipped is not unchanged

def test_a_file_of_which_nothing_could_be_read_is_skipped_not_unchanged(sqlite_cli, tmp_path):
    unreadable = iati_file(tmp_path, "unreadable.xml", activity("XM-BAD-1", value="lots"))
    readable = iati_file(tmp_path, "readable.xml", activity("XM-GOOD-1"))
    first = sqlite_cli("import", "iati", str(unreadable), str(readable))
    assert first.exit_code == 0, first.output
    assert "unreadable.xml (skipped)" in first.stdout and "readable.xml (unchanged)" not in first.stdout
    again = sqlite_cli("import", "iati", str(readable))
    assert "readable.xml (unchanged)" in again.stdout
    assert [(run["path"], run["status"]) for run in ledger(sqlite_cli)] == [
        (str(unreadable), "skipped"), (str(readable), "imported"), (str(readable), "unchanged")]


def test_stratmon_imports_names_each_status(sqlite_cli, tmp_path):
    sqlite_cli("import", "iati", str(iati_file(tmp_path, "unreadable.xml", activity("XM-BAD-1", value="lots"))))
    result = sqlite_cli("imports")
    assert result.exit_code == 0 and "skipped" in result.stdout


# --------------------------------------------------------------------------- a tie on last-updated-datetime

def _tied_files(tmp_path: Path) -> tuple[Path, Path]:
    """Two files with one activity, the same identifier and last-updated-datetime, other content."""
    return (iati_file(tmp_path, "first.xml", activity("XM-TIE-1", title="First version", value="100")),
            iati_file(tmp_path, "second.xml", activity("XM-TIE-1", title="Second version", value="250")))


def _kept_title(cli) -> str:
    result = cli("funding", "--by", "country", "--type", "disbursement", "--format", "csv")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[1]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["first-then-second", "second-then-first"])
def test_a_tie_on_last_updated_datetime_is_said_and_the_content_hash_decides(sqlite_cli, tmp_path, order):
    files = _tied_files(tmp_path)
    earlier, later = files[order[0]], files[order[1]]
    assert sqlite_cli("import", "iati", str(earlier)).exit_code == 0
    result = sqlite_cli("import", "iati", str(later))
    assert result.exit_code == 0, result.output
    (conflict,) = lines(result, "conflict: ")
    assert "same last-updated-datetime" in conflict and "a tie: the greater content hash decides" in conflict
    assert "newer last-updated-datetime" not in conflict
    # The same version is kept whichever file came first.
    kept = _kept_title(sqlite_cli)
    assert kept in ("GT,100.00", "GT,250.00")
    assert kept == _expected_tie_winner(tmp_path)


def _expected_tie_winner(tmp_path: Path) -> str:
    """The funding row of the version whose content hash is the greater (computed as the importer does)."""
    from lxml import etree

    from stratmon.sources.iati import content_hash

    hashes = {}
    for name, row in (("first.xml", "GT,100.00"), ("second.xml", "GT,250.00")):
        element = etree.parse(str(tmp_path / name)).find("iati-activity")
        hashes[content_hash(element)] = row
    return hashes[max(hashes)]


def test_two_tied_versions_in_one_file_are_said_to_tie(sqlite_cli, tmp_path):
    path = iati_file(tmp_path, "twice.xml", activity("XM-TIE-2", title="One"), activity("XM-TIE-2", title="Two"))
    result = sqlite_cli("import", "iati", str(path))
    assert result.exit_code == 0, result.output
    (conflict,) = lines(result, "conflict: ")
    assert "also earlier in this file" in conflict and "a tie: the greater content hash decides" in conflict
