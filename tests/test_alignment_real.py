"""Alignment of the real U.S. IATI data: coverage, exact sums, and the checks a reviewer makes."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from decimal import Decimal

import pytest

from stratmon.analysis.alignment import coverage
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.framework import load_framework
from stratmon.store.db import get_engine

from conftest import Cli, database_for

OTHER_KEYS = ("country", "group", "fy", "agency", "sector")


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def real_aligned(request, usg_iati, tmp_path_factory) -> Cli:
    """The real U.S. files imported and aligned once per engine."""
    cli = Cli(database_for(request.param, request, tmp_path_factory.mktemp("aligned")))
    assert cli("init").exit_code == 0
    assert cli("import", "iati", str(usg_iati)).exit_code == 0
    result = cli("align")
    assert result.exit_code == 0, result.output
    return cli


@pytest.fixture(scope="module")
def connection(real_aligned):
    with get_engine(real_aligned.db_url).connect() as connection:
        yield connection


def test_at_least_95_percent_of_disbursed_dollars_are_attributed_with_a_reason(real_aligned, connection):
    result = coverage(connection, largest=50)
    overall = result.overall
    assert overall.total_usd > Decimal("3_000_000_000")
    assert (overall.aligned_usd + overall.outside_usd) / overall.total_usd >= Decimal("0.95")
    assert overall.aligned_usd + overall.outside_usd + overall.not_aligned_usd == overall.total_usd
    # The rest is listed, largest first.
    listed = result.largest_not_aligned
    assert listed and listed == sorted(listed, key=lambda a: -a.not_aligned_usd)
    assert sum(a.not_aligned_usd for a in listed) <= overall.not_aligned_usd
    document = json.loads(real_aligned("alignment", "coverage", "--format", "json").stdout)
    assert Decimal(document["total_usd"]) == overall.total_usd
    assert Decimal(document["not_aligned_usd"]) == overall.not_aligned_usd


def _groups() -> tuple[tuple[str, str], ...]:
    return tuple((member, group.id) for group in load_framework().country_groups for member in group.countries)


@pytest.mark.parametrize("transaction_type", ("obligation", "disbursement"))
def test_funding_by_line_sums_to_the_cent_to_funding_without_it_for_every_key_combination(connection,
                                                                                           transaction_type):
    compared = 0
    for size in range(0, 3):
        for keys in itertools.combinations(OTHER_KEYS, size):
            for vocabulary in (("1", "99") if "sector" in keys else ("1",)):
                query = FundingQuery(keys or ("country",), transaction_type, sector_vocabulary=vocabulary,
                                     country_groups=_groups())
                plain = funding(connection, query)
                expected = ({row.keys: row.usd for row in plain.rows} if keys else {(): plain.total_usd})
                for aligned_key in ("line", "objective"):
                    table = funding(connection, replace(query, by=(*keys, aligned_key)))
                    sums: dict[tuple, Decimal] = {}
                    for row in table.rows:
                        sums[row.keys[:-1]] = sums.get(row.keys[:-1], Decimal(0)) + row.usd
                    assert sums == expected, (keys, aligned_key, vocabulary)
                    assert table.total_usd == plain.total_usd
                    compared += len(expected)
    assert compared > 1000


def _line_by_program_area(connection, agency: str | None = None) -> dict[str, dict[str, Decimal]]:
    """Disbursed USD per U.S. program area code (vocabulary 99) and line of action."""
    by = ("agency", "sector", "line")
    table = funding(connection, FundingQuery(by, "disbursement", sector_vocabulary="99"))
    found: dict[str, dict[str, Decimal]] = {}
    for (row_agency, area, line), usd in ((row.keys, row.usd) for row in table.rows):
        if agency is None or row_agency == agency:
            found.setdefault(area, {})
            found[area][line] = found[area].get(line, Decimal(0)) + usd
    return found


@pytest.mark.parametrize("areas, line", [
    (("5", "4"), "security"),                                   # State/INL transnational crime, counter-narcotics
    (("7", "2001", "10", "2004", "8", "2002"), "governance"),   # rule of law, civil society, good governance
    (("29", "5005", "26", "5002", "30", "5006"), "prosperity"),  # agriculture, trade, private-sector competitiveness
])
def test_program_areas_land_on_the_line_a_reviewer_expects(connection, areas, line):
    found = _line_by_program_area(connection)
    present = [area for area in areas if area in found]
    assert present, areas
    for area in present:
        assert set(found[area]) == {line}, (area, found[area])
        assert sum(found[area].values()) != 0


def test_state_transnational_crime_and_counter_narcotics_money_is_security(connection):
    found = _line_by_program_area(connection, agency="US-GOV-11")
    assert sum(found["5"].values()) > Decimal("1_000_000") and set(found["5"]) == {"security"}
    assert sum(found["4"].values()) > Decimal("1_000_000") and set(found["4"]) == {"security"}


def _objectives(cli: Cli, identifier: str) -> set[str]:
    result = cli("alignment", "explain", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    return {part["objective"] or f"outside:{part['outside']}"
            for tx in document["transactions"] for part in tx["parts"]}


@pytest.mark.parametrize("identifier, objectives", [
    ("US-GOV-18-SLV-2750BXCOMD-CONN PROJ-0151", {"P1.3"}),              # Northern Transnational Highway
    ("US-GOV-18-HND-2750BXCOMD-TRANSPORTN-0027", {"P1.3"}),             # Highway CA-5
    ("US-GOV-18-SLV-2750BXCOMD-HMN DEVEL-0147", {"P2"}),                # rural electrification
    ("US-GOV-18-SL2-2750BXCOMD-HUMAN CAP-0277", {"P4"}),                # general education quality
    ("US-GOV-18-HND-2750BXCOMD-RURAL DEVL-0022", {"P3"}),               # farmer training
    ("US-GOV-18-SLV-2750BXCOMD-HMN DEVEL-0146", {"P3"}),                # community water and sanitation
    ("US-GOV-18-HN2-2750BXTHRD-PUB FIN-0416", {"G3"}),                  # budget and treasury management
    ("US-GOV-18-SL2-2750BXCOMD-PGM ADMIN-0017", {"outside:administration"}),  # program administration
])
def test_mcc_compact_money_lands_on_the_objectives_its_sectors_say(real_aligned, identifier, objectives):
    assert _objectives(real_aligned, identifier) == objectives
