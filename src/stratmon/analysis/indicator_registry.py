"""The Strategy's performance indicators as registered (`stratmon indicators load`), for listing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select

from stratmon.store import schema
from stratmon.store.read_memo import remembered


@dataclass(frozen=True)
class RegisteredIndicator:
    """One registered indicator: what it measures and where it sits in the framework."""

    code: str
    level: str  # objective | activity
    objective_id: str | None
    name_en: str
    name_es: str
    unit: str | None
    direction: str  # higher | lower | neutral
    data_source: str | None = None  # where its values come from (the reference sheet's)

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en


def registered_indicators(connection: Connection, objectives: Collection[str] | None = None) -> list[RegisteredIndicator]:
    """Registered indicators by code; only those under `objectives` when given. The registry is read
    once per read-only request (store/read_memo.py): a page's tables each list some of it."""
    every = remembered(connection, "registered_indicators", lambda: _every_indicator(connection))
    if objectives is None:
        return list(every)
    wanted = set(objectives)
    return [indicator for indicator in every if indicator.objective_id in wanted]


def _every_indicator(connection: Connection) -> tuple[RegisteredIndicator, ...]:
    table = schema.indicator
    statement = select(table.c.code, table.c.level, table.c.objective_id, table.c.name_en, table.c.name_es,
                       table.c.unit, table.c.direction, table.c.reference).order_by(table.c.code)
    return tuple(RegisteredIndicator(*row[:-1], data_source=(row.reference or {}).get("data_source"))
                 for row in connection.execute(statement))
