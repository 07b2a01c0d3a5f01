"""`stratmon align`: attribute the money inside the Strategy's geography to its objectives, and record the run.

Reads what the importer stored (splits, sectors, titles, descriptions, overrides) for the split rows
whose recipient is one of the framework's countries or regions, decides whether regional money is the
Strategy's (DESIGN.md rule 9: its activity's texts decide, `Crosswalks.regional_scope`), applies the
rules of `align.rules` with the framework's crosswalks, and hands the rows to the store. Money to any
other recipient is never read: the run's time follows the Strategy's money, not the database's.
Splitting goes through `store.splits.allocate`, so the parts of each split row add up to it
exactly. ForeignAssistance.gov transactions, when loaded, are attributed too: their "US
Sector" is the program area and their international purpose code the DAC code.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from stratmon.align.crosswalk import Crosswalks, Target, fold
from stratmon.align.rules import DAC_CATEGORY_VOCABULARY, DAC_VOCABULARY, ONE, PROGRAM_AREA_VOCABULARY, Cell, \
    Part, SectorShare, Vote, account_vote, attribute, organisation_votes, slice_parts, text_votes
from stratmon.framework.loader import FrameworkError
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.framework.model import Geography
from stratmon.store.alignment import overrides, record_alignment_run, record_geography, replace_alignment
from stratmon.store.runs import import_transaction
from stratmon.store.splits import NO_SECTOR_SPLIT, allocate, weights

VOCABULARIES = (PROGRAM_AREA_VOCABULARY, DAC_VOCABULARY, DAC_CATEGORY_VOCABULARY)
# Activities aligned per pass: what a pass reads stays in memory, so memory does not grow with the data.
PASS_ACTIVITIES = 2_000


@dataclass(frozen=True)
class AlignmentSummary:
    """What a run of `align` did."""

    transactions: int
    rows: int
    activities: int
    fagov_transactions: int = 0
    # Activities whose money to a framework region was found inside, and outside, the geography.
    regional_in: int = 0
    regional_out: int = 0


class _Inputs:
    """What the rules need, read once: sectors, texts and overrides of the activities aligned."""

    def __init__(self, connection: Connection, crosswalks: Crosswalks, activity_ids: range | list[int]) -> None:
        self.activity_sectors: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.transaction_sectors: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        sector = schema.sector
        statement = select(sector.c.activity_id, sector.c.transaction_id, sector.c.vocabulary, sector.c.code,
                           sector.c.percentage, sector.c.name).where(sector.c.vocabulary.in_(VOCABULARIES))
        for activity_id, transaction_id, vocabulary, code, percentage, name in _scoped(
                connection, statement, sector.c.activity_id, activity_ids):
            owner = self.transaction_sectors[transaction_id] if transaction_id else self.activity_sectors[activity_id]
            owner[vocabulary].append((code, percentage, name))

        activity = schema.activity
        self.identifier: dict[int, str] = {}
        self.titles: dict[int, list[str]] = defaultdict(list)
        for activity_id, identifier, title in _scoped(
                connection, select(activity.c.id, activity.c.iati_identifier, activity.c.title),
                activity.c.id, activity_ids):
            self.identifier[activity_id] = identifier
            if title:
                self.titles[activity_id].append(title)
        # Narratives have no stored order: sort them, so that both engines match keywords alike.
        narrative = schema.activity_narrative
        self.descriptions: dict[int, list[str]] = defaultdict(list)
        for activity_id, element, lang, text in sorted(_scoped(
                connection, select(narrative.c.activity_id, narrative.c.element, narrative.c.lang, narrative.c.text),
                narrative.c.activity_id, activity_ids), key=lambda r: (r[0], r[1], r[2] or "", r[3])):
            if element == "title":
                if text not in self.titles[activity_id]:
                    self.titles[activity_id].append(text)
            else:
                self.descriptions[activity_id].append(text)

        # Who carries the money out: implementing organisations and the transactions' receivers.
        self.organisations: dict[int, set[str]] = defaultdict(set)
        org = schema.participating_org
        for activity_id, name in _scoped(connection, select(org.c.activity_id, org.c.name).where(
                org.c.role == IMPLEMENTING_ROLE, org.c.name.is_not(None)), org.c.activity_id, activity_ids):
            self.organisations[activity_id].add(name)
        tx = schema.transaction
        self.account: dict[int, str] = {}
        for activity_id, transaction_id, receiver, account in _scoped(
                connection, select(tx.c.activity_id, tx.c.id, tx.c.receiver_org_name, tx.c.treasury_account),
                tx.c.activity_id, activity_ids):
            if receiver:
                self.organisations[activity_id].add(receiver)
            if account:
                self.account[transaction_id] = account

        self.override: dict[str, tuple[int, Target]] = {}
        for override in overrides(connection, active_only=True):
            target = Target.parse(override.target)
            if not crosswalks.check_target(target):
                raise FrameworkError(_(
                    "override #{id} of {activity} points at {target}, which the framework no longer has; "
                    "set it anew or revoke it with `stratmon alignment unset`").format(
                    id=override.id, activity=override.iati_identifier, target=override.target))
            self.override[override.iati_identifier] = (override.id, target)


IMPLEMENTING_ROLE = "4"


def _scoped(connection: Connection, statement, column, activity_ids: range | list[int]) -> Iterator:
    """The rows of `statement` whose `column` is one of `activity_ids`: a range of ids (one query),
    or a list of them."""
    if isinstance(activity_ids, range):
        yield from connection.execute(statement.where(column.between(activity_ids.start, activity_ids.stop - 1)))
        return
    for start in range(0, len(activity_ids), 500):
        yield from connection.execute(statement.where(column.in_(activity_ids[start:start + 500])))


def _candidate_activities(connection: Connection, geography: Geography) -> Iterator[range | list[int]]:
    """The activities with money to a recipient of the Strategy's geography, at most PASS_ACTIVITIES
    at a time: as a range of ids where they lie close together (one query a table), else as a list."""
    split = schema.transaction_split
    ids = connection.execute(select(split.c.activity_id).distinct().where(
        split.c.sector_vocabulary == NO_SECTOR_SPLIT, split.c.recipient_key.in_(sorted(geography.candidates)))
        .order_by(split.c.activity_id)).scalars().all()
    for start in range(0, len(ids), PASS_ACTIVITIES):
        chunk = ids[start:start + PASS_ACTIVITIES]
        span = range(chunk[0], chunk[-1] + 1)
        yield span if len(span) <= 2 * len(chunk) else chunk


def _shares(published: list) -> list[SectorShare]:
    if not published:
        return []
    published = sorted(published, key=lambda item: item[0])
    names = {code: name for code, _pct, name in published}
    shares, _rebased = weights([(code, None if pct is None else Decimal(str(pct))) for code, pct, _n in published])
    return [SectorShare(code, names.get(code), weight) for code, weight in shares]


def _dac_vocabulary(sectors: dict[str, list]) -> str:
    """DAC purpose codes when published, else DAC categories."""
    return DAC_VOCABULARY if sectors.get(DAC_VOCABULARY) else DAC_CATEGORY_VOCABULARY


class Aligner:
    """Computes the alignment rows of split rows, caching each transaction's cells."""

    def __init__(self, crosswalks: Crosswalks, inputs: _Inputs, seen_texts: dict[bytes, tuple[Vote, ...]],
                 decisions: dict[tuple[int, str], tuple[str, str, str | None]]) -> None:
        self.crosswalks = crosswalks
        self.inputs = inputs
        self._cells: dict[tuple, tuple[list[Cell], str]] = {}
        self._activity_votes: dict[int, list[Vote]] = {}
        self._folded: dict[int, str] = {}
        self._seen_texts = seen_texts
        self._region_scope = {region.key: region.scope for region in crosswalks.framework.regions}
        # (activity id, region key) → (in|out, reason, places named): what `record_geography` stores.
        self.decisions = decisions

    def activity_votes(self, activity_id: int) -> list[Vote]:
        """The votes of an activity's texts and organisations (shared by its transactions)."""
        found = self._activity_votes.get(activity_id)
        if found is None:
            inputs = self.inputs
            titles, descriptions = inputs.titles.get(activity_id, []), inputs.descriptions.get(activity_id, [])
            # Many activities repeat another's texts (one programme, many awards): read each text once,
            # remembered by a digest so that memory does not grow with the texts' length.
            digest = hashlib.blake2b("\x00".join(titles).encode() + b"\x01" + "\x00".join(descriptions).encode(),
                                     digest_size=16).digest()
            texts = self._seen_texts.get(digest)
            if texts is None:
                texts = self._seen_texts[digest] = tuple(text_votes(self.crosswalks, titles, descriptions))
            found = self._activity_votes[activity_id] = [
                *texts, *organisation_votes(self.crosswalks, sorted(inputs.organisations.get(activity_id, ())))]
        return found

    def cells(self, activity_id: int, transaction_id: int) -> tuple[list[Cell], str]:
        """A transaction's attribution cells (its own sectors per vocabulary, else the activity's),
        and the DAC vocabulary they were read in."""
        own = self.inputs.transaction_sectors.get(transaction_id, {})
        account = self.inputs.account.get(transaction_id)
        # Transactions of one activity usually share its sectors and account: compute those once.
        key = (activity_id, transaction_id if own else None, account)
        found = self._cells.get(key)
        if found is None:
            activity_level = self.inputs.activity_sectors.get(activity_id, {})
            sectors = {v: own.get(v) or activity_level.get(v, []) for v in VOCABULARIES}
            dac_vocabulary = _dac_vocabulary(sectors)
            identifier = self.inputs.identifier.get(activity_id)

            def other_votes() -> list[Vote]:
                vote = account_vote(self.crosswalks, account)
                return [*self.activity_votes(activity_id), *([vote] if vote else [])]

            cells = attribute(
                self.crosswalks, _shares(sectors[PROGRAM_AREA_VOCABULARY]), _shares(sectors[dac_vocabulary]),
                other_votes, self.inputs.override.get(identifier))
            found = self._cells[key] = (cells, dac_vocabulary)
        return found

    def regional_scope(self, activity_id: int, recipient_key: str) -> tuple[str, str, str | None]:
        """Whether an activity's money to a framework region is the Strategy's, and why: a person's
        override keeps it in; else its texts decide (`Crosswalks.regional_scope`)."""
        key = (activity_id, recipient_key)
        found = self.decisions.get(key)
        if found is None:
            if self.inputs.override.get(self.inputs.identifier.get(activity_id)) is not None:
                found = ("in", "override", None)
            else:
                folded = self._folded.get(activity_id)
                if folded is None:
                    texts = [*self.inputs.titles.get(activity_id, []), *self.inputs.descriptions.get(activity_id, [])]
                    folded = self._folded[activity_id] = fold("\n".join(t for t in texts if t))
                found = self.crosswalks.regional_scope(self._region_scope[recipient_key], folded)
            self.decisions[key] = found
        return found

    def rows(self, split: dict) -> Iterator[dict]:
        """The alignment rows refining one transaction_split row (of a recipient in the geography's
        candidates: a country, or a framework region)."""
        activity_id = split["activity_id"]
        if split["recipient_key"] in self._region_scope:
            decision, reason, places = self.regional_scope(activity_id, split["recipient_key"])
            split = {**split, "geography": decision}
            if decision == "out":
                # Kept apart from the Strategy's figures (rule 9), under the geography's outside category.
                category = self.crosswalks.geography_category or None
                target = Target(outside_id=category)
                yield {**split, "line_id": None, "objective_id": None, "outside_id": category,
                       "rule": "geography", "evidence": f"geo:{places or ''}={target}/specific",
                       "confidence": "medium", "contest": None}
                return
        cells, dac_vocabulary = self.cells(activity_id, split["transaction_id"])
        parts = slice_parts(cells, split["sector_vocabulary"], split["sector_code"], dac_vocabulary)
        # A fixed order, so that odd cents land on the same part on every engine.
        parts.sort(key=lambda item: (str(item[0].target), item[0].rule, item[0].evidence, item[0].losing))
        for (part, _weight), amount in zip(parts, allocate(split["amount_micros"], [w for _p, w in parts])):
            objective = part.target.objective_id
            yield {**split, "line_id": self.crosswalks.line_of(objective) if objective else None,
                   "objective_id": objective, "outside_id": part.target.outside_id, "rule": part.rule,
                   "evidence": part.evidence, "confidence": part.confidence, "contest": part.losing or None,
                   "amount_micros": amount}


def align(engine: Engine, crosswalks: Crosswalks) -> AlignmentSummary:
    """(Re)compute the alignment of everything, in one transaction, and record the run."""
    with import_transaction(engine) as connection:
        return align_in(connection, crosswalks)


def realign_activity(connection: Connection, crosswalks: Crosswalks, iati_identifier: str) -> bool:
    """Re-align one activity in the caller's transaction (after an override changes), when the rest
    of the alignment was made with these crosswalks and data (else mixing two versions would pass
    for current, and a full `stratmon align` is due); whether it did."""
    from stratmon.analysis.alignment_state import alignment_state

    if not alignment_state(connection, crosswalks.digest).is_current:
        return False
    align_in(connection, crosswalks, [iati_identifier])
    return True


def align_in(connection: Connection, crosswalks: Crosswalks,
             iati_identifiers: list[str] | None = None) -> AlignmentSummary:
    """(Re)compute alignment inside the caller's write transaction: of everything in the Strategy's
    geography (recording the run), or only of the activities named."""
    geography = crosswalks.framework.geography
    activity_ids = None
    if iati_identifiers is not None:
        activity = schema.activity
        activity_ids = [row[0] for row in connection.execute(
            select(activity.c.id).where(activity.c.iati_identifier.in_(iati_identifiers)))]
    passes = _candidate_activities(connection, geography) if activity_ids is None else [activity_ids]
    split = schema.transaction_split
    candidates = frozenset(geography.candidates)
    seen = {"transactions": 0, "activities": 0}
    seen_texts: dict[bytes, tuple[Vote, ...]] = {}
    decisions: dict[tuple[int, str], tuple[str, str, str | None]] = {}

    def all_rows() -> Iterator[dict]:
        for scope in passes:
            aligner = Aligner(crosswalks, _Inputs(connection, crosswalks, scope), seen_texts, decisions)
            # A pass's split rows (a bounded number) are read whole before its alignment rows are
            # written through the same connection, rather than holding a cursor open across writes.
            # They are found by activity and their recipient kept here: given both conditions, SQLite
            # chose the recipient index, so that every pass read every pass's rows (quadratic in the data).
            splits = [dict(row._mapping) for row in _scoped(connection, select(split), split.c.activity_id, scope)
                      if row.recipient_key in candidates]
            seen["transactions"] += len({row["transaction_id"] for row in splits})
            seen["activities"] += len({row["activity_id"] for row in splits})
            for row in splits:
                yield from aligner.rows(row)

    written = replace_alignment(connection, all_rows(), activity_ids)
    record_geography(connection, decisions, activity_ids)
    fagov_rows = 0
    if activity_ids is None:
        fagov_rows = _align_fagov(connection, crosswalks)
        record_alignment_run(connection, framework_id=crosswalks.framework.id,
                             crosswalk_digest=crosswalks.digest, transactions=seen["transactions"], rows=written)
    regional = defaultdict(set)
    for (activity_id, _key), (decision, _reason, _places) in decisions.items():
        regional[decision].add(activity_id)
    return AlignmentSummary(seen["transactions"], written, seen["activities"], fagov_rows,
                            len(regional["in"]), len(regional["out"]))


def _fagov_part(crosswalks: Crosswalks, us_sector: str, dac_purpose: str, other_votes) -> Part:
    areas = [SectorShare("", us_sector, ONE)] if us_sector else []
    dacs = [SectorShare(dac_purpose, None, ONE)] if dac_purpose else []
    return attribute(crosswalks, areas, dacs, other_votes)[0].part


def _align_fagov(connection: Connection, crosswalks: Crosswalks) -> int:
    """Attribute every ForeignAssistance.gov transaction: one UPDATE per (US sector, purpose code) where
    no activity name has a phrase of the keyword rules, else per activity name. Returns how many rows there are."""
    table = schema.fagov_transaction
    sector, purpose = func.coalesce(table.c.us_sector, ""), func.coalesce(table.c.dac_purpose, "")
    name = func.coalesce(table.c.activity_name, "")
    values = {"line_id": bindparam("b_line"), "objective_id": bindparam("b_objective"),
              "outside_id": bindparam("b_outside"), "alignment_rule": bindparam("b_rule"),
              "alignment_evidence": bindparam("b_evidence")}
    by_combo = update(table).where(sector == bindparam("b_sector"), purpose == bindparam("b_purpose")).values(values)
    by_name = update(table).where(sector == bindparam("b_sector"), purpose == bindparam("b_purpose"),
                                  name == bindparam("b_name")).values(values)
    combos, named = [], []
    for us_sector, dac_purpose in connection.execute(select(sector, purpose).distinct()).all():
        names = [row[0] for row in connection.execute(select(name).distinct().where(
            sector == us_sector, purpose == dac_purpose))]
        votes = {activity_name: text_votes(crosswalks, [activity_name], []) for activity_name in names}
        if not any(votes.values()):
            part = _fagov_part(crosswalks, us_sector, dac_purpose, list)
            combos.append({"b_sector": us_sector, "b_purpose": dac_purpose, **_values(crosswalks, part)})
            continue
        for activity_name in names:
            part = _fagov_part(crosswalks, us_sector, dac_purpose, lambda: votes[activity_name])
            named.append({"b_sector": us_sector, "b_purpose": dac_purpose, "b_name": activity_name,
                          **_values(crosswalks, part)})
    if combos:
        connection.execute(by_combo, combos)
    if named:
        connection.execute(by_name, named)
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _values(crosswalks: Crosswalks, part: Part) -> dict:
    objective = part.target.objective_id
    return {"b_line": crosswalks.line_of(objective) if objective else None, "b_objective": objective,
            "b_outside": part.target.outside_id, "b_rule": part.rule, "b_evidence": part.evidence}
