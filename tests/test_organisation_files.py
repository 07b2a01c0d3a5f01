"""IATI organisation files (issue 23, point 2): read, stored, re-imported, summed per agency, country and
fiscal year, listed in the import ledger and shown on the data page, the API and the report.

The expected figures come from the hand-written fixture (tests/fixtures/iati/organisation.xml) read by eye;
the real-data test imports the 14 organisation files of the U.S. government's whole IATI publication,
read from its archive in place, and checks the stored counts against the files' elements counted with
plain lxml, not the product's reader.
"""

from __future__ import annotations

import json
import tarfile
import time
from collections import Counter
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from conftest import FIXTURES, Cli
from dbdump import dump
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.organisation_budgets import budget_fiscal_year, organisation_budgets
from stratmon.framework import load_framework
from stratmon.sources.errors import ImportRejected
from stratmon.sources.iati_org import OrganisationFile, is_organisation_file
from stratmon.sources.iati_org_records import (
    RecipientCountryBudget,
    RecipientOrgBudget,
    RecipientRegionBudget,
    TotalBudget,
    TotalExpenditure,
)
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from webfixtures import client_for

ORGANISATION = FIXTURES / "iati" / "organisation.xml"
ACTIVITIES = FIXTURES / "iati" / "organisation-activities.xml"
LEDGER_TABLES = ("import_run", "import_issue", "import_count")
# What the fixture holds, by element (its first organisation; the second has one country budget).
FIXTURE_COUNTS = {"total-budget": 1, "recipient-org-budget": 1, "recipient-region-budget": 1,
                  "recipient-country-budget": 8, "total-expenditure": 1, "budget-line": 3, "expense-line": 1,
                  "document-link": 1}
# MCC's budgets in the Strategy's places, FY2019, as the analysis must sum them (see the fixture's comments).
EXPECTED_FY2019 = {
    "GT": (Decimal("12000000.50"), "committed", Decimal("5500000.25")),  # the indicative 15M gives way
    "HN": (Decimal("6000000.00"), "mixed", Decimal("2500000.00")),  # three quarters, one committed
    "SV": (Decimal("7000000.00"), "indicative", Decimal("0.00")),  # calendar 2019: nine months in FY2019
    "region-389": (Decimal("4000000.00"), "committed", Decimal("0.00")),
}


# --- reading --------------------------------------------------------------------------------------------------

def test_the_reader_yields_one_typed_record_per_concept():
    first, second = list(OrganisationFile(ORGANISATION))
    assert (first.identifier, first.name(), first.name("es")) == (
        "US-GOV-18", "Millennium Challenge Corporation (test)", "Corporación del Desafío del Milenio (prueba)")
    assert (first.reporting_org.ref, first.reporting_org.type, first.secondary_reporter) == ("US-GOV-18", "10", False)
    assert first.default_currency == "USD" and first.iati_version == "2.03"
    assert first.last_updated == datetime(2019, 11, 1, tzinfo=timezone.utc)
    kinds = Counter(type(b) for b in first.budgets)
    assert kinds == {TotalBudget: 1, RecipientOrgBudget: 1, RecipientRegionBudget: 1, RecipientCountryBudget: 8,
                     TotalExpenditure: 1}
    assert first.counts() == FIXTURE_COUNTS
    total = next(b for b in first.budgets if isinstance(b, TotalBudget))
    assert (total.value, total.value_text, total.currency, total.status) == (
        Decimal("905000000.00"), "905,000,000.00", "USD", "2")
    assert [(line.ref, line.value, line.narratives[0].text) for line in total.lines] == [
        ("compacts", Decimal("800000000"), "Compact programs"), ("threshold", Decimal("105000000"), "Threshold programs")]
    org_budget = next(b for b in first.budgets if isinstance(b, RecipientOrgBudget))
    assert (org_budget.recipient_org.ref, org_budget.period_start, org_budget.period_end) == (
        "XM-OCHA-ORG-1", date(2018, 10, 1), date(2019, 9, 30))
    region = next(b for b in first.budgets if isinstance(b, RecipientRegionBudget))
    assert (region.code, region.vocabulary, region.recipient_key) == ("389", "1", "region-389")
    countries = [b for b in first.budgets if isinstance(b, RecipientCountryBudget)]
    assert {b.code for b in countries} == {"GT", "HN", "SV", "KE"}  # "hn" as ISO spells it
    euro = next(b for b in countries if b.currency == "EUR")
    assert (euro.code, euro.value, euro.status) == ("GT", Decimal("1000000"), None)
    expenditure = next(b for b in first.budgets if isinstance(b, TotalExpenditure))
    assert [(line.ref, line.value) for line in expenditure.lines] == [("389", Decimal("30000000"))]
    [document] = first.documents
    assert (document.url, document.title, document.categories, document.recipient_countries, document.document_date) \
        == ("https://example.org/compact-guatemala", "Compact with Guatemala (invented)", ["B03"], ["GT"],
            date(2018, 6, 1))
    assert [e["tag"] for e in first.extensions] == ["note"]
    assert second.identifier == "XM-EXAMPLE-ORG" and len(second.budgets) == 1


def test_organisation_files_are_told_by_their_root(tmp_path):
    assert is_organisation_file(ORGANISATION)
    assert not is_organisation_file(ACTIVITIES)
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    assert not is_organisation_file(empty)
    with pytest.raises(ImportRejected, match="not an IATI organisation file"):
        OrganisationFile(ACTIVITIES)


@pytest.mark.parametrize(("start", "end", "year"), [
    (date(2018, 10, 1), date(2019, 9, 30), 2019),  # a U.S. fiscal year
    (date(2019, 1, 1), date(2019, 12, 31), 2019),  # a calendar year: Jan–Sep outweigh Oct–Dec
    (date(2019, 10, 1), date(2019, 12, 31), 2020),  # a first quarter
    (date(2018, 4, 1), date(2019, 3, 31), 2018),  # April–March: 183 days in FY2018, 182 in FY2019
    (date(2019, 4, 1), date(2020, 3, 31), 2019),  # 183 days each side (2020 is a leap year): the earlier
])
def test_a_budget_counts_in_the_fiscal_year_holding_most_of_its_period(start, end, year):
    assert budget_fiscal_year(start, end) == year


# --- storing ---------------------------------------------------------------------------------------------------

def _rows(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_import_stores_every_table_in_one_run(engine):
    report = import_iati_file(engine, ORGANISATION)
    assert (report.status, report.records_new, report.transactions) == ("imported", 2, 0)
    assert report.counts == {**FIXTURE_COUNTS, "recipient-country-budget": 9}
    budget = schema.organisation_budget
    with engine.connect() as connection:
        run = connection.execute(select(schema.import_run)).one()
        assert (run.source_kind, run.record_kind, run.format_version, run.records_new) == (
            "iati-org", "organisation", "2.03", 2)
        mcc = connection.execute(select(schema.iati_organisation).where(
            schema.iati_organisation.c.organisation_identifier == "US-GOV-18")).one()
        assert (mcc.import_run_id, mcc.name, mcc.reporting_org_ref, mcc.default_currency) == (
            run.id, "Millennium Challenge Corporation (test)", "US-GOV-18", "USD")
        by_kind = dict(connection.execute(select(budget.c.kind, func.count()).group_by(budget.c.kind)).all())
        assert by_kind == {"total": 1, "recipient-org": 1, "recipient-region": 1, "recipient-country": 9,
                           "expenditure": 1}
        committed_gt = connection.execute(select(budget.c.value_micros, budget.c.value_text, budget.c.recipient_key)
                                          .where(budget.c.recipient_code == "GT", budget.c.status == "2")).one()
        assert tuple(committed_gt) == (12_000_000_500_000, "12000000.50", "GT")
        counts = dict(connection.execute(select(schema.import_count.c.name, schema.import_count.c.count)).all())
    assert counts == report.counts
    assert _rows(engine, schema.organisation_budget_line) == 4
    assert _rows(engine, schema.organisation_document) == 1


def test_reimport_is_idempotent_and_a_newer_version_replaces_the_older(engine, tmp_path):
    import_iati_file(engine, ORGANISATION)
    before = dump(engine.url.render_as_string(hide_password=False))
    again = import_iati_file(engine, ORGANISATION)
    assert (again.status, again.records_unchanged, again.records_new, again.conflicts) == ("unchanged", 2, 0, 0)
    after = dump(engine.url.render_as_string(hide_password=False))
    assert {k: v for k, v in before.items() if k not in LEDGER_TABLES} == \
        {k: v for k, v in after.items() if k not in LEDGER_TABLES}

    newer = tmp_path / "organisation-newer.xml"
    newer.write_text(ORGANISATION.read_text(encoding="utf-8").replace(
        '<iati-organisation last-updated-datetime="2019-11-01T00:00:00Z" default-currency="USD" xml:lang="en">',
        '<iati-organisation last-updated-datetime="2020-02-01T00:00:00Z" default-currency="USD" xml:lang="en">', 1)
        .replace(">12000000.50</value>\n   <budget-line", ">13000000</value>\n   <budget-line", 1), encoding="utf-8")
    updated = import_iati_file(engine, newer)
    assert (updated.records_updated, updated.records_unchanged, updated.conflicts) == (1, 1, 1)
    assert "kept the version from this file" in updated.issues[0].message
    budget, organisation = schema.organisation_budget, schema.iati_organisation
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(organisation)).scalar_one() == 2
        gt = connection.execute(select(budget.c.value_micros).join(organisation).where(
            organisation.c.organisation_identifier == "US-GOV-18", budget.c.recipient_code == "GT",
            budget.c.status == "2")).scalars().all()
    assert gt == [13_000_000_000_000]  # replaced, not added
    assert _rows(engine, budget) == 13

    older = import_iati_file(engine, ORGANISATION)  # the older version again: kept out, and said so
    assert (older.status, older.records_unchanged, older.conflicts) == ("unchanged", 2, 1)
    assert "kept the version from" in older.issues[0].message and str(newer) in older.issues[0].message


# --- the analysis ----------------------------------------------------------------------------------------------

@pytest.fixture
def imported(sqlite_cli) -> Cli:
    """The fixture's organisation file and the activities beside it, in SQLite."""
    result = sqlite_cli("import", "iati", str(ORGANISATION), str(ACTIVITIES))
    assert result.exit_code == 0, result.output
    return sqlite_cli


def test_budgets_per_agency_country_and_fiscal_year(imported):
    framework = load_framework()
    with get_engine(imported.db_url).connect() as connection:
        found = organisation_budgets(connection, framework)
        fy2020 = organisation_budgets(connection, framework, fiscal_years=FiscalYears(2020, 2020))
        honduras = organisation_budgets(connection, framework, places=("HN",))
    assert {(r.agency_id, r.place, r.fiscal_year) for r in found.rows} == {("mcc", p, 2019) for p in EXPECTED_FY2019}
    assert {r.place: (r.budget_usd, r.status, r.iati_disbursed_usd) for r in found.rows} == EXPECTED_FY2019
    assert [r.place for r in found.rows] == ["GT", "HN", "SV", "region-389"]  # the framework's order
    assert found.fiscal_years == (2019, 2020)
    assert found.excluded_by_currency == {"EUR": Decimal("1000000.00")}
    assert found.other_organisations == ("XM-EXAMPLE-ORG",)
    assert fy2020.rows == [] and fy2020.excluded_by_currency == {"EUR": Decimal("1000000.00")}
    assert [(r.place, r.budgets, r.committed_usd) for r in honduras.rows] == [("HN", 3, Decimal("3000000.00"))]


# --- the CLI ---------------------------------------------------------------------------------------------------

def test_the_import_summary_and_the_ledger_list_the_organisation_file(imported):
    again = imported("import", "iati", str(ORGANISATION))
    assert again.exit_code == 0, again.output
    words = again.stdout.replace("│", " ").split()  # the table wraps its cells at the terminal's width
    assert "organisation.xml" in words and "(organisation" in words and "Budgets" in words and "12" in words
    runs = json.loads(imported("imports", "--format", "json").stdout)
    organisation_runs = [run for run in runs if run["source_kind"] == "iati-org"]
    assert [(run["status"], run["record_kind"], run["records_new"], run["records_unchanged"])
            for run in organisation_runs] == [("imported", "organisation", 2, 0), ("unchanged", "organisation", 0, 2)]
    assert organisation_runs[0]["counts"]["recipient-country-budget"] == 9
    activity_run = next(run for run in runs if run["source_kind"] == "iati")
    assert activity_run["counts"] == {} and activity_run["transactions"] == 5
    table = imported("imports").stdout
    assert "(organisation" in table and "Budgets" in table
    assert " 12 " in table.replace("│", " ")  # 1 total + 1 org + 1 region + 9 country budgets


def test_a_folder_mixing_activity_and_organisation_files_imports_both(sqlite_cli, tmp_path):
    folder = tmp_path / "agency"
    folder.mkdir()
    for source in (ORGANISATION, ACTIVITIES):
        (folder / source.name).write_bytes(source.read_bytes())
    result = sqlite_cli("import", "iati", str(folder), "--workers", "2")
    assert result.exit_code == 0, result.output
    runs = json.loads(sqlite_cli("imports", "--format", "json").stdout)
    assert sorted((Path(r["path"]).name, r["source_kind"], r["status"]) for r in runs) == [
        ("organisation-activities.xml", "iati", "imported"), ("organisation.xml", "iati-org", "imported")]


# --- the portal, the API and the report -------------------------------------------------------------------------

def test_the_data_page_the_api_and_the_report_show_the_budgets(imported, tmp_path):
    assert imported("align").exit_code == 0
    with client_for(imported.db_url) as client:
        page = client.get("/en/data?fy=2019")
        assert page.status_code == 200
        text = page.text
        assert "Agencies&#39; own budgets per country (IATI organisation files)" in text
        table = text[text.index('id="table-organisation-budgets"'):]
        table = table[:table.index("</table>")]
        for figure in ("12,000,000.50", "5,500,000.25", "6,000,000.00", "2,500,000.00", "7,000,000.00"):
            assert figure in table
        assert "Guatemala" in table and "MCC" in table and "committed and indicative" in table
        assert "IATI organisation files of U.S. government publishers" in text  # the sources table
        spanish = client.get("/es/data?fy=2019").text
        assert "Presupuestos propios de las agencias por país" in spanish and "comprometido e indicativo" in spanish
        csv_text = client.get("/en/data?fy=2019&download=organisation-budgets&format=csv").text
        assert "MCC,Guatemala,FY2019,12000000.50,committed,5500000.25" in csv_text
        answer = client.get("/api/v1/organisation-budgets", params={"fy": "2019"})
        assert answer.status_code == 200
        body = answer.json()
        assert [(r["agency"], r["place"], r["fy"], r["budget_usd"], r["iati_disbursed_usd"]) for r in body["rows"]] == [
            ("mcc", place, 2019, f"{budget:.2f}", f"{disbursed:.2f}")
            for place, (budget, _status, disbursed) in EXPECTED_FY2019.items()]
        assert body["excluded_by_currency"] == {} and body["fiscal_years_published"] == [2019, 2020]
        honduras = client.get("/api/v1/organisation-budgets", params={"fy": "all", "country": "Honduras"}).json()
        assert [r["place"] for r in honduras["rows"]] == ["HN"]
        assert client.get("/api/v1/organisation-budgets", params={"fy": "20x9"}).status_code == 400
    out = tmp_path / "report.md"
    result = imported("report", "--fy", "2019", "--format", "md", "--out", str(out), "--as-of", "2026-12-07")
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert "### Agencies' own budgets per country (IATI organisation files)" in report
    assert "| MCC | Guatemala | 2019 | 12,000,000.50 | committed | 5,500,000.25 |" in report


# --- the whole real publication ---------------------------------------------------------------------------------

def _publication_organisation_files(shared_data: Path, folder: Path) -> list[Path]:
    """The `*-org.xml` members of the U.S. government's whole IATI publication, read from the archive in place."""
    archive = shared_data / "usg-iati-world" / "usg-iati-world.tar.xz"
    if not archive.is_file():
        pytest.fail(f"the U.S. government's IATI publication is not at {archive}", pytrace=False)
    paths = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith("-org.xml"):
                path = folder / Path(member.name).name
                path.write_bytes(tar.extractfile(member).read())
                paths.append(path)
    return sorted(paths)


def _elements_by_hand(paths: list[Path]) -> Counter:
    """Each organisation-level element of the files, counted with plain lxml."""
    found = Counter()
    for path in paths:
        for organisation in etree.parse(str(path)).getroot().iterfind("iati-organisation"):
            found["organisation"] += 1
            for child in organisation:
                if isinstance(child.tag, str):
                    found[child.tag] += 1
                    found.update(line.tag for line in child if line.tag in ("budget-line", "expense-line"))
    return found


def test_the_publications_fourteen_organisation_files_import(shared_data, tmp_path):
    folder = tmp_path / "org"
    folder.mkdir()
    paths = _publication_organisation_files(shared_data, folder)
    assert len(paths) == 14, [p.name for p in paths]
    cli = Cli(f"sqlite:///{tmp_path / 'stratmon.db'}")
    assert cli("init").exit_code == 0
    started = time.perf_counter()
    result = cli("import", "iati", *map(str, paths))
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    print(f"14 organisation files imported in {seconds:.2f} s")  # measured, never asserted
    expected = _elements_by_hand(paths)
    runs = json.loads(cli("imports", "--format", "json").stdout)
    assert [(r["status"], r["source_kind"], r["records_new"]) for r in runs] == [("imported", "iati-org", 1)] * 14
    stored = Counter()
    for run in runs:
        stored.update(run["counts"])
    assert {name: stored[name] for name in stored} == {name: expected[name] for name in stored}
    engine = get_engine(cli.db_url)
    budget = schema.organisation_budget
    with engine.connect() as connection:
        identifiers = set(connection.execute(select(schema.iati_organisation.c.organisation_identifier)).scalars())
        by_kind = dict(connection.execute(select(budget.c.kind, func.count()).group_by(budget.c.kind)).all())
        without_value = connection.execute(select(func.count()).select_from(budget)
                                           .where(budget.c.value_micros.is_(None))).scalar_one()
    framework = load_framework()
    assert len(identifiers) == expected["organisation"] == 14
    # Every one is an agency of the framework but the African Development Foundation, which works in Africa only.
    assert identifiers - {agency.iati_ref for agency in framework.agencies} == {"US-GOV-13"}
    assert by_kind == {"total": expected["total-budget"], "recipient-region": expected["recipient-region-budget"],
                       "recipient-country": expected["recipient-country-budget"],
                       "expenditure": expected["total-expenditure"]}
    assert min(by_kind.values()) > 40 and without_value == 0
    # The Department of Energy budgets for Panama and the Strategy's own region, FY2022 and FY2023.
    with engine.connect() as connection:
        found = organisation_budgets(connection, framework)
    assert {(r.agency_id, r.place, r.fiscal_year) for r in found.rows} >= {
        ("doe", "PA", 2022), ("doe", "PA", 2023), ("doe", "region-389", 2022)}
    again = cli("import", "iati", *map(str, paths))
    assert again.exit_code == 0 and "unchanged" in again.stdout
