"""Fail when the Python packages installed here are not exactly the ones requirements.lock pins.

Run by `make install` and `.ci/run` with the project's virtual environment's Python:

    .venv/bin/python scripts/check_lock.py [requirements.lock]

Exit 0 when every pinned package is installed at its pinned version; otherwise one line per
difference on stderr and exit 1. Packages installed but not in the lock (a developer's own tools)
are listed as a note and do not fail the check; the project itself is not in the lock.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
PROJECT = "stratmon"


def canonical(name: str) -> str:
    """A package name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> dict[str, str]:
    """The lock's `name==version` lines, by canonical name."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            pins[canonical(match[1])] = match[2]
    return pins


def installed() -> dict[str, str]:
    """The distributions this interpreter sees, by canonical name."""
    return {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def differences(pins: dict[str, str], present: dict[str, str]) -> list[str]:
    """One line per locked package missing or at another version."""
    lines = []
    for name, version in sorted(pins.items()):
        if name not in present:
            lines.append(f"{name}: locked {version}, not installed")
        elif present[name] != version:
            lines.append(f"{name}: locked {version}, installed {present[name]}")
    return lines


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent / "requirements.lock")
    if not lock.is_file():
        print(f"error: {lock}: no lock file", file=sys.stderr)
        return 1
    pins = pinned(lock)
    if not pins:
        print(f"error: {lock}: no pinned package (name==version) in the lock file", file=sys.stderr)
        return 1
    present = installed()
    if problems := differences(pins, present):
        print(f"error: the installed Python packages differ from {lock} ({len(problems)} of {len(pins)}); "
              "`make clean install` installs the lock, `make lock` refreshes it on purpose:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    extra = sorted(set(present) - set(pins) - {PROJECT})
    if extra:
        print(f"note: installed but not in {lock.name}: {', '.join(extra)}", file=sys.stderr)
    print(f"{len(pins)} installed packages match {lock.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
