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
    """A finished command: wall-clock seconds, the peak resident memory of its largest process, and
    the peak memory of all its processes together (PSS, so pages a worker shares with its parent
    after fork count once)."""

    seconds: float
    peak_mb: float
    peak_total_mb: float


class CommandFailed(RuntimeError):
    """A benchmarked command exited with an error."""


# Runs the command and reports its time and peak memory. A child's ru_maxrss counts its life before
# exec too, when it is still a copy of its parent: measured from this large process, every command
# would seem to need as much memory as the benchmark itself. From this small launcher it does not.
# ru_maxrss is the largest single process; the sum over the command's process tree (import workers)
# is sampled from /proc every 50 ms.
_LAUNCHER = """
import os, resource, subprocess, sys, time

def tree(root):
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            pass
    return found

def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
peak_total = 0
while child.poll() is None:
    peak_total = max(peak_total, sum(pss_kb(pid) for pid in tree(child.pid)))
    time.sleep(0.05)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {peak_total}")
sys.exit(child.returncode)
"""


def run_measured(args: list[str], exit_codes: tuple[int, ...] = (0,)) -> Measured:
    """Run a command; its wall-clock seconds and its peak memory. An exit code not in `exit_codes` fails
    (`stratmon import` exits 1 when it rejected some files and imported the others)."""
    with tempfile.TemporaryDirectory(prefix="stratmon-measure-") as folder:
        report = Path(folder) / "measured"
        result = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if result.returncode not in exit_codes:
            raise CommandFailed(f"{' '.join(args[:4])} … exited {result.returncode}: "
                                f"{result.stderr.decode(errors='replace')[-2000:]}")
        seconds, peak_kb, total_kb = report.read_text().split()
    # Both in KiB on Linux. A command too quick to sample still has its largest process measured.
    return Measured(float(seconds), int(peak_kb) / 1024, max(int(total_kb), int(peak_kb)) / 1024)


def stratmon(*args: str, exit_codes: tuple[int, ...] = (0,)) -> Measured:
    """`stratmon ARGS` in a child process, measured."""
    return run_measured([str(STRATMON), *args], exit_codes)
