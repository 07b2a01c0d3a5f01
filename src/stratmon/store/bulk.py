"""Fast bulk inserts: rows go to the driver's executemany as plain tuples.

SQLAlchemy's per-row parameter processing costs more than the insert itself at our
volumes, so the loader bypasses it: the drivers take dates, numbers, text and booleans as
they are, and JSON columns are encoded here, identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table


class BulkWriter:
    """Inserts lists of row dicts into tables through one connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._placeholder = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self._plans: dict[str, tuple[str, Any, list[int]]] = {}

    def _plan(self, table: Table):
        plan = self._plans.get(table.name)
        if plan is None:
            names = [column.name for column in table.columns]
            quote = self._connection.dialect.identifier_preparer.quote
            sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                   f"VALUES ({', '.join([self._placeholder] * len(names))})")
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
        self._connection.exec_driver_sql(sql, tuples)


def _encode(values: tuple, json_columns: list[int]) -> tuple:
    encoded = list(values)
    for i in json_columns:
        if encoded[i] is not None:
            encoded[i] = json.dumps(encoded[i], ensure_ascii=False, separators=(",", ":"))
    return tuple(encoded)
