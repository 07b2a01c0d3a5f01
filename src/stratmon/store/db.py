"""Engines for SQLite (embedded default) and PostgreSQL, configured the same way."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from stratmon.config import database_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connections an engine keeps, and how many more it may open at a busy moment: SQLAlchemy's defaults,
# stated because the web server admits no more requests at once than their sum (web/admission.py).
POOL_SIZE = 5
POOL_OVERFLOW = 10


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=16)
def get_engine(url: str | None = None) -> Engine:
    """An engine for `url` (see config.database_url), cached per URL."""
    resolved = make_url(database_url(url))
    if resolved.drivername in {"postgresql", "postgres"}:
        resolved = resolved.set(drivername="postgresql+psycopg")
    if resolved.get_backend_name() == "sqlite":
        return _sqlite_engine(resolved)
    return create_engine(resolved, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


def _sqlite_engine(url) -> Engine:
    # A database file gets PostgreSQL's pool; an in-memory database lives in one connection per thread.
    in_memory = url.database in (None, "", ":memory:")
    pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # Writers take the write lock up front, so two importers queue instead of deadlocking.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
