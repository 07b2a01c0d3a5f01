"""The attribution rules (DESIGN.md rule 7), as pure functions: signals vote, a resolver weighs them.

Every signal the data carries proposes a target (an objective, an outside-the-Strategy category, or
for an appropriation account a whole line of action) with the strength its crosswalk entry gives it:
the U.S. program area (sector vocabulary 99), the OECD DAC purpose code (vocabulary 1) or category
(vocabulary 2), phrases in the titles and descriptions (English and Spanish), the implementing and
receiving organisations, and the appropriation (treasury) account. A person's override always wins.

Weighing, deterministic and explainable:
- A vote weighs 2 (broad), 4 (specific) or 8 (strong); a `fallback` weighs 1 and so decides only where
  nothing else speaks (or agrees with what does). Votes come in families (the publisher's sector
  coding, the texts, the organisations, the accounts); within a family the strongest vote for a target
  counts and each other vote agreeing with it adds 1, so that a program area and a DAC code that repeat
  each other do not count as two independent witnesses. Families add up.
- Each target (objective or outside category) that some vote names is scored from the votes for it and
  the votes for its whole line: an account's line-only vote, and a program area that leaves the
  objective inside its line to the DAC code (`refine_by_dac`, when the cell's DAC code names an
  objective there), which then names no objective of its own. The best-scored target wins. A line-only
  vote never places money by itself.
- Ties go to the stronger single vote, then to a target named in the title (where a publisher
  states the purpose; sector codes are often a bureau's defaults), then to the signal order program
  area, DAC, keywords, organisation, account, then to the target's id.
- A program area that leaves the objective to the DAC code keeps its own where the code only
  restates the area's name (`restated_by`: "Human rights" beside "Rule of Law and Human Rights").
- Confidence: high where two or more signals agree and the winner leads by at least a specific vote;
  low where only broad signals decide, or a conflict remains (the runner-up within one point, or a
  specific or strong signal for another line of action within a specific vote); medium otherwise (one
  specific signal decides). Low-confidence parts make the review queue.

A transaction with program areas i (shares p) and DAC codes j (shares q) is attributed cell by cell,
cell (i, j) weighing p × q, so that the result can be sliced by either vocabulary and still add up.

Evidence is a list of votes joined by " + ", each `<source>=<target>/<strength>`, the source being
`99:<code>`, `us-sector:<name>`, `1:<code>`, `2:<code>`, `kw:<rule>@title|description`, `org:<id>`,
`acct:<code>` or `override:<id>`; the target an objective id, `outside:<id>` or `line:<id>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from stratmon.align.crosswalk import NOWHERE, Crosswalks, Target, fold, fold_published

PROGRAM_AREA_VOCABULARY = "99"
DAC_VOCABULARY = "1"
DAC_CATEGORY_VOCABULARY = "2"  # used when a publisher gives 3-digit DAC categories and no purpose codes
ONE = Decimal(1)

WEIGHTS = {"fallback": 1, "broad": 2, "specific": 4, "strong": 8}
WEAKER = {"strong": "specific", "specific": "broad", "broad": "broad", "fallback": "fallback"}
WEAK = ("fallback", "broad")
# Which signals repeat one another (see the module docstring), and the order that breaks ties.
FAMILY = {"program_area": "sectors", "dac": "sectors", "keyword": "texts", "organisation": "organisations",
          "account": "accounts"}
SIGNAL_ORDER = ("program_area", "dac", "keyword", "organisation", "account")
CONFIDENCE_LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class Vote:
    """One signal's proposal: a target (or a whole line), how strongly, and where it was read."""

    signal: str  # program_area | dac | keyword | organisation | account
    source: str  # e.g. 99:2002, 1:15220, kw:violence_prevention@title, acct:1022
    strength: str  # broad | specific | strong
    target: Target = NOWHERE
    line_id: str | None = None  # a line-only vote (no objective)
    fixes_line_only: bool = False  # a program area whose DAC code picks the objective inside its line
    lines: tuple[str, ...] = ()  # for those: the lines inside which the DAC code may pick
    restated_by: tuple[str, ...] = ()  # DAC codes that only restate the program area: they do not pick

    @property
    def weight(self) -> int:
        return WEIGHTS[self.strength]

    def token(self) -> str:
        """The vote as evidence: `source=target/strength`."""
        target = f"line:{self.line_id}" if self.line_id and self.target == NOWHERE else str(self.target)
        return f"{self.source}={target}/{self.strength}"


@dataclass(frozen=True)
class Part:
    """Where a share of money goes, by which signal, on what evidence, how surely."""

    target: Target
    rule: str  # override | program_area | dac | keyword | organisation | account | geography | none
    evidence: str
    confidence: str | None = None  # high | medium | low; None where nothing voted
    losing: str = ""  # the votes for other targets, as evidence


@dataclass(frozen=True)
class Cell:
    """One (program area, DAC code) cell of a transaction's sectors, and its attribution."""

    program_area: str | None
    dac: str | None
    weight: Decimal
    part: Part


@dataclass(frozen=True)
class SectorShare:
    """A sector of one vocabulary as published, with its weight (relative to the others of the
    same vocabulary; the percentage as published, or 1 for a lone sector)."""

    code: str
    name: str | None
    weight: Decimal


def attribute(crosswalks: Crosswalks, program_areas: list[SectorShare], dac_codes: list[SectorShare],
              other_votes: Callable[[], list[Vote]], override: tuple[int, Target] | None = None) -> list[Cell]:
    """The cells of one transaction. `other_votes` (texts, organisations, account) is asked for once, and
    not at all when an override decides."""
    areas = program_areas or [SectorShare("", None, ONE)]
    dacs = dac_codes or [SectorShare("", None, ONE)]
    if override is not None:
        part = Part(override[1], "override", f"override:{override[0]}={override[1]}/override", "high")
        return [Cell(a.code or None, d.code or None, a.weight * d.weight, part) for a in areas for d in dacs]
    others = tuple(other_votes())
    area_votes = {area.code or area.name: program_area_vote(crosswalks, area) for area in areas}
    dac_votes = {dac.code: dac_vote(crosswalks, dac) for dac in dacs}
    cells = []
    for area in areas:
        for dac in dacs:
            votes = tuple(v for v in _refined(crosswalks, area_votes[area.code or area.name], dac_votes[dac.code])
                          if v is not None)
            part = _resolved(crosswalks, votes + others, _silent_sources(crosswalks, area, dac))
            cells.append(Cell(area.code or None, dac.code or None, area.weight * dac.weight, part))
    return cells


def _resolved(crosswalks: Crosswalks, votes: tuple[Vote, ...], silent: str) -> Part:
    """`resolve`, remembered: the same votes come back for transaction after transaction."""
    memo = _RESOLVED.setdefault(crosswalks.digest, {})
    key = (votes, silent)
    part = memo.get(key)
    if part is None:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        part = memo[key] = resolve(crosswalks, list(votes), silent)
    return part


_RESOLVED: dict[str, dict[tuple, Part]] = {}
MEMO_LIMIT = 50_000


def program_area_vote(crosswalks: Crosswalks, area: SectorShare) -> Vote | None:
    """What a published program area proposes (None when it is unknown or says nothing of purpose)."""
    if not (area.code or area.name):
        return None
    entry = crosswalks.program_area(area.code, area.name)
    if entry is None or entry.unspecific:
        return None
    source = f"{PROGRAM_AREA_VOCABULARY}:{area.code}" if area.code else f"us-sector:{area.name}"
    lines = tuple(sorted(crosswalks.refinable_lines(entry)))
    return Vote("program_area", source, entry.strength or "specific", entry.target, lines=lines,
                restated_by=entry.restated_by)


def _refined(crosswalks: Crosswalks, area: Vote | None, dac: Vote | None) -> tuple[Vote | None, Vote | None]:
    """A program area that leaves the objective to the DAC code (`refine_by_dac`) only fixes its line
    when the cell's DAC code names an objective in one of the lines it allows; otherwise it speaks for
    its own objective in full."""
    if area is None or not area.lines or (dac is not None and dac.source.split(":")[1] in area.restated_by):
        return area, dac
    objective = dac.target.objective_id if dac is not None else None
    if objective and objective != area.target.objective_id and crosswalks.line_of(objective) in area.lines:
        return replace(area, fixes_line_only=True), dac
    return area, dac


def dac_vote(crosswalks: Crosswalks, dac: SectorShare) -> Vote | None:
    """What a DAC purpose code proposes: its own entry (specific by default), else its category's (broad)."""
    if not dac.code:
        return None
    found = crosswalks.dac(dac.code)
    if found is None or found[1].unspecific:
        return None
    vocabulary, entry = found
    code = dac.code if vocabulary == DAC_VOCABULARY else dac.code[:3]
    default = "specific" if vocabulary == DAC_VOCABULARY else "broad"
    return Vote("dac", f"{vocabulary}:{code}", entry.strength or default, entry.target)


def _silent_sources(crosswalks: Crosswalks, area: SectorShare, dac: SectorShare) -> str:
    """The sectors of a cell that said nothing (kept in the evidence of money no signal placed)."""
    steps = []
    if area.code or area.name:
        steps.append(f"{PROGRAM_AREA_VOCABULARY}:{area.code}" if area.code else f"us-sector:{area.name}")
    if dac.code:
        found = crosswalks.dac(dac.code)
        if found is None or found[0] == DAC_VOCABULARY:
            steps.append(f"{DAC_VOCABULARY}:{dac.code}")
        else:
            steps.append(f"{DAC_CATEGORY_VOCABULARY}:{dac.code[:3]}")
    return " + ".join(steps)


def _supports(crosswalks: Crosswalks, vote: Vote, target: Target) -> bool:
    """Whether `vote` speaks for `target`: by naming it, or by naming its line only (an account, or a
    program area that leaves the objective inside its line to the DAC code)."""
    if vote.target == target:
        return True
    objective = target.objective_id
    if objective is None:
        return False
    if vote.target == NOWHERE:
        return vote.line_id == crosswalks.line_of(objective)
    return vote.fixes_line_only and crosswalks.line_of(objective) in vote.lines


def _family_score(votes: list[Vote]) -> int:
    """Families add up; inside a family the strongest vote counts and every other one adds 1."""
    by_family: dict[str, list[int]] = {}
    for vote in votes:
        by_family.setdefault(FAMILY[vote.signal], []).append(vote.weight)
    return sum(max(weights) + len(weights) - 1 for weights in by_family.values())


def resolve(crosswalks: Crosswalks, votes: list[Vote], silent: str = "") -> Part:
    """Weigh the votes of one cell into a part (see the module docstring)."""
    # A program area that only fixes the line names no objective of its own (the DAC code picks it).
    targets = sorted({v.target for v in votes if v.target != NOWHERE and not v.fixes_line_only}, key=str)
    if not targets:
        return Part(NOWHERE, "none", silent)
    ranked = []
    for target in targets:
        support = [v for v in votes if _supports(crosswalks, v, target)]
        direct = [v for v in support if v.target == target]
        strongest = max(v.weight for v in direct)
        first = min(SIGNAL_ORDER.index(v.signal) for v in direct if v.weight == strongest)
        titled = any(v.source.endswith("@title") for v in direct)
        ranked.append(((_family_score(support), strongest, titled, -first, str(target)), target, support, direct))
    ranked.sort(key=lambda item: item[0], reverse=True)
    (score, strongest, _titled, _first, _key), target, supporting, direct = ranked[0]
    runner_up = ranked[1][0][0] if len(ranked) > 1 else 0
    rule = next(s for s in SIGNAL_ORDER if any(v.signal == s and v.weight == strongest for v in direct))
    losing = [v for v in votes if v not in supporting]
    confidence = _confidence(crosswalks, target, score, runner_up, supporting, losing)
    evidence = " + ".join(v.token() for v in _ordered(supporting))
    return Part(target, rule, evidence, confidence, " + ".join(v.token() for v in _ordered(losing)))


def _ordered(votes: list[Vote]) -> list[Vote]:
    return sorted(votes, key=lambda v: (SIGNAL_ORDER.index(v.signal), -v.weight, v.source))


def _confidence(crosswalks: Crosswalks, target: Target, score: int, runner_up: int, supporting: list[Vote],
                losing: list[Vote]) -> str:
    """high: two or more signals agree and the winner leads by at least a specific vote; low: only broad
    signals speak for it, or a specific or strong signal for another line of action comes within a
    specific vote of it (a conflict remains); medium: otherwise (one specific signal decides)."""
    margin = score - runner_up
    if all(v.strength in WEAK for v in supporting) or margin <= 1:
        return "low"
    line = _line_of(crosswalks, target)
    if margin < WEIGHTS["specific"] and any(
            v.strength not in WEAK and _line_of(crosswalks, v.target, v.line_id) != line for v in losing):
        return "low"
    if len({v.signal for v in supporting}) >= 2 and margin >= WEIGHTS["specific"]:
        return "high"
    return "medium"


def _line_of(crosswalks: Crosswalks, target: Target, line_id: str | None = None) -> str:
    if target.objective_id:
        return crosswalks.line_of(target.objective_id)
    return str(target) if target != NOWHERE else f"line:{line_id}"


def text_votes(crosswalks: Crosswalks, titles: list[str], descriptions: list[str]) -> list[Vote]:
    """A vote for every keyword rule matching the titles or the opening sentence of a description (where
    publishers state the purpose: at the rule's strength), else the rest of the descriptions (one step
    weaker, or the rule's own `in_description`). Texts of each kind are read together, in every language."""
    votes: list[Vote] = []
    in_title = crosswalks.keyword_rules_in(fold_published("\n".join(text for text in titles if text)))
    matched = {rule.id for rule in in_title}
    votes += [Vote("keyword", f"kw:{rule.id}@title", rule.strength, rule.target) for rule in in_title]
    texts = [text for text in descriptions if text]
    parts = [fold_published(text) for text in texts]
    folded = "\n".join(parts)
    # Where each description's opening sentence lies in the folded text (folding keeps lengths but for
    # rare letters, which can only shift a span's end by a character or two).
    spans, offset = [], 0
    for text, part in zip(texts, parts):
        spans.append((offset, offset + len(fold_published(opening_sentence(text)))))
        offset += len(part) + 1
    for rule in crosswalks.keyword_rules_in(folded):
        if rule.id in matched:
            continue
        pattern = crosswalks.keyword_pattern(rule.id)
        if any((hit := pattern.search(folded, begin)) and hit.start() < end for begin, end in spans):
            votes.append(Vote("keyword", f"kw:{rule.id}@purpose", rule.strength, rule.target))
        else:
            votes.append(Vote("keyword", f"kw:{rule.id}@description", rule.in_description or WEAKER[rule.strength],
                              rule.target))
    return votes


_SENTENCE_END = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])[.!?](?:\s|$)")
OPENING_LIMIT = 300


def opening_sentence(text: str) -> str:
    """A description's first sentence (at most 300 characters), where its publisher says what it is for.

    A full stop after a capital letter ("U.S.", "Dr.") does not end it."""
    found = _SENTENCE_END.search(text, 0, OPENING_LIMIT)
    return text[:found.start()] if found else text[:OPENING_LIMIT]


def organisation_votes(crosswalks: Crosswalks, names: list[str]) -> list[Vote]:
    """A vote for every organisation entry whose pattern names one of the implementing or receiving
    organisations."""
    folded = fold("\n".join(name for name in names if name))
    if not folded:
        return []
    return [Vote("organisation", f"org:{entry.id}", entry.strength, entry.target, entry.line)
            for entry in crosswalks.organisations if entry.regex().search(folded)]


def account_vote(crosswalks: Crosswalks, account: str | None) -> Vote | None:
    """What an appropriation account (its main account, e.g. 1022 of 11x1022) proposes."""
    if not account:
        return None
    entry = crosswalks.account(account)
    if entry is None or entry.unspecific:
        return None
    return Vote("account", f"acct:{entry.code}", entry.strength, entry.target, entry.line)


def slice_parts(cells: list[Cell], vocabulary: str, code: str, dac_vocabulary: str) -> list[tuple[Part, Decimal]]:
    """The parts (with weights) of the money in one split row: all of it (vocabulary '' or one the
    rules do not read), or the slice with program area or DAC code `code`."""
    if vocabulary == PROGRAM_AREA_VOCABULARY:
        chosen = [cell for cell in cells if cell.program_area == code]
    elif vocabulary == dac_vocabulary:
        chosen = [cell for cell in cells if cell.dac == code]
    else:
        chosen = cells
    if not chosen:
        # The importer split by a sector the rules did not see: a bug, not a data problem.
        raise RuntimeError(f"split row for sector {vocabulary}:{code} has no attribution cell")
    merged: dict[Part, Decimal] = {}
    for cell in chosen:
        merged[cell.part] = merged.get(cell.part, Decimal(0)) + cell.weight
    return list(merged.items())
