"""Importing with worker processes: files are read in other processes while the importer writes.

Whatever the number of workers, the database ends exactly as an import read in one process leaves it
(rejected files, strict mode, duplicates across files included); a worker's failure reaches the
importer as an error; and killing the importer leaves no worker running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.import_workers import PreparedFiles, WorkerFailed
from stratmon.store.prepare import FileOpened, FileRead, PreparedBatch

from conftest import FIXTURES, database_for, run_stratmon
from dbdump import dump

REAL_FILES = (
    "millenniumchallenge/millenniumchallenge-hn.xml", "state/state-honduras.xml", "usaid/usaid-ni.xml",
    "usda/usda-guatemala.xml", "dod/dod-honduras.xml", "doi/doi-guatemala.xml", "peace/peace-belize.xml",
)
SKIPPED_ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity last-updated-datetime="2024-01-01T00:00:00Z">
  <iati-identifier>XM-TEST-STRICT-1</iati-identifier>
  <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
  <title><narrative>Readable</narrative></title>
 </iati-activity>
 <iati-activity last-updated-datetime="2024-01-01T00:00:00Z">
  <iati-identifier>XM-TEST-STRICT-2</iati-identifier>
  <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>
  <transaction><transaction-type code="3"/><transaction-date iso-date="not a date"/>
   <value currency="USD" value-date="2024-01-01">10</value></transaction>
 </iati-activity>
</iati-activities>
"""


def _import_files(tmp_path: Path, usg_iati: Path) -> list[Path]:
    """Real files, a file that is not XML between them, a file with an unreadable activity, and two
    files publishing the same activity with different content (rule 1 across files)."""
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<iati-activities version='2.03'><iati-activity><iati-identifier>X")
    skipped = tmp_path / "skipped.xml"
    skipped.write_text(SKIPPED_ACTIVITY, encoding="utf-8")
    real = [usg_iati / name for name in REAL_FILES]
    return [*real[:3], broken, skipped, FIXTURES / "iati" / "duplicate-newer.xml", *real[3:],
            FIXTURES / "iati" / "duplicate-older.xml"]


def _ledger_free_dump(url: str) -> dict:
    """The database, without the ledger's clock times (the same imports run at different moments)."""
    tables = dump(url)
    ledger = schema.import_run
    engine = get_engine(url)
    with engine.connect() as connection:
        tables["import_run"] = sorted(connection.execute(select(
            *(column for column in ledger.columns if column.name not in ("started_at", "finished_at")))))
    engine.dispose()
    return tables


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_workers_store_exactly_what_one_process_stores(engine_name, strict, request, tmp_path, usg_iati):
    files = _import_files(tmp_path, usg_iati)
    outcomes = {}
    for workers in (0, 2, 3):
        (folder := tmp_path / f"w{workers}").mkdir()
        url = database_for(engine_name, request, folder)
        assert run_stratmon("init", "--db", url).returncode == 0
        options = ["--strict"] if strict else []
        result = run_stratmon("import", "iati", *map(str, files), "--workers", str(workers), *options, "--db", url)
        assert result.returncode == 1, result.stderr  # the broken file (and, strict, the skipped one)
        rejected = sorted(line.split(":")[1].strip() for line in result.stderr.splitlines()
                          if line.startswith("rejected:"))
        outcomes[workers] = (rejected, _ledger_free_dump(url))
    assert str(tmp_path / "broken.xml") in outcomes[0][0]
    assert (str(tmp_path / "skipped.xml") in outcomes[0][0]) == strict
    assert outcomes[2] == outcomes[0]
    assert outcomes[3] == outcomes[0]
    activities = outcomes[0][1]["activity"]
    assert len(activities) > 500  # the real files are in, not only the small ones


def test_a_missing_file_fails_as_it_would_in_one_process(tmp_path):
    missing = tmp_path / "gone.xml"
    with PreparedFiles([missing], 0) as prepared, pytest.raises(FileNotFoundError):
        next(prepared.messages(missing))
    with PreparedFiles([missing], 1) as prepared, pytest.raises(FileNotFoundError):
        next(prepared.messages(missing))


def test_files_are_asked_for_in_order(usg_iati):
    first, second = usg_iati / REAL_FILES[0], usg_iati / REAL_FILES[1]
    with PreparedFiles([first, second], 1) as prepared:
        with pytest.raises(ValueError, match="not the next file"):
            prepared.messages(second)
        kinds = [type(message) for message in prepared.messages(first)]
        assert kinds[0] is FileOpened and kinds[-1] is FileRead and PreparedBatch in kinds
        # The second file's messages come whole, though the first file's were not all taken.
        second_messages = prepared.messages(second)
        next(second_messages)
        kinds = [type(message) for message in second_messages]
        assert kinds[-1] is FileRead


def test_a_worker_killed_is_an_error_not_a_wait(usg_iati):
    files = [usg_iati / name for name in REAL_FILES]
    with PreparedFiles(files, 1) as prepared:
        worker = prepared._processes[0]
        os.kill(worker.pid, signal.SIGKILL)
        with pytest.raises(WorkerFailed, match="ended unexpectedly"):
            for path in files:
                for _message in prepared.messages(path):
                    pass


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_killing_the_importer_leaves_no_worker_running(tmp_path, usg_iati):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    assert run_stratmon("init", "--db", url).returncode == 0
    command = [str(Path(sys.executable).with_name("stratmon")), "import", "iati", str(usg_iati),
               "--workers", "2", "--db", url]
    importer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(workers := _children(importer.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2, "the importer did not start its workers"
    time.sleep(0.5)  # mid-import
    importer.send_signal(signal.SIGKILL)
    importer.wait()
    deadline = time.monotonic() + 20
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_running, workers)), "a worker outlived its importer"
