"""Stopping `stratmon serve` within seconds of SIGTERM or Ctrl+C, even mid-request.

uvicorn stops accepting connections, waits `GRACE_SECONDS` for the requests at work (its
`timeout_graceful_shutdown`), then cancels them. A request that runs in a worker thread (an export
being written, a file being read) cannot be cancelled, and Python waits for such threads before the
process ends. So when the application's lifespan ends, a timer ends the process `EXIT_SECONDS`
later if it is still there. Nothing is lost: an unfinished request's transaction rolls back, as
after a crash (DESIGN.md, "Bad input policy").
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

GRACE_SECONDS = 3
EXIT_SECONDS = 2


@asynccontextmanager
async def exit_promptly_after_shutdown(_app) -> AsyncIterator[None]:
    """A FastAPI lifespan for the served application (never for tests' in-process clients)."""
    yield
    timer = threading.Timer(EXIT_SECONDS, _exit_now)
    timer.daemon = True
    timer.start()


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
