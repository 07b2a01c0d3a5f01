"""The lock (issue 22): every Python dependency pinned with hashes, and a guard that names any drift."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
CHECK = ROOT / "scripts" / "check_lock.py"


def locked() -> dict[str, tuple[str, int]]:
    """Each pinned package's version and its number of hashes."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            current = canonicalize_name(name)
            pins[current] = (version, 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def declared() -> list[Requirement]:
    """What pyproject.toml asks for: the build backend, the runtime and the test extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = (project["build-system"]["requires"] + project["project"]["dependencies"]
             + project["project"]["optional-dependencies"]["test"])
    return [Requirement(name) for name in names]


def test_every_declared_dependency_is_pinned_within_its_range_with_hashes():
    pins = locked()
    assert len(pins) >= 80
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock: run `make lock`"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside pyproject.toml's {requirement}: run `make lock`")
    unhashed = sorted(name for name, (_version, hashes) in pins.items() if hashes == 0)
    assert unhashed == []


def run_check(lock: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), str(lock)], capture_output=True, text=True, check=False)


def test_the_guard_names_a_package_installed_at_another_version(tmp_path):
    lxml = metadata.version("lxml")
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"lxml==0.0.1 \\\n    --hash=sha256:{'0' * 64}\npytest=={metadata.version('pytest')}\n")
    result = run_check(lock)
    assert result.returncode == 1
    listed = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert listed == [f"lxml: locked 0.0.1, installed {lxml}"]  # the matching pin is not listed


def test_the_guard_names_a_locked_package_that_is_missing(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("no-such-package-for-stratmon==1.0\n")
    result = run_check(lock)
    assert result.returncode == 1
    assert "no-such-package-for-stratmon: locked 1.0, not installed" in result.stderr


def test_the_guard_passes_when_every_pin_matches(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"lxml=={metadata.version('lxml')}\nPyYAML=={metadata.version('PyYAML')}\n")
    result = run_check(lock)
    assert result.returncode == 0, result.stderr
    assert "2 installed packages match" in result.stdout
