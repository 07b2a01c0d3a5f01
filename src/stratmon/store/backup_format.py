"""The backup archive: what `stratmon backup` writes and `stratmon restore` reads. No database here.

A zip file holding `manifest.json` and one JSON Lines file per table, `tables/<table>.jsonl`. Each
line is one row: a JSON array of the row's values in the manifest's column order. Values are
written by their kind, not by any engine's type, so an archive made from SQLite restores into
PostgreSQL and back:

    integer   JSON integer (any size)           float     JSON number as Python's repr, exact;
    text      JSON string                                 "nan", "inf", "-inf" as strings
    boolean   true / false                      date      "YYYY-MM-DD"
    json      the stored JSON text, verbatim,   datetime  ISO 8601, "YYYY-MM-DDTHH:MM:SS[.ffffff]"
              as a string (so JSON null and     binary    base64 string
              SQL NULL stay apart)              NULL      null, in every kind

The lines are canonical (compact JSON, UTF-8, "\\n" after each row) and the manifest holds the row
count and the SHA-256 of each table's file. Rows are in primary-key order, so a table with a key has
the same checksum whichever engine it came from. A table without one keeps its storage order, the
order the store reads its rows back in (an activity's narratives, organisations and sectors as
published): SQLite's insertion order, PostgreSQL's heap order (which may set a row into an earlier
page's free space, so the same rows can come back from PostgreSQL in a slightly different order).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Integer, LargeBinary, String
from sqlalchemy.types import TypeEngine

from stratmon.i18n import _

FORMAT_NAME = "stratmon-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KINDS = ("integer", "float", "text", "boolean", "date", "datetime", "json", "binary")
ORDER_STORAGE = "storage"
# A hostile archive must not exhaust memory: the manifest and every row are read with a size limit
# (a row holds at most one stored document: uploads stop at 20 MB, 27 MB in base64).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_ROW_BYTES = 256 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024


class ArchiveError(Exception):
    """A backup archive that cannot be written or read, with the place in it."""

    def __init__(self, path: Path | str, place: str | None, reason: str) -> None:
        self.path = Path(path)
        self.place = place
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: {self.place}" if self.place else f"{self.path}"
        return f"{where}: {self.reason}"


class ArchiveRejected(ArchiveError):
    """An archive restore cannot use: damaged, truncated, altered or not a backup at all."""


def column_kind(column_type: TypeEngine) -> str:
    """The archive's kind for a column type of the schema."""
    for sa_type, kind in ((Boolean, "boolean"), (Integer, "integer"), (BigInteger, "integer"), (Float, "float"),
                          (DateTime, "datetime"), (Date, "date"), (JSON, "json"), (LargeBinary, "binary"),
                          (String, "text")):
        if isinstance(column_type, sa_type):
            return kind
    raise TypeError(f"no backup kind for column type {column_type!r}")


@dataclass
class TableEntry:
    """One table in the archive: its columns with their kinds, and what its file must hold."""

    name: str
    columns: list[tuple[str, str]]
    order: list[str] | str  # the primary-key columns, or ORDER_STORAGE
    rows: int = 0
    sha256: str = ""

    @property
    def file(self) -> str:
        return f"tables/{self.name}.jsonl"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _kind in self.columns]

    def as_json(self) -> dict:
        return {"name": self.name, "file": self.file, "columns": [{"name": n, "kind": k} for n, k in self.columns],
                "order": self.order, "rows": self.rows, "sha256": self.sha256}


@dataclass
class Manifest:
    """What the archive holds and where it came from."""

    schema_revision: str
    created_at: str
    tables: list[TableEntry] = field(default_factory=list)
    source_engine: str = ""
    software_version: str = ""
    format_version: int = FORMAT_VERSION

    @property
    def total_rows(self) -> int:
        return sum(entry.rows for entry in self.tables)

    def as_json(self) -> dict:
        return {"format": FORMAT_NAME, "format_version": self.format_version,
                "schema_revision": self.schema_revision, "created_at": self.created_at,
                "source_engine": self.source_engine, "software_version": self.software_version,
                "tables": [entry.as_json() for entry in self.tables]}


# ----------------------------------------------------------------------------------------- rows

def _encode_float(value) -> float | str:
    value = float(value)
    return value if math.isfinite(value) else repr(value)


def _decode_float(value: float | int | str) -> float:
    if isinstance(value, str) and value not in ("nan", "inf", "-inf"):
        raise ValueError(_("not a number: {value}").format(value=value))
    return float(value)


def _decode_binary(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_ENCODERS: dict[str, Callable] = {
    "float": _encode_float,
    "date": date.isoformat,
    "datetime": datetime.isoformat,
    "binary": lambda value: base64.b64encode(bytes(value)).decode("ascii"),
}
_DECODERS: dict[str, Callable] = {
    "float": _decode_float,
    "date": date.fromisoformat,
    "datetime": datetime.fromisoformat,
    "binary": _decode_binary,
}
# The JSON type each kind is written as (a float may also be a whole number or "nan", "inf", "-inf").
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,), "float": (float, int, str), "text": (str,), "boolean": (bool,), "date": (str,),
    "datetime": (str,), "json": (str,), "binary": (str,),
}
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_raw_decode = json.JSONDecoder().raw_decode


def row_encoder(kinds: Sequence[str]) -> Callable[[Sequence], bytes]:
    """A function turning one row (values in column order) into its canonical line."""
    converters = [(i, _ENCODERS[kind]) for i, kind in enumerate(kinds) if kind in _ENCODERS]

    def encode(row: Sequence) -> bytes:
        values = list(row)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        return (_dumps(values) + "\n").encode("utf-8")

    return encode


def row_decoder(kinds: Sequence[str]) -> Callable[[bytes], list]:
    """A function turning one canonical line back into typed values; ValueError names what is wrong."""
    converters = [(i, _DECODERS[kind]) for i, kind in enumerate(kinds) if kind in _DECODERS]
    # The types JSON may give each column; each pattern of types met (NULLs make several) is checked once.
    allowed = [frozenset((*_JSON_TYPES[kind], type(None))) for kind in kinds]
    valid_patterns: set[tuple[type, ...]] = set()

    def check(values: list) -> None:
        pattern = tuple(map(type, values))
        if pattern in valid_patterns:
            return
        if len(values) != len(kinds):
            raise ValueError(_("{found} values where the table has {expected} columns").format(
                found=len(values), expected=len(kinds)))
        for i, (value_type, types) in enumerate(zip(pattern, allowed)):
            if value_type not in types:
                raise ValueError(_("value {number} is not of kind {kind}").format(number=i + 1, kind=kinds[i]))
        valid_patterns.add(pattern)

    def decode(line: bytes) -> list:
        text = line.decode("utf-8")
        values, end = _raw_decode(text)
        if end != len(text) or type(values) is not list:
            raise ValueError(_("a row is not a JSON list"))
        check(values)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        return values

    return decode


# -------------------------------------------------------------------------------------- writing

class ArchiveWriter:
    """Writes an archive to a temporary file beside `path` and moves it into place only when whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        os.close(handle)
        self._temporary = Path(temporary)
        self._zip = zipfile.ZipFile(self._temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    def write_table(self, entry: TableEntry, rows: Iterable[Sequence]) -> None:
        """Stream `rows` into the table's file; sets the entry's row count and checksum."""
        encode = row_encoder([kind for _name, kind in entry.columns])
        digest, count, buffer, buffered = hashlib.sha256(), 0, [], 0
        with self._zip.open(entry.file, "w", force_zip64=True) as member:
            for row in rows:
                line = encode(row)
                if len(line) > MAX_ROW_BYTES:
                    raise ArchiveError(self.path, entry.file, _("a row is larger than a backup can hold"))
                buffer.append(line)
                buffered += len(line)
                count += 1
                if buffered >= CHUNK_BYTES:
                    chunk = b"".join(buffer)
                    digest.update(chunk)
                    member.write(chunk)
                    buffer, buffered = [], 0
            chunk = b"".join(buffer)
            digest.update(chunk)
            member.write(chunk)
        entry.rows, entry.sha256 = count, digest.hexdigest()

    def finish(self, manifest: Manifest) -> None:
        """Write the manifest, make the file durable and put it in place."""
        self._zip.writestr(MANIFEST, json.dumps(manifest.as_json(), ensure_ascii=False, indent=1) + "\n")
        self._zip.close()
        with self._temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self._temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def abandon(self) -> None:
        """Remove the partial file (after an error)."""
        self._zip.close()
        self._temporary.unlink(missing_ok=True)


# -------------------------------------------------------------------------------------- reading

# What a damaged zip raises while it is read: bad headers or CRC, cut-off data, broken deflate streams.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError)


class ArchiveReader:
    """An archive opened for restoring: its manifest read and checked, its tables readable row by row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except ZIP_ERRORS:
            raise ArchiveRejected(path, None, _("not a Strategy Monitor backup, or the file is damaged or "
                                                "truncated")) from None
        try:
            self.manifest = _read_manifest(self._zip, path)
            names = set(self._zip.namelist())
            for entry in self.manifest.tables:
                if entry.file not in names:
                    raise ArchiveRejected(path, entry.file, _("missing from the archive"))
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def verify(self) -> None:
        """Check every table's file against its row count and checksum, without decoding rows."""
        for entry in self.manifest.tables:
            since_newline = 0
            for chunk in self._chunks(entry):
                last = chunk.rfind(b"\n")
                first = chunk.find(b"\n")
                if since_newline + (first if first >= 0 else len(chunk)) > MAX_ROW_BYTES:
                    raise ArchiveRejected(self.path, entry.file, _("a row is larger than a backup can hold"))
                since_newline = len(chunk) - last - 1 if last >= 0 else since_newline + len(chunk)

    def rows(self, entry: TableEntry) -> Iterator[list]:
        """The table's rows as typed values; the file is checked against the manifest as it is read."""
        decode = row_decoder([kind for _name, kind in entry.columns])
        number = 0
        for lines in self._lines(entry):
            for line in lines:
                number += 1
                try:
                    yield decode(line)
                except (ValueError, TypeError) as exc:  # json.JSONDecodeError and UnicodeDecodeError too
                    raise ArchiveRejected(self.path, f"{entry.file}:{number}",
                                          _("unreadable row: {reason}").format(reason=exc)) from None

    def _lines(self, entry: TableEntry) -> Iterator[list[bytes]]:
        """The file's rows (without their newline), a chunk's worth at a time."""
        pending: list[bytes] = []
        pending_bytes = 0
        for chunk in self._chunks(entry):
            lines = chunk.split(b"\n")
            if len(lines) == 1:
                pending.append(chunk)
                pending_bytes += len(chunk)
                if pending_bytes > MAX_ROW_BYTES:
                    raise ArchiveRejected(self.path, entry.file, _("a row is larger than a backup can hold"))
                continue
            if pending:
                lines[0] = b"".join((*pending, lines[0]))
            pending = [lines.pop()]
            pending_bytes = len(pending[0])
            yield lines

    def _chunks(self, entry: TableEntry) -> Iterator[bytes]:
        """The file's bytes; after the last, raises ArchiveRejected unless row count and SHA-256 agree."""
        digest, count, last = hashlib.sha256(), 0, b"\n"
        try:
            with self._zip.open(entry.file) as member:
                while chunk := member.read(CHUNK_BYTES):
                    digest.update(chunk)
                    count += chunk.count(b"\n")
                    last = chunk[-1:]
                    yield chunk
        except ZIP_ERRORS as exc:
            raise ArchiveRejected(self.path, entry.file, _("damaged ({reason})").format(reason=exc)) from None
        if last != b"\n":
            raise ArchiveRejected(self.path, entry.file, _("the last row is cut off"))
        if count != entry.rows:
            raise ArchiveRejected(self.path, entry.file, _("holds {found} rows, the manifest says {expected}").format(
                found=count, expected=entry.rows))
        if digest.hexdigest() != entry.sha256:
            raise ArchiveRejected(self.path, entry.file, _("checksum mismatch: the content was altered or damaged"))


def _read_manifest(archive: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise ArchiveRejected(path, None, _("not a Strategy Monitor backup (no {name})").format(
            name=MANIFEST)) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ArchiveRejected(path, MANIFEST, _("too large to be a manifest"))
    try:
        with archive.open(info) as member:
            data = json.loads(member.read(MAX_MANIFEST_BYTES + 1))
    except ZIP_ERRORS as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ArchiveRejected(path, MANIFEST, _("damaged ({reason})").format(reason=exc)) from None
    return _manifest_from_json(data, path)


def _manifest_from_json(data, path: Path) -> Manifest:
    def bad(reason: str) -> ArchiveRejected:
        return ArchiveRejected(path, MANIFEST, reason)

    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise bad(_("not a Strategy Monitor backup manifest"))
    version = data.get("format_version")
    if not _is_int(version) or version < 1:
        raise bad(_("no valid format version"))
    if version > FORMAT_VERSION:
        raise bad(_("archive format {found} is newer than this version of Strategy Monitor reads ({known}); "
                    "upgrade Strategy Monitor").format(found=version, known=FORMAT_VERSION))
    for key in ("schema_revision", "created_at"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise bad(_("no valid {field}").format(field=key))
    tables = data.get("tables")
    if not isinstance(tables, list):
        raise bad(_("no valid {field}").format(field="tables"))
    entries = [_entry_from_json(item, bad) for item in tables]
    if len({entry.name for entry in entries}) != len(entries):
        raise bad(_("a table is listed twice"))
    return Manifest(schema_revision=data["schema_revision"], created_at=data["created_at"], tables=entries,
                    source_engine=str(data.get("source_engine", "")),
                    software_version=str(data.get("software_version", "")), format_version=version)


def _entry_from_json(item, bad: Callable[[str], ArchiveRejected]) -> TableEntry:
    try:
        name = item["name"]
        columns = [(column["name"], column["kind"]) for column in item["columns"]]
        order, rows, sha256 = item["order"], item["rows"], item["sha256"]
    except (KeyError, TypeError):
        raise bad(_("a table entry is incomplete")) from None
    valid = (isinstance(name, str) and name.isidentifier() and columns
             and all(isinstance(n, str) and n and kind in KINDS for n, kind in columns)
             and len({n for n, _kind in columns}) == len(columns)
             and _is_int(rows) and rows >= 0 and isinstance(sha256, str) and len(sha256) == 64
             and (order == ORDER_STORAGE or (isinstance(order, list) and all(o in dict(columns) for o in order))))
    if not valid:
        raise bad(_("the entry of table {table} is not valid").format(table=name))
    return TableEntry(name=name, columns=columns, order=order, rows=rows, sha256=sha256)
