"""The store on both engines: schema and migrations, what an import writes, duplicates, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from stratmon.sources.iati import IatiFile
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import HEAD_REVISION, current_revision, head_revision, upgrade

from conftest import FIXTURES, run_stratmon
from dbdump import dump


def count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_init_creates_then_reports_up_to_date(cli):
    assert current_revision(get_engine(cli.db_url)) == head_revision(get_engine(cli.db_url))
    again = cli("init")
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_head_revision_constant_is_alembics_head(cli):
    # Commands check the database against HEAD_REVISION without loading Alembic: a new migration moves it.
    assert HEAD_REVISION == head_revision(get_engine(cli.db_url))


def test_migrations_match_the_schema(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert diff == []


def test_commands_refuse_an_uninitialised_database(tmp_path):
    result = run_stratmon("funding", "--by", "country", "--db", f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "stratmon init" in result.stderr


def test_sqlite_uses_wal_and_foreign_keys(sqlite_url):
    engine = get_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_every_element_family_is_stored(engine, usg_iati):
    path = usg_iati / "millenniumchallenge" / "millenniumchallenge-sv.xml"
    records = list(IatiFile(path))
    report = import_iati_file(engine, path)
    assert report.records_new == len(records) == count(engine, schema.activity)
    expected = {
        schema.transaction: sum(len(a.transactions) for a in records),
        schema.budget: sum(len(a.budgets) for a in records),
        schema.location: sum(len(a.locations) for a in records),
        schema.document_link: sum(len(a.documents) for a in records),
        schema.result: sum(len(a.results) for a in records),
        schema.result_indicator: sum(len(r.indicators) for a in records for r in a.results),
        schema.indicator_baseline: sum(len(i.baselines) for a in records for r in a.results for i in r.indicators),
        schema.indicator_period: sum(len(i.periods) for a in records for r in a.results for i in r.indicators),
        schema.related_activity: sum(len(a.related) for a in records),
        schema.participating_org: sum(len(a.participating_orgs) for a in records),
        schema.activity_date: sum(len(a.dates) for a in records),
    }
    for table, number in expected.items():
        assert count(engine, table) == number > 0, table.name
    with engine.connect() as connection:
        texts = dict(connection.execute(select(schema.indicator_period_value.c.value_text,
                                               schema.indicator_period_value.c.value)
                                        .where(schema.indicator_period_value.c.value_text.like("%,%"))).all())
        assert texts and all(float(t.replace(",", "")) == v for t, v in texts.items())
        extensions = connection.execute(select(schema.result_indicator.c.extensions)
                                        .where(schema.result_indicator.c.extensions.is_not(None))).first()
        assert extensions[0][0]["ns"] == "https://data.mcc.gov/ns#"


def test_transaction_extensions_and_splits_are_stored(engine, usg_iati):
    import_iati_file(engine, usg_iati / "state" / "state-honduras.xml")
    with engine.connect() as connection:
        extension = connection.execute(select(schema.transaction.c.extensions).limit(1)).scalar_one()
        assert extension[0]["tag"] == "treasury-account"
        # Per (transaction, vocabulary), split parts add up to the transaction's value exactly.
        mismatched = connection.execute(text("""
            SELECT t.id FROM iati_transaction t JOIN transaction_split s ON s.transaction_id = t.id
            GROUP BY t.id, s.sector_vocabulary, t.value_micros HAVING SUM(s.amount_micros) <> t.value_micros
        """)).all()
        assert mismatched == []


def test_newer_version_wins_in_either_order_and_the_conflict_is_reported(engine):
    older, newer = FIXTURES / "iati" / "duplicate-older.xml", FIXTURES / "iati" / "duplicate-newer.xml"
    first, second = import_iati_file(engine, newer), import_iati_file(engine, older)
    assert (first.records_new, second.records_new, second.records_unchanged) == (2, 0, 2)
    assert second.conflicts == 1 and "duplicate-newer.xml" in second.issues[0].message
    with engine.connect() as connection:
        title = connection.execute(select(schema.activity.c.title)
                                   .where(schema.activity.c.iati_identifier == "US-GOV-1-DUP-1")).scalar_one()
    assert title == "Newer version"


def test_older_file_first_then_newer_updates(engine):
    import_iati_file(engine, FIXTURES / "iati" / "duplicate-older.xml")
    report = import_iati_file(engine, FIXTURES / "iati" / "duplicate-newer.xml")
    assert (report.records_updated, report.records_unchanged, report.conflicts) == (1, 1, 1)
    assert count(engine, schema.transaction) == 3


def test_a_killed_import_leaves_the_database_as_it_was(tmp_path, usg_iati):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    upgrade(get_engine(url))
    import_iati_file(get_engine(url), usg_iati / "dhs" / "dhs-panama.xml")
    before = dump(url)
    big = tmp_path / "big.xml"
    _repeat_activities(usg_iati / "state" / "state-panama.xml", big, copies=20)
    process = subprocess.Popen(
        [str(os.path.join(os.path.dirname(sys.executable), "stratmon")), "import", "iati", str(big), "--db", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill it once it is well into writing: the write-ahead log has grown past a few batches.
    wal = tmp_path / "killed.db-wal"
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 4 * 1024 * 1024:
            break
        time.sleep(0.02)
    assert process.poll() is None, "import finished before it could be killed; make the file bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    engine = get_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    assert dump(url) == before
    rerun = run_stratmon("import", "iati", str(big), "--db", url)
    assert rerun.returncode == 0, rerun.stderr


def _repeat_activities(source, target, copies: int) -> None:
    """Write `source`'s activities `copies` times over, each copy with new identifiers."""
    from lxml import etree

    root = etree.parse(str(source)).getroot()
    activities = list(root)
    with target.open("wb") as out:
        out.write(b'<iati-activities version="2.03">\n')
        for copy in range(copies):
            for activity in activities:
                identifier = activity.find("iati-identifier")
                original = identifier.text
                identifier.text = f"{original}-COPY{copy}"
                out.write(etree.tostring(activity))
                identifier.text = original
        out.write(b"</iati-activities>\n")


def test_the_same_identifier_twice_in_one_file_is_a_reported_conflict(engine, tmp_path):
    copy = ('<iati-activity last-updated-datetime="{ts}" default-currency="USD">'
            '<iati-identifier>XM-TWICE-1</iati-identifier><reporting-org ref="US-GOV-1"/>'
            '<title><narrative>{title}</narrative></title><recipient-country code="GT"/>'
            '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-01-01"/>'
            '<value>{value}</value></transaction></iati-activity>')
    path = tmp_path / "twice.xml"
    path.write_text('<iati-activities version="2.03">'
                    + copy.format(ts="2024-05-01T00:00:00Z", title="Newer", value="7.00")
                    + copy.format(ts="2023-05-01T00:00:00Z", title="Older", value="5.00")
                    + "</iati-activities>")
    report = import_iati_file(engine, path)
    assert report.conflicts == 1 and "earlier in this file" in report.issues[0].message
    assert count(engine, schema.activity) == 1 and count(engine, schema.transaction) == 1
    with engine.connect() as connection:
        assert connection.execute(select(schema.activity.c.title)).scalar_one() == "Newer"
