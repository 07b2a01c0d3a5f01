"""The one file wanted from a downloaded archive (the World Bank sends each indicator as a ZIP)."""

from __future__ import annotations

import zipfile
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from stratmon.fetch.content import HEAD_BYTES, check_head
from stratmon.fetch.errors import Refused
from stratmon.i18n import _, format_count

CHUNK_BYTES = 1 << 20
KIND_BY_SUFFIX = {".csv": "csv", ".xml": "xml", ".json": "json"}


def kind_of(file_name: str) -> str | None:
    """The kind of file a name says it is, where the name says."""
    return KIND_BY_SUFFIX.get(PurePosixPath(file_name).suffix.lower())


def extract_member(archive: Path, pattern: str, out: Path, max_bytes: int, kind: str | None) -> str:
    """Copy the one member of `archive` whose file name matches `pattern` to `out`, at most `max_bytes`
    uncompressed, and check it starts like `kind`; return the member's name. The member's name is only
    matched, never used as a path."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            member = _the_member(bundle, pattern)
            _copy(bundle, member, out, max_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise Refused(_("the archive cannot be read: {reason}").format(reason=str(exc) or type(exc).__name__)) from None
    if kind:
        with out.open("rb") as handle:
            check_head(kind, handle.read(HEAD_BYTES))
    return member.filename


def _the_member(bundle: zipfile.ZipFile, pattern: str) -> zipfile.ZipInfo:
    found = [info for info in bundle.infolist()
             if not info.is_dir() and fnmatchcase(PurePosixPath(info.filename).name, pattern)]
    if len(found) != 1:
        names = ", ".join(info.filename for info in bundle.infolist()) or _("nothing")
        raise Refused(_("expected one file matching {pattern} in the archive, found: {names}").format(
            pattern=pattern, names=names))
    return found[0]


def _copy(bundle: zipfile.ZipFile, member: zipfile.ZipInfo, out: Path, max_bytes: int) -> None:
    too_large = _("the file in the archive is larger than the limit of {limit} bytes (see --max-size)").format(
        limit=format_count(max_bytes))
    if member.file_size > max_bytes:
        raise Refused(too_large)
    copied = 0
    with bundle.open(member) as source, out.open("wb") as target:
        # Count what comes out, not what the header claims: a header can lie.
        while chunk := source.read(CHUNK_BYTES):
            copied += len(chunk)
            if copied > max_bytes:
                raise Refused(too_large)
            target.write(chunk)
