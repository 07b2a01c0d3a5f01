"""Shared fixtures: the real data folder, real SQLite files, a real PostgreSQL server, the CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from stratmon.cli import app
from stratmon.config import shared_data_dir
from stratmon.i18n import set_language
from stratmon.store.db import get_engine
from stratmon.store.migrate import upgrade

FIXTURES = Path(__file__).parent / "fixtures"
# The web fixtures (one real-data portal database per test session): tests/webfixtures.py.
pytest_plugins = ["webfixtures"]
ENGINES = ("sqlite", "postgresql")


def pytest_configure(config):
    # Tests see the shared IATI codelists unless they say otherwise.
    codelists = shared_data_dir() / "iati-codelists"
    if "STRATMON_CODELISTS" not in os.environ and codelists.is_dir():
        os.environ["STRATMON_CODELISTS"] = str(codelists)
    os.environ.pop("STRATMON_DB", None)
    os.environ["STRATMON_LANG"] = "en"


@pytest.fixture(autouse=True)
def language_from_the_environment():
    """Every test starts in the environment's language (English), whatever an earlier test chose
    (`--lang es` in the in-process CLI, `set_language`), and leaves it so."""
    set_language(None)
    yield
    set_language(None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data; its absence is a failure, never a skip."""
    folder = shared_data_dir()
    if not folder.is_dir():
        pytest.fail(f"shared data folder not found at {folder}; set STRATMON_SHARED_DATA", pytrace=False)
    return folder


@pytest.fixture(scope="session")
def usg_iati(shared_data) -> Path:
    """The U.S. government IATI files for Central America."""
    folder = shared_data / "usg-iati" / "data"
    if not folder.is_dir():
        pytest.fail(f"U.S. IATI data not found at {folder}", pytrace=False)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    found = candidates[-1].parent if candidates else (Path(p).parent if (p := shutil.which("initdb")) else None)
    if found is None:
        pytest.fail("PostgreSQL is not installed (run `make sysdeps`) and STRATMON_TEST_POSTGRES_URL is unset",
                    pytrace=False)
    return found


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server: `$STRATMON_TEST_POSTGRES_URL` (CI starts one), else a throwaway cluster."""
    url = os.environ.get("STRATMON_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    bin_dir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="stratmon-test-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = _free_port()
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l",
                    str(folder / "log"), "-o", f"-h 127.0.0.1 -p {port} -k {folder} -F", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _fresh_postgres_database(server_url: str) -> str:
    name = f"stratmon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def database_for(engine: str, request, folder: Path) -> str:
    """An empty database URL on `engine`: a SQLite file in `folder`, or a fresh PostgreSQL database."""
    if engine == "sqlite":
        return f"sqlite:///{folder / 'stratmon.db'}"
    return _fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path) -> str:
    """An empty database on each engine (tests using it run twice: SQLite and PostgreSQL)."""
    return database_for(request.param, request, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database file."""
    return f"sqlite:///{tmp_path / 'stratmon.db'}"


@pytest.fixture
def engine(db_url):
    """A migrated database on each engine."""
    engine = get_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


class Cli:
    """Runs `stratmon` in-process against one database."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, lang: str | None = None):
        argv = ([f"--lang={lang}"] if lang else []) + list(args)
        if args and args[0] not in ("framework",):
            argv += ["--db", self.db_url]
        return self.runner.invoke(app, argv, catch_exceptions=False)


@pytest.fixture
def cli(db_url) -> Cli:
    """The CLI against a fresh, initialised database on each engine."""
    runner = Cli(db_url)
    result = runner("init")
    assert result.exit_code == 0, result.output
    return runner


@pytest.fixture
def sqlite_cli(sqlite_url) -> Cli:
    """The CLI against a fresh, initialised SQLite database."""
    runner = Cli(sqlite_url)
    assert runner("init").exit_code == 0
    return runner


def run_stratmon(*args: str, env: dict | None = None, timeout: float = 300,
                 input_text: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `stratmon` console script in a real subprocess."""
    command = [str(Path(sys.executable).with_name("stratmon")), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, input=input_text,
                          env={**os.environ, **(env or {})})
