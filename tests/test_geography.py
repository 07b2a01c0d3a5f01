"""The Strategy's geography (DESIGN.md rule 9, issue 23): money to any recipient other than the
framework's countries and the regions it counts as its own is stored and queryable, but never aligned
to the Strategy's objectives and never in its figures. Proved on a hand-written file whose figures are
known (tests/fixtures/iati/geography.xml)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, func, select

from conftest import FIXTURES
from stratmon.store import schema
from webfixtures import client_for

GEOGRAPHY = FIXTURES / "iati" / "geography.xml"
D = Decimal
# Disbursements in the fixture that are the Strategy's: Guatemala; El Salvador's 60% of a transaction
# shared with Mexico (the cent rounds to the larger part); the region-498 activity that names Honduras;
# the region-389 activity for Central America.
STRATEGY = {"GT": D("1000000.00"), "SV": D("600000.01"), "region-498": D("700000.55"), "region-389": D("250000.25")}
# Everything else: Afghanistan, Mexico's 40%, the hemisphere-wide 498 money, the Caribbean-only 389
# money and the global region 998.
OUTSIDE = {"AF": D("42000000.00"), "MX": D("400000.00"), "region-498": D("3000000.00"), "region-389": D("90000.00"),
           "region-998": D("10000000.00")}


@pytest.fixture
def loaded(cli):
    assert cli("import", "iati", str(GEOGRAPHY)).exit_code == 0
    result = cli("align")
    assert result.exit_code == 0, result.output
    return cli


def by_country(cli, *options) -> dict[str, Decimal]:
    result = cli("funding", "--by", "country", "--fy", "all", "--format", "csv", *options)
    assert result.exit_code == 0, result.output
    return {row["country"]: D(row["usd"]) for row in csv.DictReader(io.StringIO(result.stdout))}


def test_strategy_figures_count_only_its_countries_and_regions(loaded):
    assert by_country(loaded) == STRATEGY
    assert by_country(loaded, "--scope", "outside") == OUTSIDE
    everything = by_country(loaded, "--scope", "all")
    assert sum(everything.values()) == sum(STRATEGY.values()) + sum(OUTSIDE.values())

    by_line = json.loads(loaded("funding", "--by", "line", "--fy", "all", "--format", "json").stdout)
    assert sum(D(row["usd"]) for row in by_line["rows"]) == sum(STRATEGY.values())
    assert D(by_line["total_usd"]) == sum(STRATEGY.values())


def test_money_outside_is_never_aligned_and_regional_decisions_keep_their_reason(loaded):
    engine = create_engine(loaded.db_url)
    with engine.connect() as connection:
        aligned = schema.alignment_split
        recipients = {key for (key,) in connection.execute(select(aligned.c.recipient_key).distinct())}
        assert recipients == {"GT", "SV", "region-498", "region-389"}
        # Money to the framework's regions found outside carries the geography's outside category, never an objective.
        outside = connection.execute(select(func.count()).select_from(aligned).where(
            aligned.c.geography == "out", aligned.c.objective_id.is_not(None))).scalar_one()
        assert outside == 0
        scope, activity = schema.regional_scope, schema.activity
        reasons = {identifier: (geography, reason, places) for identifier, geography, reason, places in connection.execute(
            select(activity.c.iati_identifier, scope.c.geography, scope.c.reason, scope.c.places)
            .join(activity, activity.c.id == scope.c.activity_id))}
    engine.dispose()
    assert reasons == {
        "US-GOV-1-GEO-HEMISPHERE": ("out", "context-region", None),
        "US-GOV-1-GEO-HONDURAS-COLOMBIA": ("in", "names-strategy", "honduras"),
        "US-GOV-1-GEO-CENTRAL-AMERICA": ("in", "own-region", None),
        "US-GOV-1-GEO-CARIBBEAN": ("out", "names-outside", "barbados, jamaica"),
    }


REGIONAL_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" default-currency="USD">
    <iati-identifier>US-GOV-1-GEO-REGIONAL-TYPES</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"/>
    <title><narrative>Central America regional programme</narrative></title>
    <recipient-region code="389" vocabulary="1"/>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2019-03-01"/><value>500</value></transaction>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2019-04-01"/><value>200</value></transaction>
    <transaction><transaction-type code="4"/><transaction-date iso-date="2019-05-01"/><value>9000000</value></transaction>
    <transaction><transaction-type code="1"/><transaction-date iso-date="2019-05-01"/><value>8000000</value></transaction>
  </iati-activity>
</iati-activities>
"""


def test_each_regional_decision_carries_the_money_it_moved(loaded, tmp_path):
    # The data page's table of regional decisions (analysis/regional_scope.py): each region's obligations and
    # disbursements, in or out, as the fixtures' figures say; expenditure and incoming funds are neither.
    from stratmon.analysis.fiscal import FiscalYears
    from stratmon.analysis.regional_scope import regional_decisions
    from stratmon.store.db import get_engine

    (tmp_path / "regional.xml").write_text(REGIONAL_TYPES, encoding="utf-8")
    assert loaded("import", "iati", str(tmp_path / "regional.xml")).exit_code == 0
    assert loaded("align").exit_code == 0
    engine = get_engine(loaded.db_url)
    try:
        with engine.connect() as connection:
            decisions = regional_decisions(connection, FiscalYears(None, None))
    finally:
        engine.dispose()
    assert [(d.iati_identifier, d.recipient_key, d.geography, d.disbursed_usd) for d in decisions] == [
        ("US-GOV-1-GEO-HEMISPHERE", "region-498", "out", OUTSIDE["region-498"]),
        ("US-GOV-1-GEO-HONDURAS-COLOMBIA", "region-498", "in", STRATEGY["region-498"]),
        ("US-GOV-1-GEO-CENTRAL-AMERICA", "region-389", "in", STRATEGY["region-389"]),
        ("US-GOV-1-GEO-CARIBBEAN", "region-389", "out", OUTSIDE["region-389"]),
        ("US-GOV-1-GEO-REGIONAL-TYPES", "region-389", "in", D("200.00")),
    ]
    assert decisions[-1].obligated_usd == D("500.00")


def test_a_country_outside_is_asked_for_by_name(loaded):
    refused = loaded("funding", "--by", "fy", "--country", "AF")
    assert refused.exit_code == 2 and "outside the Strategy's geography" in refused.stderr
    assert by_country(loaded, "--country", "AF", "--scope", "outside") == {"AF": OUTSIDE["AF"]}


def test_an_override_brings_regional_money_inside(loaded):
    result = loaded("alignment", "set", "US-GOV-1-GEO-HEMISPHERE", "P1", "--reason", "the award works in Guatemala",
                    "--user", "analyst@example")
    assert result.exit_code == 0, result.output
    assert by_country(loaded)["region-498"] == STRATEGY["region-498"] + OUTSIDE["region-498"]
    assert loaded("alignment", "unset", "US-GOV-1-GEO-HEMISPHERE", "--user", "analyst@example").exit_code == 0
    assert by_country(loaded) == STRATEGY


def test_the_portal_and_the_api_show_the_strategy_money_and_count_the_rest_apart(loaded):
    strategy_total = sum(STRATEGY.values())
    with client_for(loaded.db_url) as client:
        home = client.get("/en/?fy=all&download=by-country&format=csv")
        rows = list(csv.DictReader(io.StringIO(home.content.decode("utf-8-sig"))))
        first, disbursed = list(rows[0])[0], [key for key in rows[0] if key.startswith("Disbursed")][0]
        by_name = {row[first]: D(row[disbursed]) for row in rows}
        assert not any("Afghanistan" in name or "Mexico" in name for name in by_name)
        assert by_name.pop("Total") == strategy_total and sum(by_name.values()) == strategy_total
        note = client.get("/en/?fy=all").text
        assert "Not counted in any figure" in note and "5 recipients outside the Strategy" in note
        funding = client.get("/api/v1/funding?by=country&fy=all").json()
        assert {row["country"]: D(str(row["usd"])) for row in funding} == STRATEGY
        outside = client.get("/api/v1/funding?by=country&fy=all&scope=outside").json()
        assert {row["country"]: D(str(row["usd"])) for row in outside} == OUTSIDE
        coverage = {item["type"]: item for item in client.get("/api/v1/coverage?fy=all").json()}
        assert D(coverage["disbursement"]["outside_usd"]) == sum(OUTSIDE.values())
        assert coverage["disbursement"]["outside_recipients"] == len(OUTSIDE)
        assert D(coverage["disbursement"]["iati_usd"]) == STRATEGY["GT"] + STRATEGY["SV"]  # the countries alone
        page = client.get("/en/activities").text
        assert "GEO-AFGHANISTAN" not in page and "GEO-GLOBAL" not in page and "GEO-HEMISPHERE" not in page
        assert "GEO-GUATEMALA" in page and "GEO-PLANNED" in page and "GEO-HONDURAS-COLOMBIA" in page
        data_page = client.get("/en/data?fy=all").text
        assert "Outside the Strategy" in data_page and "42,000,000.00" in data_page
        # The Strategy's list: its money's activities, and those with none that name one of its places (each
        # once, however many), on every page, and counted on a page past the last.
        listed = client.get("/api/v1/activities?per_page=3").json()
        identifiers = [item["identifier"] for item in listed["items"]]
        for page in range(2, listed["pages"] + 1):
            identifiers += [item["identifier"] for item in
                            client.get(f"/api/v1/activities?per_page=3&page={page}").json()["items"]]
        assert sorted(identifiers) == [f"US-GOV-1-GEO-{name}" for name in (
            "BORDER", "CENTRAL-AMERICA", "HONDURAS-COLOMBIA", "PLANNED", "PLANNED-TWO-COUNTRIES")] + \
            ["US-GOV-11-GEO-GUATEMALA"]
        assert listed["total"] == len(identifiers) == 6
        past = client.get("/api/v1/activities?per_page=3&page=9").json()
        assert past["items"] == [] and past["total"] == 6
        assert client.get("/api/v1/activities?per_page=3&page=9&sort=-start").json()["total"] == 6
    assert strategy_total == D("2550000.81")
