"""Writing stored activities as IATI 2.03 XML: importing the file again gives the same activities and
the same figures, the file is safe, well-formed XML in the schema's order, and it is written as it is read."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from sqlalchemy import select

from conftest import ENGINES, FIXTURES, Cli, database_for
from stratmon.analysis.activities import ActivityFilter, identifiers_matching
from stratmon.analysis.stored_activities import BATCH_IDENTIFIERS, CONTENT_TABLES, StoredActivity, stored_activities
from stratmon.iati.export import write_activities
from stratmon.store import schema
from stratmon.store.db import get_engine

# Real files: the Guatemala activities of the Department of State and of the Millennium Challenge
# Corporation (results, locations, documents, budgets, related activities, extensions) and USAID's
# Panama file (its own extensions).
REAL_FILES = ("state/state-guatemala.xml", "millenniumchallenge/millenniumchallenge-gt.xml", "usaid/usaid-pa.xml")
REAL_AGENCIES = {"US-GOV-11", "US-GOV-18", "US-GOV-1"}
# The children of iati-activity in the order of the IATI 2.03 schema (iati-activities-schema.xsd, 2.03).
SCHEMA_ORDER = (
    "iati-identifier", "reporting-org", "title", "description", "participating-org", "other-identifier",
    "activity-status", "activity-date", "contact-info", "activity-scope", "recipient-country", "recipient-region",
    "location", "sector", "tag", "country-budget-items", "humanitarian-scope", "policy-marker", "collaboration-type",
    "default-flow-type", "default-finance-type", "default-aid-type", "default-tied-status", "budget",
    "planned-disbursement", "capital-spend", "transaction", "document-link", "related-activity", "legacy-data",
    "conditions", "result", "crs-add", "fss",
)
TRANSACTION_ORDER = ("transaction-type", "transaction-date", "value", "description", "provider-org", "receiver-org",
                     "disbursement-channel", "sector", "recipient-country", "recipient-region", "flow-type",
                     "finance-type", "aid-type", "tied-status")
# Text a title may hold that XML must escape, exactly as a publisher could write it.
TRICKY_TITLE = "<b>Bold</b> & \"quoted\" 'text' ]]> <![CDATA[ & &amp; é 中文"
TRICKY_DESCRIPTION = "Línea 1 & <script>alert('x')</script> ]]>]]> end"

EVERYTHING = f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2024-01-01T00:00:00Z"
                 xmlns:usg="http://foreignassistance.gov/iati#">
  <iati-activity last-updated-datetime="2024-01-02T03:04:05Z" xml:lang="en" default-currency="USD" humanitarian="1"
                 hierarchy="2">
    <iati-identifier>US-GOV-1-EXPORT-1</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10" secondary-reporter="0">
      <narrative>USAID &amp; partners</narrative>
    </reporting-org>
    <title>
      <narrative>{escape(TRICKY_TITLE)}</narrative>
      <narrative xml:lang="es">Título en español</narrative>
    </title>
    <description type="1">
      <narrative>{escape(TRICKY_DESCRIPTION)}</narrative>
      <narrative xml:lang="es">Descripción</narrative>
    </description>
    <description type="2"><narrative>Objectives</narrative></description>
    <participating-org ref="US-GOV-1" type="10" role="1" crs-channel-code="11000">
      <narrative>USAID</narrative>
    </participating-org>
    <participating-org ref="US-EIN-52-2145827" type="70" role="4" activity-id="X-1">
      <narrative>Chemonics</narrative>
    </participating-org>
    <participating-org role="4"/>
    <other-identifier ref="ABC-1" type="B1">
      <owner-org ref="US-GOV-1"><narrative>Owner</narrative></owner-org>
    </other-identifier>
    <activity-status code="2"/>
    <activity-date iso-date="2019-10-01" type="1"><narrative>Planned &lt;start&gt;</narrative></activity-date>
    <activity-date iso-date="2019-11-15" type="2"/>
    <contact-info type="1">
      <organisation><narrative>USAID</narrative></organisation><email>a@b.org</email>
    </contact-info>
    <activity-scope code="4"/>
    <recipient-country code="GT" percentage="62.5"><narrative>Guatemala</narrative></recipient-country>
    <recipient-country code="HN" percentage="33.33"/>
    <recipient-region code="389" vocabulary="1" percentage="4.17"/>
    <location ref="GT-01">
      <location-reach code="1"/>
      <location-id vocabulary="G1" code="3598132"/>
      <name><narrative>Quetzaltenango</narrative></name>
      <description><narrative>Western highlands</narrative></description>
      <activity-description><narrative>Training</narrative></activity-description>
      <administrative vocabulary="G1" level="1" code="3598132"/>
      <point srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><pos>14.8347 -91.5181</pos></point>
      <exactness code="1"/>
      <location-class code="2"/>
      <feature-designation code="PPLA"/>
    </location>
    <sector vocabulary="1" code="15130" percentage="70"><narrative>Legal &amp; judicial</narrative></sector>
    <sector vocabulary="1" code="16010" percentage="30"/>
    <sector vocabulary="99" vocabulary-uri="http://example.org/program-areas" code="DR.1" percentage="100"/>
    <tag vocabulary="1" code="1"><narrative>Tag</narrative></tag>
    <policy-marker vocabulary="1" code="1" significance="1"/>
    <collaboration-type code="1"/>
    <default-flow-type code="10"/>
    <default-finance-type code="110"/>
    <default-aid-type code="C01"/>
    <default-tied-status code="5"/>
    <budget type="1" status="2">
      <period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
      <value currency="EUR" value-date="2020-01-01">1,000.50</value>
    </budget>
    <planned-disbursement type="1">
      <period-start iso-date="2020-01-01"/><period-end iso-date="2020-03-31"/>
      <value value-date="2020-01-01">250</value>
      <provider-org ref="US-GOV-1"><narrative>USAID</narrative></provider-org>
      <receiver-org ref="US-EIN-52-2145827"><narrative>Chemonics</narrative></receiver-org>
    </planned-disbursement>
    <capital-spend percentage="10"/>
    <transaction ref="T-1" humanitarian="0">
      <transaction-type code="2"/>
      <transaction-date iso-date="2019-10-01"/>
      <value value-date="2019-10-01">1000000.00</value>
      <description><narrative>Obligation &amp; more</narrative></description>
      <provider-org ref="US-GOV-1" type="10" provider-activity-id="US-GOV-1-P">
        <narrative>USAID</narrative>
      </provider-org>
      <receiver-org ref="US-EIN-52-2145827" receiver-activity-id="R-1"><narrative>Chemonics</narrative></receiver-org>
      <disbursement-channel code="1"/>
      <flow-type code="10"/><finance-type code="110"/><aid-type code="C01"/><tied-status code="5"/>
      <usg:treasury-account code="72-1021" usg:note="kept"><usg:part>text &amp; more</usg:part></usg:treasury-account>
    </transaction>
    <transaction>
      <transaction-type code="3"/>
      <transaction-date iso-date="2020-02-29"/>
      <value currency="USD" value-date="2020-02-29">-1,234.56</value>
      <sector vocabulary="1" code="15130"/>
      <recipient-country code="GT"/>
    </transaction>
    <transaction>
      <transaction-type code="3"/>
      <transaction-date iso-date="2020-06-30"/>
      <value>NULL</value>
      <recipient-region code="389" vocabulary="1"/>
    </transaction>
    <transaction>
      <transaction-type code="4"/>
      <transaction-date iso-date="2021-01-31"/>
      <value currency="EUR" value-date="2021-01-31">500</value>
    </transaction>
    <document-link url="https://example.org/report.pdf?a=1&amp;b=2" format="application/pdf">
      <title><narrative>Report</narrative></title>
      <description><narrative>Annual report</narrative></description>
      <category code="A01"/><category code="A02"/>
      <language code="en"/>
      <document-date iso-date="2021-03-01"/>
    </document-link>
    <related-activity ref="US-GOV-1-PARENT" type="1"/>
    <legacy-data name="Project Status" value="7" iati-equivalent="activity-status"/>
    <conditions attached="1"><condition type="1"><narrative>Condition</narrative></condition></conditions>
    <result type="1" aggregation-status="1">
      <title><narrative>Result</narrative></title>
      <description><narrative>Result description</narrative></description>
      <indicator measure="1" ascending="1" aggregation-status="0">
        <title><narrative>People trained</narrative></title>
        <description><narrative>Number of people</narrative></description>
        <reference vocabulary="99" code="EG.3-1" indicator-uri="http://example.org/eg"/>
        <baseline year="2019" iso-date="2019-01-01" value="1,000">
          <location ref="GT-01"/>
          <dimension name="sex" value="female"/>
          <comment><narrative>Baseline comment</narrative></comment>
        </baseline>
        <period>
          <period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
          <target value="No Target"><comment><narrative>None set</narrative></comment></target>
          <target value="150"><dimension name="sex" value="male"/></target>
          <actual value="120.50"><location ref="GT-01"/></actual>
        </period>
        <usg:indicator-note>kept too</usg:indicator-note>
      </indicator>
    </result>
    <crs-add><channel-code>11000</channel-code></crs-add>
    <usg:usg-activity usg:fiscal-year="2020">extension</usg:usg-activity>
  </iati-activity>
  <iati-activity last-updated-datetime="2024-01-02T03:04:05Z" default-currency="USD">
    <iati-identifier>US-GOV-1-EXPORT-2</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
    <title><narrative xml:lang="es">Sólo en español</narrative></title>
    <participating-org ref="US-GOV-1" role="1"/>
    <activity-status code="3"/>
    <recipient-country code="SV"/>
    <transaction>
      <transaction-type code="3"/>
      <transaction-date iso-date="2018-09-30"/>
      <value value-date="2018-09-30">42</value>
    </transaction>
  </iati-activity>
</iati-activities>
"""

# Columns that differ between two imports of the same content: row ids, the import run, where in
# its file the activity was, the hash of its serialisation, and what its file's root declares (the IATI
# version, the linked-data default: an export of activities from several files is one file).
NOT_CONTENT = {"id", "activity_id", "import_run_id", "source_line", "content_hash", "iati_version",
               "linked_data_default"}
PARENT_TABLES = {"transaction_id": "iati_transaction", "result_id": "result", "indicator_id": "result_indicator",
                 "period_id": "indicator_period"}


def safe_parse(data: bytes) -> etree._Element:
    """Parse as a hostile reader would: no entities resolved, no network, no DTD."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


def content(stored: StoredActivity) -> dict[str, object]:
    """Everything stored about an activity that does not depend on how or when it was imported;
    references to parent rows become the parent's position within the activity."""
    positions = {table.name: {row.id: index for index, row in enumerate(stored.of(table))}
                 for table in CONTENT_TABLES if "id" in table.c}
    found: dict[str, object] = {"activity": {k: v for k, v in stored.activity._mapping.items() if k not in NOT_CONTENT}}
    for table in CONTENT_TABLES:
        rows = []
        for row in stored.of(table):
            rows.append(tuple((key, repr(positions[PARENT_TABLES[key]][value]) if key in PARENT_TABLES and
                               value is not None else repr(value))
                              for key, value in row._mapping.items() if key not in NOT_CONTENT))
        found[table.name] = sorted(rows)
    return found


def contents(url: str, identifiers: list[str]) -> dict[str, dict[str, object]]:
    with get_engine(url).connect() as connection:
        return {s.activity.iati_identifier: content(s) for s in stored_activities(connection, identifiers)}


def split_rows(url: str, identifiers: list[str]) -> list[tuple]:
    """Each transaction's value split by recipient and sector: what every funding figure sums."""
    activity, split = schema.activity, schema.transaction_split
    with get_engine(url).connect() as connection:
        return sorted(tuple(row) for row in connection.execute(
            select(activity.c.iati_identifier, split.c.type_code, split.c.fiscal_year, split.c.currency,
                   split.c.reporting_org_ref, split.c.recipient_key, split.c.sector_vocabulary, split.c.sector_code,
                   split.c.amount_micros)
            .join(activity, activity.c.id == split.c.activity_id)
            .where(activity.c.iati_identifier.in_(identifiers))))


def export(url: str, identifiers: list[str], path: Path) -> int:
    with get_engine(url).connect() as connection, path.open("wb") as out:
        return write_activities(connection, identifiers, out)


def fresh_database(engine_name: str, request, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return database_for(engine_name, request, folder)


def imported(url: str, path: Path) -> Cli:
    cli = Cli(url)
    assert cli("init").exit_code == 0
    result = cli("import", "iati", str(path), "--strict")
    assert result.exit_code == 0, result.output
    return cli


def funding_rows(cli: Cli, transaction_type: str) -> list[dict[str, str]]:
    result = cli("funding", "--by", "country,fy,agency", "--type", transaction_type, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def assert_schema_order(activity: etree._Element) -> None:
    tags = [child.tag for child in activity]
    standard = [tag for tag in tags if not tag.startswith("{")]
    assert all(tag in SCHEMA_ORDER for tag in standard), set(standard) - set(SCHEMA_ORDER)
    assert standard == sorted(standard, key=SCHEMA_ORDER.index)
    first_extension = next((i for i, tag in enumerate(tags) if tag.startswith("{")), len(tags))
    assert all(tag.startswith("{") for tag in tags[first_extension:]), "extensions come after the standard elements"
    for transaction in activity.iterfind("transaction"):
        own = [child.tag for child in transaction if not child.tag.startswith("{")]
        assert own == sorted(own, key=TRANSACTION_ORDER.index)


# --------------------------------------------------------------------------- every element, both engines

@pytest.mark.parametrize("engine_name", ENGINES)
def test_every_kept_element_round_trips_exactly(engine_name, request, tmp_path):
    source = tmp_path / "everything.xml"
    source.write_text(EVERYTHING, encoding="utf-8")
    first = imported(fresh_database(engine_name, request, tmp_path / "a"), source)
    identifiers = ["US-GOV-1-EXPORT-1", "US-GOV-1-EXPORT-2"]
    exported = tmp_path / "exported.xml"
    assert export(first.db_url, identifiers, exported) == 2

    second = imported(fresh_database(engine_name, request, tmp_path / "b"), exported)
    assert contents(second.db_url, identifiers) == contents(first.db_url, identifiers)
    assert split_rows(second.db_url, identifiers) == split_rows(first.db_url, identifiers)
    for kind in ("disbursement", "obligation"):
        assert funding_rows(second, kind) == funding_rows(first, kind)

    # Exporting the re-imported activities writes the same file: nothing drifts.
    again = tmp_path / "again.xml"
    export(second.db_url, identifiers, again)
    assert _without_stamp(again.read_bytes()) == _without_stamp(exported.read_bytes())


def _without_stamp(data: bytes) -> bytes:
    return re.sub(rb'generated-datetime="[^"]*"', b"", data, count=1)


def test_text_with_markup_round_trips_exactly_and_stays_text(sqlite_url, tmp_path):
    source = tmp_path / "everything.xml"
    source.write_text(EVERYTHING, encoding="utf-8")
    first = imported(sqlite_url, source)
    exported = tmp_path / "exported.xml"
    export(first.db_url, ["US-GOV-1-EXPORT-1"], exported)

    data = exported.read_bytes()
    root = safe_parse(data)
    (activity,) = root.iterfind("iati-activity")
    assert activity.findtext("title/narrative") == TRICKY_TITLE
    assert activity.findtext("description[@type='1']/narrative") == TRICKY_DESCRIPTION
    # The markup is text, never elements: nothing but narratives under the title.
    assert [child.tag for child in activity.find("title")] == ["narrative", "narrative"]
    assert b"<b>" not in data and b"<script>" not in data and b"]]>" not in data
    assert activity.find("title/narrative[2]").get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert activity.find("title/narrative[1]").get("{http://www.w3.org/XML/1998/namespace}lang") is None

    second = imported(f"sqlite:///{tmp_path / 'second.db'}", exported)
    with get_engine(second.db_url).connect() as connection:
        (stored,) = stored_activities(connection, ["US-GOV-1-EXPORT-1"])
    assert stored.activity.title == TRICKY_TITLE
    texts = {(row.element, row.description_type, row.lang): row.text for row in stored.of(schema.activity_narrative)}
    assert texts[("description", "1", None)] == TRICKY_DESCRIPTION


def test_the_file_is_iati_2_03_in_schema_order_with_values_as_published(sqlite_url, tmp_path):
    source = tmp_path / "everything.xml"
    source.write_text(EVERYTHING, encoding="utf-8")
    first = imported(sqlite_url, source)
    out = io.BytesIO()
    with get_engine(first.db_url).connect() as connection:
        written = write_activities(connection, ["US-GOV-1-EXPORT-2", "NOT-STORED", "US-GOV-1-EXPORT-1"], out,
                                   generated=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc))
    assert written == 2
    root = safe_parse(out.getvalue())
    assert root.tag == "iati-activities"
    assert root.attrib == {"version": "2.03", "generated-datetime": "2024-05-06T07:08:09Z"}
    # In the order asked for; identifiers the store does not hold are passed over.
    assert [a.findtext("iati-identifier") for a in root] == ["US-GOV-1-EXPORT-2", "US-GOV-1-EXPORT-1"]
    activity = root[1]
    assert_schema_order(activity)
    assert activity.get("default-currency") == "USD" and activity.get("humanitarian") == "1"
    budget_value = activity.find("budget/value")
    assert (budget_value.text, budget_value.get("currency"), budget_value.get("value-date")) == \
        ("1000.50", "EUR", "2020-01-01")
    values = [(v.text, v.get("currency")) for v in activity.iterfind("transaction/value")]
    assert values == [("1000000.00", None), ("-1234.56", None), ("NULL", None), ("500", "EUR")]
    assert [r.get("percentage") for r in activity.iterfind("recipient-country")] == ["62.5", "33.33"]
    assert activity.find("recipient-region").attrib == {"code": "389", "vocabulary": "1", "percentage": "4.17"}
    assert activity.find("location/point/pos").text == "14.8347 -91.5181"
    assert [t.get("value") for t in activity.iterfind("result/indicator/period/target")] == ["No Target", "150"]
    assert activity.find("result/indicator/baseline").attrib == {"year": "2019", "iso-date": "2019-01-01",
                                                                 "value": "1,000"}
    extension = activity.find("{http://foreignassistance.gov/iati#}usg-activity")
    assert extension.text == "extension" and extension.get("{http://foreignassistance.gov/iati#}fiscal-year") == "2020"


def test_an_empty_selection_is_an_empty_document(sqlite_cli):
    out = io.BytesIO()
    with get_engine(sqlite_cli.db_url).connect() as connection:
        assert write_activities(connection, [], out) == 0
    root = safe_parse(out.getvalue())
    assert root.tag == "iati-activities" and len(root) == 0


def test_activities_first_published_as_1_05_come_out_as_2_03(sqlite_url, tmp_path):
    first = imported(sqlite_url, FIXTURES / "iati" / "version-105.xml")
    exported = tmp_path / "exported.xml"
    export(first.db_url, ["US-GOV-12-OLD-1"], exported)
    (activity,) = safe_parse(exported.read_bytes())
    assert [t.get("code") for t in activity.iterfind("transaction/transaction-type")] == ["2", "3"]
    assert activity.find("participating-org").get("role") == "1"
    assert activity.find("activity-date").get("type") == "2"
    assert activity.find("sector").get("vocabulary") == "1"
    second = imported(f"sqlite:///{tmp_path / 'second.db'}", exported)
    assert contents(second.db_url, ["US-GOV-12-OLD-1"]) == contents(first.db_url, ["US-GOV-12-OLD-1"])


# --------------------------------------------------------------------------- the real data

@pytest.fixture(scope="module")
def real_round_trip(usg_iati, tmp_path_factory):
    """The real files imported; every activity exported; the file imported into a fresh database.
    Returns the identifiers, the file and the CLI of both databases."""
    folder = tmp_path_factory.mktemp("real-export")
    original = Cli(f"sqlite:///{folder / 'original.db'}")
    assert original("init").exit_code == 0
    for name in REAL_FILES:
        result = original("import", "iati", str(usg_iati / name))
        assert result.exit_code == 0, result.output
    with get_engine(original.db_url).connect() as connection:
        identifiers = identifiers_matching(connection, ActivityFilter(sort="identifier"), 100_000)
    exported = folder / "exported.xml"
    assert export(original.db_url, identifiers, exported) == len(identifiers)
    return identifiers, exported, original, imported(f"sqlite:///{folder / 'reimported.db'}", exported)


def test_real_activities_come_back_identical(real_round_trip):
    identifiers, _exported, original, reimported = real_round_trip
    assert len(identifiers) > 250
    before, after = contents(original.db_url, identifiers), contents(reimported.db_url, identifiers)
    assert set(after) == set(identifiers)
    for identifier in identifiers:
        # Titles, participating organisations, sectors with their percentages, transactions...
        assert after[identifier]["activity"]["title"] == before[identifier]["activity"]["title"]
        for table in ("participating_org", "sector", "iati_transaction"):
            assert after[identifier][table] == before[identifier][table], (identifier, table)
        assert after[identifier] == before[identifier], identifier
    assert split_rows(reimported.db_url, identifiers) == split_rows(original.db_url, identifiers)


@pytest.mark.parametrize("transaction_type", ("disbursement", "obligation"))
def test_real_funding_figures_are_identical(real_round_trip, transaction_type):
    _identifiers, _exported, original, reimported = real_round_trip
    before = funding_rows(original, transaction_type)
    assert {row["agency"] for row in before} == REAL_AGENCIES and len(before) > 20
    assert funding_rows(reimported, transaction_type) == before


def test_real_file_parses_safely_in_schema_order(real_round_trip):
    identifiers, exported, _original, _reimported = real_round_trip
    root = safe_parse(exported.read_bytes())
    assert root.get("version") == "2.03"
    assert [a.findtext("iati-identifier") for a in root] == identifiers
    for activity in root:
        assert_schema_order(activity)
    assert root.find("iati-activity/result/indicator/period/actual") is not None
    assert root.find("iati-activity/location/point/pos") is not None


def test_the_writer_writes_as_it_reads(real_round_trip):
    """Bounded memory: output starts once the first batch of activities is read, long before the last."""
    asked, _exported, original, _reimported = real_round_trip
    consumed = 0
    consumed_at_writes: list[int] = []

    def identifiers():
        nonlocal consumed
        for identifier in asked:
            consumed += 1
            yield identifier

    class Recorder(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            consumed_at_writes.append(consumed)
            return len(data)

    with get_engine(original.db_url).connect() as connection:
        assert write_activities(connection, identifiers(), Recorder()) == len(asked)
    assert consumed_at_writes[0] <= BATCH_IDENTIFIERS
    assert sum(1 for n in consumed_at_writes if n < len(asked)) > 100
