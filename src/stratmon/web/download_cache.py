"""Costly public downloads written once per data snapshot, then sent from a file.

The full IATI export takes seconds and some 19 MB to write; fifteen anonymous clients asking at once
would each have it written again. A download is kept as a file named by its key: the data snapshot
(the data version, store/data_version.py, which every write a public answer can show moves; the digest
of the framework and its crosswalks; the software's version) and what was asked for. Any such write
makes new keys, so a file is never stale; the oldest files beyond `MAX_FILES` are removed. Files are
written under a temporary name and renamed into place (atomic), so a reader never sees half a file,
and a reader holding a file open keeps it readable even if it is removed meanwhile. One download per
key is written at a time in a process; the others wait and then read the file. Smaller answers (pages,
tables, API answers) are kept in memory instead (page_cache.py), by the same data version.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine

from stratmon import __version__
from stratmon.store.data_version import read_data_version

MAX_FILES = 32
_SUFFIX = ".download"


def snapshot_key(db: Connection, crosswalk_digest: str, *asked: str) -> str:
    """A key that changes whenever the stored data, its alignment, the framework or the software does,
    and with what was asked for (`asked`: the route and its canonical parameters). A database without a
    data version gets a key of its own each time: written again, never reused."""
    version = read_data_version(db) or f"unversioned-{secrets.token_hex(16)}"
    parts = (version, crosswalk_digest, __version__, *asked)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class DownloadCache:
    """Files of downloads in one folder, by key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def open(self, key: str, write: Callable[[BinaryIO], object]) -> BinaryIO:
        """The download `key`, open for reading; `write(file)` makes it first when it is not kept yet
        (an exception from `write` leaves nothing behind)."""
        path = self.folder / f"{key}{_SUFFIX}"
        with self._lock(key):
            try:
                handle = path.open("rb")
                os.utime(path)  # recently used: kept longest
                return handle
            except FileNotFoundError:
                pass
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            part = tempfile.NamedTemporaryFile(dir=self.folder, prefix=".part-", delete=False)
            try:
                with part:
                    write(part)
                os.replace(part.name, path)
            except BaseException:
                Path(part.name).unlink(missing_ok=True)
                raise
            handle = path.open("rb")
        self._remove_oldest()
        return handle

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _remove_oldest(self) -> None:
        files = []
        for path in self.folder.glob(f"*{_SUFFIX}"):
            try:
                files.append((path.stat().st_mtime, path))
            except FileNotFoundError:
                continue  # removed by another process meanwhile
        for _mtime, path in sorted(files, reverse=True)[MAX_FILES:]:
            path.unlink(missing_ok=True)


@lru_cache(maxsize=None)
def _cache_in(folder: str) -> DownloadCache:
    return DownloadCache(Path(folder))


def cache_for(engine: Engine) -> DownloadCache:
    """The cache of the database `engine` opens: a private folder under the system's temporary one
    (`STRATMON_CACHE_DIR` to choose another), named by the database, shared by all workers."""
    root = Path(os.environ.get("STRATMON_CACHE_DIR") or Path(tempfile.gettempdir()) / "stratmon-downloads")
    database = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return _cache_in(str(root / database))
