"""Alignment of the real U.S. IATI data: coverage, exact sums, and the checks a reviewer makes."""

from __future__ import annotations

import csv
import io
import itertools
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import or_, select

from stratmon.analysis.alignment import coverage
from stratmon.analysis.funding import FundingQuery, funding
from stratmon.framework import load_framework
from stratmon.store import schema
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


def test_money_on_an_objective_is_on_that_objectives_line(connection):
    # Pages filter an objective's money by its line as well (the line's index serves them): it must change nothing.
    line_of = {objective.id: line.id for line, objective in load_framework().objectives()}
    split = schema.alignment_split
    pairs = connection.execute(select(split.c.objective_id, split.c.line_id).distinct()
                               .where(split.c.objective_id.is_not(None))).all()
    assert pairs and all(line == line_of[objective] for objective, line in pairs)


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
def test_money_leaves_its_program_areas_line_only_on_other_evidence(connection, areas, line):
    # A program area is one signal among several: where other signals agree on another purpose (forensic
    # labs for prosecutors under "Transnational Crime", Treasury's debt-management advice under "Trade and
    # Investment", Peace Corps training under "Good Governance"), that purpose wins, and the evidence says so.
    found = _line_by_program_area(connection)
    assert any(area in found for area in areas), areas
    table = schema.alignment_split
    moved = connection.execute(select(table.c.objective_id, table.c.outside_id, table.c.evidence).distinct().where(
        table.c.sector_vocabulary == "99", table.c.sector_code.in_(areas),
        or_(table.c.line_id.is_(None), table.c.line_id != line))).all()
    for objective, outside, evidence in moved:
        target = objective or f"outside:{outside}"
        others = [token for token in evidence.split(" + ") if not token.startswith("99:")]
        assert any(token.split("=", 1)[1].startswith(f"{target}/") for token in others if "=" in token) or \
            objective is None and outside is None, (target, evidence)


def test_state_transnational_crime_and_counter_narcotics_money_is_mostly_security(connection):
    found = _line_by_program_area(connection, agency="US-GOV-11")
    for area in ("5", "4"):
        total = sum(found[area].values())
        assert total > Decimal("1_000_000")
        assert found[area]["security"] > total / 2, (area, found[area])


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


def csv_rows(cli: Cli, *args: str) -> list[dict]:
    result = cli(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _money_by_target(cli: Cli, identifier: str) -> dict[str, Decimal]:
    """All of an activity's attributed money (absolute USD, every transaction type) by objective or category."""
    result = cli("alignment", "explain", identifier, "--format", "json")
    assert result.exit_code == 0, result.output
    money: dict[str, Decimal] = {}
    for tx in json.loads(result.stdout)["transactions"]:
        for part in tx["parts"]:
            key = part["objective"] or (f"outside:{part['outside']}" if part["outside"] else "none")
            money[key] = money.get(key, Decimal(0)) + abs(Decimal(part["usd"]))
    return money


# The errors an evaluator found by reading the activities (issue 15, "Why"), each put right by a general
# rule, never by an override: (activity, acceptable targets, the rule that fixes it).
WHY = [
    ("US-GOV-1-AID-519-C-13-00002", {"S2"}, "a strong purpose phrase overrules Good Governance (broad)"),
    ("US-GOV-1-AID-519-A-12-00003", {"S2"}, "SolucionES: the opening sentence states violence prevention"),
    ("US-GOV-1-72051918CA00004", {"S2"}, "IMAGINA: 'crime prevention activity' in the opening sentence"),
    ("US-GOV-1-AID-519-TO-15-00001", {"S2", "P4"}, "Bridges for Employment: at-risk youth, jobs"),
    ("US-GOV-17-IL31473-239441", {"G4"}, "DOL child and forced labour: rights at work, not job training"),
    ("US-GOV-21-ES-266-48822", {"G4"}, "disability services: rights and inclusion; 11230 and ESS-General broad"),
    ("US-GOV-18-GTM-2750BXTHRD-REV RFRM-0414", {"P5"}, "MCC public-private partnerships: business climate"),
    ("US-GOV-7-280420", {"S1"}, "DoD counternarcotics in Panama: drug trafficking, not police institutions"),
    ("US-GOV-10-68970", {"outside:administration"}, "Peace Corps pre-service training: overhead"),
    ("US-GOV-9-F20AP00312-62258", {"outside:geography"}, "a Caribbean-only grant filed under region 389"),
]


@pytest.mark.parametrize("identifier, acceptable, why", WHY, ids=[w[0] for w in WHY])
def test_the_errors_an_evaluator_found_are_put_right_by_general_rules(real_aligned, identifier, acceptable, why):
    money = _money_by_target(real_aligned, identifier)
    total = sum(money.values())
    assert total > 0, identifier
    right = sum(amount for target, amount in money.items() if target in acceptable)
    assert right >= total * Decimal("0.75"), (why, money)
    explained = json.loads(real_aligned("alignment", "explain", identifier, "--format", "json").stdout)
    assert explained["overrides"] == []
    assert all(part["rule"] != "override" for tx in explained["transactions"] for part in tx["parts"])


def test_violence_prevention_is_no_longer_counted_as_anticorruption(real_aligned):
    table = {row["objective"]: Decimal(row["usd"]) for row in csv_rows(
        real_aligned, "funding", "--by", "objective", "--type", "disbursement")}
    assert table["S2"] > 3 * table["G2"], table
    for identifier, _acceptable, _why in WHY[:4]:
        assert "G2" not in _money_by_target(real_aligned, identifier)


def test_precision_on_the_held_out_half_of_the_evaluation_set(real_aligned):
    # Issue 15 asks for 90% of activities on the right objective and 95% of FY2016–2020 disbursed dollars
    # on the right line of action.
    result = real_aligned("alignment", "evaluate", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["half"] == "test" and document["labelled"] == 120
    # Labelled activities whose money is all for the hemisphere as a whole are outside the Strategy's
    # geography (DESIGN.md rule 9): listed, not judged.
    assert document["activities"] + len(document["outside_geography"]) == 120
    assert 0 < len(document["outside_geography"]) <= 10
    assert document["line_precision"]["usd_fy2016_2020"] >= 0.95
    assert document["objective_precision"]["activities"] >= 0.90
    # The tuning half: the first draw's other 120 and seven later draws of 160 each, all for tuning.
    tune = json.loads(real_aligned("alignment", "evaluate", "--half", "tune", "--format", "json").stdout)
    assert tune["labelled"] == 1240
    assert tune["objective_precision"]["activities"] >= 0.93
    assert tune["line_precision"]["usd_fy2016_2020"] >= 0.95
