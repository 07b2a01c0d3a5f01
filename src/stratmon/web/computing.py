"""Computing slots: no more public answers being made at once than the process may use CPUs.

A worker's requests share one interpreter, and the more of them compute side by side, the more each
costs: SQLite hands the interpreter's lock on at every row it reads, and each hand-over to one of many
waiting threads costs far more than the row. With the 15 requests admission lets in (admission.py) all
computing, the Guatemala page cost 38 ms of CPU per request under 16 clients and came at 31 per second;
with 2 at once, 22 ms and 53 per second, its p95 halved (SQLite, 2 cores, 2026-12-07; on PostgreSQL
45 → 52–56 per second). So at most `config.computing_slots()` answers are made at once; the other
admitted requests wait their turn in the event loop, holding their admission slot and nothing else.

Only the answers the page cache keeps are limited so (`page_cache.is_public`), and only when it has not
got them: they read and never write, where a signed-in request that writes may wait on another writer.
Costly requests (exports, downloads) are left out: they have their own bound (costly.py), which these
few slots must neither tighten nor let them fill.

Slots speed up answers that take milliseconds; they must not let a few slow ones (a first render with the
whole U.S. publication loaded takes over a second) hold up every other page. So a request waits at most
`PATIENCE_SECONDS` for a slot and is then made without one, as every request was before slots.
"""

from __future__ import annotations

import asyncio

from stratmon.web.admission import MAX_REQUESTS_AT_WORK
from stratmon.web.costly import is_costly
from stratmon.web.page_cache import is_public

PATIENCE_SECONDS = 1.0


class ComputingSlotsMiddleware:
    """Lets at most `limit` public answers be made at once (never more than admission lets in); the
    others queue in order, for at most `patience` seconds each. A slot is free again as soon as its answer
    starts to go out, so that no client reading slowly holds one."""

    def __init__(self, app, limit: int, patience: float = PATIENCE_SECONDS):
        self.app = app
        self.limit = min(limit, MAX_REQUESTS_AT_WORK)
        self.patience = patience
        self.slots = asyncio.Semaphore(self.limit)
        self.waiting = 0  # requests waiting for a slot now

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_public(scope) or is_costly(scope):
            return await self.app(scope, receive, send)
        self.waiting += 1
        try:
            await asyncio.wait_for(self.slots.acquire(), self.patience)
            holding = True
        except TimeoutError:
            holding = False  # made beside the slots' answers, as before there were slots
        finally:
            self.waiting -= 1

        async def sent(message):
            nonlocal holding
            if holding and message["type"] == "http.response.start":
                holding = False
                self.slots.release()
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            if holding:
                self.slots.release()
