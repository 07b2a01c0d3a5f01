"""The Strategy's geography in queries (DESIGN.md rule 9): which split rows, or roll-up groups, count
as the Strategy's money.

A row is the Strategy's when its recipient is one of the framework's countries; or one of its own
regions, unless `stratmon align` found the money is for places elsewhere; or one of its context
regions, where `align` found its texts name one of the Strategy's countries. Every other row is
outside the geography: stored and queryable, never in the Strategy's figures.
"""

from __future__ import annotations

from sqlalchemy import and_, func, literal, not_, or_

from stratmon.analysis.errors import QueryError
from stratmon.framework.model import Geography
from stratmon.i18n import _

STRATEGY, OUTSIDE, ALL = "strategy", "outside", "all"
SCOPES = (STRATEGY, OUTSIDE, ALL)


def check_scope(scope: str) -> str:
    """`scope` if it is one of SCOPES, else a QueryError naming them."""
    if scope not in SCOPES:
        raise QueryError(_("--scope takes one of: {choices}").format(choices=", ".join(SCOPES)))
    return scope


def in_strategy(table, geography: Geography):
    """An SQL condition, never NULL, true for the rows of `table` (split rows or roll-up groups, both
    with `recipient_key` and `geography`) that are the Strategy's money."""
    key, decided = table.c.recipient_key, func.coalesce(table.c.geography, literal(""))
    parts = []
    if geography.countries:
        parts.append(key.in_(sorted(geography.countries)))
    if geography.own_regions:
        parts.append(and_(key.in_(sorted(geography.own_regions)), decided != "out"))
    if geography.context_regions:
        parts.append(and_(key.in_(sorted(geography.context_regions)), decided == "in"))
    # The first condition says again, in one list, which recipients can count at all: it lets the
    # database find them by the recipient index rather than read every row.
    return and_(key.in_(sorted(geography.candidates)), or_(*parts)) if parts else literal(False)


def scope_conditions(table, geography: Geography | None, scope: str) -> list:
    """The conditions keeping the rows of `table` in `scope`: the Strategy's money, the money outside
    its geography, or all of it (also when no geography is given)."""
    if geography is None or scope == ALL:
        return []
    condition = in_strategy(table, geography)
    return [condition] if scope == STRATEGY else [not_(condition)]

