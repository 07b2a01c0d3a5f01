"""A logical dump of a whole database (every table, every row), for before/after comparisons."""

from __future__ import annotations

from sqlalchemy import MetaData, create_engine, select


def dump(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, keyed by table name (alembic_version included; not the data version,
    which counts changes rather than holding data: store/data_version.py)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted((tuple(map(repr, row)) for row in connection.execute(select(table))))
                for name, table in sorted(metadata.tables.items()) if name != "data_version"
            }
    finally:
        engine.dispose()
