"""The load test's clients (tests/test_load.py): partners who read the portal and enter, then submit,
new results; analysts who approve what was submitted. Every response is timed and judged, and every
write the server acknowledged goes into a ledger that the test then holds against the database.

All clients are `httpx.AsyncClient`s in one asyncio loop; each sends one request at a time.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from urllib.parse import quote

import httpx

INDICATOR = "CS.1-1"  # from tests/fixtures/results/registry.yaml
FIRST_PERIOD = date(2001, 1, 1)  # every write's period starts on its own day from here: always a new key
REQUEST_TIMEOUT_S = 90  # longer than the server's 30 s SQLite busy timeout, so that its answer is seen
APPROVALS_PER_ROUND = 10


@dataclass(frozen=True)
class Partner:
    """A partner's client: its user, token and the activities its organisation carries out."""

    user: str
    token: str
    activities: tuple[str, ...]


@dataclass
class Written:
    """A value the server acknowledged creating, and what happened to it next (acknowledged)."""

    id: int
    user: str
    activity: str
    period_start: date
    value: str
    submitted: bool = False
    approved: bool = False
    refused_approvals: int = 0  # 409s: another analyst approved it first

    @property
    def expected_status(self) -> str:
        return "approved" if self.approved else "submitted" if self.submitted else "draft"


@dataclass
class LoadRun:
    """What the clients did: timings per endpoint, failures, the ledger of acknowledged writes."""

    address: str
    seconds: float
    seed: int
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[str] = field(default_factory=list)
    ledger: dict[int, Written] = field(default_factory=dict)
    # Writes whose request failed, so that the client cannot know whether they were stored:
    # ("create", user, activity, period start), ("submit", id) or ("approve", id).
    unsure: list[tuple] = field(default_factory=list)
    periods: itertools.count = field(default_factory=itertools.count)
    deadline: float = 0.0
    elapsed: float = 0.0

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    async def call(self, http: httpx.AsyncClient, label: str, method: str, url: str, *,
                   expect: tuple[int, ...] = (200,), **kwargs) -> httpx.Response | None:
        """One request, timed; anything but an expected status is a failure (None: no answer)."""
        started = time.perf_counter()
        try:
            response = await http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            self.timings[label].append(time.perf_counter() - started)
            self.statuses[label]["error"] += 1
            self.failures.append(f"{method} {url}: {type(error).__name__} {error}")
            return None
        self.timings[label].append(time.perf_counter() - started)
        self.statuses[label][response.status_code] += 1
        if response.status_code not in expect:
            self.failures.append(f"{method} {url}: {response.status_code} {response.text[:300]}")
            return None
        return response


# ------------------------------------------------------------------------------------- clients

def _reads(rng: random.Random, activities: tuple[str, ...]) -> list[tuple[str, str]]:
    """The public pages and API answers a partner asks for: (label, url), one of each."""
    activity = rng.choice(activities)
    return [
        ("GET /api/v1/funding", "/api/v1/funding?by=country,fy"),
        ("GET /api/v1/activities", f"/api/v1/activities?country=GT&page={rng.randint(1, 20)}"),
        ("GET /api/v1/activities/{id}", "/api/v1/activities/" + quote(activity)),
        ("GET /en/", "/en/"),
        ("GET /en/countries/GT", "/en/countries/GT"),
        ("GET /es/activities", f"/es/activities?country=HN&page={rng.randint(1, 5)}"),
    ]


async def partner_client(run: LoadRun, http: httpx.AsyncClient, *, partner: Partner, rng: random.Random) -> None:
    """Mostly public reads; one turn in four enters a new value, half of which are then submitted;
    now and then the partner lists its own values."""
    auth = {"Authorization": f"Bearer {partner.token}"}
    while not run.over():
        turn = rng.random()
        if turn < 0.25:
            written = await _enter_value(run, http, partner, auth, rng)
            if written is not None and rng.random() < 0.5:
                await _submit(run, http, written, auth)
        elif turn < 0.30:
            await run.call(http, "GET /api/v1/results (partner)", "GET", "/api/v1/results?per_page=20", headers=auth)
        else:
            # A partner's script sends its token with every API call (public routes then also
            # show the partner its own drafts); the portal's pages are read as anyone reads them.
            label, url = rng.choice(_reads(rng, partner.activities))
            await run.call(http, label, "GET", url, headers=auth if url.startswith("/api/") else None)


async def _enter_value(run: LoadRun, http: httpx.AsyncClient, partner: Partner, auth: dict,
                       rng: random.Random) -> Written | None:
    period_start = FIRST_PERIOD + timedelta(days=next(run.periods))
    activity = rng.choice(partner.activities)
    value = str(rng.randint(1, 100_000))
    body = [{"indicator": INDICATOR, "activity": activity, "country": "GT", "value_type": "actual",
             "period_start": period_start.isoformat(), "period_end": (period_start + timedelta(days=90)).isoformat(),
             "value": value}]
    response = await run.call(http, "POST /api/v1/results", "POST", "/api/v1/results", expect=(201,), json=body,
                              headers=auth)
    if response is None:
        run.unsure.append(("create", partner.user, activity, period_start))
        return None
    answer = response.json()
    stored = answer["values"]
    if answer["new"] != 1 or len(stored) != 1 or stored[0]["period_start"] != period_start.isoformat():
        run.failures.append(f"POST /api/v1/results: unexpected answer {answer}")
        return None
    written = Written(stored[0]["id"], partner.user, activity, period_start, value)
    if written.id in run.ledger:
        run.failures.append(f"POST /api/v1/results: id {written.id} acknowledged twice")
    run.ledger[written.id] = written
    return written


async def _submit(run: LoadRun, http: httpx.AsyncClient, written: Written, auth: dict) -> None:
    response = await run.call(http, "POST /api/v1/results/{id}/submit", "POST",
                              f"/api/v1/results/{written.id}/submit", headers=auth)
    if response is None:
        run.unsure.append(("submit", written.id))
    elif response.json()["status"] != "submitted":
        run.failures.append(f"submit {written.id}: answered {response.json()}")
    else:
        written.submitted = True


async def analyst_client(run: LoadRun, http: httpx.AsyncClient, *, token: str, rng: random.Random) -> None:
    """Lists submitted values and approves them in its own random order; two analysts work the same
    queue, so each value must be approved once and the other's attempt refused (409)."""
    auth = {"Authorization": f"Bearer {token}"}
    while not run.over():
        listed = await run.call(http, "GET /api/v1/results (analyst)", "GET",
                                "/api/v1/results?status=submitted&per_page=100", headers=auth)
        ids = [item["id"] for item in listed.json()["items"]] if listed is not None else []
        rng.shuffle(ids)
        for value_id in ids[:APPROVALS_PER_ROUND]:
            if run.over():
                break
            await _approve(run, http, value_id, auth)
        if not ids:
            await asyncio.sleep(0.1)


async def _approve(run: LoadRun, http: httpx.AsyncClient, value_id: int, auth: dict) -> None:
    response = await run.call(http, "POST /api/v1/results/{id}/approve", "POST",
                              f"/api/v1/results/{value_id}/approve", expect=(200, 409), headers=auth)
    written = run.ledger.get(value_id)
    if response is None:
        run.unsure.append(("approve", value_id))
    elif written is None:
        run.failures.append(f"approve {value_id}: listed as submitted but never acknowledged as written")
    elif response.status_code == 409:
        written.refused_approvals += 1
    elif response.json()["status"] != "approved":
        run.failures.append(f"approve {value_id}: answered {response.json()}")
    elif written.approved:
        run.failures.append(f"approve {value_id}: approved twice")
    else:
        written.approved = True


async def run_clients(run: LoadRun, partners: list[Partner], analyst_tokens: list[str]) -> None:
    """All clients at once until `run.seconds` have passed; requests under way then are finished."""
    rng = random.Random(run.seed)
    clients = [partial(partner_client, run, partner=partner, rng=random.Random(rng.random())) for partner in partners]
    clients += [partial(analyst_client, run, token=token, rng=random.Random(rng.random())) for token in analyst_tokens]
    await _together(run, clients, REQUEST_TIMEOUT_S)


async def run_readers(run: LoadRun, tokens: list[str], label: str, url: str, timeout_s: float) -> None:
    """One client per token, each asking for `url` with its token over and over."""
    async def read(http: httpx.AsyncClient, token: str) -> None:
        while not run.over():
            await run.call(http, label, "GET", url, headers={"Authorization": f"Bearer {token}"})

    await _together(run, [partial(read, token=token) for token in tokens], timeout_s)


async def _together(run: LoadRun, clients: list[Callable[[httpx.AsyncClient], Awaitable[None]]],
                    timeout_s: float) -> None:
    https = [httpx.AsyncClient(base_url=run.address, timeout=httpx.Timeout(timeout_s)) for _ in clients]
    started = time.monotonic()
    run.deadline = started + run.seconds
    try:
        await asyncio.gather(*(client(http) for client, http in zip(clients, https)))
    finally:
        run.elapsed = time.monotonic() - started
        for http in https:
            await http.aclose()


# ------------------------------------------------------------------------------------- summary

def summary(run: LoadRun, title: str) -> str:
    """A table: requests and statuses per endpoint, latency percentiles, throughput."""
    def ms(values: list[float], q: int) -> str:
        if len(values) < 2:
            return f"{values[0] * 1000:.0f}" if values else "-"
        return f"{statistics.quantiles(values, n=100, method='inclusive')[q - 1] * 1000:.0f}"

    lines = [title, f"{'endpoint':<36}{'requests':>9}  {'statuses':<22}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"]
    everything = []
    for label in sorted(run.timings):
        values = run.timings[label]
        everything.extend(values)
        statuses = " ".join(f"{status}:{count}" for status, count in sorted(run.statuses[label].items(),
                                                                            key=lambda item: str(item[0])))
        lines.append(f"{label:<36}{len(values):>9}  {statuses:<22}{ms(values, 50):>8}{ms(values, 95):>8}"
                     f"{ms(values, 99):>8}")
    writes = (len(run.ledger) + sum(w.submitted for w in run.ledger.values())
              + sum(w.approved for w in run.ledger.values()))
    lines.append(f"{'all':<36}{len(everything):>9}  {'':<22}{ms(everything, 50):>8}{ms(everything, 95):>8}"
                 f"{ms(everything, 99):>8}")
    lines.append(f"{run.elapsed:.1f} s: {len(everything) / run.elapsed:.1f} requests/s; {writes} acknowledged writes "
                 f"({len(run.ledger)} created, {sum(w.submitted for w in run.ledger.values())} submitted, "
                 f"{sum(w.approved for w in run.ledger.values())} approved) = {writes / run.elapsed:.1f} writes/s; "
                 f"{len(run.failures)} failures; seed {run.seed}")
    return "\n".join(lines)
