"""The IATI Standard's own files, imported and exported: nothing published is lost, and the export is
valid IATI 2.03 (issue 19).

On the shared folder `iati-standard/` (its SOURCE.md): the annotated example activity of 2.01, 2.02 and
2.03, and every 2.03 schema-test file that the schema accepts. Each is imported, exported, validated
against the official 2.03 schema (lxml, no network) and compared fact by fact with the original
(tests/iati_conformance.py says what a fact is and what is normalised). Not one schema-test file gives
its activity an identifier, and an activity without one is skipped, not imported: the suite fills each
empty `iati-identifier` with one made of the file's name, so that every element the schema tests comes
through the store. A hand-written 1.05 activity exports as valid 2.03.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from conftest import ENGINES, FIXTURES, database_for
from iati_conformance import facts, lost, not_embedded
from stratmon.analysis.stored_activities import stored_activities
from stratmon.config import shared_data_dir
from stratmon.iati.export import write_activities
from stratmon.sources.iati import content_hash
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import upgrade

STANDARD = "iati-standard"
EXAMPLES = ("examples/activity-standard-example-annotated-2.01.xml",
            "examples/activity-standard-example-annotated-2.02.xml",
            "examples/activity-standard-example-annotated-2.03.xml")
SCHEMA_TESTS = "tests-2.03/tests"
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
# Parsed as a hostile reader would: no entities, no DTD, no network.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _schema_test_files() -> list[str]:
    """The schema-test files, by their path in the shared folder (collected before any fixture runs: an
    absent folder gives one case that fails, never none)."""
    folder = shared_data_dir() / STANDARD / SCHEMA_TESTS
    files = sorted(str(path.relative_to(shared_data_dir() / STANDARD)) for path in folder.rglob("*.xml"))
    return files or [f"{SCHEMA_TESTS}/(missing)"]


@pytest.fixture(scope="session")
def iati_standard(shared_data) -> Path:
    folder = shared_data / STANDARD
    if not (folder / "SOURCE.md").is_file():
        pytest.fail(f"the IATI Standard's files are not at {folder}", pytrace=False)
    return folder


@pytest.fixture(scope="session")
def schema_2_03(iati_standard) -> etree.XMLSchema:
    """The official IATI 2.03 activity schema (it imports xml.xsd from its own folder, never the network)."""
    path = iati_standard / "schemas" / "2.03" / "iati-activities-schema.xsd"
    return etree.XMLSchema(etree.parse(str(path), PARSER))


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory) -> Path:
    """A migrated SQLite file that each round trip copies (migrating once keeps 218 round trips quick)."""
    path = tmp_path_factory.mktemp("conformance") / "empty.db"
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def with_identifiers(source: Path, target: Path) -> Path:
    """`source` with each empty `iati-identifier` filled in from the file's name, written to `target`."""
    tree = etree.parse(str(source), PARSER)
    for number, activity in enumerate(tree.getroot().iterfind("iati-activity"), 1):
        identifier = activity.find("iati-identifier")
        if identifier is not None and not (identifier.text or "").strip():
            identifier.text = f"XM-TEST-{source.stem}-{number}"
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


def round_trip(url: str, path: Path) -> tuple[etree._Element, etree._Element, list]:
    """Import `path` into the database at `url`, export every activity stored; the original, the export
    and the import's issues."""
    engine = get_engine(url)
    try:
        report = import_iati_file(engine, path)
        with engine.connect() as connection:
            identifiers = list(connection.execute(select(schema.activity.c.iati_identifier)).scalars())
            out = io.BytesIO()
            write_activities(connection, identifiers, out)
    finally:
        engine.dispose()
    original = etree.parse(str(path), PARSER).getroot()
    assert report.records_new == len(original.findall("iati-activity")), report.issues
    return original, etree.fromstring(out.getvalue(), PARSER), report.issues


def assert_conforms(original: etree._Element, exported: etree._Element, schema_2_03: etree.XMLSchema) -> None:
    assert schema_2_03.validate(exported), [f"{e.line}: {e.message}" for e in schema_2_03.error_log][:10]
    assert lost(original, exported) == Counter()
    assert not_embedded(original, exported) == []


# --------------------------------------------------------------------------- the Standard's examples

@pytest.mark.parametrize("name", EXAMPLES, ids=[name[-8:-4] for name in EXAMPLES])
def test_the_annotated_example_comes_back_whole_and_valid(name, iati_standard, schema_2_03, empty_database, tmp_path):
    database = tmp_path / "stratmon.db"
    shutil.copy(empty_database, database)
    original, exported, issues = round_trip(f"sqlite:///{database}", iati_standard / name)
    assert issues == []
    assert sum(facts(original).values()) > 350  # the whole example was read, not an empty file
    assert_conforms(original, exported, schema_2_03)
    # What the issue named, one by one.
    activity = exported.find("iati-activity")
    assert exported.get("linked-data-default") == "http://data.example.org/"
    assert activity.get("linked-data-uri") == "http://data.example.org/123456789"
    assert [n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in activity.iterfind("reporting-org/narrative")] \
        == [None, "fr"]
    if name.endswith("2.03.xml"):
        assert activity.get("budget-not-provided") == "1"
        assert [(a.get("code"), a.get("vocabulary")) for a in activity.iterfind("default-aid-type")] == \
            [("A01", "1"), ("1", "2")]
        assert [(a.get("code"), a.get("vocabulary")) for a in activity.iterfind("transaction/aid-type")] == \
            [("A01", "1"), ("1", "2")]
        assert activity.find("result/reference").attrib == {"vocabulary": "99", "code": "B1",
                                                            "vocabulary-uri": "http://example.com/indicators.html"}
        assert len(activity.findall("result//document-link")) == 5
        assert activity.find("recipient-region[@vocabulary='99']").get("vocabulary-uri") == \
            "http://example.com/vocab.html"
        assert activity.find("planned-disbursement/provider-org").attrib == {
            "provider-activity-id": "BB-BBB-123456789-1234AA", "type": "10", "ref": "BB-BBB-123456789"}


@pytest.mark.parametrize("engine_name", ENGINES)
def test_the_2_03_example_round_trips_on_both_engines_and_again_without_drift(engine_name, request, iati_standard,
                                                                            schema_2_03, tmp_path):
    url = database_for(engine_name, request, tmp_path)
    upgrade(get_engine(url))
    original, exported, _issues = round_trip(url, iati_standard / EXAMPLES[2])
    assert_conforms(original, exported, schema_2_03)
    # The export imported again comes out the same, but for when it was written.
    first = tmp_path / "first.xml"
    first.write_bytes(etree.tostring(exported))
    (tmp_path / "again").mkdir()
    again_url = database_for(engine_name, request, tmp_path / "again")
    upgrade(get_engine(again_url))
    _first, again, _issues = round_trip(again_url, first)
    for document in (exported, again):
        del document.attrib["generated-datetime"]
    assert etree.tostring(again) == etree.tostring(exported)


# --------------------------------------------------------------------------- the 2.03 schema tests

@pytest.mark.parametrize("name", _schema_test_files())
def test_each_schema_test_file_comes_back_whole_and_valid(name, iati_standard, schema_2_03, empty_database, tmp_path):
    source = iati_standard / name
    if not source.is_file():
        pytest.fail(f"no 2.03 schema-test files under {iati_standard / SCHEMA_TESTS}", pytrace=False)
    database = tmp_path / "stratmon.db"
    shutil.copy(empty_database, database)
    original, exported, issues = round_trip(f"sqlite:///{database}", with_identifiers(source, tmp_path / source.name))
    # Their version is "xx": read, and said (no --strict).
    assert [issue.kind for issue in issues] == (["warning"] if original.get("version") not in ("2.03",) else [])
    assert_conforms(original, exported, schema_2_03)


def test_the_schema_test_files_exercise_the_elements_the_issue_named(iati_standard):
    """The suite's files hold what was lost before: namespaced attributes and children, result references
    and document links at every level, several aid types, narratives in several languages."""
    found: Counter[str] = Counter()
    for name in _schema_test_files():
        root = etree.parse(str(iati_standard / name), PARSER).getroot()
        for fact in facts(root):
            found[fact[0].split("/")[-1] if len(fact) == 1 else fact[1]] += 1
    assert found["reference"] and found["document-link"] > 100 and found["aid-type"]
    assert any(name.startswith("@{") for name in found), "no namespaced attribute"


def test_the_shipped_schema_outline_is_the_official_schemas(iati_standard):
    """src/stratmon/iati/data/activity-schema-2.03.json is what scripts/iati_schema_outline.py reads from the
    official 2.03 schema: the order the export and the 1.0x upgrade follow is the schema's."""
    spec = importlib.util.spec_from_file_location("iati_schema_outline", SCRIPTS / "iati_schema_outline.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.OUTLINE.read_text(encoding="utf-8") == script.written(iati_standard / "schemas" / "2.03")


# --------------------------------------------------------------------------- IATI 1.0x

def test_a_1_05_activity_is_exported_as_valid_2_03_with_its_meaning(sqlite_url, schema_2_03, tmp_path):
    upgrade(get_engine(sqlite_url))
    _original, exported, issues = round_trip(sqlite_url, FIXTURES / "iati" / "version-105-full.xml")
    assert issues == []
    assert schema_2_03.validate(exported), [f"{e.line}: {e.message}" for e in schema_2_03.error_log][:10]
    (activity,) = exported
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert activity.get("version") is None
    assert [(n.text, n.get(lang)) for n in activity.iterfind("title/narrative")] == [
        ("Rural water in the western highlands", None), ("Agua rural en el altiplano occidental", "es")]
    assert [(o.get("role"), o.findtext("narrative")) for o in activity.iterfind("participating-org")] == [
        ("1", "USAID"), ("3", "USAID/Guatemala"), ("4", "Agua Para Todos")]
    assert [(d.get("type"), d.findtext("narrative")) for d in activity.iterfind("activity-date")] == [
        ("1", "Planned start"), ("2", None), ("3", None)]
    assert [(o.get("ref"), o.get("type"), o.find("owner-org").get("ref"), o.findtext("owner-org/narrative"))
            for o in activity.iterfind("other-identifier")] == [
        ("AID-520-A-12-00001", "A1", "US-GOV-1", "USAID"), ("UNDP-GT-0042", "A9", "XM-DAC-41114", "UNDP")]
    assert activity.find("activity-status").text is None and activity.find("activity-status").get("code") == "2"
    assert [c.tag for c in activity.find("contact-info")] == [
        "organisation", "person-name", "job-title", "telephone", "email", "website", "mailing-address"]
    assert activity.findtext("contact-info/mailing-address/narrative").startswith("Avenida Reforma")
    old_location = activity.find("location")
    assert old_location.get("percentage") is None
    assert old_location.find("point/pos").text == "14.8347 -91.5181"
    assert old_location.find("location-id").attrib == {"vocabulary": "G1", "code": "3590979"}
    assert old_location.find("administrative").attrib == {"vocabulary": "A4", "level": "0", "code": "GT"}
    assert old_location.find("feature-designation").get("code") == "PPLA"
    assert old_location.find("exactness").get("code") == "2"
    assert [(s.get("vocabulary"), s.get("code")) for s in activity.iterfind("sector")] == [
        ("1", "14030"), ("1", "12240"), ("99", "HL.8.1")]
    assert activity.find("policy-marker").get("vocabulary") == "1"
    assert activity.find("country-budget-items/budget-item/description").get("type") is None
    assert activity.find("planned-disbursement").get("updated") is None
    assert [t.get("code") for t in activity.iterfind("transaction/transaction-type")] == ["2", "3", "1"]
    assert [c.tag for c in activity.find("transaction")] == [
        "transaction-type", "transaction-date", "value", "description", "provider-org", "receiver-org",
        "disbursement-channel", "flow-type", "finance-type", "aid-type", "tied-status"]
    website = activity.find("document-link[@format='text/html']")
    assert website.get("url") == "http://www.example.org/activities/old-105"
    assert website.find("category").get("code") == "A12"
    assert activity.find("related-activity").text is None
    assert activity.find("result/description").get("type") is None
    assert [c.tag for c in activity.find("result/indicator/period")] == [
        "period-start", "period-end", "target", "actual"]
    assert activity.find("crs-add/other-flags").attrib == {"code": "1", "significance": "1"}


def test_the_1_05_activity_keeps_its_figures_and_identity(sqlite_url, tmp_path):
    """Upgraded in form only: the stored activity has the 1.05 file's identity, content hash and money."""
    upgrade(get_engine(sqlite_url))
    import_iati_file(get_engine(sqlite_url), FIXTURES / "iati" / "version-105-full.xml")
    with get_engine(sqlite_url).connect() as connection:
        (stored,) = stored_activities(connection, ["US-GOV-1-OLD-105"])
    assert stored.activity.iati_version == "1.05"
    assert [(t.type_code, t.value_text, t.currency) for t in stored.of(schema.transaction)] == [
        ("2", "1000000", "USD"), ("3", "600000", "USD"), ("1", "1000000", "USD")]
    assert [t.treasury_account for t in stored.of(schema.transaction)] == [None, "72-1021", None]
    # The activity is known by its content as published (DESIGN.md rule 1), not by its 2.0x form.
    published = etree.parse(str(FIXTURES / "iati" / "version-105-full.xml"), PARSER).find("iati-activity")
    assert stored.activity.content_hash == content_hash(published)
