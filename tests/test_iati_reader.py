"""Every element family the importer reads, checked on the real U.S. files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from stratmon.sources.iati import IatiFile
from stratmon.sources.iati_records import Activity

from conftest import FIXTURES


def activities(path) -> dict[str, Activity]:
    return {a.identifier: a for a in IatiFile(path)}


@pytest.fixture(scope="module")
def state_honduras(usg_iati):
    return activities(usg_iati / "state" / "state-honduras.xml")


@pytest.fixture(scope="module")
def usaid_panama(usg_iati):
    return activities(usg_iati / "usaid" / "usaid-pa.xml")


@pytest.fixture(scope="module")
def mcc_el_salvador(usg_iati):
    return activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-sv.xml")


def test_identity_reporting_org_and_version(state_honduras):
    activity = state_honduras["US-GOV-11-SHO80021GR3038"]
    assert activity.iati_version == "2.03"
    assert (activity.reporting_org.ref, activity.reporting_org.type, activity.reporting_org.name) == \
           ("US-GOV-11", "10", "Department of State")
    assert activity.default_currency == "USD" and activity.hierarchy == 1
    assert activity.last_updated.isoformat() == "2024-12-31T17:56:37+00:00"


def test_participating_orgs_with_roles(state_honduras):
    orgs = state_honduras["US-GOV-11-SHO80021GR3038"].participating_orgs
    assert [(o.role, o.name) for o in orgs] == [
        ("1", "U.S. Agency for International Development"), ("2", "Department of State"),
        ("3", "Department of State"), ("4", "EOS International")]


def test_titles_and_descriptions_keep_their_languages(usaid_panama):
    activity = usaid_panama["US-GOV-1-525-DFD-I-03-03-00139-00"]
    assert {(n.lang, n.text) for n in activity.titles} == {
        ("en", "Ruling Justly: More Responsive, Transparent Governance"),
        ("es", "Gobernar con justicia: una gobernanza más receptiva y transparente")}
    assert activity.title("es").startswith("Gobernar con justicia")
    assert {n.lang for _, n in activity.descriptions} == {"en", "es"}


def test_dates_status_and_scope(state_honduras):
    activity = state_honduras["US-GOV-11-SHO80021GR3038"]
    assert activity.status == "3" and activity.scope == "5"
    dates = [(d.type, d.iso_date, d.narrative) for d in activity.dates]
    assert ("1", date(2020, 10, 1), "Date unavailable. Calculated start date is the earliest transaction date") \
        in dates
    assert ("4", date(2022, 10, 18), None) in dates


def test_hierarchy_and_related_activities(usg_iati):
    mcc = activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-hn.xml")
    parent = mcc["US-GOV-18-HN2-2750BXDILD"]
    assert parent.hierarchy == 1
    assert ("2", "US-GOV-18-HN2-2750BXDILD-NA") in [(r.type, r.ref) for r in parent.related]
    assert mcc["US-GOV-18-HN2-2750BXDILD-NA-NA"].hierarchy == 3


def test_recipients_at_activity_and_transaction_level(state_honduras, mcc_el_salvador):
    tx = state_honduras["US-GOV-11-SHO80021GR3038"].transactions[0]
    assert [(r.kind, r.code, r.percentage) for r in tx.recipients] == [("country", "HN", None)]
    mcc_activity = next(a for a in mcc_el_salvador.values() if a.recipients)
    assert [(r.kind, r.code, r.percentage) for r in mcc_activity.recipients] == [("country", "SV", Decimal(100))]


def test_regions_keep_vocabulary_and_code(usg_iati):
    regional = activities(usg_iati / "usaid" / "usaid-498.xml")
    recipients = {(r.kind, r.code, r.vocabulary) for a in regional.values() for t in a.transactions
                  for r in t.recipients}
    assert ("region", "498", "1") in recipients


def test_sectors_with_vocabularies_and_percentages(state_honduras, usg_iati):
    tx = state_honduras["US-GOV-11-SHO80021GR3038"].transactions[0]
    assert {(s.vocabulary, s.code, s.name) for s in tx.sectors} == {
        ("99", "18", "Water Supply and Sanitation"), ("1", "14021", "Water supply - large systems")}
    mcc = activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-hn.xml")
    leaf = mcc["US-GOV-18-HN2-2750BXDILD-NA-NA"]
    assert {(s.vocabulary, s.code, s.percentage) for s in leaf.sectors} == {
        ("1", "99810", Decimal(100)), ("99", "9000", Decimal(100))}


def test_transactions_all_fields(state_honduras, usaid_panama, usg_iati):
    tx = state_honduras["US-GOV-11-SHO80021GR3038"].transactions[0]
    assert (tx.ref, tx.type_code, tx.transaction_date, tx.value, tx.currency, tx.value_date) == \
           ("B3EBAAA7707E", "2", date(2021, 9, 2), Decimal(20000), "USD", date(2021, 9, 2))
    assert tx.description == "GLIDE: (COVID-19)" and tx.receiver.name == "EOS International"
    assert tx.disbursement_channel == "2"
    deobligation = usaid_panama["US-GOV-1-525-DFD-I-03-03-00139-00"].transactions[0]
    assert deobligation.value == Decimal("-4250.00")
    assert deobligation.receiver.activity_id == "XI-DUNS-616968269"
    mcc = activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-hn.xml")
    mcc_tx = mcc["US-GOV-18-HN2-2750BXDILD-NA-NA"].transactions[0]
    assert (mcc_tx.provider.ref, mcc_tx.provider.name) == ("US-GOV-18", "Millennium Challenge Corporation")


def test_budgets(usg_iati):
    mcc = activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-hn.xml")
    budget = mcc["US-GOV-18-HN2-2750BXDILD-NA-NA"].budgets[0]
    assert (budget.type, budget.period_start, budget.period_end, budget.value, budget.currency) == \
           ("2", date(2017, 4, 1), date(2022, 4, 1), Decimal("8325.01"), "USD")


def test_locations_and_document_links(mcc_el_salvador):
    located = [loc for a in mcc_el_salvador.values() for loc in a.locations]
    assert located and all(loc.latitude is not None and -90 <= loc.latitude <= 90 for loc in located if loc.srs_name)
    documents = [d for a in mcc_el_salvador.values() for d in a.documents]
    compact = next(d for d in documents if d.url == "https://www.mcc.gov/resources/doc/compact-el-salvador-ii")
    assert compact.title == "El Salvador II Investment Compact" and compact.format == "text/html"
    assert compact.categories == ["A01", "A02", "A04", "A05", "A11"] and compact.languages == ["en"]


def test_results_indicators_baselines_periods_and_dimensions(mcc_el_salvador):
    results = [r for a in mcc_el_salvador.values() for r in a.results]
    indicators = [i for r in results for i in r.indicators]
    assert len(results) == 7 and len(indicators) == 459
    values = [v for i in indicators for v in (*i.baselines, *(t for p in i.periods for t in (*p.targets, *p.actuals)))]
    nulls = [v for v in values if v.value_text == "NULL"]
    assert nulls and all(v.value is None for v in nulls)
    separated = [v for v in values if v.value_text and "," in v.value_text and v.value is not None]
    assert separated and all(Decimal(v.value_text.replace(",", "")) == v.value for v in separated)
    assert any(p.period_start and p.period_end for i in indicators for p in i.periods)
    assert any(i.extensions for i in indicators)  # MCC's measure-detail extension


def test_qualitative_indicator_values_are_kept_as_text(usg_iati):
    mcc = activities(usg_iati / "millenniumchallenge" / "millenniumchallenge-gt.xml")
    values = [v.value_text for a in mcc.values() for r in a.results for i in r.indicators for b in i.baselines
              for v in [b]]
    assert "N/A - Date Indicator" in values


def test_publisher_extensions_are_kept_structured(state_honduras, usaid_panama):
    tx = state_honduras["US-GOV-11-SHO80021GR3038"].transactions[0]
    (account,) = tx.extensions
    assert (account["ns"], account["tag"], account["attrs"]["code"]) == \
           ("https://foreignassistance.gov", "treasury-account", "72x1037")
    assert account["text"] == "Economic Support Fund"
    usaid = usaid_panama["US-GOV-1-525-DFD-I-03-03-00139-00"]
    tags = {e["tag"] for e in usaid.extensions}
    assert {"mechanism-signing-date", "state-location", "duns-number"} <= tags
    usaid_account = usaid.transactions[0].extensions[0]
    assert [c["tag"] for c in usaid_account["children"]] == ["regular-account", "main-account", "fiscal-funding-year"]


def test_other_standard_elements_are_kept(state_honduras):
    kept = {e["tag"] for e in state_honduras["US-GOV-11-SHO80021GR3038"].other_elements}
    assert {"contact-info", "conditions"} <= kept


def test_version_1_spellings_are_read_as_2():
    (activity,) = IatiFile(FIXTURES / "iati" / "version-105.xml")
    assert activity.title() == "Feasibility study (1.05)"
    assert activity.reporting_org.name == "U.S. Trade and Development Agency"
    assert [t.type_code for t in activity.transactions] == ["2", "3"]
    assert activity.participating_orgs[0].role == "1"
    assert activity.dates[0].type == "2"
    assert activity.sectors[0].vocabulary == "1"


def test_planned_disbursements_and_located_points_from_a_hand_written_file():
    activity = activities(FIXTURES / "iati" / "unseen-agency.xml")["US-GOV-8-TEST-0001"]
    (planned,) = activity.planned_disbursements
    assert (planned.type, planned.period_start, planned.value, planned.provider.ref, planned.receiver.name) == \
           ("1", date(2019, 10, 1), Decimal(400000), "US-GOV-8", "Implementer A")
    (budget,) = activity.budgets
    assert (budget.status, budget.value) == ("2", Decimal("2000000.00"))
    (place,) = activity.locations
    assert (place.ref, place.name, place.latitude, place.longitude, place.exactness, place.feature_designation) == \
           ("GT-QUE", "Quetzaltenango", 14.8333, -91.5167, "1", "PPLA")
    assert place.administratives == [{"vocabulary": "G1", "level": "1", "code": "3590979"}]
