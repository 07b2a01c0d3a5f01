"""The attribution rules (DESIGN.md rule 7), as pure functions on one transaction's sectors.

Precedence: manual override → U.S. program area (sector vocabulary 99) → OECD DAC purpose
code (vocabulary 1; the 5-digit code, else its 3-digit category) → keyword rules on the
title and descriptions → not aligned. Sector percentages split the money within each
vocabulary; a transaction with program areas i (shares p) and DAC codes j (shares q) is
attributed cell by cell, cell (i, j) weighing p × q, so that the result can be sliced by
either vocabulary and still add up.

Evidence is a chain of steps joined by " > ", each `vocabulary:code` ("99:5004",
"1:23630", "2:236" for a DAC category), `us-sector:<name>` (ForeignAssistance.gov's program
area, published by name), `kw:<rule>@title|description`, or `override:<id>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from stratmon.align.crosswalk import NOWHERE, Crosswalks, Target, fold

PROGRAM_AREA_VOCABULARY = "99"
DAC_VOCABULARY = "1"
DAC_CATEGORY_VOCABULARY = "2"  # used when a publisher gives 3-digit DAC categories and no purpose codes
ONE = Decimal(1)


@dataclass(frozen=True)
class Part:
    """Where a share of money goes, by which rule, on what evidence."""

    target: Target
    rule: str  # override | program_area | dac | keyword | none
    evidence: str


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


@dataclass(frozen=True)
class KeywordHit:
    """The keyword rule that matched, where, and the words it matched."""

    rule_id: str
    where: str  # title | description
    words: str


def attribute(crosswalks: Crosswalks, program_areas: list[SectorShare], dac_codes: list[SectorShare],
              keywords: Callable[[], KeywordHit | None], override: tuple[int, Target] | None = None) -> list[Cell]:
    """The cells of one transaction. `keywords` is called only when a cell needs it."""
    areas = program_areas or [SectorShare("", None, ONE)]
    dacs = dac_codes or [SectorShare("", None, ONE)]
    cells: list[Cell] = []
    for area in areas:
        for dac in dacs:
            if override is not None:
                part = Part(override[1], "override", f"override:{override[0]}")
            else:
                part = _by_program_area(crosswalks, area, dac, keywords)
            cells.append(Cell(area.code or None, dac.code or None, area.weight * dac.weight, part))
    return cells


def _by_program_area(crosswalks: Crosswalks, area: SectorShare, dac: SectorShare,
                     keywords: Callable[[], KeywordHit | None]) -> Part:
    if area.code:
        chain = [f"{PROGRAM_AREA_VOCABULARY}:{area.code}"]
    else:
        chain = [f"us-sector:{area.name}"] if area.name else []
    entry = crosswalks.program_area(area.code, area.name) if (area.code or area.name) else None
    if entry is None or entry.unspecific:
        return _by_dac(crosswalks, dac, keywords, chain)
    target = entry.target
    lines = crosswalks.refinable_lines(entry)
    if lines and dac.code:
        found = crosswalks.dac(dac.code)
        if found is not None:
            vocabulary, dac_entry = found
            refined = dac_entry.objective
            if refined and refined != target.objective_id and crosswalks.line_of(refined) in lines:
                code = dac.code if vocabulary == DAC_VOCABULARY else dac.code[:3]
                return Part(Target(objective_id=refined), "program_area", " > ".join([*chain, f"{vocabulary}:{code}"]))
    return Part(target, "program_area", " > ".join(chain))


def _by_dac(crosswalks: Crosswalks, dac: SectorShare, keywords: Callable[[], KeywordHit | None],
            chain: list[str]) -> Part:
    if dac.code:
        found = crosswalks.dac(dac.code)
        if found is None:
            chain = [*chain, f"{DAC_VOCABULARY}:{dac.code}"]
        else:
            vocabulary, entry = found
            chain = [*chain, f"{vocabulary}:{dac.code if vocabulary == DAC_VOCABULARY else dac.code[:3]}"]
            if not entry.unspecific:
                return Part(entry.target, "dac", " > ".join(chain))
    hit = keywords()
    if hit is not None:
        rule = crosswalks.keyword_rule(hit.rule_id)
        return Part(rule.target, "keyword", " > ".join([*chain, f"kw:{hit.rule_id}@{hit.where}"]))
    return Part(NOWHERE, "none", " > ".join(chain))


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


def match_keywords(crosswalks: Crosswalks, titles: list[str], descriptions: list[str]) -> KeywordHit | None:
    """The first keyword rule (in file order) matching the titles, else the first matching the
    descriptions. Texts of each kind are read together, in every language."""
    for where, texts in (("title", titles), ("description", descriptions)):
        folded = fold("\n".join(text for text in texts if text))
        if not folded:
            continue
        for rule_id, pattern in crosswalks.keyword_patterns:
            found = pattern.search(folded)
            if found:
                return KeywordHit(rule_id, where, found.group(0))
    return None
