"""The funding roll-ups (`split_total`, `alignment_total`) always equal the sums of the split rows they
summarise, whatever changed those rows: new files, newer versions of activities replacing older ones,
full alignment, an override re-aligning one activity; and funding tables read from them agree with
sums over the split rows themselves."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError

from conftest import database_for
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.store import schema
from stratmon.store.bulk import BulkWriter
from stratmon.store.db import get_engine
from stratmon.store.migrate import upgrade

ACTIVITY = """ <iati-activity last-updated-datetime="{updated}" default-currency="USD">
  <iati-identifier>US-GOV-1-ROLLUP-{n}</iati-identifier>
  <reporting-org ref="{org}" type="10"><narrative>Agency</narrative></reporting-org>
  <title><narrative>Roll-up test {n}</narrative></title>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2018-01-01"/>
  <recipient-country code="GT" percentage="60"/>
  <recipient-country code="HN" percentage="40"/>
  <sector vocabulary="1" code="15130" percentage="100"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2019-02-01"/>
   <value value-date="2019-02-01">{first}</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2020-11-15"/>
   <value value-date="2020-11-15" currency="{currency}">{second}</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2018-03-01"/>
   <value value-date="2018-03-01">-0.000001</value></transaction>
 </iati-activity>
"""


def _file(path: Path, *activities: str) -> Path:
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n'
                    + "".join(activities) + "</iati-activities>\n", encoding="utf-8")
    return path


def _expected(connection, split_table, keys) -> dict:
    """The roll-up computed here from the split rows, independently of store/rollups.py."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for row in connection.execute(select(split_table).where(split_table.c.sector_vocabulary == "")):
        total = sums[tuple("" if row._mapping[k] is None else row._mapping[k] for k in keys)]
        total[0] += row.amount_micros
        total[1] += 1
    return {key: (*divmod(micros, 1_000_000), count) for key, (micros, count) in sums.items()}


def _stored(connection, rollup) -> dict:
    width = len(rollup.primary_key.columns)
    return {tuple(row[:width]): tuple(row[width:]) for row in connection.execute(select(rollup))}


def assert_rollups_match(db_url: str) -> None:
    engine = get_engine(db_url)
    with engine.connect() as connection:
        for split_table, rollup, keys in ((schema.transaction_split, schema.split_total, schema.ROLLUP_KEYS),
                                          (schema.alignment_split, schema.alignment_total,
                                           schema.ALIGNED_ROLLUP_KEYS)):
            assert _stored(connection, rollup) == _expected(connection, split_table, keys), rollup.name
    engine.dispose()


def _funding_from_split_rows(connection, by_country_fy_type: str) -> dict:
    split = schema.transaction_split
    sums: dict[tuple, int] = defaultdict(int)
    for row in connection.execute(select(split).where(split.c.sector_vocabulary == "", split.c.currency == "USD",
                                                      split.c.type_code == by_country_fy_type)):
        sums[(row.recipient_key, row.fiscal_year)] += row.amount_micros
    return {key: Decimal(micros) / 1_000_000 for key, micros in sums.items()}


def test_rollups_follow_every_change_to_the_split_rows(cli, usg_iati, tmp_path):
    real = usg_iati / "millenniumchallenge" / "millenniumchallenge-ni.xml"
    first = _file(tmp_path / "first.xml",
                  ACTIVITY.format(n=1, updated="2024-01-01T00:00:00Z", org="US-GOV-1", first="1000.50",
                                  currency="USD", second="2500000000.333333"),
                  ACTIVITY.format(n=2, updated="2024-01-01T00:00:00Z", org="US-GOV-11", first="-75.25",
                                  currency="EUR", second="12"))
    assert cli("import", "iati", str(real), str(first)).exit_code == 0
    assert_rollups_match(cli.db_url)

    assert cli("align").exit_code == 0
    assert_rollups_match(cli.db_url)

    # A newer version of activity 1 in another file replaces its rows (and its alignment rows).
    newer = _file(tmp_path / "newer.xml",
                  ACTIVITY.format(n=1, updated="2025-06-01T00:00:00Z", org="US-GOV-1", first="999999.999999",
                                  currency="USD", second="3"))
    assert cli("import", "iati", str(newer)).exit_code == 0
    assert_rollups_match(cli.db_url)

    assert cli("align").exit_code == 0
    result = cli("alignment", "set", "US-GOV-1-ROLLUP-1", "outside:administration", "--reason", "a test",
                 "--user", "tester")
    assert result.exit_code == 0, result.output
    assert_rollups_match(cli.db_url)
    result = cli("alignment", "unset", "US-GOV-1-ROLLUP-1", "--user", "tester")
    assert result.exit_code == 0, result.output
    assert_rollups_match(cli.db_url)

    engine = get_engine(cli.db_url)
    with engine.connect() as connection:
        for type_name, code in (("disbursement", "3"), ("obligation", "2")):
            table = funding(connection, FundingQuery(by=("country", "fy"), transaction_type=type_name))
            expected = _funding_from_split_rows(connection, code)
            assert {row.keys: row.usd for row in table.rows} == {
                key: micros.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") for key, micros in expected.items()}
            assert table.total_usd == sum(expected.values()).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        table = funding(connection, FundingQuery(by=("country",), transaction_type="disbursement"))
        assert table.excluded_by_currency == {"EUR": Decimal("12.00")}
    engine.dispose()


def test_replacing_hundreds_of_activities_keeps_the_rollups(cli, tmp_path):
    """Hundreds of activities replaced by newer versions, over several of the loader's batches."""
    many = 620
    older = _file(tmp_path / "older.xml", *(
        ACTIVITY.format(n=n, updated="2024-01-01T00:00:00Z", org="US-GOV-1", first=f"{n}.25", currency="USD",
                        second="1") for n in range(many)))
    newer = _file(tmp_path / "newer.xml", *(
        ACTIVITY.format(n=n, updated="2025-01-01T00:00:00Z", org="US-GOV-11", first=f"{n * 3}.5",
                        currency="USD", second="-2") for n in range(many)))
    assert cli("import", "iati", str(older)).exit_code == 0
    result = cli("import", "iati", str(newer))
    assert result.exit_code == 0 and "620" in result.output
    assert_rollups_match(cli.db_url)
    engine = get_engine(cli.db_url)
    with engine.connect() as connection:
        agencies = {row[0] for row in connection.execute(select(schema.split_total.c.reporting_org_ref))}
    engine.dispose()
    assert agencies == {"US-GOV-11"}


def test_a_refused_copy_on_postgresql_is_an_sqlalchemy_error(request, tmp_path):
    """COPY's driver errors reach callers wrapped as INSERT's are, so the CLI reports them in one line."""
    engine = get_engine(database_for("postgresql", request, tmp_path))
    upgrade(engine)
    with pytest.raises(DataError), engine.begin() as connection:
        BulkWriter(connection).insert(schema.split_total, [
            {"type_code": "3", "fiscal_year": 2**40, "currency": "USD", "reporting_org_ref": "", "recipient_key": "GT", "geography": "",
             "units": 1, "remainder": 0, "split_rows": 1}])
    engine.dispose()
