"""The import's bulk path stores exactly what the plain path stores (issue 20: "a test compares them table
by table").

The bulk path (store/load.py, `BULK`) inserts a new batch's rows as the reader made them, the database
adding the offsets that make their ids; takes the batch's roll-up groups from the reader; on SQLite,
imports without foreign key enforcement; and a first import makes the secondary indexes (and, on
PostgreSQL, the foreign keys) after its last file (store/first_import.py). The plain path rebuilds every
row with its ids in Python, counts the roll-up from the stored rows, lets the database check every
reference and keeps every index row by row. The same files, imported the same way otherwise (an activity
replaced while the indexes are put off, an alignment between two imports, so that a replaced activity has
alignment rows and a regional scope to take with it), must leave the two databases identical, table by
table, with the same indexes and keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.schema import DropConstraint, DropIndex

from stratmon.sources.errors import ImportRejected
from stratmon.store import load, schema
from stratmon.store.db import get_engine
from stratmon.store.first_import import deferrable_foreign_keys, deferrable_indexes, put_off, restore, restore_missing
from stratmon.store.load import import_iati_file
from stratmon.store.migrate import upgrade

from conftest import FIXTURES, database_for, run_stratmon
from dbdump import dump

REAL_FILES = ("millenniumchallenge/millenniumchallenge-hn.xml", "state/state-honduras.xml", "usaid/usaid-ni.xml",
              "dod/dod-honduras.xml")
# US-GOV-1-GEO-CENTRAL-AMERICA of geography.xml (own region 389, named by its texts) published again,
# later and with another value: after `stratmon align`, replacing it must take its alignment and its
# regional scope with it.
REPUBLISHED = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity last-updated-datetime="2030-01-01T00:00:00Z" default-currency="USD">
    <iati-identifier>US-GOV-1-GEO-CENTRAL-AMERICA</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
    <title><narrative>Regional trade facilitation in Central America, second phase</narrative></title>
    <recipient-region code="389" vocabulary="1"/>
    <sector vocabulary="1" code="33120"/>
    <transaction><transaction-type code="3"/><transaction-date iso-date="2029-11-10"/>
      <value>4200.00</value></transaction>
  </iati-activity>
  <iati-activity last-updated-datetime="2030-01-01T00:00:00Z" default-currency="USD">
    <iati-identifier>US-GOV-1-BULK-NEW-1</iati-identifier>
    <reporting-org ref="US-GOV-1" type="10">
      <narrative>USAID</narrative><narrative xml:lang="es">USAID</narrative></reporting-org>
    <title><narrative>New beside a replaced one</narrative></title>
    <recipient-country code="SV" percentage="60"/>
    <recipient-country code="GT" percentage="40"/>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2029-10-01"/><value>100.00</value>
      <sector vocabulary="1" code="15110"/></transaction>
  </iati-activity>
</iati-activities>
"""
NOT_XML = b"<iati-activities version='2.03'><iati-activity><iati-identifier>X"


def _files(tmp_path: Path, usg_iati: Path) -> tuple[list[Path], list[Path]]:
    """What to import before `stratmon align`, and after it."""
    republished = tmp_path / "republished.xml"
    republished.write_text(REPUBLISHED, encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_bytes(NOT_XML)
    iati = FIXTURES / "iati"
    before = [usg_iati / REAL_FILES[0], iati / "duplicate-older.xml", iati / "geography.xml", broken,
              iati / "published-problems.xml", iati / "duplicate-newer.xml", iati / "version-105-full.xml",
              usg_iati / REAL_FILES[1]]
    after = [iati / "duplicate-newer.xml", republished, iati / "treasury-accounts.xml", usg_iati / REAL_FILES[1],
             usg_iati / REAL_FILES[2], usg_iati / REAL_FILES[3]]
    return before, after


def _import(url: str, files: list[Path], bulk: bool) -> None:
    """Import `files` as `stratmon import iati` does (in this process): on the bulk path, with the indexes
    put off whatever the files' size, when the database is empty."""
    engine = get_engine(url)
    with put_off(engine, files, min_bytes=0 if bulk else 2**62) as deferred:
        assert deferred == (bulk and files[0].name.startswith("millennium"))
        for path in files:
            try:
                import_iati_file(engine, path)
            except ImportRejected:
                assert path.name == "broken.xml"
    engine.dispose()


def _indexes(url: str) -> list[tuple]:
    """Every index and constraint of the database, as the database defines it."""
    engine = get_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index'").all()
        else:
            found = connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()").all()
            found += connection.exec_driver_sql(
                "SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace").all()
    engine.dispose()
    return sorted(map(tuple, found))


# The clock times the two runs cannot share.
CLOCKS = {schema.import_run: ("started_at", "finished_at"), schema.alignment_run: ("finished_at",)}


def _database(url: str) -> dict[str, list]:
    """Every table's rows (the ledgers without their clock times)."""
    tables = dump(url)
    engine = get_engine(url)
    with engine.connect() as connection:
        for table, clocks in CLOCKS.items():
            tables[table.name] = sorted(connection.execute(select(
                *(column for column in table.columns if column.name not in clocks))))
    engine.dispose()
    return tables


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_the_bulk_path_stores_what_the_plain_path_stores(engine_name, request, tmp_path, usg_iati, monkeypatch):
    before, after = _files(tmp_path, usg_iati)
    databases = {}
    for bulk in (True, False):
        monkeypatch.setattr(load, "BULK", bulk)
        (folder := tmp_path / f"bulk-{bulk}").mkdir()
        url = database_for(engine_name, request, folder)
        upgrade(get_engine(url))
        _import(url, before, bulk)
        assert run_stratmon("align", "--db", url).returncode == 0
        _import(url, after, bulk)
        databases[bulk] = _database(url), _indexes(url)
    (bulk, bulk_indexes), (plain, plain_indexes) = databases[True], databases[False]
    assert bulk_indexes == plain_indexes
    assert {index.name for index in deferrable_indexes()} <= {name for name, _sql in plain_indexes}
    assert bulk.keys() == plain.keys()
    for table in plain:
        assert bulk[table] == plain[table], table
    # What the comparison stands on: new batches, a replaced activity with its alignment and regional scope,
    # an unchanged one, results, rows kept whole.
    assert len(plain["activity"]) > 300 and plain["indicator_period_value"] and plain["regional_scope"]
    runs = {}
    for row in plain["import_run"]:
        runs.setdefault(row.path.rsplit("/", 1)[-1], []).append(row)
    assert [(run.records_new, run.records_updated) for run in runs["republished.xml"]] == [(1, 1)]
    assert [(run.records_updated, run.records_unchanged) for run in runs["duplicate-newer.xml"]] == [(1, 1), (0, 2)]
    assert runs["state-honduras.xml"][1].records_unchanged > 0


def test_an_import_without_reference_checks_leaves_none_broken_and_the_pool_checking(tmp_path, usg_iati):
    assert load.BULK
    before, after = _files(tmp_path, usg_iati)
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    engine = get_engine(url)
    upgrade(engine)
    _import(url, before, bulk=True)
    assert run_stratmon("align", "--db", url).returncode == 0
    _import(url, after, bulk=True)
    with engine.connect() as connection:
        # Every reference the loader wrote without the database checking it holds (and the replaced
        # activity's regional scope went with it: no row points to an activity that is gone).
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        orphans = connection.execute(text(
            "SELECT count(*) FROM regional_scope WHERE activity_id NOT IN (SELECT id FROM activity)")).scalar_one()
        assert orphans == 0
        # The connections the imports used went back to the pool with enforcement on, a rejected file's too.
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def _drop_all(engine) -> int:
    """Drop what a first import puts off, as a kill during one leaves it; how many."""
    with engine.begin() as connection:
        keys = deferrable_foreign_keys(connection)
        for key in keys:
            connection.execute(DropConstraint(key))
        for index in deferrable_indexes():
            connection.execute(DropIndex(index))
    return len(keys) + len(deferrable_indexes())


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_what_is_put_off_comes_back_after_an_error_and_after_a_kill(engine_name, request, tmp_path):
    url = database_for(engine_name, request, tmp_path)
    engine = get_engine(url)
    upgrade(engine)
    path = FIXTURES / "iati" / "duplicate-older.xml"
    with pytest.raises(KeyboardInterrupt), put_off(engine, [path], min_bytes=0) as deferred:
        assert deferred
        import_iati_file(engine, path)
        # Put off: making them again would make every one.
        with engine.connect() as connection:
            assert restore(connection) == len(deferrable_indexes()) + len(deferrable_foreign_keys(connection))
            connection.rollback()
        raise KeyboardInterrupt
    assert restore_missing(engine) == 0
    # A kill leaves them unmade: the next import makes them (it is no first import: nothing is put off) ...
    assert _drop_all(engine) > 0
    assert run_stratmon("import", "iati", str(FIXTURES / "iati" / "duplicate-newer.xml"), "--db", url).returncode == 0
    assert restore_missing(engine) == 0
    # ... and so does `stratmon init`.
    _drop_all(engine)
    assert run_stratmon("init", "--db", url).returncode == 0
    assert restore_missing(engine) == 0
    engine.dispose()
