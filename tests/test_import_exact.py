"""Importing IATI gives exactly what an independent reading of the XML gives (DESIGN.md rules 1–5, 8)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from oracle_iati import oracle
from stratmon.store import schema
from stratmon.store.db import get_engine

from conftest import FIXTURES, Cli, database_for
from dbdump import dump

TYPES = {"obligation": "2", "disbursement": "3"}


def funding_csv(cli: Cli, transaction_type: str) -> dict[tuple[str, int], Decimal]:
    result = cli("funding", "--by", "country,fy", "--type", transaction_type, "--format", "csv", "--scope", "all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "country,fy,usd"
    return {(row["country"], int(row["fy"])): Decimal(row["usd"]) for row in csv.DictReader(io.StringIO(result.stdout))}


def counts(url: str) -> tuple[int, int]:
    with get_engine(url).connect() as connection:
        return (connection.execute(select(func.count()).select_from(schema.activity)).scalar_one(),
                connection.execute(select(func.count()).select_from(schema.transaction)).scalar_one())


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def real_import(request, usg_iati, tmp_path_factory):
    """The real U.S. files imported once per engine, with the CLI bound to that database."""
    url = database_for(request.param, request, tmp_path_factory.mktemp("real"))
    cli = Cli(url)
    assert cli("init").exit_code == 0
    result = cli("import", "iati", str(usg_iati))
    assert result.exit_code == 0, result.output
    return cli, result


@pytest.fixture(scope="module")
def real_oracle(usg_iati):
    return oracle(sorted(usg_iati.rglob("*.xml")))


def test_activity_and_transaction_counts_match_an_independent_count(real_import, real_oracle):
    cli, _ = real_import
    assert counts(cli.db_url) == (real_oracle.activities, real_oracle.transactions)


@pytest.mark.parametrize("transaction_type", TYPES)
def test_funding_by_country_and_fy_matches_the_xml_to_the_cent(real_import, real_oracle, transaction_type):
    cli, _ = real_import
    expected = real_oracle.funding[(TYPES[transaction_type], "country")]
    assert funding_csv(cli, transaction_type) == {key: value for key, value in expected.items()}


def test_regional_money_stays_regional(real_import):
    cli, _ = real_import
    keys = {country for country, _ in funding_csv(cli, "disbursement")}
    assert {"region-389", "region-498"} <= keys
    assert all(len(k) == 2 or k.startswith("region-") for k in keys)


def test_importing_again_changes_no_data_and_is_recorded_unchanged(real_import, usg_iati):
    cli, _ = real_import
    before = dump(cli.db_url)
    again = cli("import", "iati", str(usg_iati))
    assert again.exit_code == 0, again.output
    after = dump(cli.db_url)
    ledger_tables = ("import_run", "import_issue")
    assert {k: v for k, v in before.items() if k not in ledger_tables} == \
           {k: v for k, v in after.items() if k not in ledger_tables}
    ledger = cli("imports", "--format", "json")
    runs = json.loads(ledger.stdout)
    latest = runs[-len(list(usg_iati.rglob("*.xml"))):]
    assert {run["status"] for run in latest} == {"unchanged"}
    assert sum(run["records_new"] + run["records_updated"] for run in latest) == 0


def test_a_byte_identical_file_under_another_name_adds_nothing(real_import, usg_iati):
    cli, _ = real_import
    result = cli("imports", "--format", "json")
    first_run_by_name = {}
    for run in json.loads(result.stdout):
        first_run_by_name.setdefault(Path(run["path"]).name, run)
    by_name = first_run_by_name
    dod, usda = by_name["dod-northandcentralamericaregion.xml"], by_name["usda-northandcentralamericaregion.xml"]
    assert dod["content_hash"] == usda["content_hash"]
    assert dod["records_new"] + usda["records_new"] == 5


FIXTURE_FILES = ["unseen-agency.xml", "version-105.xml", "duplicate-older.xml", "duplicate-newer.xml"]


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_files_from_unseen_agencies_match_the_xml_to_the_cent(cli, order):
    files = [FIXTURES / "iati" / name for name in FIXTURE_FILES]
    if order == "reverse":
        files.reverse()
    for path in files:
        result = cli("import", "iati", str(path))
        assert result.exit_code == 0, result.output
    expected = oracle(files)
    assert counts(cli.db_url) == (expected.activities, expected.transactions)
    for transaction_type, code in TYPES.items():
        assert funding_csv(cli, transaction_type) == expected.funding[(code, "country")]
