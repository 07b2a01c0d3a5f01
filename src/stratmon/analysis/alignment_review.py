"""The review queue: activities whose attribution is low-confidence or contested (a conflict that
remains counts as low confidence), largest money first,
with the evidence that won and the evidence that lost side by side. A person settles each one with
an override (`stratmon alignment set`, or the workspace's review page)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, case, func, select

from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, to_usd
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

MAX_LIMIT = 1000


@dataclass(frozen=True)
class ReviewItem:
    """One activity to review: what the rules answered for its largest doubtful part, and why."""

    iati_identifier: str
    title: str | None
    reporting_org_ref: str | None
    usd: Decimal  # the larger of its doubtful parts' net obligations and net disbursements
    confidence: str | None
    objective_id: str | None
    outside_id: str | None
    evidence: str
    contest: str | None
    single_target: bool  # whether all the activity's placed money goes to this one target

    @property
    def answer(self) -> str:
        """The rules' answer as an override would name it (`S2`, `outside:humanitarian`), or ''."""
        return self.objective_id or (f"outside:{self.outside_id}" if self.outside_id else "")


def doubtful(table=schema.alignment_split):
    """The condition of a part a person should look at: low confidence (only broad signals, or a conflict
    that remains; align/rules.py), where no person has decided."""
    return (table.c.rule != "override") & (table.c.confidence == "low")


def review_queue(connection: Connection, *, limit: int = 20, offset: int = 0,
                 crosswalk_digest: str | None = None) -> tuple[int, list[ReviewItem]]:
    """How many activities are in the queue, and `limit` of them from `offset`, largest money first."""
    require_current_alignment(connection, crosswalk_digest)
    table, activity = schema.alignment_split, schema.activity
    base = [table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD, doubtful(table)]
    obligated = func.sum(case((table.c.type_code == TRANSACTION_TYPES["obligation"], table.c.amount_micros), else_=0))
    disbursed = func.sum(case((table.c.type_code == TRANSACTION_TYPES["disbursement"], table.c.amount_micros),
                              else_=0))
    money = func.max(func.abs(obligated), func.abs(disbursed)) if connection.dialect.name == "sqlite" else \
        func.greatest(func.abs(obligated), func.abs(disbursed))
    ranked = (select(table.c.activity_id, money.label("money")).where(*base).group_by(table.c.activity_id)
              .subquery())
    total = connection.execute(select(func.count()).select_from(ranked)).scalar_one()
    rows = connection.execute(
        select(ranked.c.activity_id, ranked.c.money, activity.c.iati_identifier, activity.c.title,
               activity.c.reporting_org_ref)
        .join(activity, activity.c.id == ranked.c.activity_id)
        .order_by(ranked.c.money.desc(), activity.c.iati_identifier)
        .limit(min(limit, MAX_LIMIT)).offset(offset)).all()
    items = []
    for row in rows:
        part = connection.execute(
            select(table.c.confidence, table.c.objective_id, table.c.outside_id, table.c.evidence, table.c.contest,
                   func.sum(func.abs(table.c.amount_micros)).label("size"))
            .where(*base, table.c.activity_id == row.activity_id)
            .group_by(table.c.confidence, table.c.objective_id, table.c.outside_id, table.c.evidence,
                      table.c.contest)
            .order_by(func.sum(func.abs(table.c.amount_micros)).desc(), table.c.evidence,
                      func.coalesce(table.c.objective_id, ""), func.coalesce(table.c.outside_id, ""),
                      func.coalesce(table.c.contest, ""))).first()
        single = activity_targets(connection, row.iati_identifier) == {(part.objective_id, part.outside_id)}
        items.append(ReviewItem(row.iati_identifier, row.title, row.reporting_org_ref, to_usd(row.money or 0),
                                part.confidence, part.objective_id, part.outside_id, part.evidence, part.contest,
                                single))
    return total, items


def activity_targets(connection: Connection, iati_identifier: str) -> set[tuple[str | None, str | None]]:
    """Every (objective, outside category) an activity's money goes to, however surely."""
    table, activity = schema.alignment_split, schema.activity
    return {(objective, outside) for objective, outside in connection.execute(
        select(table.c.objective_id, table.c.outside_id).distinct()
        .join(activity, activity.c.id == table.c.activity_id)
        .where(activity.c.iati_identifier == iati_identifier, table.c.sector_vocabulary == NO_SECTOR_SPLIT))}
