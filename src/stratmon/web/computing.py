"""Computing slots: no more public answers being made at once than the machine has cores.

A worker's requests share one interpreter, and the more of them compute side by side, the more each
costs: SQLite hands the interpreter's lock on at every row it reads, and each hand-over to one of many
waiting threads costs far more than the row. With the 15 requests admission lets in (admission.py) all
computing, the Guatemala page cost 38 ms of CPU per request under 16 clients and came at 31 per second;
with 2 at once, 22 ms and 53 per second, its p95 halved (SQLite, 2 cores, 2026-12-07; on PostgreSQL
45 → 52–56 per second). So at most `config.computing_slots()` answers are made at once, the others
waiting their turn in the event loop, holding nothing.

Only the answers the page cache keeps are limited so (`page_cache.is_public`), and only when it has not
got them: public answers never wait on a lock, where a signed-in request that writes may wait on
another writer; the costly ones (costly.py) have a bound of their own, which these slots must not
tighten below what keeps them from starving cheap requests.
"""

from __future__ import annotations

import asyncio

from stratmon.config import computing_slots
from stratmon.web.admission import MAX_REQUESTS_AT_WORK
from stratmon.web.costly import is_costly
from stratmon.web.page_cache import is_public


class ComputingSlotsMiddleware:
    """Lets at most `limit` public answers be made at once (default: `config.computing_slots()`, never
    more than admission lets in); the others queue in order. A slot is free again as soon as the answer
    starts to go out, so that no client reading slowly holds one."""

    def __init__(self, app, limit: int | None = None):
        self.app = app
        self.limit = min(limit or computing_slots(), MAX_REQUESTS_AT_WORK)
        self.slots = asyncio.Semaphore(self.limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_public(scope) or is_costly(scope):
            return await self.app(scope, receive, send)
        await self.slots.acquire()
        holding = True

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
