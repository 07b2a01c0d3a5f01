"""Fast bulk inserts: rows go to the driver's executemany as plain tuples.

SQLAlchemy's per-row parameter processing costs more than the insert itself at our
volumes, so the loader bypasses it: the drivers take dates, numbers, text and booleans as
they are, and JSON columns are encoded here, identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError


class BulkWriter:
    """Inserts lists of row dicts into tables through one connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self._plans: dict[str, tuple[str, Any, list[int]]] = {}

    def _sql(self, table: Table, names: Sequence[str]) -> str:
        quote = self._connection.dialect.identifier_preparer.quote
        return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                f"VALUES ({', '.join([self._placeholder] * len(names))})")

    def _plan(self, table: Table):
        plan = self._plans.get(table.name)
        if plan is None:
            names = [column.name for column in table.columns]
            sql = self._sql(table, names)
            json_columns = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
            plan = self._plans[table.name] = (sql, itemgetter(*names), json_columns)
        return plan

    def insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` (dicts keyed by column name; every column present) into `table`."""
        sql, getter, json_columns = self._plan(table)
        if json_columns:
            tuples = [_encode(getter(row), json_columns) for row in rows]
        else:
            tuples = [getter(row) for row in rows]
        if self._connection.dialect.name == "postgresql":
            self._copy(table, [column.name for column in table.columns], tuples)
        else:
            self._connection.exec_driver_sql(sql, tuples)

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


def _encode(values: tuple, json_columns: list[int]) -> tuple:
    encoded = list(values)
    for i in json_columns:
        if encoded[i] is not None:
            encoded[i] = json.dumps(encoded[i], ensure_ascii=False, separators=(",", ":"))
    return tuple(encoded)
