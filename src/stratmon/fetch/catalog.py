"""The catalogue of public data to fetch (`sources.yaml`): what, from where, into which file."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stratmon.fetch.errors import CatalogError
from stratmon.framework.loader import SAFE_LOADER
from stratmon.i18n import _

Kind = Literal["xml", "csv", "zip", "json", "gzip"]
SHIPPED_CATALOG = "sources.yaml"


class Source(BaseModel):
    """One file of public data: where its publisher serves it and where it goes in the data folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    folder: str
    file: str
    url: str
    kind: Kind
    extract: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    indicator: str | None = None
    verify: bool = False
    allowed_hosts: tuple[str, ...] = ()

    @field_validator("folder", "file")
    @classmethod
    def _relative(cls, value: str) -> str:
        path = PurePosixPath(value)
        if not value or path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError(_("must be a relative path inside the data folder"))
        return value

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(_("must be an https URL"))
        return value

    @model_validator(mode="after")
    def _extract_needs_zip(self) -> Source:
        if self.extract is not None and self.kind != "zip":
            raise ValueError(_("extract is for kind zip only"))
        return self

    @property
    def relative_path(self) -> str:
        """Where the file goes, relative to the data folder (the manifest's key)."""
        return f"{self.folder}/{self.file}"

    def target(self, dest: Path) -> Path:
        """The file's final place under `dest`."""
        return dest / self.folder / self.file


def shipped_catalog_path() -> Path:
    """The catalogue shipped inside the package."""
    return Path(str(resources.files("stratmon.fetch") / SHIPPED_CATALOG))


def load_catalog(path: Path | None = None) -> list[Source]:
    """Every source listed in the catalogue, validated: names and target files are unique."""
    path = path or shipped_catalog_path()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(_("{path}: cannot read the catalogue: {reason}").format(
            path=path, reason=str(exc).splitlines()[0])) from None
    entries = raw.get("datasets") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(_("{path}: expected a list under `datasets`").format(path=path))
    sources = [_validated(path, index, entry) for index, entry in enumerate(entries)]
    if twice := _listed_twice(s.name for s in sources):
        raise CatalogError(_("{path}: the name {name} is listed twice").format(path=path, name=twice))
    if twice := _listed_twice(s.relative_path for s in sources):
        raise CatalogError(_("{path}: the file {file} is listed twice").format(path=path, file=twice))
    return sources


def _validated(path: Path, index: int, entry: object) -> Source:
    try:
        return Source.model_validate(entry)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "".join(f".{part}" for part in first["loc"])
        raise CatalogError(_("{path}: datasets[{index}]{where}: {reason}").format(
            path=path, index=index, where=where, reason=first["msg"])) from None


def _listed_twice(values: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def select(sources: list[Source], patterns: Iterable[str]) -> list[Source]:
    """The sources named by `patterns` (a name, a glob over names, or a folder and what is under it),
    in catalogue order; every source when there are no patterns."""
    patterns = [p.strip().strip("/") for p in patterns if p.strip()]
    if not patterns:
        return list(sources)
    unmatched = [p for p in patterns if not any(_matches(s, p) for s in sources)]
    if unmatched:
        raise CatalogError(_("nothing in the catalogue matches: {names}").format(names=", ".join(unmatched)))
    return [s for s in sources if any(_matches(s, p) for p in patterns)]


def _matches(source: Source, pattern: str) -> bool:
    return (fnmatchcase(source.name, pattern) or source.folder == pattern
            or source.folder.startswith(pattern + "/"))


def rebase_url(url: str, base_url: str | None) -> str:
    """`url` with its scheme and host (and port) replaced by `base_url`'s; a path in `base_url` is put
    in front of `url`'s path. Without a base URL, `url` unchanged."""
    if not base_url:
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, ""))


def check_base_url(base_url: str | None) -> None:
    """Refuse a base URL that is not an http(s) URL with a host."""
    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise CatalogError(_("--base-url must look like http://host[:port][/path]: {url}").format(url=base_url))
