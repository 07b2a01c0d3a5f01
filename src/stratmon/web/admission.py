"""Admission: no more requests at work at once than the database pool has connections.

A route's connection (`context.connection`, a dependency) is taken in one worker thread and used by
the route in another. Were every request let in, those holding a connection could wait for a thread
while every thread waits for a connection: a deadlock that the pool's timeout ends, 30 s later, with
errors. Each request holds one connection at a time, so admitting as many requests as the pool has
connections means none waits for one; the rest wait here, in the event loop, holding nothing.
"""

from __future__ import annotations

import asyncio

from stratmon.store.db import POOL_OVERFLOW, POOL_SIZE

MAX_REQUESTS_AT_WORK = POOL_SIZE + POOL_OVERFLOW


class AdmissionMiddleware:
    """Lets at most `limit` HTTP requests into the application at once; the others queue in order."""

    def __init__(self, app, limit: int = MAX_REQUESTS_AT_WORK):
        self.app = app
        self.slots = asyncio.Semaphore(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        async with self.slots:
            await self.app(scope, receive, send)
