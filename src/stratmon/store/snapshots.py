"""Keeping each report's figures by data snapshot, so that later reports can compare."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from stratmon.store import schema
from stratmon.store.runs import now


def save_figures(connection: Connection, snapshot: str, figures: dict) -> None:
    """Keep the figures of a snapshot (the first report of a snapshot keeps them; same data, same figures)."""
    table = schema.report_snapshot
    if load_figures(connection, snapshot) is None:
        connection.execute(insert(table).values(snapshot=snapshot, created_at=now(), figures=figures))


def load_figures(connection: Connection, snapshot: str) -> dict | None:
    """The figures kept for a snapshot, if a report was generated from it."""
    table = schema.report_snapshot
    found = connection.execute(select(table.c.figures).where(table.c.snapshot == snapshot)).first()
    return dict(found.figures) if found else None
