"""Funding by appropriation account: both forms agencies publish the treasury account in, the mapping
to the budget tables' accounts, the column the loader and the migration fill, the CLI and the API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from stratmon.analysis.funding_accounts import funding_accounts, managing_agencies
from stratmon.sources.usg_extensions import normalise_symbol, treasury_account, treasury_account_title
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.migrate import alembic_config, upgrade

from conftest import FIXTURES

ACCOUNTS = FIXTURES / "iati" / "treasury-accounts.xml"
# Each transaction's symbol, worked by hand from the fixture.
SYMBOLS = {"S1": "11x1022", "S2": "11x1075", "S3": "19x1031", "S4": None, "S5": "14x1696",
           "U1": "72x1021", "U2": "19x1031", "U3": "72x1037"}


@pytest.fixture
def loaded(cli):
    result = cli("import", "iati", str(ACCOUNTS))
    assert result.exit_code == 0, result.output
    return cli


def _stored_symbols(db_url: str) -> dict[str, str | None]:
    tx = schema.transaction
    with get_engine(db_url).connect() as connection:
        return dict(connection.execute(select(tx.c.ref, tx.c.treasury_account)).all())


def test_both_published_forms_read_as_one_symbol():
    state = [{"tag": "treasury-account", "attrs": {"code": "11x1022"}, "text": "INCLE"}]
    usaid = [{"tag": "treasury-account", "children": [
        {"tag": "regular-account", "attrs": {"code": "72.0"}},
        {"tag": "main-account", "attrs": {"code": "1021.0"}, "text": "Development Assistance"},
        {"tag": "fiscal-funding-year", "attrs": {"begin": "2018", "end": "2019"}}]}]
    assert treasury_account(state) == "11x1022"
    assert treasury_account(usaid) == "72x1021"
    assert treasury_account_title(usaid) == "Development Assistance"
    # Main accounts are four digits: 100.0 is 0100.
    assert treasury_account([{"tag": "treasury-account", "children": [
        {"tag": "regular-account", "attrs": {"code": "11"}}, {"tag": "main-account", "attrs": {"code": "100.0"}}]}]) \
        == "11x0100"
    assert normalise_symbol(" 097xdeda ") == "97xDEDA"
    assert normalise_symbol("011-1022") == "011-1022"  # another form is kept as published
    for nothing in (None, [], [{"tag": "treasury-account"}], [{"tag": "other", "attrs": {"code": "11x1022"}}],
                    [{"tag": "treasury-account", "children": [{"tag": "main-account", "attrs": {"code": "1021"}}]}]):
        assert treasury_account(nothing) is None


def test_the_loader_stores_each_transactions_symbol(loaded):
    assert _stored_symbols(loaded.db_url) == SYMBOLS


def test_funding_by_account_names_the_budget_tables_accounts(loaded):
    result = loaded("funding", "--by", "account,fy", "--type", "obligation", "--format", "csv")
    assert result.exit_code == 0, result.output
    # 19x1031 is GHP-USAID when USAID publishes it and GHP-STATE when State does; a symbol the mapping does
    # not know stays as published, with its publisher's title; no account at all is `unspecified`.
    assert result.stdout == (
        "account,account_name,fy,usd\n"
        "14x1696,\"U.S. Fish and Wildlife Service, Neotropical Migratory Bird Conservation\",2019,7.00\n"
        "DA,Development Assistance,2019,500.00\n"
        "GHP-STATE,Global Health Programs (State),2020,99.99\n"
        "GHP-USAID,Global Health Programs (USAID),2019,100.00\n"
        "INCLE,International Narcotics Control and Law Enforcement,2019,1000.00\n"
        "NADR,\"Nonproliferation, Anti-terrorism, Demining and Related Programs\",2019,250.50\n"
        "unspecified,Unspecified,2019,40.00\n")


def test_account_tables_add_up_to_every_other_table(loaded):
    by_country = loaded("funding", "--by", "account,country", "--type", "obligation", "--format", "csv")
    rows = by_country.stdout.splitlines()
    assert "DA,Development Assistance,GT,300.00" in rows and "DA,Development Assistance,HN,200.00" in rows
    for keys in ("account", "account,sector", "account,line", "country"):
        if "line" in keys:
            assert loaded("align").exit_code == 0
        document = json.loads(loaded("funding", "--by", keys, "--type", "obligation", "--format", "json").stdout)
        assert document["total_usd"] == "1997.49", keys
        assert sum(float(row["usd"]) for row in document["rows"]) == pytest.approx(1997.49), keys


def test_the_table_names_the_account_in_the_readers_language(loaded):
    result = loaded("funding", "--by", "account", "--type", "disbursement", lang="es")
    assert result.exit_code == 0, result.output
    assert "Fondo de Apoyo Económico" in result.stdout and "Cuenta de asignación" in result.stdout


def test_the_migration_fills_the_column_for_rows_stored_before_it(loaded):
    from alembic import command

    engine = get_engine(loaded.db_url)
    command.downgrade(alembic_config(engine), "0008")
    upgrade(engine)
    assert _stored_symbols(loaded.db_url) == SYMBOLS
    engine.dispose()


def _evidence_of(db_url: str, ref: str) -> str:
    split, tx = schema.alignment_split, schema.transaction
    with get_engine(db_url).connect() as connection:
        rows = connection.execute(select(split.c.evidence, split.c.contest).select_from(
            split.join(tx, tx.c.id == split.c.transaction_id)).where(tx.c.ref == ref)).all()
    return " ".join(f"{evidence} {contest or ''}" for evidence, contest in rows)


def test_alignment_reads_the_account_from_the_column(loaded):
    """USAID's form votes like State's: Global Health Programs (main account 1031) speaks for an objective."""
    assert loaded("align").exit_code == 0
    assert "acct:1031" in _evidence_of(loaded.db_url, "U2")
    with get_engine(loaded.db_url).begin() as connection:
        connection.execute(update(schema.transaction).where(schema.transaction.c.ref == "U2").values(
            treasury_account=None))
    assert loaded("align").exit_code == 0
    assert "acct:" not in _evidence_of(loaded.db_url, "U2")


def test_the_api_groups_by_account(loaded):
    from stratmon.web.app import create_app

    with TestClient(create_app(loaded.db_url)) as client:
        answer = client.get("/api/v1/funding", params={"by": "account", "type": "obligation", "country": "HN",
                                                       "lang": "es", "fy": "all"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"account": "DA", "account_name": "Asistencia para el Desarrollo", "usd": 200.0},
                             {"account": "GHP-USAID", "account_name": "Programas de Salud Global (USAID)",
                              "usd": 40.0}]


def test_the_mapping_covers_the_budget_tables_accounts():
    accounts = funding_accounts()
    managers = managing_agencies()
    # Every account the budget tables name (stored spellings, FY2008–FY2017), except "Other".
    stored = ("DA", "ESF", "INCLE", "NADR", "FMF", "IMET", "PKO", "GHP-USAID", "GHP-STATE", "GHCS-USAID",
              "GHCS-STATE", "FFP", "P.L. 480", "IDA", "DF", "AID Admin", "IO&P", "MRA", "AEECA")
    assert set(stored) <= set(managers)
    assert managers["GHCS-USAID"] == managers["GHP-USAID"] == ("US-GOV-1",)
    assert managers["INCLE"] == ("US-GOV-11",) and set(managers["ESF"]) == {"US-GOV-1", "US-GOV-11"}
    assert accounts.canonical("P.L. 480") == "FFP" and accounts.canonical("GHCS-STATE") == "GHP-STATE"
    assert accounts.canonical("Other") is None and "All Accounts" in accounts.totals
    assert accounts.account_of("19x1031", "US-GOV-1") == "GHP-USAID"
    assert accounts.account_of("19x1031", "US-GOV-14") == "GHP-STATE"
    assert accounts.account_of("11x1005") == "IO&P"  # a main account alone stands for any agency
    assert accounts.account_of(None) == "unspecified" and accounts.account_of("11x0100") == "11x0100"
    assert accounts.fagov_account("Nonproliferation, Anti-Terrorism, Demining and Related Programs") == "NADR"
