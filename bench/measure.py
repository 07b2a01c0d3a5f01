"""How the benchmarks measure: best-of timings in this process, and `stratmon` commands in a child
process timed with their own peak memory."""

from __future__ import annotations

import gc
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STRATMON = Path(sys.executable).with_name("stratmon")


def best_of(runs: int, work) -> float:
    """The fastest of `runs` timings of `work()` (the least disturbed by the rest of the machine)."""
    timings = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def best_within(work, min_runs: int = 3, max_runs: int = 20, budget_seconds: float = 2.0) -> float:
    """The fastest timing of `work()`: at least `min_runs`, more while they fit in `budget_seconds`
    (quick queries get enough runs to shed noise; slow ones are not repeated for nothing)."""
    timings: list[float] = []
    spent = 0.0
    while len(timings) < min_runs or (len(timings) < max_runs and spent < budget_seconds):
        gc.collect()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
        spent += timings[-1]
    return min(timings)


@dataclass(frozen=True)
class Measured:
    """A finished command: wall-clock seconds and the peak resident memory of its process."""

    seconds: float
    peak_mb: float


class CommandFailed(RuntimeError):
    """A benchmarked command exited with an error."""


# Runs the command and reports its time and peak RSS. A child's ru_maxrss counts its life before
# exec too, when it is still a copy of its parent: measured from this large process, every command
# would seem to need as much memory as the benchmark itself. From this small launcher it does not.
_LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(code)
"""


def run_measured(args: list[str]) -> Measured:
    """Run a command; its wall-clock seconds and its own peak resident memory."""
    with tempfile.TemporaryDirectory(prefix="stratmon-measure-") as folder:
        report = Path(folder) / "measured"
        result = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if result.returncode != 0:
            raise CommandFailed(f"{' '.join(args[:4])} … exited {result.returncode}: "
                                f"{result.stderr.decode(errors='replace')[-2000:]}")
        seconds, peak_kb = report.read_text().split()
    return Measured(float(seconds), int(peak_kb) / 1024)  # ru_maxrss is in KiB on Linux


def stratmon(*args: str) -> Measured:
    """`stratmon ARGS` in a child process, measured."""
    return run_measured([str(STRATMON), *args])
