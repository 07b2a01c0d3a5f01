"""Where the context indicators come from: per indicator, each source and vintage loaded, with the
years and countries it covers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from stratmon.store import schema
from stratmon.store.data_version import PerDataVersion

_SOURCES = PerDataVersion(size=4)


@dataclass(frozen=True)
class ContextSource:
    """One indicator as one source published it (one vintage)."""

    indicator: str
    source: str
    vintage: str | None
    countries: int
    first_year: int
    last_year: int
    values: int


def context_sources(connection: Connection) -> tuple[ContextSource, ...]:
    """Each loaded indicator, source and vintage (totals only, not disaggregates). Kept per data version: it
    counts every stored value (tens of milliseconds), for each language and page of the data page."""
    table = schema.context_value
    statement = (select(table.c.indicator, table.c.source, table.c.vintage, func.count(table.c.country_key.distinct()),
                        func.min(table.c.year), func.max(table.c.year), func.count())
                 .where(table.c.dimension == "")
                 .group_by(table.c.indicator, table.c.source, table.c.vintage)
                 .order_by(table.c.indicator, table.c.source, table.c.vintage))
    return _SOURCES.get(connection, "context_sources",
                        lambda: tuple(ContextSource(*row) for row in connection.execute(statement)))
