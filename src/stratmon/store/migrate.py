"""Create or migrate the database schema with Alembic (`stratmon init`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used, so that `--help`, `--version` and `framework show`
# start without loading its machinery.

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in MIGRATIONS (tests/test_store.py holds it to Alembic's head). Every command checks
# the database against it; read from the database's version table, it spares loading Alembic and its
# scripts (a tenth of a second) when the database is current. Otherwise Alembic decides.
HEAD_REVISION = "0018"


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to `engine` (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _recorded_revision(engine: Engine) -> str | None:
    """The revision in the database's Alembic version table, read directly; None when there is no one
    revision to read there (Alembic then has the last word)."""
    try:
        with engine.connect() as connection:
            revisions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:
        return None
    return revisions[0] if len(revisions) == 1 else None


def head_revision(engine: Engine) -> str:
    """The newest schema revision this version of Strategy Monitor knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    from alembic import command

    from stratmon.store.first_import import restore_missing

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    # The indexes and keys a first import killed midway left unmade (store/first_import.py), now that the
    # schema is the one they are made from.
    restore_missing(engine)
    return before, head_revision(engine)


def require_current(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the newest revision."""
    if _recorded_revision(engine) == HEAD_REVISION:
        return
    current = current_revision(engine)
    if current != head_revision(engine):
        raise SchemaOutOfDate(current)


class SchemaOutOfDate(Exception):
    """The database is missing or older than this software; `stratmon init` fixes it."""

    def __init__(self, current: str | None) -> None:
        self.current = current
        super().__init__(current)
