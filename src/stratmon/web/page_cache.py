"""Public answers made once per data version, then sent from memory, with an ETag to revalidate.

The portal's data changes only when someone imports, aligns, overrides, approves or publishes, and every
such write moves the database's data version (store/data_version.py) in its own transaction. A public
page, a table download or a public API answer is therefore the same for every visitor until the version
moves: the first request after a change computes it, the next ones get the kept bytes. Each request reads
the version from the database (one short query, so that a write made by another process, the CLI or
another worker of `serve --workers N`, is seen on the very next request) and the cache of this process
empties when the version moves. Answers are keyed by path, query, Accept header and day (a few pages say
what is due by today); the language is in the path (`/es/...`) or the query (`?lang=es`).

Only what is the same for everyone is kept: GET requests without a session cookie or an
`Authorization` header, to the portal outside the workspace and to the API's public routes, answered
200 without cookies or caching headers of their own, up to `MAX_ENTRY_BYTES`. Everything else passes
through untouched, marked `Cache-Control: no-store` (`private, no-store` when signed in) unless it says
otherwise, so that no browser or proxy keeps a page made for one person. A kept answer carries an `ETag`
(a digest of its bytes) and `Cache-Control: no-cache`: a browser or a reverse proxy may keep it but asks
each time, with `If-None-Match`, and gets 304 Not Modified while the bytes are the same.

Many requests for the same missing answer wait for the first to make it rather than each making it.
The cache holds at most `STRATMON_PAGE_CACHE_MB` megabytes per process (64 by default; 0 turns it off),
the least recently used going first.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from stratmon.i18n import SUPPORTED
from stratmon.store.data_version import read_data_version
from stratmon.web.security import SESSION_COOKIE

DEFAULT_MEGABYTES = 64
MAX_ENTRY_BYTES = 8 * 1024 * 1024
CACHE_CONTROL = b"no-cache"
VARY = b"Accept, Authorization, Cookie"
_LANGUAGES = "|".join(SUPPORTED)
_PUBLIC_PATH = re.compile(rf"/(?:(?:{_LANGUAGES})(?:/.*)?|api/v1/.*|api/docs)", re.DOTALL)
# The workspace, and the API's routes for token holders (they answer others 401).
_PRIVATE_PATH = re.compile(rf"/(?:(?:{_LANGUAGES})/workspace|api/v1/(?:me|results|audit|users))(?:/.*)?", re.DOTALL)
# Headers the cache sets itself on what it sends, or that belong to one response only.
_OWN_HEADERS = {b"content-length", b"etag", b"cache-control", b"vary", b"date", b"server"}
_SESSION = f"{SESSION_COOKIE}=".encode()


def configured_bytes() -> int:
    """The cache's size in bytes, from `STRATMON_PAGE_CACHE_MB`."""
    text = os.environ.get("STRATMON_PAGE_CACHE_MB", "").strip()
    try:
        megabytes = float(text) if text else DEFAULT_MEGABYTES
    except ValueError:
        megabytes = DEFAULT_MEGABYTES
    return max(0, int(megabytes * 1024 * 1024))


def etag_matches(if_none_match: str | bytes | None, etag: str | bytes) -> bool:
    """Whether a request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it)."""
    if not if_none_match:
        return False
    if isinstance(if_none_match, bytes):
        if_none_match = if_none_match.decode("latin-1")
    if isinstance(etag, bytes):
        etag = etag.decode("latin-1")
    wanted = etag.removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _is_signed_in(scope) -> bool:
    """A session cookie or an API token: the answer may be that person's own."""
    if _header(scope, b"authorization") is not None:
        return True
    return any(key == b"cookie" and _SESSION in value for key, value in scope.get("headers", ()))


def is_public(scope) -> bool:
    """A GET of a public page or API route by someone not signed in: an answer the same for everyone."""
    path = scope.get("path", "")
    return (scope.get("method") == "GET" and bool(_PUBLIC_PATH.fullmatch(path))
            and not _PRIVATE_PATH.fullmatch(path) and not _is_signed_in(scope))


@dataclass(frozen=True)
class Version:
    """A data version: its epoch (the database's) and its count within it."""

    epoch: str
    count: int

    @classmethod
    def parse(cls, text: str | None) -> Version | None:
        if not text or "." not in text:
            return None
        epoch, _dot, count = text.rpartition(".")
        return cls(epoch, int(count)) if count.isdigit() else None

    def is_older_than(self, other: Version) -> bool:
        return self.epoch == other.epoch and self.count < other.count


@dataclass(frozen=True)
class Entry:
    """A kept answer."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class PageStore:
    """The answers of one data version, least recently used first, within `max_bytes`. Used from the
    event loop only (no locks)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: Version | None = None
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0

    def at(self, version: Version) -> bool:
        """Move to `version` (emptying the store when it is another one); False when `version` is older
        than the store's (a request that read it before a write committed: it is answered, not kept)."""
        if self.version is not None and version.is_older_than(self.version):
            return False
        if version != self.version:
            self.entries.clear()
            self.size = 0
            self.version = version
        return True

    def get(self, version: Version, key: tuple) -> Entry | None:
        if version != self.version:
            return None
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, version: Version, key: tuple, entry: Entry) -> None:
        if version != self.version or entry.size > self.max_bytes:
            return
        previous = self.entries.pop(key, None)
        if previous is not None:
            self.size -= previous.size
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes:
            _key, oldest = self.entries.popitem(last=False)
            self.size -= oldest.size


def _read_version(engine: Engine) -> Version | None:
    try:
        with engine.connect() as connection:
            return Version.parse(read_data_version(connection))
    except SQLAlchemyError:
        return None  # the route meets the same trouble and reports it


def _with_cache_control(message: dict, value: bytes) -> dict:
    """The response start with `Cache-Control: value` unless it has one of its own."""
    headers = list(message.get("headers", []))
    if any(name.lower() == b"cache-control" for name, _value in headers):
        return message
    return {**message, "headers": [*headers, (b"cache-control", value)]}


class PageCacheMiddleware:
    """Sends public answers from a `PageStore` keyed by the data version; marks every other answer so
    that nothing made for one person is kept by a browser or proxy for another."""

    def __init__(self, app, max_bytes: int | None = None) -> None:
        self.app = app
        self.store = PageStore(configured_bytes() if max_bytes is None else max_bytes)
        self.making: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            return await self.app(scope, receive, send)
        if not is_public(scope):
            return await self.app(scope, receive, _marked(send, b"private, no-store" if _is_signed_in(scope)
                                                         else b"no-store"))
        version = await anyio.to_thread.run_sync(_read_version, scope["app"].state.site.engine) \
            if self.store.max_bytes else None
        if version is None or not self.store.at(version):
            return await self.app(scope, receive, _marked(send, b"no-store"))
        key = (scope.get("path", ""), scope.get("query_string", b""), _header(scope, b"accept") or b"",
               date.today().toordinal())
        entry = self.store.get(version, key)
        if entry is None and key in self.making:
            await self.making[key].wait()
            entry = self.store.get(version, key)
        if entry is not None:
            return await _send_entry(entry, scope, send)
        leader = key not in self.making
        if leader:
            self.making[key] = asyncio.Event()
        try:
            await self._make(scope, receive, send, version, key)
        finally:
            if leader:
                self.making.pop(key).set()

    async def _make(self, scope, receive, send, version: Version, key: tuple) -> None:
        """Runs the route, keeping its answer when it may be kept; sends it (or 304) either way."""
        start: dict = {}
        chunks: list[bytes] = []
        size = 0
        passing = False  # not kept: what comes is sent on as it comes

        async def pass_on(cache_control: bytes, more_body: bool) -> None:
            # Those waiting for this answer make their own; this one goes out as it is.
            nonlocal passing
            passing = True
            if key in self.making:
                self.making[key].set()
            await send(_with_cache_control(start, cache_control))
            if chunks:
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": more_body})
                chunks.clear()

        async def capture(message):
            nonlocal size
            kind = message["type"]
            if passing:
                return await send(message)
            if kind == "http.response.start":
                start.update(message)
                if not _may_keep(message):
                    await pass_on(_no_store_unless_tagged(message), True)
                return
            if kind != "http.response.body":
                await pass_on(b"no-store", True)
                return await send(message)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > MAX_ENTRY_BYTES:
                return await pass_on(b"no-store", more)
            if not more:
                body = b"".join(chunks)
                headers = tuple((name, value) for name, value in start.get("headers", [])
                                if name.lower() not in _OWN_HEADERS)
                digest = hashlib.blake2b(body, digest_size=16).hexdigest()
                entry = Entry(headers, body, f'"{digest}"'.encode())
                self.store.put(version, key, entry)
                if key in self.making:
                    self.making[key].set()  # those waiting take it now, not once this client has read it
                await _send_entry(entry, scope, send)

        await self.app(scope, receive, capture)


def _may_keep(start: dict) -> bool:
    """A 200 answer that sets no cookie and says nothing of its own about caching."""
    if start.get("status") != 200:
        return False
    names = {name.lower() for name, _value in start.get("headers", [])}
    return not names & {b"set-cookie", b"cache-control", b"etag"}


def _no_store_unless_tagged(start: dict) -> bytes:
    """What an answer not kept here may say: revalidate it when it has an ETag of its own, else keep it not."""
    tagged = any(name.lower() == b"etag" for name, _value in start.get("headers", []))
    return CACHE_CONTROL if tagged and start.get("status") == 200 else b"no-store"


def _marked(send, cache_control: bytes):
    async def marked(message):
        if message["type"] == "http.response.start":
            message = _with_cache_control(message, cache_control)
        await send(message)
    return marked


async def _send_entry(entry: Entry, scope, send) -> None:
    """A kept answer, or 304 Not Modified when the request already has these bytes."""
    tags = [(b"etag", entry.etag), (b"cache-control", CACHE_CONTROL), (b"vary", VARY)]
    if etag_matches(_header(scope, b"if-none-match"), entry.etag):
        await send({"type": "http.response.start", "status": 304, "headers": tags})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*entry.headers, (b"content-length", str(len(entry.body)).encode()), *tags]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})
