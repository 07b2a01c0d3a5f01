"""The machine a benchmark ran on, in the words a reader compares machines by."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import datetime
from pathlib import Path

import duckdb
from lxml import etree


def cpu_model() -> str:
    """The CPU's marketing name (Linux), else what the platform module says."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def ram_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def describe(postgres_version: str | None) -> list[str]:
    """Lines to print above the table: machine, software versions, and how busy the machine was."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    if postgres_version:
        versions.append(f"PostgreSQL {postgres_version}")
    versions += [f"DuckDB {duckdb.__version__}", f"lxml {etree.__version__}"]
    return [
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {ram_gb():.0f} GB RAM, {platform.system()} "
        f"{platform.release()}",
        "Software: " + ", ".join(versions),
        f"Started {datetime.now():%Y-%m-%d %H:%M}, load average {load} (1, 5, 15 min)",
    ]
