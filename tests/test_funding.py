"""`stratmon funding`: the exact CSV shape, splits, fiscal years, exclusions, names, formats."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from stratmon.analysis.fiscal import FiscalYears

from conftest import FIXTURES

UNSEEN = FIXTURES / "iati" / "unseen-agency.xml"


@pytest.fixture
def loaded(cli):
    assert cli("import", "iati", str(UNSEEN)).exit_code == 0
    return cli


def test_csv_has_the_exact_shape_and_hand_computed_values(loaded):
    result = loaded("funding", "--by", "country,fy", "--type", "disbursement", "--format", "csv", "--scope", "all")
    assert result.exit_code == 0, result.output
    # Worked by hand from the fixture: 50/30/20 splits, 50/30 rebased to 62.5/37.5, three countries with no
    # percentages split equally, a transaction-level region overriding the activity, no recipient at all.
    # Whole cents split in whole cents, the odd cents to the largest remainders: 333,333.33 × 50/30/20 is
    # 166,666.665 / 99,999.999 / 66,666.666, so GT keeps 166,666.66 and the rows add up to the value.
    assert result.stdout == (
        "country,fy,usd\n"
        "BZ,2022,33.34\n"
        "CR,2022,33.33\n"
        "GT,2019,166666.66\n"
        "HN,2019,100000.00\n"
        "NI,2021,375.00\n"
        "PA,2022,33.33\n"
        "SV,2021,625.00\n"
        "region-389,2019,66666.67\n"
        "region-498,2020,77777.77\n"
        "unspecified,2022,42.42\n"
    )


def test_by_default_only_the_strategy_geography_counts(loaded):
    # Before `align` has read the texts of region-498 money (a wider region the framework names for
    # context), none of it is the Strategy's; money with no recipient never is (DESIGN.md rule 9).
    strategy = loaded("funding", "--by", "country,fy", "--format", "csv").stdout.splitlines()
    outside = loaded("funding", "--by", "country,fy", "--format", "csv", "--scope", "outside").stdout.splitlines()
    assert "region-389,2019,66666.67" in strategy and not any(
        line.startswith(("region-498", "unspecified")) for line in strategy)
    assert outside == ["country,fy,usd", "region-498,2020,77777.77", "unspecified,2022,42.42"]


def test_obligations_keep_deobligations_and_split_fiscal_years_at_october(loaded):
    result = loaded("funding", "--by", "country,fy", "--type", "obligation", "--format", "csv")
    rows = result.stdout.splitlines()
    assert "GT,2018,625000.28" in rows and "GT,2019,-50000.01" in rows
    assert "HN,2018,375000.16" in rows and "HN,2019,-30000.00" in rows
    assert "SV,2021,0.02" in rows and "NI,2021,0.01" in rows


def test_non_usd_and_missing_values_are_reported_not_summed(loaded):
    result = loaded("funding", "--by", "fy", "--type", "disbursement", "--format", "csv", "--scope", "all")
    assert "2020,77777.77" in result.stdout.splitlines()
    assert "50,000.00 EUR not in USD were left out" in result.stderr
    assert "1 transactions have no value" in result.stderr


def test_fiscal_year_filter(loaded):
    result = loaded("funding", "--by", "country", "--type", "disbursement", "--fy", "2019", "--format", "csv")
    assert result.stdout == "country,usd\nGT,166666.66\nHN,100000.00\nregion-389,66666.67\n"
    assert loaded("funding", "--by", "country", "--fy", "2021:2020").exit_code == 2


def test_expenditures_are_their_own_type(loaded):
    result = loaded("funding", "--by", "country", "--type", "expenditure", "--format", "csv")
    assert result.stdout.splitlines()[1:] == ["GT,499.99", "HN,300.00", "region-389,200.00"]


def test_agency_and_sector_rows_carry_names(loaded):
    result = loaded("funding", "--by", "agency", "--type", "disbursement", "--format", "csv", "--scope", "all")
    assert result.stdout.splitlines() == [
        "agency,agency_name,usd", "US-GOV-8,Department of Health and Human Services (test),412253.52"]
    sectors = loaded("funding", "--by", "sector", "--type", "obligation", "--format", "csv").stdout.splitlines()
    assert sectors[0] == "sector,sector_name,usd"
    assert any(line.startswith("12220,Basic health care,") for line in sectors)


def test_sector_tables_add_up_to_the_same_total(loaded):
    by_country = json.loads(loaded("funding", "--by", "country", "--format", "json").stdout)
    for vocabulary in ("1", "99"):
        by_sector = json.loads(loaded("funding", "--by", "sector", "--sector-vocabulary", vocabulary,
                                      "--format", "json").stdout)
        assert by_sector["total_usd"] == by_country["total_usd"]
        assert any(row["sector"] == "unspecified" for row in by_sector["rows"])


def test_json_document(loaded):
    document = json.loads(loaded("funding", "--by", "country,fy", "--type", "disbursement", "--format", "json",
                                 "--scope", "all").stdout)
    assert document["by"] == ["country", "fy"] and document["currency"] == "USD"
    assert document["rows"][0] == {"country": "BZ", "fy": 2022, "usd": "33.34"}
    assert document["excluded_non_usd"] == {"EUR": "50000.00"}
    assert document["transactions_without_value"] == 1
    assert document["total_usd"] == "412253.52"


def test_table_in_spanish_uses_spanish_names_and_numbers(loaded):
    result = loaded("funding", "--by", "country", "--type", "disbursement", lang="es")
    assert result.exit_code == 0
    assert "Desembolsos" in result.stdout and "Código" in result.stdout and "Belice" in result.stdout
    assert "166.666,66" in result.stdout
    assert "Caribe y Centroamérica, regional" in result.stdout


def test_bad_options_are_one_line_errors(loaded):
    for args in (["--by", "colour"], ["--by", "country", "--type", "pledge"], ["--by", "country", "--fy", "FY19"],
                 ["--by", "country", "--format", "xml"]):
        result = loaded("funding", *args)
        assert result.exit_code == 2, args
        assert result.stderr.strip().startswith("error:") and result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("years", [FiscalYears(), FiscalYears(2016, None), FiscalYears(None, 2020),
                                   FiscalYears(2019, 2019), FiscalYears(2016, 2020)])
def test_a_range_of_fiscal_years_holds_the_years_its_sql_conditions_keep(years):
    # Readers that filter rows in Python (to keep SQLite on the activities' index) must keep what SQL would.
    table = Table("t", MetaData(), Column("fiscal_year", Integer))
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(insert(table), [{"fiscal_year": year} for year in (None, 2015, 2016, 2019, 2020, 2024)])
        kept = connection.execute(select(table.c.fiscal_year).where(*years.conditions(table.c.fiscal_year))).scalars()
        assert sorted(kept, key=str) == sorted((year for year in (None, 2015, 2016, 2019, 2020, 2024) if year in years),
                                               key=str)


RANKED_BY_DISBURSEMENT = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" default-currency="USD">
    <iati-identifier>US-GOV-1-SPENT-ONLY</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"/>
    <title><narrative>Expenditure and incoming funds only</narrative></title>
    <recipient-country code="GT"/>
    <transaction><transaction-type code="4"/><transaction-date iso-date="2019-03-01"/><value>9000000</value></transaction>
    <transaction><transaction-type code="1"/><transaction-date iso-date="2019-03-01"/><value>8000000</value></transaction>
  </iati-activity>
  <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" default-currency="USD">
    <iati-identifier>US-GOV-1-DISBURSED</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"/>
    <title><narrative>Obligated and disbursed</narrative></title>
    <recipient-country code="GT"/>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2019-03-01"/><value>300</value></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2019-04-01"/><value>200</value></transaction>
    <transaction><transaction-type code="4"/><transaction-date iso-date="2019-05-01"/><value>7000000</value></transaction>
  </iati-activity>
</iati-activities>
"""


@pytest.mark.parametrize("recipients", [(), ("GT",)], ids=["everywhere", "by-country"])
def test_the_largest_activities_rank_by_disbursements_and_obligations_only(cli, tmp_path, recipients):
    # By country the types are kept in Python rather than asked of the database (breakdown.largest_activities):
    # either way, expenditure and incoming funds neither rank an activity nor list one.
    from stratmon.analysis.breakdown import largest_activities, named_activities, ranked_activities
    from stratmon.store.db import get_engine

    path = tmp_path / "ranked.xml"
    path.write_text(RANKED_BY_DISBURSEMENT, encoding="utf-8")
    assert cli("import", "iati", str(path)).exit_code == 0
    engine = get_engine(cli.db_url)
    try:
        with engine.connect() as connection:
            ranked = largest_activities(connection, recipients=recipients)
            kept = ranked_activities(connection, recipients=recipients)
            # A ranking kept from before an import replaced an activity (a new id): the one gone is left out.
            named = named_activities(connection, ((10**9, 1, 2), *kept))
    finally:
        engine.dispose()
    assert [(a.iati_identifier, str(a.obligated_usd), str(a.disbursed_usd)) for a in ranked] == [
        ("US-GOV-1-DISBURSED", "300.00", "200.00")]
    assert named == ranked


@pytest.mark.parametrize("by", [("country", "account", "fy"), ("account", "fy"), ("sector", "country")])
def test_funding_of_several_types_in_one_pass_is_each_types_funding(loaded, by):
    # The budget comparison reads obligations and disbursements together (funding.funding_by_type): each
    # type's rows are the ones `funding` gives for it, to the cent.
    from dataclasses import replace

    from stratmon.analysis.funding import FundingQuery, funding, funding_by_type
    from stratmon.store.db import get_engine

    query = FundingQuery(by, recipients=("GT", "HN", "region-389"))
    engine = get_engine(loaded.db_url)
    try:
        with engine.connect() as connection:
            together = funding_by_type(connection, query, ("obligation", "disbursement"))
            for kind in ("obligation", "disbursement"):
                alone = funding(connection, replace(query, transaction_type=kind)).rows
                assert alone, f"the fixture has no {kind} for {by}"
                assert sorted(together[kind], key=repr) == sorted(alone, key=repr)
            with pytest.raises(ValueError):
                funding_by_type(connection, replace(query, recipients=()), ("obligation",))
    finally:
        engine.dispose()
