"""API throughput and latency under concurrent clients: `stratmon serve` in a child process on
loopback, and N async clients (one connection each) asking for one path over and over for a
fixed time. The clients share the machine with the server, so they are part of what is measured.

Each public page and API route is measured against a static file the same server sends (its style
sheet), at each client count: with the page cache warm (web/page_cache.py: the answer made once, then
sent from memory) and cold (a server with the cache off, `STRATMON_PAGE_CACHE_MB=0`, so that every
request makes its answer, as a request after each write would). The first render of each path, one
request on a fresh server, is timed apart.

Issue 20, point 4 (seven client ReadErrors under 64 clients on PostgreSQL, once): a ReadError is the
connection reset while the client reads the answer; the server logged nothing, so it was not the
application failing (that is a 500, or a traceback in the log). It did not come back in some thirty runs
since, with the code of then or of now. The one way found for a client on loopback to lose a request
without the server noticing is reusing a keep-alive connection as the server closes it: httpx keeps an
idle connection 5 s, as long as uvicorn does, so a request sent on one idle for just under 5 s can cross
the server's close (forced, 2 of 120 such reuses failed, as RemoteProtocolError; had the request reached
the server after its close rather than before, the reset would read as a ReadError). The clients now
keep idle connections `KEEPALIVE_SECONDS`, well under the server's 5 s (a browser would retry such a
request; these clients would count it), and each error is counted with what lay under it (`error_kind`:
"ReadError: ConnectionResetError"), so that a recurrence says what it was.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from measure import STRATMON
from table import Row, scale_label

PATHS = ("/api/v1/funding?by=country,fy", "/en/countries/GT", "/api/v1/activities?country=GT")
# Every public page and API route measured against the static file, cold and warm. `{activity}` is
# the first activity the API lists for Guatemala.
PAGE_PATHS = ("/en/", "/en/lines/prosperity", "/en/countries/GT", "/en/activities?country=GT",
              "/en/activities/{activity}", "/es/data", "/api/v1/funding?by=country,fy",
              "/api/v1/activities?country=GT", "/api/v1/countries", "/api/v1/activities/{activity}")
STATIC_PATH = "/static/stratmon.css"
READY_PATH = "/api/v1/framework"
REQUEST_TIMEOUT_SECONDS = 120
KEEPALIVE_SECONDS = 2.0  # under uvicorn's 5 s
# The last line of a Python traceback in the server's log: what went wrong, in one line.
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Timeout)\b.*$", re.MULTILINE)


class ServerFailed(RuntimeError):
    """`stratmon serve` exited or did not answer in time."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(url: str, log: Path, ready_path: str | None = READY_PATH, env: dict | None = None) -> Iterator[str]:
    """The address of `stratmon serve --db url` (one worker) while the block runs: once `ready_path`
    answers, or, with None, once the port takes connections (no request made: the next is the first).

    Its output goes to the file `log`, never to a pipe: a pipe nobody reads fills up with
    tracebacks under load and then stalls the server, which is not what we mean to measure."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen([str(STRATMON), "serve", "--port", str(port), "--db", url],
                                   stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, address, log, ready_path)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen, address: str, log: Path, ready_path: str | None) -> None:
    deadline = time.monotonic() + 60
    host, port = address.removeprefix("http://").split(":")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"stratmon serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if ready_path is None:
                # uvicorn listens only once the app has started: a connection here is all it takes.
                socket.create_connection((host, int(port)), timeout=2).close()
                return
            if httpx.get(address + ready_path, timeout=2).status_code == 200:
                return
        except (httpx.HTTPError, OSError):
            time.sleep(0.05 if ready_path is None else 0.2)
    raise ServerFailed("stratmon serve did not answer within 60 s")


@dataclass(frozen=True)
class Load:
    """What N clients got from one path in a fixed time."""

    path: str
    clients: int
    scale: int
    engine: str
    seconds: float
    latencies: list[float]
    errors: Counter  # kind ("HTTP 500", "ReadTimeout") → how many
    server_exceptions: list[str]  # distinct exception lines the server logged meanwhile

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def error_kind(exc: BaseException) -> str:
    """The error's kind and what lay under it ("ReadError: ConnectionResetError"), so that a failure
    the clients see says whether the server reset the connection, closed it or never answered."""
    causes, seen = [], {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    deepest = next((name for name in reversed(causes) if name not in (type(exc).__name__, "ReadError", "WriteError")),
                   None)
    return f"{type(exc).__name__}: {deepest}" if deepest else type(exc).__name__


async def _client(http: httpx.AsyncClient, url: str, until: float, latencies: list[float], errors: Counter):
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            response = await http.get(url)
        except httpx.HTTPError as exc:
            errors[error_kind(exc)] += 1
            continue
        if response.status_code == 200:
            latencies.append(time.perf_counter() - started)
        else:
            errors[f"HTTP {response.status_code}"] += 1


async def _hammer(address: str, path: str, clients: int, seconds: float) -> tuple[float, list[float], Counter]:
    """Requests completed by `clients` concurrent clients in `seconds`; requests still running at the end
    finish and count (the elapsed time includes them)."""
    latencies: list[float] = []
    errors: Counter = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients,
                          keepalive_expiry=KEEPALIVE_SECONDS)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_SECONDS) as http:
        await http.get(address + path)  # warm-up: the first request pays for caches and imports
        started = time.perf_counter()
        await asyncio.gather(*(_client(http, address + path, started + seconds, latencies, errors)
                               for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


def measure_api(url: str, scale: int, engine_name: str, client_counts: list[int], seconds: float,
                log: Path) -> list[Load]:
    """Every path at every client count against one server on the database at `url` (its log in `log`)."""
    loads = []
    with serving(url, log) as address:
        for path in PATHS:
            for clients in client_counts:
                loads.append(_run(address, path, clients, seconds, log, scale, engine_name))
    return loads


CHEAP_PATH = "/api/v1/countries"
COSTLY_PATH = "/api/v1/activities.xml?country=GT"
COSTLY_CLIENTS = 15  # issue 17: fifteen anonymous full exports at once


async def _under_exports(address: str, seconds: float) -> tuple[float, list[float], Counter, Counter]:
    """One client asking for the cheap path while `COSTLY_CLIENTS` others ask for IATI exports (the
    excess answered 429, counted apart) for `seconds`."""
    cheap, cheap_errors, costly_errors = [], Counter(), Counter()
    limits = httpx.Limits(max_connections=COSTLY_CLIENTS + 1, max_keepalive_connections=COSTLY_CLIENTS + 1,
                          keepalive_expiry=KEEPALIVE_SECONDS)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_SECONDS) as http:
        await http.get(address + CHEAP_PATH)
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(_client(http, address + CHEAP_PATH, until, cheap, cheap_errors),
                             *(_client(http, address + COSTLY_PATH, until, [], costly_errors)
                               for _ in range(COSTLY_CLIENTS)))
        elapsed = time.perf_counter() - started
    return elapsed, cheap, cheap_errors, costly_errors


def measure_cheap_under_exports(url: str, scale: int, engine_name: str, seconds: float, log: Path) -> list[Load]:
    """`CHEAP_PATH` alone, then while `COSTLY_CLIENTS` clients export IATI XML: its p95 should stay
    under a second (issue 17); the exports' 429s are in the second row's notes."""
    with serving(url, log) as address:
        alone = asyncio.run(_hammer(address, CHEAP_PATH, 1, seconds))
        elapsed, latencies, errors, costly_errors = asyncio.run(_under_exports(address, seconds))
    refused = ", ".join(f"exports: {kind} ×{count}" for kind, count in costly_errors.most_common())
    return [Load(CHEAP_PATH, 1, scale, engine_name, *alone, []),
            Load(f"{CHEAP_PATH} under {COSTLY_CLIENTS} exporting clients ({refused or 'no export refused'})", 1,
                 scale, engine_name, elapsed, latencies, errors, [])]


def api_rows(loads: list[Load]) -> list[Row]:
    """Throughput per path, client count, scale and engine, with latency percentiles."""
    rows = []
    for load in loads:
        p50, p95, p99 = (load.percentile(p) * 1000 for p in (50, 95, 99))
        rows.append(Row(f"GET {load.path}, {load.clients} clients", scale_label(load.scale), load.engine,
                        f"{load.throughput:.1f} req/s", "",
                        f"p50 {p50:.0f} ms · p95 {p95:.0f} ms · p99 {p99:.0f} ms · {len(load.latencies):,} ok in "
                        f"{load.seconds:.1f} s · {_errors_text(load)}"))
    return rows


def _errors_text(load: Load) -> str:
    """"0 errors", or how many of each kind and the server's first logged exception."""
    if not load.errors:
        return "0 errors"
    kinds = ", ".join(f"{kind} ×{count}" for kind, count in load.errors.most_common())
    logged = f"; server: {load.server_exceptions[0][:120]}" if load.server_exceptions else ""
    return f"{sum(load.errors.values())} errors ({kinds}){logged}"


# ------------------------------------------------------------------ pages against a static file, cold and warm

@dataclass(frozen=True)
class PageLoads:
    """What `measure_pages` found on one database: loads by (path, clients, cache) with cache one of
    "static", "warm" and "cold", and the first render of each path (seconds) with the next, cached, one."""

    scale: int
    engine: str
    loads: dict[tuple[str, int, str], Load]
    first: dict[str, tuple[float, float]]


def _first_activity(address: str) -> str:
    from urllib.parse import quote

    items = httpx.get(address + "/api/v1/activities", params={"country": "GT", "per_page": 1}, timeout=120).json()
    return quote(items["items"][0]["identifier"], safe="")


def _run(address: str, path: str, clients: int, seconds: float, log: Path, scale: int, engine_name: str) -> Load:
    logged_before = log.stat().st_size
    elapsed, latencies, errors = asyncio.run(_hammer(address, path, clients, seconds))
    with log.open("rb") as text:
        text.seek(logged_before)
        logged = text.read().decode(errors="replace")
    exceptions = list(dict.fromkeys(m.group(0).strip() for m in EXCEPTION_LINE.finditer(logged)))
    return Load(path, clients, scale, engine_name, elapsed, latencies, errors, exceptions)


def _timed_get(http: httpx.Client, address: str, path: str) -> float:
    started = time.perf_counter()
    response = http.get(address + path)
    took = time.perf_counter() - started
    if response.status_code != 200:
        raise ServerFailed(f"GET {path}: HTTP {response.status_code}")
    return took


def measure_pages(url: str, scale: int, engine_name: str, client_counts: list[int], seconds: float,
                  folder: Path, paths: tuple[str, ...] = PAGE_PATHS) -> PageLoads:
    """Each path at each client count, with the cache warm and cold, and the static file from the same
    server each time; the first render of each path on a fresh server."""
    loads: dict[tuple[str, int, str], Load] = {}
    first: dict[str, tuple[float, float]] = {}
    for cache, env in (("warm", {}), ("cold", {"STRATMON_PAGE_CACHE_MB": "0"})):
        log = folder / f"serve-pages-{cache}-{engine_name}.log"
        with serving(url, log, env=env) as address:
            activity = _first_activity(address)
            concrete = [path.format(activity=activity) for path in paths]
            if cache == "warm":
                with httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS) as http:
                    _timed_get(http, address, STATIC_PATH)  # the connection, opened before the timings
                    for path in concrete:  # nothing asked yet: each path's first request makes its answer
                        first[path] = (_timed_get(http, address, path), _timed_get(http, address, path))
            for clients in client_counts:
                loads[(STATIC_PATH, clients, cache)] = _run(address, STATIC_PATH, clients, seconds, log, scale,
                                                            engine_name)
                for path in concrete:
                    loads[(path, clients, cache)] = _run(address, path, clients, seconds, log, scale, engine_name)
    return PageLoads(scale, engine_name, loads, first)


def page_rows(measured: list[PageLoads]) -> list[Row]:
    """Per path and client count: requests/s warm and cold as ratios of the static file's from the same
    server, p95 likewise; then the first render of each path and the request after it."""
    rows = []
    for found in measured:
        paths = list(dict.fromkeys(path for path, _clients, _cache in found.loads))
        counts = sorted({clients for _path, clients, _cache in found.loads})
        for cache in ("warm", "cold"):
            for clients in counts:
                static = found.loads[(STATIC_PATH, clients, cache)]
                static_p95 = static.percentile(95)
                for path in paths:
                    load = found.loads[(path, clients, cache)]
                    p50, p95 = load.percentile(50), load.percentile(95)
                    what = (f"GET {path} (static file, baseline)" if path == STATIC_PATH
                            else f"GET {path}, {cache} cache")
                    ratio = "1.00× static" if path == STATIC_PATH else \
                        f"{load.throughput / static.throughput:.2f}× static"
                    rows.append(Row(f"{what}, {clients} clients", scale_label(found.scale), found.engine,
                                    f"{load.throughput:.1f} req/s", ratio,
                                    f"p50 {p50 * 1000:.1f} ms · p95 {p95 * 1000:.1f} ms "
                                    f"({p95 / static_p95:.1f}× static's) · {len(load.latencies):,} ok in "
                                    f"{load.seconds:.1f} s · {_errors_text(load)}"))
        for path, (cold, warm) in found.first.items():
            rows.append(Row(f"first render GET {path}, then from the cache", scale_label(found.scale), found.engine,
                            f"{cold * 1000:.0f} ms", f"{cold / warm:.0f}× cached",
                            f"the next request {warm * 1000:.1f} ms (one client, one connection, fresh server)"))
    return rows
