"""What the columns cannot hold is kept whole (sources/iati_shapes.py), and the quick reading of transactions
(their heads off the serialisation, sources/iati_shape_patterns.py; their tails shared, iati_transactions.py)
reads each as reading it child by child does.

Beside the Standard's own files (test_iati_conformance.py), each case here changes one thing in a plain
activity — a thing its columns have no place for, or a value they would write otherwise — and checks that
the export still says it, fact for fact.
"""

from __future__ import annotations

import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from conftest import FIXTURES
from iati_conformance import lost, not_embedded
from stratmon.iati.export import write_activities
from stratmon.sources.errors import ContentError
from stratmon.sources import iati_shapes as shapes
from stratmon.sources import iati_transactions
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import upgrade

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
TRANSACTION = """<transaction ref="T-1" humanitarian="0">
      <transaction-type code="3"/>
      <transaction-date iso-date="2020-01-15"/>
      <value currency="EUR" value-date="2020-01-15">1000.50</value>
      <description><narrative>Payment</narrative></description>
      <provider-org ref="US-GOV-1" type="10" provider-activity-id="US-GOV-1-A">
        <narrative>USAID</narrative>
      </provider-org>
      <receiver-org ref="XM-R" receiver-activity-id="XM-R-1"><narrative>Partner</narrative></receiver-org>
      <disbursement-channel code="1"/>
      <sector vocabulary="1" code="15130"><narrative>Legal</narrative></sector>
      <recipient-country code="GT"><narrative>Guatemala</narrative></recipient-country>
      <flow-type code="10"/><finance-type code="110"/><aid-type code="C01"/><tied-status code="5"/>
      <x:account xmlns:x="http://example.org/x" code="72-1021"><x:part>a</x:part></x:account>
    </transaction>"""
ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity last-updated-datetime="2024-01-02T03:04:05Z" xml:lang="en" default-currency="USD" humanitarian="0">
    <iati-identifier>XM-KEPT-1</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
    <title><narrative>Wells</narrative><narrative xml:lang="es">Pozos</narrative></title>
    <description type="1"><narrative>Wells and committees</narrative></description>
    <participating-org ref="US-GOV-1" type="10" role="1"><narrative>USAID</narrative></participating-org>
    <activity-status code="2"/>
    <activity-date iso-date="2019-10-01" type="2"><narrative>Started</narrative></activity-date>
    <recipient-country code="GT" percentage="100"/>
    <sector vocabulary="1" code="14030" percentage="100"/>
    <default-aid-type code="C01"/>
    <budget type="1" status="2">
      <period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>
      <value value-date="2020-01-01">5000</value>
    </budget>
    {transaction}
    <document-link url="http://example.org/d.pdf" format="application/pdf">
      <title><narrative>Report</narrative></title><category code="A01"/>
    </document-link>
    <related-activity ref="XM-KEPT-0" type="1"/>
  </iati-activity>
</iati-activities>
"""
# One change each; the first group in the transaction, the second elsewhere in the activity.
TRANSACTION_CHANGES = {
    "second-narrative": ("<narrative>Payment</narrative>",
                         '<narrative>Payment</narrative><narrative xml:lang="es">Pago</narrative>'),
    "narrative-language": ("<narrative>Payment</narrative>", '<narrative xml:lang="en">Payment</narrative>'),
    "second-aid-type": ('<aid-type code="C01"/>', '<aid-type code="C01"/><aid-type code="1" vocabulary="2"/>'),
    "aid-type-vocabulary": ('<aid-type code="C01"/>', '<aid-type code="C01" vocabulary="1"/>'),
    "namespaced-attribute": ('<transaction ref="T-1"', '<transaction xmlns:y="http://example.org/y" y:n="1" ref="T-1"'),
    "unknown-attribute": ('<disbursement-channel code="1"/>', '<disbursement-channel code="1" note="x"/>'),
    "blank-ref": ('<receiver-org ref="XM-R"', '<receiver-org ref=""'),
    "whitespace-ref": ('<receiver-org ref="XM-R"', '<receiver-org ref="&#10;"'),
    "lower-case-currency": ('currency="EUR"', 'currency="eur"'),
    "date-with-time": ('<transaction-date iso-date="2020-01-15"/>',
                       '<transaction-date iso-date="2020-01-15T00:00:00"/>'),
    "letter-type": ('<transaction-type code="3"/>', '<transaction-type code="D"/>'),
    "text-in-code": ('<flow-type code="10"/>', '<flow-type code="10">ODA</flow-type>'),
    "unknown-child": ('<tied-status code="5"/>', '<tied-status code="5"/><note>x</note>'),
    "child-of-a-code": ('<flow-type code="10"/>',
                        '<flow-type code="10"><x:n xmlns:x="http://example.org/x"/></flow-type>'),
    "spaced-value": (">1000.50</value>", ">1 000.50</value>"),
    "humanitarian-yes": ('<transaction ref="T-1" humanitarian="0">', '<transaction ref="T-1" humanitarian="yes">'),
    "empty-narrative": ("<narrative>Payment</narrative>", "<narrative> </narrative>"),
    "long-percentage": ('<sector vocabulary="1" code="15130">',
                        '<sector vocabulary="1" code="15130" percentage="33.3333333333333333">'),
}
ACTIVITY_CHANGES = {
    "reporting-org-language": ('<narrative>USAID</narrative></reporting-org>',
                               '<narrative>USAID</narrative><narrative xml:lang="es">USAID</narrative>'
                               '</reporting-org>'),
    "participating-org-blank-ref": ('<participating-org ref="US-GOV-1"', '<participating-org ref=""'),
    "two-descriptions-one-type": ('<description type="1"><narrative>Wells and committees</narrative></description>',
                                  '<description type="1"><narrative>Wells</narrative></description>'
                                  '<description type="1"><narrative xml:lang="es">Pozos</narrative></description>'),
    "title-narrative-attribute": ('<narrative>Wells</narrative>',
                                  '<narrative xmlns:y="http://example.org/y" y:n="1">Wells</narrative>'),
    "second-default-aid-type": ('<default-aid-type code="C01"/>',
                                '<default-aid-type code="C01"/><default-aid-type code="1" vocabulary="2"/>'),
    "budget-extension": ('<period-start iso-date="2020-01-01"/>',
                         '<period-start iso-date="2020-01-01" xmlns:y="http://example.org/y" y:n="1"/>'),
    "date-text-after": ('<narrative>Started</narrative></activity-date>',
                        '<narrative>Started</narrative><narrative xml:lang="es">Iniciada</narrative></activity-date>'),
    "document-description-languages": ('<title><narrative>Report</narrative></title>',
                                       '<title><narrative>Report</narrative>'
                                       '<narrative xml:lang="fr">Rapport</narrative></title>'),
    "related-without-ref": ('<related-activity ref="XM-KEPT-0" type="1"/>', '<related-activity type="1"/>'),
    "activity-attribute": ('humanitarian="0">', 'humanitarian="0" xmlns:y="http://example.org/y" y:n="1">'),
    "lower-case-default-currency": ('default-currency="USD"', 'default-currency="usd"'),
    "recipient-region-uri": ('<recipient-country code="GT" percentage="100"/>',
                             '<recipient-country code="GT" percentage="50"/>'
                             '<recipient-region code="A1" vocabulary="99" vocabulary-uri="http://example.org/r"'
                             ' percentage="50"/>'),
}


def document(*changes: tuple[str, str]) -> str:
    """The plain activity with each change made (the first place `old` stands becomes `new`)."""
    text = ACTIVITY.format(transaction=TRANSACTION)
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    return text


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kept-whole") / "empty.db"
    engine = get_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def round_trip(empty_database: Path, folder: Path, text: str) -> tuple[etree._Element, etree._Element]:
    source = folder / "activity.xml"
    source.write_text(text, encoding="utf-8")
    shutil.copy(empty_database, folder / "stratmon.db")
    engine = get_engine(f"sqlite:///{folder / 'stratmon.db'}")
    report = import_iati_file(engine, source)
    assert report.records_new == 1, report.issues
    out = io.BytesIO()
    with engine.connect() as connection:
        write_activities(connection, connection.execute(select(schema.activity.c.iati_identifier)).scalars(), out)
    engine.dispose()
    return etree.fromstring(text.encode(), PARSER), etree.fromstring(out.getvalue(), PARSER)


def _read_both_ways(activity: etree._Element) -> tuple[list[bool], list, list]:
    """Each transaction of `activity`: whether its head is read off the serialisation, the record read quickly,
    and the record read child by child (or what is wrong with it, and where)."""
    transactions = activity.findall("transaction")
    currency = activity.get("default-currency")
    heads = iati_transactions.SerialisedTransactions(etree.tostring(activity, with_tail=False), len(transactions))
    quickly = iati_transactions.SerialisedTransactions(etree.tostring(activity, with_tail=False), len(transactions))
    return ([heads.next_head() is not None for _ in transactions],
            [_record_or_error(t, currency, quickly) for t in transactions],
            [_record_or_error(t, currency, None) for t in transactions])


def _record_or_error(transaction: etree._Element, currency: str | None, serialised):
    try:
        return iati_transactions.transaction(transaction, currency, serialised)
    except ContentError as exc:
        return str(exc), exc.line


def _transaction_verdicts(text: str) -> tuple[list[bool], list[bool]]:
    """Whether the head of each transaction of the one activity in `text` is read off the serialisation, and
    what the walker says of it; the records read quickly and child by child are the same."""
    activity = etree.fromstring(text.encode(), PARSER).find("iati-activity")
    quick, read_quickly, read_whole = _read_both_ways(activity)
    assert read_quickly == read_whole
    return quick, [shapes.is_plain(t, shapes.TRANSACTION) for t in activity.findall("transaction")]


def test_the_plain_activity_is_held_by_its_columns_and_read_quickly(empty_database, tmp_path):
    assert _transaction_verdicts(document()) == ([True], [True])
    original, exported = round_trip(empty_database, tmp_path, document())
    assert lost(original, exported) == Counter() and not_embedded(original, exported) == []
    engine = get_engine(f"sqlite:///{tmp_path / 'stratmon.db'}")
    with engine.connect() as connection:
        assert connection.execute(select(schema.transaction.c.published)).scalar_one() is None
        assert connection.execute(select(schema.activity.c.other_elements)).scalar_one() is None
    engine.dispose()


@pytest.mark.parametrize("change", TRANSACTION_CHANGES.values(), ids=TRANSACTION_CHANGES.keys())
def test_a_transaction_its_columns_cannot_hold_is_kept_whole(change, empty_database, tmp_path):
    text = document(change)
    quick, walked = _transaction_verdicts(text)
    assert walked == [False]
    original, exported = round_trip(empty_database, tmp_path, text)
    assert lost(original, exported) == Counter()
    assert not_embedded(original, exported) == []


@pytest.mark.parametrize("change", ACTIVITY_CHANGES.values(), ids=ACTIVITY_CHANGES.keys())
def test_an_element_its_columns_cannot_hold_is_kept_whole(change, empty_database, tmp_path):
    original, exported = round_trip(empty_database, tmp_path, document(change))
    assert lost(original, exported) == Counter()
    assert not_embedded(original, exported) == []


# Held by the columns, but the head is not read off the serialisation: the transaction is read child by child
# (comments are not facts; a carriage return in a value is written as a reference; the schema's order).
QUICK_DECLINES = {
    "comment-in-the-head": [('<transaction-date iso-date="2020-01-15"/>',
                             '<!-- a note --><transaction-date iso-date="2020-01-15"/>')],
    "carriage-return-in-the-value": [(">1000.50</value>", ">1000.50&#13;</value>")],
    "head-out-of-order": [('<transaction-type code="3"/>', ''),
                          ('<transaction-date iso-date="2020-01-15"/>',
                           '<transaction-date iso-date="2020-01-15"/><transaction-type code="3"/>')],
}


@pytest.mark.parametrize("changes", QUICK_DECLINES.values(), ids=QUICK_DECLINES.keys())
def test_where_the_quick_reading_declines_the_walker_decides(changes, empty_database, tmp_path):
    text = document(*changes)
    assert _transaction_verdicts(text) == ([False], [True])
    original, exported = round_trip(empty_database, tmp_path, text)
    assert lost(original, exported) == Counter()


def test_a_tail_met_again_is_shared_but_its_namespaces_are_its_own():
    """Two transactions alike but for the namespace their extension's prefix stands for are read apart."""
    def activity(namespace: str) -> etree._Element:
        text = document().replace('xmlns:x="http://example.org/x" ', "").replace(
            '<iati-activities version="2.03">', f'<iati-activities version="2.03" xmlns:x="{namespace}">')
        return etree.fromstring(text.encode(), PARSER).find("iati-activity")

    for namespace in ("http://example.org/one", "http://example.org/two", "http://example.org/one"):
        quick, read_quickly, read_whole = _read_both_ways(activity(namespace))
        assert quick == [True] and read_quickly == read_whole
        assert read_quickly[0].extensions[0]["ns"] == namespace


def test_the_quick_reading_reads_as_the_walker_does(shared_data):
    """On the Standard's files, the hand-written fixtures and two real U.S. files (read, not imported): each
    transaction read quickly is the one read child by child, kept whole or not alike; and most are read quickly."""
    files = [*sorted((shared_data / "iati-standard").rglob("*.xml")), *sorted((FIXTURES / "iati").glob("*.xml")),
             shared_data / "usg-iati" / "data" / "usaid" / "usaid-sv.xml",
             shared_data / "usg-iati" / "data" / "state" / "state-guatemala.xml"]
    quick_plain = walked_plain = 0
    for path in files:
        root = etree.parse(str(path), PARSER).getroot()
        if root.tag != "iati-activities":
            continue
        for activity in root.iterfind("iati-activity"):
            quick, read_quickly, read_whole = _read_both_ways(activity)
            assert read_quickly == read_whole, etree.tostring(activity)[:300]
            for said, record in zip(quick, read_whole):
                plain = not isinstance(record, tuple) and record.published is None
                quick_plain += said and plain
                walked_plain += plain
    assert walked_plain > 1000 and quick_plain > 0.9 * walked_plain
