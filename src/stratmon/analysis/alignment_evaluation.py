"""Precision of the attribution, measured on activities that people labelled by reading them.

A labels file (CSV) names, per activity, every objective (or `outside:<category>`) a reader accepts
as right, the best first, and why. The rules' answer for an activity is the target holding the largest
share of its FY2016–2020 net disbursements (of all its attributed money when it disbursed nothing
then). An answer is right when it is one of the acceptable targets, or a sub-objective or the parent
of one; its line of action is right when it is the line of one of them (each outside category counts
as a line of its own). By dollars, every part of an activity's FY2016–2020 disbursements counts, right
or wrong, for its amount.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, func, select

from stratmon.align.crosswalk import Crosswalks
from stratmon.analysis.alignment_state import require_current_alignment
from stratmon.analysis.errors import QueryError
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, to_usd
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.splits import NO_SECTOR_SPLIT

NOT_ALIGNED = "none"
HALVES = ("tune", "test", "all")
REQUIRED_COLUMNS = ("iati_identifier", "objectives")
DOLLAR_YEARS = (2016, 2020)
MAX_LABELS_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Label:
    """What a reader accepts for one activity."""

    identifier: str
    acceptable: tuple[str, ...]
    reason: str = ""
    draw: str = ""
    half: str = ""
    sure: bool = True


@dataclass(frozen=True)
class Judged:
    """One labelled activity: what the rules answered and whether it is right."""

    identifier: str
    title: str | None
    acceptable: tuple[str, ...]
    predicted: str
    objective_right: bool
    line_right: bool
    usd: Decimal  # FY2016–2020 net disbursements
    usd_objective_right: Decimal
    usd_line_right: Decimal
    reason: str


@dataclass(frozen=True)
class Evaluation:
    """Precision on a labelled sample, by activities and by dollars, with every miss."""

    labels_path: str
    half: str
    labelled: int
    missing: list[str]
    judged: list[Judged]
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (labelled line, answered line) → count
    # Labelled activities whose money is all outside the Strategy's geography by the framework's own rule
    # (a wider region, texts naming none of its countries: DESIGN.md rule 9): not the Strategy's money,
    # so no attribution of it is judged.
    out_of_scope: list[str] = field(default_factory=list)

    @property
    def activities(self) -> int:
        return len(self.judged)

    def share(self, right: int | Decimal, total: int | Decimal) -> Decimal | None:
        return Decimal(right) / Decimal(total) if total else None

    @property
    def objective_by_activities(self) -> Decimal | None:
        return self.share(sum(j.objective_right for j in self.judged), self.activities)

    @property
    def line_by_activities(self) -> Decimal | None:
        return self.share(sum(j.line_right for j in self.judged), self.activities)

    @property
    def usd(self) -> Decimal:
        return sum((j.usd for j in self.judged), Decimal(0))

    @property
    def objective_by_dollars(self) -> Decimal | None:
        return self.share(sum((j.usd_objective_right for j in self.judged), Decimal(0)), self.usd)

    @property
    def line_by_dollars(self) -> Decimal | None:
        return self.share(sum((j.usd_line_right for j in self.judged), Decimal(0)), self.usd)

    @property
    def misses(self) -> list[Judged]:
        return sorted((j for j in self.judged if not j.objective_right), key=lambda j: (-j.usd, j.identifier))


def shipped_labels_path(crosswalks: Crosswalks) -> Path | None:
    """The evaluation set shipped with the framework (`evaluation/labels.csv` beside its crosswalks)."""
    framework_id = crosswalks.framework.id.replace("-", "_")
    candidate = Path(str(resources.files("stratmon.framework") / framework_id / "evaluation" / "labels.csv"))
    return candidate if candidate.is_file() else None


def read_labels(path: Path) -> list[Label]:
    """The labels of a CSV file; a file that cannot be read is refused with its line."""
    try:
        if path.stat().st_size > MAX_LABELS_BYTES:
            raise QueryError(_("{path}: larger than the limit of {limit} bytes").format(
                path=path, limit=MAX_LABELS_BYTES))
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise QueryError(_("{path}: cannot read the file: {reason}").format(path=path, reason=exc.strerror)) from None
    except UnicodeDecodeError:
        raise QueryError(_("{path}: not UTF-8 text").format(path=path)) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise QueryError(_("{path}:1: missing column '{column}'").format(path=path, column=missing[0]))
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise QueryError(_("{path}:{line}: malformed CSV: {error}").format(
            path=path, line=reader.line_num, error=exc)) from None
    labels, seen = [], set()
    for line, row in rows:
        identifier = (row.get("iati_identifier") or "").strip()
        acceptable = tuple((row.get("objectives") or "").split())
        if not identifier or not acceptable:
            raise QueryError(_("{path}:{line}: an activity and at least one objective are needed").format(
                path=path, line=line))
        if identifier in seen:
            raise QueryError(_("{path}:{line}: {identifier} is labelled twice").format(
                path=path, line=line, identifier=identifier))
        seen.add(identifier)
        labels.append(Label(identifier, acceptable, (row.get("reason") or "").strip(), (row.get("draw") or "").strip(),
                            (row.get("half") or "").strip(), (row.get("sure") or "yes").strip().lower() != "no"))
    return labels


def evaluate(connection: Connection, crosswalks: Crosswalks, labels: list[Label], *, labels_path: str = "",
             half: str = "test") -> Evaluation:
    """Judge the current alignment against `labels` (those of one half, or all)."""
    if half not in HALVES:
        raise QueryError(_("--half takes one of: {choices}").format(choices=", ".join(HALVES)))
    require_current_alignment(connection, crosswalks.digest)
    for label in labels:
        for target in label.acceptable:
            if not _known(crosswalks, target):
                raise QueryError(_("{path}: {identifier}: {target} is no objective or outside category of the "
                                   "framework").format(path=labels_path, identifier=label.identifier, target=target))
    chosen = [label for label in labels if half == "all" or label.half == half]
    activity = schema.activity
    ids: dict[str, tuple[int, str | None]] = {}
    identifiers = [label.identifier for label in chosen]
    for start in range(0, len(identifiers), 500):
        for row in connection.execute(select(activity.c.iati_identifier, activity.c.id, activity.c.title)
                                      .where(activity.c.iati_identifier.in_(identifiers[start:start + 500]))):
            ids[row.iati_identifier] = (row.id, row.title)
    amounts = _amounts(connection, [activity_id for activity_id, _title in ids.values()])
    wider_only = _outside_by_scope(connection, [activity_id for activity_id, _title in ids.values()])
    judged, confusion, out_of_scope = [], Counter(), []
    for label in chosen:
        if label.identifier not in ids:
            continue
        activity_id, title = ids[label.identifier]
        parts = amounts.get(activity_id, {})
        if activity_id in wider_only and set(parts) == {f"outside:{crosswalks.geography_category}"}:
            out_of_scope.append(label.identifier)
            continue
        judged_one = _judge(crosswalks, label, title, parts)
        judged.append(judged_one)
        confusion[(_line(crosswalks, label.acceptable[0]), _line(crosswalks, judged_one.predicted))] += 1
    missing = [label.identifier for label in chosen if label.identifier not in ids]
    return Evaluation(labels_path, half, len(chosen), missing, judged, dict(confusion), out_of_scope)


def _outside_by_scope(connection: Connection, activity_ids: list[int]) -> set[int]:
    """The activities whose every decision on regional money is the framework's rule for wider regions
    (`context-region`: out, its texts naming none of the Strategy's countries)."""
    scope = schema.regional_scope
    reasons: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(activity_ids), 500):
        for activity_id, reason in connection.execute(select(scope.c.activity_id, scope.c.reason).where(
                scope.c.activity_id.in_(activity_ids[start:start + 500]))):
            reasons[activity_id].add(reason)
    return {activity_id for activity_id, found in reasons.items() if found == {"context-region"}}


def _amounts(connection: Connection, activity_ids: list[int]) -> dict[int, dict[str, dict[str, Decimal]]]:
    """Per activity and target: FY2016–2020 net disbursements ("usd") and all attributed money ("any")."""
    table = schema.alignment_split
    target = func.coalesce(table.c.objective_id, "outside:" + table.c.outside_id, NOT_ALIGNED)
    found: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(
        lambda: {"usd": Decimal(0), "any": Decimal(0), "rows": Decimal(0)}))
    in_years = table.c.fiscal_year.between(*DOLLAR_YEARS) & (table.c.type_code == TRANSACTION_TYPES["disbursement"])
    for start in range(0, len(activity_ids), 500):
        statement = (select(table.c.activity_id, target.label("target"), in_years.label("in_years"),
                            func.sum(table.c.amount_micros), func.sum(func.abs(table.c.amount_micros)), func.count())
                     .where(table.c.activity_id.in_(activity_ids[start:start + 500]),
                            table.c.sector_vocabulary == NO_SECTOR_SPLIT, table.c.currency == USD)
                     .group_by(table.c.activity_id, target, in_years))
        for activity_id, key, in_window, net, gross, rows in connection.execute(statement):
            cell = found[activity_id][key]
            cell["any"] += Decimal(gross or 0)
            cell["rows"] += rows
            if in_window:
                cell["usd"] += Decimal(net or 0)
    return found


def _judge(crosswalks: Crosswalks, label: Label, title: str | None, parts: dict[str, dict[str, Decimal]]) -> Judged:
    by_usd = {target: cell["usd"] for target, cell in parts.items()}
    # What the rules answered: by FY2016–2020 disbursements, else by all money, else (an activity whose
    # transactions are all zero) by the number of its parts.
    for measure in (by_usd, {t: c["any"] for t, c in parts.items()}, {t: c["rows"] for t, c in parts.items()}):
        if any(value > 0 for value in measure.values()):
            predicted = max(sorted(measure), key=lambda t: measure[t])
            break
    else:
        predicted = NOT_ALIGNED
    lines = {_line(crosswalks, target) for target in label.acceptable}
    total = sum(by_usd.values(), Decimal(0))
    right_objective = sum((v for t, v in by_usd.items() if _matches(crosswalks, t, label.acceptable)), Decimal(0))
    right_line = sum((v for t, v in by_usd.items() if _line(crosswalks, t) in lines), Decimal(0))
    return Judged(label.identifier, title, label.acceptable, predicted,
                  _matches(crosswalks, predicted, label.acceptable), _line(crosswalks, predicted) in lines,
                  to_usd(int(total)), to_usd(int(right_objective)), to_usd(int(right_line)), label.reason)


def _known(crosswalks: Crosswalks, target: str) -> bool:
    if target.startswith("outside:"):
        return target.removeprefix("outside:") in crosswalks.outside
    return target in crosswalks.line_by_objective


def _matches(crosswalks: Crosswalks, predicted: str, acceptable: tuple[str, ...]) -> bool:
    if predicted == NOT_ALIGNED:
        return False
    for target in acceptable:
        if predicted == target:
            return True
        if not predicted.startswith("outside:") and not target.startswith("outside:") and (
                predicted.startswith(target + ".") or target.startswith(predicted + ".")):
            return True
    return False


def _line(crosswalks: Crosswalks, target: str) -> str:
    if target == NOT_ALIGNED or target.startswith("outside:"):
        return target
    return crosswalks.line_of(target)


def published_precision(connection: Connection, crosswalks: Crosswalks) -> Evaluation | None:
    """The precision the report and the portal state: the framework's own evaluation set, its held-out
    half, against the current alignment (None when the framework ships no evaluation set)."""
    path = shipped_labels_path(crosswalks)
    if path is None:
        return None
    return evaluate(connection, crosswalks, read_labels(path), labels_path=path.name, half="test")
