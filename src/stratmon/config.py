"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB_URL = "sqlite:///stratmon.db"


def database_url(explicit: str | None = None) -> str:
    """The database URL: `--db`, else `$STRATMON_DB`, else the embedded SQLite file."""
    return explicit or os.environ.get("STRATMON_DB") or DEFAULT_DB_URL


def framework_name() -> str | None:
    """The framework every command uses unless told otherwise (`$STRATMON_FRAMEWORK`: a shipped
    name or a YAML path); None for the shipped default."""
    return os.environ.get("STRATMON_FRAMEWORK") or None


def shared_data_dir() -> Path:
    """The shared real-data folder (`$STRATMON_SHARED_DATA`, else `../shared/data` of the checkout)."""
    explicit = os.environ.get("STRATMON_SHARED_DATA")
    if explicit:
        return Path(explicit)
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()


def codelists_dir() -> Path | None:
    """The IATI codelist folder (`$STRATMON_CODELISTS`, else the shared one when present)."""
    explicit = os.environ.get("STRATMON_CODELISTS")
    if explicit:
        return Path(explicit)
    candidate = shared_data_dir() / "iati-codelists"
    return candidate if candidate.is_dir() else None
