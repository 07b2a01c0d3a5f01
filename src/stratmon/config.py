"""Settings read from the environment, in one place."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path

from stratmon.i18n import _

DEFAULT_DB_URL = "sqlite:///stratmon.db"


class SettingError(ValueError):
    """A setting of the environment that cannot be used as it is."""


def database_url(explicit: str | None = None) -> str:
    """The database URL: `--db`, else `$STRATMON_DB`, else the embedded SQLite file."""
    return explicit or os.environ.get("STRATMON_DB") or DEFAULT_DB_URL


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The reverse proxies whose `X-Forwarded-For` the web server believes (`$STRATMON_TRUSTED_PROXIES`:
    IP addresses or CIDR networks, comma-separated); none unless set, so that no client can pick the
    address the sign-in throttle counts it under."""
    networks = []
    for entry in os.environ.get("STRATMON_TRUSTED_PROXIES", "").split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise SettingError(_("STRATMON_TRUSTED_PROXIES: {entry} is not an IP address or network").format(
                    entry=repr(entry.strip()))) from None
    return tuple(networks)


@lru_cache(maxsize=1)
def secret_key() -> bytes:
    """The key the web server signs what it hands out with (`$STRATMON_SECRET_KEY`); when unset, a random
    one for this process (`stratmon serve --workers N` hands its own to every worker), so that what was
    signed before a restart is simply refused."""
    return (os.environ.get("STRATMON_SECRET_KEY") or secrets.token_urlsafe(32)).encode("utf-8")


def computing_slots() -> int:
    """How many public answers a web worker makes at once (`$STRATMON_COMPUTING_SLOTS`), else one per CPU
    this process may run on, at least two (web/computing.py says why so few; admission caps them at 15)."""
    text = os.environ.get("STRATMON_COMPUTING_SLOTS", "").strip()
    if text:
        if not text.isdecimal() or int(text) < 1:
            raise SettingError(_("STRATMON_COMPUTING_SLOTS: {value} is not a whole number of at least 1").format(
                value=repr(text)))
        return int(text)
    try:
        usable = len(os.sched_getaffinity(0))  # a container's or taskset's share, not the host's CPUs
    except AttributeError:  # not on every system
        usable = os.cpu_count() or 1
    return max(2, usable)


def framework_name() -> str | None:
    """The framework every command uses unless told otherwise (`$STRATMON_FRAMEWORK`: a shipped
    name or a YAML path); None for the shipped default."""
    return os.environ.get("STRATMON_FRAMEWORK") or None


def shared_data_dir() -> Path:
    """The shared real-data folder (`$STRATMON_SHARED_DATA`, else `../shared/data` of the checkout)."""
    explicit = os.environ.get("STRATMON_SHARED_DATA")
    if explicit:
        return Path(explicit)
    return _beside_checkout()


@lru_cache(maxsize=1)
def _beside_checkout() -> Path:
    # Resolved once: the checkout does not move while the process runs, and the web API looks codelists
    # up (through this folder) for every code it names, tens of times per answer.
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "data").resolve()


def codelists_dir() -> Path | None:
    """The IATI codelist folder (`$STRATMON_CODELISTS`, else the shared one when present)."""
    explicit = os.environ.get("STRATMON_CODELISTS")
    if explicit:
        return Path(explicit)
    candidate = shared_data_dir() / "iati-codelists"
    return candidate if candidate.is_dir() else None
