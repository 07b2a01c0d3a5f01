"""The largest activities in each group (e.g. per line of action and country)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.errors import QueryError
from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.funding import USD, FundingQuery, exact_sum, joined_sum, key_column, rows_to_sum, to_usd
from stratmon.i18n import _
from stratmon.store import schema


@dataclass(frozen=True)
class TopActivity:
    """An activity's money in one group, and its rank there."""

    keys: tuple
    rank: int
    iati_identifier: str
    title: str | None
    reporting_org_ref: str | None
    usd: Decimal


def top_activities(connection: Connection, query: FundingQuery, limit: int = 5) -> list[TopActivity]:
    """The `limit` activities with the most money in each group of `query.by`, largest first."""
    if limit < 1:
        raise QueryError(_("--limit must be at least 1"))
    if query.is_aligned:
        require_current_alignment(connection, query.crosswalk_digest)
    source = rows_to_sum(query)
    keys = [key_column(source, query, key) for key in query.by]
    activity = schema.activity
    statement = (select(*keys, activity.c.iati_identifier, activity.c.title, activity.c.reporting_org_ref,
                        *exact_sum(source.c.amount_micros))
                 .join(activity, activity.c.id == source.c.activity_id)
                 .where(source.c.currency == USD)
                 .group_by(*keys, activity.c.iati_identifier, activity.c.title, activity.c.reporting_org_ref))
    groups: dict[tuple, list[tuple]] = {}
    width = len(keys)
    for row in connection.execute(statement):
        group = tuple(row[:width])
        identifier, title, agency, units, remainder = row[width:]
        groups.setdefault(group, []).append((to_usd(joined_sum(units, remainder)), identifier, title, agency))
    found: list[TopActivity] = []
    for group in sorted(groups, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        ranked = sorted(groups[group], key=lambda item: (-item[0], item[1]))[:limit]
        found.extend(TopActivity(group, rank, identifier, title, agency, usd)
                     for rank, (usd, identifier, title, agency) in enumerate(ranked, start=1))
    return found

