"""Load and validate a framework YAML file, with errors that name the file and the key."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from stratmon.config import framework_name
from stratmon.framework.model import EventFile, Framework
from stratmon.i18n import _

# libyaml's safe loader reads the same documents about ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_FRAMEWORK = "central_america"
# The dated events a framework's figures are read against, beside its YAML file (optional).
EVENTS_FILE = "events.yaml"
MAX_FRAMEWORK_BYTES = 2 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)


class FrameworkError(Exception):
    """A framework file that cannot be used; the message names the file and the key."""


def shipped_framework_path(name: str) -> Path:
    """The YAML file of a framework shipped inside the package."""
    return Path(str(resources.files("stratmon.framework") / name / "framework.yaml"))


def resolve_framework_path(name_or_path: str | None) -> Path:
    """A framework given by shipped name or by file path (default: `$STRATMON_FRAMEWORK`, else the
    shipped default)."""
    value = name_or_path or framework_name() or DEFAULT_FRAMEWORK
    candidate = Path(value)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        return candidate
    path = shipped_framework_path(value)
    if not path.exists():
        raise FrameworkError(_("{name}: no such framework (neither a shipped name nor a file)").format(name=value))
    return path


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or _("(top level)")


def read_yaml_mapping(path: Path) -> dict:
    """A YAML file's top-level mapping, read safely; errors name the file and the place."""
    if path.stat().st_size > MAX_FRAMEWORK_BYTES:
        raise FrameworkError(_("{path}: file too large for a framework").format(path=path))
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except UnicodeDecodeError as exc:
        raise FrameworkError(_("{path}: not UTF-8 text ({reason} at byte {byte})").format(
            path=path, reason=exc.reason, byte=exc.start)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark:
            message = _("{path}: line {line}, column {column}: {problem}").format(
                path=path, line=mark.line + 1, column=mark.column + 1, problem=problem)
        else:
            message = _("{path}: unknown place: {problem}").format(path=path, problem=problem)
        raise FrameworkError(message) from None
    if not isinstance(raw, dict):
        raise FrameworkError(_("{path}: (top level): expected a mapping of keys").format(path=path))
    return raw


def validated(model: type[M], raw: dict, path: Path, **context) -> M:
    """`raw` validated as `model`; the first error names the file and the key."""
    try:
        return model.model_validate(raw, context=context or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FrameworkError(f"{path}: {_location(first['loc'])}: {first['msg']}") from None


@lru_cache(maxsize=8)
def _load(path: Path, _stamp: tuple) -> Framework:
    framework = validated(Framework, read_yaml_mapping(path), path)
    events_path = path.parent / EVENTS_FILE
    if not events_path.is_file():
        return framework
    if framework.events:
        raise FrameworkError(_("{path}: events: given here and in {other}; keep them in one file").format(
            path=path, other=events_path))
    # Validated on their own, so that an error names events.yaml; countries must be the framework's.
    events = validated(EventFile, read_yaml_mapping(events_path), events_path,
                       countries={country.code for country in framework.countries}).events
    return framework.model_copy(update={"events": events})


def load_framework(name_or_path: str | None = None) -> Framework:
    """Load a framework by shipped name (`central_america`) or path, with the events of the
    `events.yaml` beside it; validated and cached."""
    path = resolve_framework_path(name_or_path).resolve()
    if not path.exists():
        raise FrameworkError(_("{path}: no such file").format(path=path))
    events_path = path.parent / EVENTS_FILE
    return _load(path, (path.stat().st_mtime_ns, events_path.stat().st_mtime_ns if events_path.is_file() else None))
