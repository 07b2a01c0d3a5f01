"""The results MCC publishes in IATI: stored exactly as the XML says, and listed by `stratmon iptt`."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation

import pytest
from lxml import etree

from conftest import Cli


def _number(text: str | None) -> Decimal | str | None:
    """Read independently of the product: thousands commas dropped; NULL, n/a and blanks are missing;
    words ("Yes", "500 (2020)") stay words, spaces collapsed."""
    text = (text or "").strip()
    if text.upper() in ("", "NULL", "N/A"):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return " ".join(text.split())


def _mcc_results(files) -> dict[tuple[str, str], dict]:
    """(activity, indicator title + position) → baseline, target and actual from the XML."""
    found = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in files:
        for activity in etree.parse(str(path), parser).getroot().iter("iati-activity"):
            identifier = activity.findtext("iati-identifier").strip()
            position = 0
            for indicator in activity.iterfind("result/indicator"):
                position += 1
                title = " ".join(indicator.xpath("title/narrative/text()")).strip()
                baseline = indicator.find("baseline")
                period = indicator.find("period")
                found[(identifier, f"{position}:{title}")] = {
                    "baseline": _number(baseline.get("value")) if baseline is not None else None,
                    "target": _number(period.find("target").get("value")) if period is not None else None,
                    "actual": _number(period.find("actual").get("value")) if period is not None else None,
                }
    return found


@pytest.fixture(scope="module")
def mcc(usg_iati, tmp_path_factory):
    files = sorted((usg_iati / "millenniumchallenge").glob("*.xml"))
    assert files, "the MCC files are missing from the shared data"
    cli = Cli(f"sqlite:///{tmp_path_factory.mktemp('mcc') / 'stratmon.db'}")
    assert cli("init").exit_code == 0
    for path in files:
        assert cli("import", "iati", str(path)).exit_code == 0
    return cli, _mcc_results(files)


def _iptt(cli: Cli, *args: str) -> list[dict]:
    result = cli("iptt", "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_every_mcc_result_is_stored_with_its_numbers_parsed(mcc):
    cli, expected = mcc
    assert len(expected) > 500
    rows = _iptt(cli)
    assert len(rows) == len(expected)
    # Numbers as the XML has them, "307,000,000.00" read as a number and NULL as missing.
    assert any(isinstance(v["target"], Decimal) and v["target"] >= 1_000_000 for v in expected.values())
    assert any(v["actual"] is None for v in expected.values())
    assert any(isinstance(v["target"], str) for v in expected.values())
    by_activity: dict[str, list[dict]] = {}
    for row in rows:
        by_activity.setdefault(row["activity"], []).append(row)
    checked = 0
    for (identifier, key), values in expected.items():
        position = int(key.split(":", 1)[0])
        row = by_activity[identifier][position - 1]
        assert row["indicator"] == key.split(":", 1)[1]
        for field in ("baseline", "target", "actual"):
            want = values[field]
            got = row[field] or None
            if isinstance(want, Decimal) and got is not None:
                assert re.fullmatch(r"-?\d+(\.\d+)?", got), (identifier, key, field, got)
                got = Decimal(got)
            assert got == want, (identifier, key, field, row[field])
            checked += 1
    assert checked == 3 * len(expected)


def test_iptt_for_el_salvador_lists_its_results_with_baselines_targets_and_actuals(mcc):
    cli, expected = mcc
    rows = _iptt(cli, "--country", "SV")
    salvadoran = {identifier for identifier, _ in expected if re.match(r"US-GOV-18-SL[V2]-", identifier)}
    assert salvadoran and {row["activity"] for row in rows} == salvadoran
    assert all(row["country"] == "El Salvador" for row in rows)
    published = [values for (identifier, _), values in expected.items() if identifier in salvadoran]
    assert len(rows) == len(published) > 100
    for field in ("baseline", "target", "actual"):
        assert sum(1 for row in rows if row[field]) == sum(1 for v in published if v[field] is not None) > 50
    assert {row["status"] for row in rows} >= {"on_track", "off_track", "no_data"}
