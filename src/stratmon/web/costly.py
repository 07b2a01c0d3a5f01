"""Costly requests, bounded apart from the admission slots cheap ones use.

An IATI XML export or a table download takes seconds of a worker and a database connection, and
anyone may ask for one. Each client (its address, `client_address.py`) may have `PER_CLIENT` of them
at work at once, and all clients together `OVERALL`, fewer than the admission slots
(admission.py), so no number of them starves a cheap request. The excess is answered at once with
429 and a Retry-After, before it takes an admission slot; what is let in is mostly sent from the
download cache (download_cache.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import parse_qsl

from starlette.requests import Request

from stratmon.i18n import SUPPORTED, _, set_language
from stratmon.web.admission import MAX_REQUESTS_AT_WORK
from stratmon.web.client_address import client_address

PER_CLIENT = 2
OVERALL = max(1, MAX_REQUESTS_AT_WORK // 3)
RETRY_AFTER_SECONDS = 10
_COSTLY_PATH = re.compile(r"/(?:api/v1|[a-z]{2})/activities\.xml")


def is_costly(scope) -> bool:
    """An IATI XML export, or one of a page's tables as a file (`?download=`)."""
    if scope.get("method") not in ("GET", "HEAD"):
        return False
    if _COSTLY_PATH.fullmatch(scope.get("path", "")):
        return True
    # Read as the routes read it (`%64ownload=` is `download=` to them), any value counting.
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name == "download" for name, _value in parse_qsl(query, keep_blank_values=True))


def scope_language(scope) -> str:
    """The language a request asks for: its path's (`/es/...`), or for the API its `?lang=`."""
    path = scope.get("path", "")
    if path[3:4] in ("/", "") and path[1:3] in SUPPORTED:
        return path[1:3]
    if path.startswith("/api/"):
        return "es" if "lang=es" in scope.get("query_string", b"").decode("latin-1").split("&") else "en"
    return "en"


class CostlyRequestsMiddleware:
    """Lets at most `per_client` costly requests of one client, and `overall` of all, at work at once."""

    def __init__(self, app, per_client: int = PER_CLIENT, overall: int = OVERALL):
        self.app = app
        self.per_client, self.overall = per_client, overall
        self.at_work: Counter[str] = Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_costly(scope):
            return await self.app(scope, receive, send)
        client = client_address(Request(scope))
        # The event loop runs one call at a time: checking and counting need no lock.
        if self.at_work[client] >= self.per_client or self.at_work.total() >= self.overall:
            return await _too_many(scope, send)
        self.at_work[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.at_work[client] -= 1
            if self.at_work[client] <= 0:
                del self.at_work[client]


async def _too_many(scope, send) -> None:
    set_language(scope_language(scope))
    message = _("Too many downloads at once; try again in {seconds} seconds.").format(seconds=RETRY_AFTER_SECONDS)
    if scope.get("path", "").startswith("/api/"):
        body, media_type = json.dumps({"error": message, "status": 429}).encode(), b"application/json"
    else:
        body, media_type = message.encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", media_type), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode())]})
    await send({"type": "http.response.body", "body": body})
