"""Computing slots (web/computing.py): at most a few public answers are made at once, the rest wait their
turn, for a while; answers sent from the page cache, signed-in requests, costly ones and static files take no
slot, and a slot is free again as soon as its answer starts to go out, or when the request fails."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from stratmon import config
from stratmon.web.admission import MAX_REQUESTS_AT_WORK
from stratmon.web.app import create_app
from stratmon.web.computing import ComputingSlotsMiddleware
from stratmon.web.security import SESSION_COOKIE

from conftest import run_stratmon

PUBLIC = "/en/countries/GT"


class Recorder:
    """An application that counts how many requests it is answering at once, and lets a test hold them."""

    def __init__(self) -> None:
        self.at_once = 0
        self.most_at_once = 0
        self.entered = asyncio.Event()
        self.go_on = asyncio.Event()
        self.hold = False          # wait for `go_on` before answering
        self.hold_body = False     # start the answer, then wait for `go_on` before its body
        self.fail = False

    async def __call__(self, scope, receive, send):
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        self.entered.set()
        hold, hold_body, fail = self.hold, self.hold_body, self.fail  # as they were when it came in
        try:
            await asyncio.sleep(0.01)
            if hold:
                await self.go_on.wait()
            if fail:
                raise RuntimeError("the route failed")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            if hold_body:
                await self.go_on.wait()
            await send({"type": "http.response.body", "body": b"made"})
        finally:
            self.at_once -= 1


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://testserver")


def test_at_most_the_slots_make_public_answers_at_once_and_every_request_is_answered():
    async def run():
        inner = Recorder()
        async with _client(ComputingSlotsMiddleware(inner, limit=2, patience=60)) as client:
            answers = await asyncio.gather(*(client.get(PUBLIC) for _ in range(12)))
        return inner, answers

    inner, answers = asyncio.run(run())
    assert [a.status_code for a in answers] == [200] * 12
    assert inner.most_at_once == 2


@pytest.mark.parametrize("request_kind", ["signed in by cookie", "signed in by token", "costly export",
                                          "table download", "table download, its name encoded", "static file",
                                          "a write", "the workspace"])
def test_requests_the_cache_does_not_keep_or_costly_ones_take_no_slot(request_kind):
    method, path, headers = {
        "signed in by cookie": ("GET", PUBLIC, {"cookie": f"{SESSION_COOKIE}=x"}),
        "signed in by token": ("GET", "/api/v1/activities", {"authorization": "Bearer x"}),
        "costly export": ("GET", "/en/activities.xml", {}),
        "table download": ("GET", "/en/activities?download=activities&format=csv", {}),
        "table download, its name encoded": ("GET", "/en/data?%64ownload=imports&format=xlsx", {}),
        "static file": ("GET", "/static/style.css", {}),
        "a write": ("POST", "/en/workspace/sign-in", {}),
        "the workspace": ("GET", "/en/workspace/", {}),
    }[request_kind]

    async def run():
        slots = ComputingSlotsMiddleware(Recorder(), limit=1, patience=60)
        # The only slot is taken: this request still goes through at once.
        return await _beside_a_slow_request(slots, lambda client: client.request(method, path, headers=headers))

    assert asyncio.run(run()).status_code == 200


async def _beside_a_slow_request(slots: ComputingSlotsMiddleware, ask, *, slow_in_body: bool = False):
    """What `ask(client)` gets while a public request holds the only slot: its route still at work, or, with
    `slow_in_body`, its answer started and its body not yet sent."""
    inner = slots.app
    async with _client(slots) as client:
        inner.hold, inner.hold_body = not slow_in_body, slow_in_body
        # httpx's ASGI transport waits for the whole answer: the slow request runs beside.
        slow = asyncio.create_task(client.get(PUBLIC))
        await inner.entered.wait()
        if slow_in_body:
            await asyncio.wait_for(_until(lambda: not slots.slots.locked()), timeout=5)  # its answer started
        inner.hold = inner.hold_body = False
        answer = await asyncio.wait_for(ask(client), timeout=5)
        inner.go_on.set()
        await slow
    return answer


def test_a_slot_is_free_once_the_answer_starts_going_out():
    slots = ComputingSlotsMiddleware(Recorder(), limit=1, patience=60)
    answer = asyncio.run(_beside_a_slow_request(slots, lambda client: client.get("/en/"), slow_in_body=True))
    assert answer.status_code == 200 and slots.app.most_at_once == 2


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.005)


def test_a_failed_request_frees_its_slot():
    async def run():
        inner = Recorder()
        slots = ComputingSlotsMiddleware(inner, limit=1, patience=60)
        async with _client(slots) as client:
            inner.fail = True
            failed = await client.get(PUBLIC)
            inner.fail = False
            answer = await asyncio.wait_for(client.get(PUBLIC), timeout=5)
        return failed, answer

    failed, answer = asyncio.run(run())
    assert failed.status_code == 500 and answer.status_code == 200


def test_a_request_that_waited_its_patience_out_is_made_without_a_slot():
    slots = ComputingSlotsMiddleware(Recorder(), limit=1, patience=0.05)

    async def run():
        answer = await _beside_a_slow_request(slots, lambda client: client.get("/en/"))
        await asyncio.wait_for(slots.slots.acquire(), timeout=5)  # the one slot, free again, and only it
        assert slots.slots.locked() and slots.waiting == 0
        return answer

    answer = asyncio.run(run())
    assert answer.status_code == 200 and slots.app.most_at_once == 2


def _computing_slots(app) -> ComputingSlotsMiddleware:
    layer = app.middleware_stack
    while not isinstance(layer, ComputingSlotsMiddleware):
        layer = layer.app
    return layer


def test_answers_from_the_page_cache_take_no_slot(cli, monkeypatch):
    """In the portal itself: with every slot taken, a page the cache has is sent, one it has not waits."""
    monkeypatch.setenv("STRATMON_PAGE_CACHE_MB", "64")
    app = create_app(cli.db_url)

    async def run():
        async with _client(app) as client:
            assert (await client.get("/en/")).status_code == 200  # now kept
            slots = _computing_slots(app)
            slots.patience = 60
            for _ in range(slots.limit):
                await slots.slots.acquire()
            cached = await asyncio.wait_for(client.get("/en/"), timeout=5)
            waiting = asyncio.create_task(client.get("/en/lines"))
            await asyncio.wait_for(_until(lambda: slots.waiting == 1), timeout=30)
            assert not waiting.done()
            slots.slots.release()
            made = await asyncio.wait_for(waiting, timeout=30)
        return cached, made

    cached, made = asyncio.run(run())
    assert cached.status_code == 200 and made.status_code == 200


def test_the_slots_are_one_per_usable_cpu_at_least_two_or_as_set(monkeypatch):
    monkeypatch.delenv("STRATMON_COMPUTING_SLOTS", raising=False)
    monkeypatch.setattr(config.os, "cpu_count", lambda: 64)  # the host's: not what this process may use
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda _pid: {0})
    assert config.computing_slots() == 2
    monkeypatch.setattr(config.os, "sched_getaffinity", lambda _pid: set(range(8)))
    assert config.computing_slots() == 8
    monkeypatch.setenv("STRATMON_COMPUTING_SLOTS", "3")
    assert config.computing_slots() == 3
    assert ComputingSlotsMiddleware(Recorder(), limit=1000).limit == MAX_REQUESTS_AT_WORK
    for wrong in ("0", "two", "-1", "\u00b2"):
        monkeypatch.setenv("STRATMON_COMPUTING_SLOTS", wrong)
        with pytest.raises(config.SettingError, match="STRATMON_COMPUTING_SLOTS"):
            config.computing_slots()


@pytest.mark.parametrize("setting, value", [("STRATMON_COMPUTING_SLOTS", "none"),
                                            ("STRATMON_TRUSTED_PROXIES", "not-a-network")])
def test_serve_refuses_a_wrong_setting_in_one_line(sqlite_url, setting, value):
    assert run_stratmon("init", "--db", sqlite_url).returncode == 0
    done = run_stratmon("serve", "--db", sqlite_url, "--port", "1", env={setting: value}, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"error: {setting}: '{value}' " + (
        "is not a whole number of at least 1" if setting.endswith("SLOTS") else "is not an IP address or network")]
