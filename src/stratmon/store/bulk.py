"""Fast bulk inserts: rows go to the driver's executemany (or PostgreSQL's COPY) as plain tuples.

SQLAlchemy's per-row parameter processing costs more than the insert itself at our
volumes, so the loader bypasses it: the drivers take dates, numbers, text and booleans as
they are, and JSON columns are encoded here, identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache, partial
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

# sqlite3 binds ints, floats and text as they are but looks any other value up in its adapter registry:
# for None and booleans it then fails two attribute lookups (raising and discarding an exception each
# time) before binding NULL or the integer, and dates go through adapters written in Python. A
# microsecond a value, and an import binds millions (most optional columns are empty). Adapters made in
# C give the same values at once: None for None ({}.get), 1 and 0 for booleans, ISO dates, and
# timestamps with a space between date and time, as sqlite3's own adapters write them.
sqlite3.register_adapter(type(None), {}.get)
sqlite3.register_adapter(bool, int)
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, partial(datetime.isoformat, sep=" "))


@lru_cache(maxsize=None)
def _tuple_plan(table: Table) -> tuple[Any, list[int], Any, Any]:
    """The row getter, where the JSON columns are, a getter of their values and what it gives when they
    are all None (as in most rows: these columns hold something only when there is something to keep)."""
    names = [column.name for column in table.columns]
    json_columns = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
    json_values = itemgetter(*(names[i] for i in json_columns)) if json_columns else None
    nothing = None if len(json_columns) == 1 else (None,) * len(json_columns)
    return itemgetter(*names), json_columns, json_values, nothing


def driver_rows(table: Table, rows: Iterable[dict[str, Any]]) -> list[tuple]:
    """`rows` (dicts keyed by column name; every column present) as tuples in the table's column
    order, with JSON columns encoded: what `BulkWriter.insert_rows` takes, on either engine.

    Needs no connection, so import workers build these in their own processes.
    """
    getter, json_columns, json_values, nothing = _tuple_plan(table)
    if json_columns:
        return [getter(row) if json_values(row) == nothing else _encode(getter(row), json_columns) for row in rows]
    return [getter(row) for row in rows]


class BulkWriter:
    """Inserts rows into tables through one connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _sql(self, table: Table, names: Sequence[str], add: dict[int, int] | None = None) -> str:
        start, placeholder = _insert_start(self._connection.dialect, table.name, tuple(names))
        values = [placeholder] * len(names)
        for place, number in (add or {}).items():
            if number:
                values[place] = f"{placeholder} + {int(number)}"
        return f"{start}({', '.join(values)})"

    def insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        """Insert `rows` (dicts keyed by column name; every column present) into `table`."""
        self.insert_rows(table, driver_rows(table, rows))

    def insert_rows(self, table: Table, rows: list[tuple], add: dict[int, int] | None = None) -> None:
        """Insert `rows`, tuples from `driver_rows` (every column, in the table's order).

        `add`: a number to add to the values of some columns (by place; None stays None), as the
        loader turns a batch's local ids into database ids. SQLite adds them in the statement itself,
        so that no row is rebuilt in Python (the ids of the real files' 280,000 rows took about a tenth
        of the loader's time); the statement is then made for the batch, a few dozen microseconds.
        """
        names = _column_names(table)
        if self._connection.dialect.name == "postgresql":
            self._copy(table, names, _added(rows, add) if add and any(add.values()) else rows)
            return
        self._connection.exec_driver_sql(self._sql(table, names, add), rows)

    def insert_stream(self, table: Table, names: Sequence[str], rows: Iterable[tuple], batch_rows: int) -> None:
        """Insert every row of `rows`, tuples of values for the columns `names` already as the driver
        takes them (JSON as its text), streamed: PostgreSQL's COPY, else `batch_rows` at a time."""
        if self._connection.dialect.name == "postgresql":
            self._copy(table, names, rows)
            return
        sql, rows = self._sql(table, names), iter(rows)
        while batch := list(islice(rows, batch_rows)):
            self._connection.exec_driver_sql(sql, batch)

    def _copy(self, table: Table, names: Sequence[str], rows: Iterable[tuple]) -> None:
        # COPY moves rows several times faster than a batch of INSERTs, in the same transaction.
        import psycopg  # only PostgreSQL comes here

        quote = self._connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
        try:
            with self._connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            # Wrapped as SQLAlchemy wraps the driver's errors elsewhere, so callers handle one kind.
            raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


@lru_cache(maxsize=None)
def _column_names(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns)


@lru_cache(maxsize=256)
def _insert_start(dialect: Dialect, table_name: str, names: tuple[str, ...]) -> tuple[str, str]:
    """An INSERT of `names` into the table up to its VALUES, and the driver's placeholder: made once, as the
    loader inserts batch after batch into the same tables."""
    quote = dialect.identifier_preparer.quote
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    return f"INSERT INTO {quote(table_name)} ({', '.join(quote(n) for n in names)}) VALUES ", placeholder


def _added(rows: list[tuple], add: dict[int, int]) -> Iterator[tuple]:
    """`rows` with `add[place]` added to the value at each place (None stays None)."""
    places = [(place, number) for place, number in add.items() if number]
    for row in rows:
        values = list(row)
        for place, number in places:
            if values[place] is not None:
                values[place] += number
        yield tuple(values)


# json.dumps with these options makes an encoder at every call; the importer encodes tens of thousands
# of values (the U.S. files' treasury accounts, elements kept whole).
encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode(values: tuple, json_columns: list[int]) -> tuple:
    encoded = list(values)
    for i in json_columns:
        if encoded[i] is not None:
            encoded[i] = encode_json(encoded[i])
    return tuple(encoded)
