"""`manifest.json` in the data folder: what is complete there, where it came from, and its checksum.

Per file (keyed by its path in the folder): the URL fetched, size, SHA-256, when (UTC), the server's ETag
and Last-Modified, and for a file taken out of an archive the archive's own size and checksum. Transfers
under way are kept apart (`partial`), with the validators that let the next run resume them safely.
The file is rewritten whole, through a temporary file, after each change.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from stratmon.fetch.catalog import Source
from stratmon.fetch.checksum import file_sha256
from stratmon.fetch.errors import ManifestError
from stratmon.i18n import _

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp (seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Manifest:
    """The record of complete files (and transfers under way) in one data folder."""

    def __init__(self, dest: Path) -> None:
        self.path = dest / MANIFEST_NAME
        self.files: dict[str, dict] = {}
        self.partial: dict[str, dict] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(_("{path}: cannot read the manifest ({reason}); move it away to start afresh").format(
                path=self.path, reason=str(exc).splitlines()[0])) from None
        files = data.get("files") if isinstance(data, dict) else None
        partial = data.get("partial", {}) if isinstance(data, dict) else None
        if not isinstance(files, dict) or not isinstance(partial, dict):
            raise ManifestError(_("{path}: not a stratmon fetch manifest; move it away to start afresh").format(
                path=self.path))
        self.files = {key: value for key, value in files.items() if isinstance(value, dict)}
        self.partial = {key: value for key, value in partial.items() if isinstance(value, dict)}

    def is_complete(self, source: Source, target: Path) -> bool:
        """True when `target` is the file the manifest records (same size and SHA-256) and, where the
        catalogue pins a checksum, the one the catalogue expects."""
        record = self.files.get(source.relative_path)
        if record is None or not target.is_file() or target.stat().st_size != record.get("size"):
            return False
        if source.sha256:
            fetched = record.get("archive", record) if source.extract else record
            if fetched.get("sha256") != source.sha256:
                return False
        return file_sha256(target)[1] == record.get("sha256")

    def record(self, source: Source, entry: dict) -> None:
        """Remember a complete file."""
        self.files[source.relative_path] = {"name": source.name, **entry}
        self.partial.pop(source.relative_path, None)
        self.save()

    def start_partial(self, source: Source, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a transfer under way, with what identifies the version being fetched."""
        self.partial[source.relative_path] = {"url": url, "etag": etag, "last_modified": last_modified,
                                              "started_at": utc_now()}
        self.save()

    def partial_for(self, source: Source, url: str) -> dict | None:
        """The transfer under way for `source` from `url`, if there is one."""
        record = self.partial.get(source.relative_path)
        return record if record is not None and record.get("url") == url else None

    def forget_partial(self, source: Source) -> None:
        """Drop the record of a transfer that was refused."""
        if self.partial.pop(source.relative_path, None) is not None:
            self.save()

    def save(self) -> None:
        """Write the manifest atomically."""
        data = {"version": FORMAT_VERSION, "files": dict(sorted(self.files.items())),
                "partial": dict(sorted(self.partial.items()))}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
