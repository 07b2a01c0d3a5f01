"""Fixtures for the web tests: the real data imported and aligned once, users with passwords,
the application in-process (TestClient) and a real server on loopback.

Loaded for every test module as a pytest plugin (`pytest_plugins` in conftest.py), so the portal
database is built once per session; import helpers and constants from it by name.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, Cli, run_stratmon
from stratmon.store.db import get_engine

PASSWORD = "correct horse battery"
# A partner's organisation: an implementing partner (participating-org role 4) of real activities.
PARTNER_ORG = "US-EIN-52-2145827"  # Chemonics International
OTHER_PARTNER_ORG = "US-EIN-13-5563422"  # Catholic Relief Services
USERS = (("ada", "admin", None), ("ana", "analyst", None), ("pablo", "partner", PARTNER_ORG),
         ("olga", "partner", OTHER_PARTNER_ORG))


@pytest.fixture(scope="session")
def portal_master(usg_iati, shared_data, tmp_path_factory) -> Path:
    """A SQLite file with the real U.S. IATI files, ForeignAssistance.gov, the State Department's budget
    tables, context indicators,
    aligned, the four users above (password PASSWORD) and the test indicator registry
    (tests/fixtures/results/registry.yaml). Tests copy it; none writes to it."""
    path = tmp_path_factory.mktemp("portal") / "master.db"
    cli = Cli(f"sqlite:///{path}")
    steps = [("init",), ("import", "iati", str(usg_iati)),
             ("import", "fagov", str(shared_data / "foreignaid-explorer-country")),
             ("import", "budget", str(shared_data / "state-cbj-budget-by-country")),
             ("import", "context", str(shared_data / "owid-context"), "--format", "owid"),
             ("align",)]
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.output)
    for name, role, org in USERS:
        args = ["users", "add", name, "--role", role, *(["--org", org] if org else []),
                *(["--user", "ada"] if name != "ada" else [])]
        result = cli(*args)
        assert result.exit_code == 0, result.output
        set_password = run_stratmon("users", "password", name, "--password-stdin", "--db", cli.db_url,
                                    input_text=PASSWORD + "\n")
        assert set_password.returncode == 0, set_password.stderr
    result = cli("indicators", "load", str(FIXTURES / "results" / "registry.yaml"), "--user", "ada")
    assert result.exit_code == 0, result.output
    # Closing every connection checkpoints the write-ahead log into the file, so a copy of the file
    # alone is the whole database.
    get_engine(cli.db_url).dispose()
    assert not Path(str(path) + "-wal").exists()
    return path


@pytest.fixture
def portal_url(portal_master, tmp_path) -> str:
    """A private copy of the portal database (tests may write to it)."""
    copy = tmp_path / "portal.db"
    shutil.copyfile(portal_master, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(scope="module")
def shared_portal_url(portal_master, tmp_path_factory) -> str:
    """One copy of the portal database for a module whose tests only read."""
    copy = tmp_path_factory.mktemp("portal-ro") / "portal.db"
    shutil.copyfile(portal_master, copy)
    return f"sqlite:///{copy}"


def client_for(url: str) -> TestClient:
    """The application in-process over HTTPS (so that Secure cookies are kept)."""
    from stratmon.web.app import create_app

    return TestClient(create_app(url), base_url="https://testserver")


@pytest.fixture
def client(portal_url) -> TestClient:
    with client_for(portal_url) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def reader(shared_portal_url) -> TestClient:
    """A client for tests that only read."""
    with client_for(shared_portal_url) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """`stratmon serve` in a real subprocess on a free loopback port; returns it and its address."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("stratmon")), "serve", "--port", str(port), "--db", db_url,
               "--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"stratmon serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{address}/api/v1/framework", timeout=2).status_code < 500:
                return process, address
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("stratmon serve did not start within 60 s")


def stop_server(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started by `start_server`: asked first, killed if it does not stop in `timeout` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(db_url: str) -> Iterator[str]:
    """The address of `stratmon serve` over `db_url` while the block runs."""
    process, address = start_server(db_url)
    try:
        yield address
    finally:
        stop_server(process)


@pytest.fixture
def server(portal_url):
    """A real server on loopback over a private copy of the portal database: (address, db url)."""
    with running_server(portal_url) as address:
        yield address, portal_url


def sign_in(client: TestClient, name: str, lang: str = "en") -> TestClient:
    """Sign `client` in as `name` through the login form (CSRF token included)."""
    page = client.get(f"/{lang}/workspace/login")
    assert page.status_code == 200, page.text[:500]
    token = client.cookies.get("stratmon_csrf")
    response = client.post(f"/{lang}/workspace/login", data={"name": name, "password": PASSWORD,
                                                             "csrf_token": token}, follow_redirects=False)
    assert response.status_code in (302, 303), response.text[:500]
    return client


def api_token(db_url: str, name: str) -> str:
    """A fresh API token for `name`."""
    result = run_stratmon("users", "token", name, "--label", "test", "--db", db_url)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
