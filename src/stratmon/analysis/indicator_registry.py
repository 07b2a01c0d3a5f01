"""The Strategy's performance indicators as registered (`stratmon indicators load`), for listing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, select

from stratmon.store import schema


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
    """Registered indicators by code; only those under `objectives` when given."""
    table = schema.indicator
    statement = select(table.c.code, table.c.level, table.c.objective_id, table.c.name_en, table.c.name_es,
                       table.c.unit, table.c.direction, table.c.reference).order_by(table.c.code)
    if objectives is not None:
        statement = statement.where(table.c.objective_id.in_(list(objectives)))
    return [RegisteredIndicator(*row[:-1], data_source=(row.reference or {}).get("data_source"))
            for row in connection.execute(statement)]
