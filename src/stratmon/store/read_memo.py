"""Answers one read-only connection asks more than once, kept for as long as that connection lives.

A portal page asks some small questions from several of its parts (whether the alignment is current, the
data version, the registered indicators): each part asks on its own, as a page is made of parts that are
also used alone. On a connection opened with `with_read_memo`, which writes nothing for its whole life (a
GET request's), each such question goes to the database once and its answer is kept on the connection
itself, so that it is gone when the connection is. Such a connection refuses to write (an answer kept from
before a write would be stale). Any other connection asks every time: a command that aligns and then reports
must see its own writes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection, event

_WRITES = ("INSERT", "UPDATE", "DELETE")
_OPTION = "stratmon_read_memo"  # an execution option: it belongs to this Connection object, not to the pool's
T = TypeVar("T")


def with_read_memo(connection: Connection) -> Connection:
    """`connection`, remembering the answers asked through `remembered` from now on, and refusing any write
    (ReadOnlyConnection) while it is open."""
    event.listen(connection, "before_cursor_execute", _refuse_writes)
    return connection.execution_options(**{_OPTION: {}})


class ReadOnlyConnection(RuntimeError):
    """A statement that writes, sent through a connection opened `with_read_memo`."""


def _refuse_writes(_connection, _cursor, statement: str, *_rest) -> None:
    if statement.lstrip()[:6].upper() in _WRITES:
        raise ReadOnlyConnection(f"a read-only request's connection was asked to write: {statement[:60]}")


def is_read_only(connection: Connection) -> bool:
    """Whether `connection` was opened `with_read_memo` (a read-only request's): what it reads is committed."""
    return connection.get_execution_options().get(_OPTION) is not None


def remembered(connection: Connection, key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, asked once per `key` on a connection opened `with_read_memo`, else every time. The
    answer is shared by every later caller on the connection: it must not be changed."""
    memo = connection.get_execution_options().get(_OPTION)
    if memo is None:
        return make()
    if key not in memo:
        memo[key] = make()
    return memo[key]
