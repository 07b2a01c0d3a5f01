"""Helpers for the workspace tests: the CSRF token a page's forms carry, and reading the database."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client, path: str = "/en/workspace/") -> str:
    """The CSRF token in the forms of the page at `path`."""
    page = client.get(path)
    assert page.status_code == 200, page.text[-1000:]
    found = _TOKEN.search(page.text)
    assert found, f"no csrf_token field on {path}"
    return found.group(1)


def query(db_url: str, sql: str, **params) -> list[tuple]:
    """Rows of one SQL query against the test's database."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def scalar(db_url: str, sql: str, **params):
    rows = query(db_url, sql, **params)
    return rows[0][0] if rows else None


def counts(db_url: str, *tables: str) -> dict[str, int]:
    """Row counts of some tables, for before/after comparisons."""
    return {table: scalar(db_url, f'SELECT count(*) FROM "{table}"') for table in tables}
