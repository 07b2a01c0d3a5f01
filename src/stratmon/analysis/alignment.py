"""How much money is aligned, outside the Strategy or not aligned; why an activity's money sits
where it does; whether the stored alignment is current."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, Select, bindparam, case, func, or_, select

from stratmon.analysis.activities import ActivityDetail, activity_detail
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.alignment_state import alignment_state, require_current_alignment
from stratmon.analysis.errors import QueryError
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.analysis.regional_scope import decisions_of
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.statements import made_once
from stratmon.store.alignment import Override, overrides
from stratmon.store.splits import NO_SECTOR_SPLIT

COVERAGE_KEYS = ("agency", "country", "fy")


@dataclass(frozen=True)
class CoverageRow:
    """Dollars by status for one group (or for everything)."""

    key: object
    total_usd: Decimal
    aligned_usd: Decimal
    outside_usd: Decimal
    not_aligned_usd: Decimal

    def share(self, amount: Decimal) -> Decimal | None:
        """`amount` as a fraction of the total (None unless the total is positive: shares of a net
        negative total mean nothing)."""
        return amount / self.total_usd if self.total_usd > 0 else None


@dataclass(frozen=True)
class UnalignedActivity:
    """An activity with money not aligned, and how much (its IATI identifier, or its
    ForeignAssistance.gov activity id)."""

    identifier: str
    title: str | None
    reporting_org_ref: str | None
    not_aligned_usd: Decimal


@dataclass(frozen=True)
class Coverage:
    """Alignment coverage: overall, by a key, and the largest activities not aligned."""

    transaction_type: str
    fiscal_years: FiscalYears
    by: str | None
    source: str
    overall: CoverageRow
    rows: list[CoverageRow]
    largest_not_aligned: list[UnalignedActivity]
    # Money placed (aligned or outside), by how surely: a person's override, then high, medium, low
    # (IATI only; ForeignAssistance.gov's transactions keep no confidence).
    by_confidence: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class _Source:
    """Where a source's attributed money lives, and how to read it."""

    table: object
    amount: str
    columns: dict[str, str]  # coverage key → column

    def conditions(self, transaction_type: str, fiscal_years: FiscalYears) -> list:
        table = self.table
        if table is schema.alignment_split:
            # Regional money `align` found outside the Strategy's geography is no part of its coverage.
            return [table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD,
                    table.c.type_code == TRANSACTION_TYPES[transaction_type],
                    func.coalesce(table.c.geography, "") != "out", *fiscal_years.conditions(table.c.fiscal_year)]
        return [table.c.transaction_type == transaction_type, table.c.current_micros.is_not(None),
                *fiscal_years.conditions(table.c.fiscal_year)]


SOURCES = {
    "iati": _Source(schema.alignment_split, "amount_micros",
                    {"agency": "reporting_org_ref", "country": "recipient_key", "fy": "fiscal_year"}),
    "fagov": _Source(schema.fagov_transaction, "current_micros",
                     {"agency": "managing_agency", "country": "recipient_key", "fy": "fiscal_year"}),
}


def coverage(connection: Connection, by: str | None = None, transaction_type: str = "disbursement",
             fiscal_years: FiscalYears = FiscalYears(), largest: int = 10, source: str = "iati",
             crosswalk_digest: str | None = None) -> Coverage:
    """USD aligned to an objective, outside the Strategy, and not aligned: of the IATI data (USD
    only), or of the ForeignAssistance.gov transactions (current dollars). Amounts are net:
    de-obligations and reversals count against the money they undo."""
    if by is not None and by not in COVERAGE_KEYS:
        raise QueryError(_("--by takes one of: {choices}").format(choices=", ".join(COVERAGE_KEYS)))
    if transaction_type not in TRANSACTION_TYPES:
        raise QueryError(_("--type takes one of: {choices}").format(choices=", ".join(TRANSACTION_TYPES)))
    if source not in SOURCES:
        raise QueryError(_("--source takes one of: {choices}").format(choices=", ".join(SOURCES)))
    require_current_alignment(connection, crosswalk_digest)
    spec = SOURCES[source]
    table = spec.table
    conditions = spec.conditions(transaction_type, fiscal_years)
    key = table.c[spec.columns[by]] if by else None
    columns = [key] if key is not None else []
    aligned, outside = table.c.objective_id.is_not(None), table.c.outside_id.is_not(None)
    statement = (select(*columns, aligned.label("aligned"), outside.label("outside"),
                        *exact_sum(table.c[spec.amount]))
                 .where(*conditions).group_by(*columns, aligned, outside))
    sums: dict[object, dict[str, int]] = {}
    for row in connection.execute(statement):
        group = row[0] if key is not None else None
        kind = "aligned" if row.aligned else "outside" if row.outside else "not_aligned"
        cell = sums.setdefault(group, {"aligned": 0, "outside": 0, "not_aligned": 0})
        cell[kind] += joined_sum(row.units, row.remainder)
    rows = [_coverage_row(group, cell) for group, cell in sums.items()]
    rows.sort(key=lambda r: ("" if r.key is None else str(r.key)))
    total = {"aligned": 0, "outside": 0, "not_aligned": 0}
    for cell in sums.values():
        for kind, amount in cell.items():
            total[kind] += amount
    unaligned = [*conditions, table.c.objective_id.is_(None), table.c.outside_id.is_(None)]
    largest_found = (_largest_not_aligned(connection, unaligned, largest) if source == "iati"
                     else _largest_not_aligned_fagov(connection, unaligned, largest))
    by_confidence = _by_confidence(connection, conditions) if source == "iati" else {}
    return Coverage(transaction_type, fiscal_years, by, source, _coverage_row(None, total), rows if by else [],
                    largest_found, by_confidence)


CONFIDENCE_KEYS = ("override", "high", "medium", "low")


def _by_confidence(connection: Connection, conditions: list) -> dict[str, Decimal]:
    table = schema.alignment_split
    level = case((table.c.rule == "override", "override"), else_=table.c.confidence)
    placed = or_(table.c.objective_id.is_not(None), table.c.outside_id.is_not(None))
    found = {key: 0 for key in CONFIDENCE_KEYS}
    for key, units, remainder in connection.execute(
            select(level, *exact_sum(table.c.amount_micros)).where(*conditions, placed).group_by(level)):
        found[key or "low"] = found.get(key or "low", 0) + joined_sum(units, remainder)
    return {key: to_usd(amount) for key, amount in found.items()}


def _coverage_row(key, cell: dict[str, int]) -> CoverageRow:
    return CoverageRow(key, to_usd(sum(cell.values())), to_usd(cell["aligned"]), to_usd(cell["outside"]),
                       to_usd(cell["not_aligned"]))


def _largest_not_aligned(connection: Connection, conditions: list, limit: int) -> list[UnalignedActivity]:
    table, activity = schema.alignment_split, schema.activity
    units, remainder = exact_sum(table.c.amount_micros)
    statement = (select(activity.c.iati_identifier, activity.c.title, activity.c.reporting_org_ref, units, remainder)
                 .join(activity, activity.c.id == table.c.activity_id).where(*conditions)
                 .group_by(activity.c.iati_identifier, activity.c.title, activity.c.reporting_org_ref))
    return _ranked(connection, statement, limit)


def _largest_not_aligned_fagov(connection: Connection, conditions: list, limit: int) -> list[UnalignedActivity]:
    table = schema.fagov_transaction
    units, remainder = exact_sum(table.c.current_micros)
    name, agency = func.min(table.c.activity_name), func.min(table.c.managing_agency)
    statement = select(table.c.activity_id, name, agency, units, remainder).where(*conditions).group_by(
        table.c.activity_id)
    return _ranked(connection, statement, limit)


def _ranked(connection: Connection, statement, limit: int) -> list[UnalignedActivity]:
    found = [UnalignedActivity(identifier, title, agency, to_usd(joined_sum(u, r)))
             for identifier, title, agency, u, r in connection.execute(statement)]
    found.sort(key=lambda a: (-a.not_aligned_usd, a.identifier))
    return found[:limit]


@dataclass(frozen=True)
class ExplainedPart:
    """A share of one transaction's money for one recipient, where it went and why."""

    recipient_key: str
    objective_id: str | None
    line_id: str | None
    outside_id: str | None
    rule: str
    evidence: str
    usd: Decimal
    confidence: str | None = None
    contest: str | None = None


@dataclass(frozen=True)
class ExplainedTransaction:
    """A transaction as published, and its attributed parts."""

    transaction_id: int
    type_code: str
    transaction_date: object
    fiscal_year: int
    value_usd: Decimal | None
    currency: str | None
    parts: list[ExplainedPart]


@dataclass(frozen=True)
class Explanation:
    """Why an activity's money sits where it does."""

    iati_identifier: str
    title: str | None
    reporting_org_ref: str | None
    sectors: list[tuple[str, str, str | None, float | None]]  # (vocabulary, code, name, percentage)
    overrides: list[Override]
    transactions: list[ExplainedTransaction]
    is_current: bool
    # Whether its money to the framework's regions is the Strategy's: (region key, in|out, reason, places).
    regional: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    # Recipients of its money that can never be the Strategy's (other countries and regions): not aligned.
    outside_recipients: list[str] = field(default_factory=list)


def explain(connection: Connection, iati_identifier: str, crosswalk_digest: str | None = None, *,
            detail: ActivityDetail | None = None, is_current: bool | None = None) -> Explanation:
    """Per transaction, what was attributed where and why, with the activity's override history. What a
    caller has read already is not read again: `detail`, the activity's `activity_detail`; `is_current`,
    whether the alignment is current for `crosswalk_digest`."""
    if detail is None:
        detail = activity_detail(connection, iati_identifier)
    if is_current is None:
        is_current = alignment_state(connection, crosswalk_digest).is_current
    activity_id = detail.activity_id
    parts: dict[int, list[ExplainedPart]] = {}
    for row in connection.execute(_explained_parts_statement(), {"activity_id": activity_id}):
        parts.setdefault(row.transaction_id, []).append(ExplainedPart(
            row.recipient_key, row.objective_id, row.line_id, row.outside_id, row.rule, row.evidence,
            to_usd(row.amount_micros), row.confidence, row.contest))
    transactions = [ExplainedTransaction(t.transaction_id, t.type_code, t.transaction_date, t.fiscal_year, t.usd,
                                         t.currency, parts.get(t.transaction_id, []))
                    for t in detail.transactions]
    recipients = connection.execute(_split_recipients_statement(), {"activity_id": activity_id}).scalars().all()
    placed = {part.recipient_key for found_parts in parts.values() for part in found_parts}
    sectors = [(s.vocabulary, s.code, s.name, s.percentage) for s in detail.sectors]
    return Explanation(iati_identifier, detail.title, detail.reporting_org_ref, sectors,
                       overrides(connection, iati_identifier), transactions, is_current,
                       decisions_of(connection, activity_id), sorted(set(recipients) - placed))


@made_once
def _explained_parts_statement() -> Select:
    table = schema.alignment_split
    return (select(table).where(table.c.activity_id == bindparam("activity_id"),
                                table.c.sector_vocabulary == NO_SECTOR_SPLIT)
            .order_by(table.c.transaction_id, table.c.recipient_key, table.c.rule, table.c.evidence,
                      table.c.amount_micros))


@made_once
def _split_recipients_statement() -> Select:
    split = schema.transaction_split
    return select(split.c.recipient_key).distinct().where(
        split.c.activity_id == bindparam("activity_id"), split.c.sector_vocabulary == NO_SECTOR_SPLIT)
