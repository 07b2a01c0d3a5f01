"""Load: 50 clients for a minute against a real `stratmon serve`, on SQLite and on PostgreSQL (issue 8,
point 4). 48 partners read the portal and the API and enter new results, submitting half of them; two
analysts approve what was submitted, racing each other. No request may fail (5xx, a dropped
connection, a timeout; 4xx only where the workflow says so), and afterwards the database holds
every acknowledged value exactly once, with the status and audit lines its acknowledged actions
give it, and nothing else.

Also here, what keeps a busy server answering: more clients than a worker has threads and database
connections get answers (web/admission.py), and an API call writes only when its token's use has
not been noted for a minute (store/web.py).

`STRATMON_LOAD_SECONDS` sets the duration (default 60); `STRATMON_LOAD_SEED` replays a run's choices
(the seed is printed with the summary, shown by `pytest -s`).
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from sqlalchemy import func, select, update

from api_helpers import bearer, token_for
from conftest import Cli, database_for
from load_clients import INDICATOR, LoadRun, Partner, run_clients, run_readers, summary
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.runs import now
from stratmon.store.results import PARTNER_ROLES
from webfixtures import OTHER_PARTNER_ORG, PARTNER_ORG, start_server, stop_server

SECONDS = float(os.environ.get("STRATMON_LOAD_SECONDS", "60"))
CLIENTS = 50
ANALYSTS = 2
PARTNER_USERS = (("pablo", PARTNER_ORG), ("olga", OTHER_PARTNER_ORG))


# ------------------------------------------------------------------------------------ databases

def _portal_on(engine_name: str, portal_url: str, request, folder: Path) -> str:
    """The portal database on `engine_name`: the private SQLite copy itself, or that copy backed up
    and restored into a fresh PostgreSQL database."""
    if engine_name == "sqlite":
        return portal_url
    archive = folder / "portal-backup.zip"
    backed_up = Cli(portal_url)("backup", str(archive))
    assert backed_up.exit_code == 0, backed_up.output
    get_engine(portal_url).dispose()
    target = database_for("postgresql", request, folder)
    restored = Cli(target)("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    return target


def _activities_of(db_url: str, org_ref: str) -> tuple[str, ...]:
    """The real activities `org_ref` carries out (it may enter their results)."""
    activity, org = schema.activity, schema.participating_org
    with get_engine(db_url).connect() as connection:
        found = connection.execute(select(activity.c.iati_identifier).distinct()
                                   .join(org, org.c.activity_id == activity.c.id)
                                   .where(org.c.ref == org_ref, org.c.role.in_(PARTNER_ROLES))
                                   .order_by(activity.c.iati_identifier)).scalars()
        return tuple(found)


@dataclass(frozen=True)
class Before:
    """What the database held before the run: result value ids and the last audit line."""

    value_ids: frozenset[int]
    last_audit_id: int


def _before(db_url: str) -> Before:
    with get_engine(db_url).connect() as connection:
        ids = connection.execute(select(schema.result_value.c.id)).scalars()
        last = connection.execute(select(func.coalesce(func.max(schema.audit_log.c.id), 0))).scalar_one()
        return Before(frozenset(ids), last)


# ---------------------------------------------------------------------------------------- server

class Server:
    """`stratmon serve` on loopback, its output drained (a full pipe would stall it) and kept."""

    def __init__(self, db_url: str, workers: int) -> None:
        self.process, self.address = start_server(db_url, workers)
        self.output: deque[str] = deque(maxlen=200)
        self.readers = [threading.Thread(target=self._drain, args=(stream,), daemon=True)
                        for stream in (self.process.stdout, self.process.stderr)]
        for reader in self.readers:
            reader.start()

    def _drain(self, stream) -> None:
        for line in iter(stream.readline, b""):
            self.output.append(line.decode("utf-8", "replace").rstrip())

    def cpu_seconds(self) -> list[float]:
        """CPU time of the serving process and each of its workers (user and system)."""
        main = psutil.Process(self.process.pid)
        return [sum(p.cpu_times()[:2]) for p in (main, *main.children(recursive=True))]

    def stop(self) -> None:
        stop_server(self.process, timeout=15)
        for reader in self.readers:
            reader.join(timeout=5)


# ------------------------------------------------------------------------------------ the check

def _stored_values(db_url: str, before: Before) -> dict[int, tuple]:
    table = schema.result_value
    with get_engine(db_url).connect() as connection:
        rows = connection.execute(select(table.c.id, table.c.created_by, table.c.activity, table.c.period_start,
                                         table.c.value_text, table.c.status, schema.indicator.c.code)
                                  .join(schema.indicator, schema.indicator.c.id == table.c.indicator_id))
        return {row.id: tuple(row)[1:] for row in rows if row.id not in before.value_ids}


def _audit_lines(db_url: str, before: Before) -> Counter:
    table = schema.audit_log
    with get_engine(db_url).connect() as connection:
        rows = connection.execute(select(table.c.entity, table.c.entity_id, table.c.action, table.c.outcome,
                                         table.c.user_name).where(table.c.id > before.last_audit_id))
        return Counter(tuple(row) for row in rows)


def _expected_audit(run: LoadRun) -> Counter:
    """The audit lines the acknowledged actions make: create, submit and approve each once; a refused
    approval once per 409."""
    expected = Counter()
    for written in run.ledger.values():
        key = ("result_value", str(written.id))
        expected[(*key, "create", "done", written.user)] += 1
        if written.submitted:
            expected[(*key, "submit", "done", written.user)] += 1
        if written.approved:
            expected[(*key, "approve", "done", "ana")] += 1
        if written.refused_approvals:
            expected[(*key, "approve", "refused", "ana")] += written.refused_approvals
    return expected


def ledger_problems(db_url: str, before: Before, run: LoadRun) -> list[str]:
    """Every difference between the clients' ledger and what the database holds."""
    stored = _stored_values(db_url, before)
    problems = []
    for value_id in sorted(set(stored) - set(run.ledger)):
        user, activity, period_start = stored[value_id][:3]
        failed = ("create", user, activity, period_start) in run.unsure
        problems.append(f"value {value_id} stored but never acknowledged: {stored[value_id]} "
                        + ("(its request failed)" if failed else "(no request for it failed)"))
    for value_id, written in sorted(run.ledger.items()):
        expected = (written.user, written.activity, written.period_start, written.value, written.expected_status,
                    INDICATOR)
        if value_id not in stored:
            problems.append(f"value {value_id} acknowledged but not stored (lost): {expected}")
        elif stored[value_id] != expected:
            problems.append(f"value {value_id}: stored {stored[value_id]}, expected {expected}")
        if written.refused_approvals and not written.approved:
            problems.append(f"value {value_id}: approval refused (409) though no one else approved it")
    keys = Counter((row[1], row[2]) for row in stored.values())
    problems += [f"{count} values for {key} (duplicated)" for key, count in keys.items() if count > 1]
    audit, expected_audit = _audit_lines(db_url, before), _expected_audit(run)
    problems += [f"audit line {line} ×{count} not explained by the ledger"
                 for line, count in (audit - expected_audit).items()]
    problems += [f"audit line {line} ×{count} missing" for line, count in (expected_audit - audit).items()]
    return problems


# -------------------------------------------------------------------------------------- the test

@pytest.mark.parametrize(("engine_name", "workers"), [("sqlite", 2), ("postgresql", 2)])
def test_fifty_clients_lose_and_duplicate_nothing(engine_name, workers, portal_url, request, tmp_path):
    db_url = _portal_on(engine_name, portal_url, request, tmp_path)
    partner_count = CLIENTS - ANALYSTS
    partners = []
    for number in range(partner_count):
        user, org_ref = PARTNER_USERS[number % len(PARTNER_USERS)]
        partners.append(Partner(user, token_for(db_url, user), _activities_of(db_url, org_ref)))
    assert all(len(partner.activities) > 10 for partner in partners)
    analyst_tokens = [token_for(db_url, "ana") for _ in range(ANALYSTS)]
    before = _before(db_url)
    get_engine(db_url).dispose()

    seed = int(os.environ.get("STRATMON_LOAD_SEED") or random.randrange(2**32))
    server = Server(db_url, workers)
    run = LoadRun(server.address, SECONDS, seed)
    try:
        asyncio.run(run_clients(run, partners, analyst_tokens))
        cpu = server.cpu_seconds()
    finally:
        server.stop()
    print("\n" + summary(run, f"Load on {engine_name}, {workers} worker(s), {CLIENTS} clients, {SECONDS:g} s"))
    print("server CPU s (serve, then its workers): " + ", ".join(f"{seconds:.1f}" for seconds in cpu))

    problems = ledger_problems(db_url, before, run)
    get_engine(db_url).dispose()
    server_says = "\n".join(server.output)
    assert not run.failures and not problems, (
        f"{len(run.failures)} failed requests; first ones:\n" + "\n".join(run.failures[:20])
        + f"\nwrites with an unknown outcome: {run.unsure[:20]}"
        + f"\n{len(problems)} differences from the ledger:\n" + "\n".join(problems[:30])
        + f"\nserver:\n{server_says[-4000:]}")
    assert any(written.approved for written in run.ledger.values())


# --------------------------------------------------------------------- more clients than threads

# More than a worker's threads (40, anyio's default) and database connections (15) together: every
# request holding a connection while it waited for a thread once hung the server for 30 s.
CROWD = 80
CROWD_SECONDS = 5
CROWD_TIMEOUT_S = 20


def test_more_clients_than_threads_and_connections_all_get_answers(portal_url):
    tokens = [token_for(portal_url, "ana") for _ in range(CROWD)]
    url = "/api/v1/activities/" + quote(_activities_of(portal_url, PARTNER_ORG)[0])
    get_engine(portal_url).dispose()
    server = Server(portal_url, 1)
    run = LoadRun(server.address, CROWD_SECONDS, seed=0)
    try:
        asyncio.run(run_readers(run, tokens, "GET /api/v1/activities/{id}", url, CROWD_TIMEOUT_S))
    finally:
        server.stop()
    print("\n" + summary(run, f"{CROWD} clients reading one activity with their tokens, {CROWD_SECONDS} s"))
    assert not run.failures, f"{len(run.failures)} failed requests; first ones:\n" + "\n".join(run.failures[:10])
    assert sum(len(timings) for timings in run.timings.values()) > CROWD


# ----------------------------------------------------------------------------- token use noted

def _last_used(db_url: str, token_id: int):
    table = schema.api_token
    with get_engine(db_url).connect() as connection:
        return connection.execute(select(table.c.last_used_at).where(table.c.id == token_id)).scalar_one()


def test_an_api_call_notes_its_token_s_use_at_most_once_a_minute(client, portal_url):
    token = token_for(portal_url, "pablo")
    table = schema.api_token
    with get_engine(portal_url).connect() as connection:
        token_id = connection.execute(select(table.c.id).order_by(table.c.id.desc())).scalars().first()
    assert _last_used(portal_url, token_id) is None
    assert client.get("/api/v1/me", headers=bearer(token)).json()["name"] == "pablo"
    noted = _last_used(portal_url, token_id)
    assert noted is not None and now() - noted < timedelta(minutes=1)
    assert client.get("/api/v1/results", headers=bearer(token)).status_code == 200
    assert _last_used(portal_url, token_id) == noted  # a read that wrote nothing

    earlier = noted - timedelta(minutes=2)
    with get_engine(portal_url).begin() as connection:
        connection.execute(update(table).where(table.c.id == token_id).values(last_used_at=earlier))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert _last_used(portal_url, token_id) > noted
