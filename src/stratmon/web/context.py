"""What every request may need: a database connection, the framework, the person asking."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from fastapi import Request
from sqlalchemy import Connection, Engine

from stratmon.align.crosswalk import Crosswalks, load_crosswalks
from stratmon.framework import Framework, load_framework
from stratmon.indicators.workflow import User
from stratmon.store import web as web_store
from stratmon.store.read_memo import with_read_memo
from stratmon.store.runs import now
from stratmon.web.security import SESSION_COOKIE


@dataclass
class Site:
    """What the application holds for its whole life: the engine, the framework, and the reverse
    proxies whose `X-Forwarded-For` it believes (`web.client_address`)."""

    engine: Engine
    trusted_proxies: tuple = ()

    @cached_property
    def framework(self) -> Framework:
        return load_framework()

    @cached_property
    def crosswalks(self) -> Crosswalks:
        return load_crosswalks()


def site(request: Request) -> Site:
    return request.app.state.site


def connection(request: Request) -> Iterator[Connection]:
    """A read connection for the length of one request. Who is asking (API token, session cookie)
    is looked up first, on connections given back before this one is taken: requests that each
    hold a connection while waiting for a second would deadlock a busy pool. A GET or HEAD request
    writes nothing through it, so the small questions its parts each ask are asked once (store/read_memo.py)."""
    api_user(request)
    session_of(request)
    with site(request).engine.connect() as open_connection:
        yield with_read_memo(open_connection) if request.method in ("GET", "HEAD") else open_connection


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: all of it or none of it. On SQLite the write lock is taken up front,
    so that concurrent writers queue instead of failing to upgrade a read lock."""
    with engine.connect().execution_options(sqlite_immediate=True) as open_connection:
        with open_connection.begin():
            yield open_connection


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def session_of(request: Request) -> web_store.WebSession | None:
    """The signed-in session the request's cookie opens (looked up once per request)."""
    if not hasattr(request.state, "web_session"):
        token = request.cookies.get(SESSION_COOKIE)
        found = None
        if token and len(token) < 200:
            with site(request).engine.connect() as open_connection:
                found = web_store.find_session(open_connection, token)
        request.state.web_session = found
    return request.state.web_session


def api_user(request: Request) -> User | None:
    """The user an API request's bearer token belongs to, if any (looked up once per request). Its
    use is noted only when the last note is a minute old, so that most requests write nothing."""
    if not hasattr(request.state, "api_user"):
        token = bearer_token(request)
        found = None
        if token and len(token) < 200:
            engine = site(request).engine
            with engine.connect() as open_connection:
                found = web_store.token_use(open_connection, token)
            used_at = now()
            if found is not None and not found.is_noted(used_at):
                with write_transaction(engine) as open_connection:
                    web_store.note_token_use(open_connection, found.token_id, used_at)
        request.state.api_user = found.user if found else None
    return request.state.api_user


def page_user(request: Request) -> User | None:
    """The person signed in to the workspace, if any."""
    session = session_of(request)
    return session.user if session else None
