"""Fetch a list of sources into a data folder: skip what is complete, download the rest, record it.

Each file is downloaded to `<file>.part` and renamed into place only once checked, so a file in the
folder is always whole. A refused file leaves nothing behind; a broken transfer leaves its `.part` for
the next run to resume.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import httpx

from stratmon.fetch.catalog import Source, rebase_url
from stratmon.fetch.checksum import file_sha256
from stratmon.fetch.download import Downloaded, Limits, Request, ResumableDownload, Validators, open_client
from stratmon.fetch.errors import HostUnreachable, Refused, TransferFailed
from stratmon.fetch.manifest import Manifest, utc_now
from stratmon.fetch.unpack import extract_member, kind_of
from stratmon.i18n import _

Status = Literal["fetched", "unchanged", "refused", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one source."""

    source: Source
    status: Status
    size: int = 0
    reason: str | None = None


class Reporter(Protocol):
    """Told how the fetch goes (the command line draws a progress bar from it)."""

    def starting(self, source: Source) -> None: ...

    def progress(self, completed: int, total: int | None) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...


class SilentReporter:
    """A reporter that says nothing."""

    def starting(self, source: Source) -> None:
        pass

    def progress(self, completed: int, total: int | None) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass


def part_of(path: Path) -> Path:
    """Where `path` is written until it is complete and checked."""
    return path.with_name(path.name + ".part")


class Fetcher:
    """Downloads sources into `dest`, keeping its manifest."""

    def __init__(self, dest: Path, *, base_url: str | None = None, limits: Limits | None = None,
                 reporter: Reporter | None = None) -> None:
        self.dest = dest
        self.base_url = base_url
        self.limits = limits or Limits()
        self.reporter = reporter or SilentReporter()
        # Hosts that could not be reached at all: their other files fail at once rather than each
        # waiting through its retries (an offline machine would otherwise take many minutes to say so).
        self.unreachable: set[str] = set()

    def fetch_all(self, sources: list[Source]) -> list[Outcome]:
        """Fetch every source in turn; one that fails does not stop the others."""
        self.dest.mkdir(parents=True, exist_ok=True)
        manifest = Manifest(self.dest)
        outcomes = []
        with open_client(self.limits) as client:
            for source in sources:
                self.reporter.starting(source)
                outcome = self._fetch_one(client, manifest, source)
                self.reporter.finished(outcome)
                outcomes.append(outcome)
        return outcomes

    def _fetch_one(self, client: httpx.Client, manifest: Manifest, source: Source) -> Outcome:
        target = source.target(self.dest)
        if manifest.is_complete(source, target):
            return Outcome(source, "unchanged", target.stat().st_size)
        url = rebase_url(source.url, self.base_url)
        host = httpx.URL(url).host
        if host in self.unreachable:
            reason = _("cannot connect to {host} (an earlier file from it failed)").format(host=host)
            return Outcome(source, "failed", reason=reason)
        download_part = part_of(target.with_name(target.name + ".zip") if source.extract else target)
        target.parent.mkdir(parents=True, exist_ok=True)
        under_way = manifest.partial_for(source, url)
        if under_way is None:
            # A part from another URL, or of unknown origin, cannot be trusted as a prefix.
            download_part.unlink(missing_ok=True)
        validators = Validators(under_way.get("etag"), under_way.get("last_modified")) if under_way else None
        transfer = ResumableDownload(
            client, Request(url, source.kind, source.sha256, source.allowed_hosts), download_part, self.limits,
            validators=validators, on_progress=self.reporter.progress,
            on_start=lambda v: manifest.start_partial(source, url, v.etag, v.last_modified))
        try:
            downloaded = transfer.run()
            entry = self._place(source, target, download_part, downloaded)
        except Refused as exc:
            manifest.forget_partial(source)
            return Outcome(source, "refused", reason=str(exc))
        except HostUnreachable as exc:
            self.unreachable.add(host)
            return Outcome(source, "failed", reason=str(exc))
        except TransferFailed as exc:
            return Outcome(source, "failed", reason=str(exc))
        manifest.record(source, {"url": url, **entry, "fetched_at": utc_now(),
                                 "etag": downloaded.validators.etag,
                                 "last_modified": downloaded.validators.last_modified})
        return Outcome(source, "fetched", entry["size"])

    def _place(self, source: Source, target: Path, download_part: Path, downloaded: Downloaded) -> dict:
        """Move the checked download into place (for an archive, the member wanted); its manifest fields."""
        if not source.extract:
            os.replace(download_part, target)
            return {"size": downloaded.size, "sha256": downloaded.sha256}
        unpacked = part_of(target)
        try:
            member = extract_member(download_part, source.extract, unpacked, self.limits.max_bytes,
                                    kind_of(source.file))
        except Refused:
            unpacked.unlink(missing_ok=True)
            raise
        finally:
            download_part.unlink(missing_ok=True)
        size, digest = file_sha256(unpacked)
        os.replace(unpacked, target)
        return {"size": size, "sha256": digest,
                "archive": {"member": member, "size": downloaded.size, "sha256": downloaded.sha256}}
