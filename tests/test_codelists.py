"""Codes decode to names: IATI codelists first, then the narratives in the data, then the code."""

from __future__ import annotations

import csv
import io

from stratmon.iati.codelists import Codelists

from conftest import FIXTURES


def test_codelists_decode_codes(shared_data):
    lists = Codelists(shared_data / "iati-codelists")
    assert lists.name("TransactionType", "2") == "Outgoing Commitment"
    assert lists.name("TransactionType", "2", "fr") == "Engagement sortant"
    assert lists.name("Sector", "12220") == "Basic health care"
    assert lists.name("Region", "389") == "Caribbean & Central America, regional"


def test_unknown_codes_and_missing_lists_fall_back(tmp_path, shared_data):
    lists = Codelists(shared_data / "iati-codelists")
    assert lists.name("Sector", "00000", fallback="From the data") == "From the data"
    assert lists.name("Sector", "00000") == "00000"
    assert Codelists(tmp_path).name("Sector", "12220", fallback="Narrative") == "Narrative"
    assert Codelists(None).name("TransactionType", "3") == "3"


def _sector_names(cli) -> dict[str, str]:
    result = cli("funding", "--by", "sector", "--type", "obligation", "--format", "csv")
    assert result.exit_code == 0, result.output
    return {row["sector"]: row["sector_name"] for row in csv.DictReader(io.StringIO(result.stdout))}


def test_funding_names_sectors_from_the_codelist(sqlite_cli):
    assert sqlite_cli("import", "iati", str(FIXTURES / "iati" / "unseen-agency.xml")).exit_code == 0
    names = _sector_names(sqlite_cli)
    assert names["12110"] == "Health policy and administrative management"  # the codelist's name
    assert names["unspecified"] == "Unspecified"


def test_without_codelists_names_come_from_the_data_then_the_code(sqlite_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STRATMON_CODELISTS", str(tmp_path))  # an empty folder: no codelist loaded
    assert sqlite_cli("import", "iati", str(FIXTURES / "iati" / "unseen-agency.xml")).exit_code == 0
    names = _sector_names(sqlite_cli)
    assert names["12110"] == "Health policy"  # the narrative published in the file
