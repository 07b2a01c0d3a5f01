"""A PostgreSQL server for the benchmarks: `$STRATMON_BENCH_POSTGRES_URL`, else a throwaway cluster
started the way tests/conftest.py's `postgres_server` starts one, but with fsync left on: a
benchmark should pay what a real deployment pays for durability."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

URL_VARIABLE = "STRATMON_BENCH_POSTGRES_URL"


class PostgresUnavailable(RuntimeError):
    """No server URL was given and no PostgreSQL is installed to start one."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin_dir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise PostgresUnavailable(f"PostgreSQL is not installed (run `make sysdeps`), {URL_VARIABLE} is unset; "
                                  "or leave it out with --engines sqlite")
    return Path(initdb).parent


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server's URL (maintenance database `postgres`) while the block runs."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    bin_dir = _bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="stratmon-bench-pg-"))
    # initdb refuses to run as root: run the cluster as the postgres user then.
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = _free_port()
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-w", "-l",
                    str(folder / "log"), "-o", f"-h 127.0.0.1 -p {port} -k {folder}", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _admin(server_url: str):
    return create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")


def fresh_database(server_url: str, name: str) -> str:
    """An empty database `name` on the server (dropped first if a previous run left it)."""
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server_url: str, name: str) -> None:
    """Drop a benchmark database (the next scale needs the disk)."""
    admin = _admin(server_url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_version(server_url: str) -> str:
    """The server's version, e.g. `15.8`."""
    admin = _admin(server_url)
    with admin.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
    admin.dispose()
    return version.split()[0]
