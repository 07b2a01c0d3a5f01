"""Crosswalks: the data that says which objective a program area, DAC code or keyword serves.

A framework brings its own crosswalks in a `crosswalks/` folder beside its YAML file:
`outside.yaml` (categories of money outside the Strategy, each with its reason),
`program_areas.yaml` (U.S. program areas, IATI sector vocabulary 99), `dac.yaml` (OECD DAC
purpose codes and categories) and `keywords.yaml` (rules on titles and descriptions).
Every entry points at exactly one target: an objective, an outside category, or "unspecific"
(the entry says nothing about purpose, so the next rule decides).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator

from stratmon.framework.loader import FrameworkError, load_framework, read_yaml_mapping, resolve_framework_path, \
    validated
from stratmon.framework.model import Framework, Strict, Text
from stratmon.i18n import _

CROSSWALK_FILES = ("outside.yaml", "program_areas.yaml", "dac.yaml", "keywords.yaml")


@dataclass(frozen=True)
class Target:
    """Where money goes: an objective, an outside-the-Strategy category, or nowhere yet."""

    objective_id: str | None = None
    outside_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        """`P3` is an objective; `outside:humanitarian` a category."""
        if text.startswith("outside:"):
            return cls(outside_id=text.removeprefix("outside:"))
        return cls(objective_id=text)

    def __str__(self) -> str:
        if self.outside_id:
            return f"outside:{self.outside_id}"
        return self.objective_id or ""


NOWHERE = Target()


class _Targeted(Strict):
    """An entry with exactly one of `objective`, `outside` or `unspecific: true`."""

    objective: str | None = None
    outside: str | None = None
    unspecific: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _one_target(self):
        chosen = [self.objective is not None, self.outside is not None, self.unspecific]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of objective, outside or unspecific: true")
        return self

    @property
    def target(self) -> Target:
        return Target(self.objective, self.outside)


class OutsideCategory(Strict):
    """Money outside the Strategy's lines of action, and why it is outside."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    reason: Text


class ProgramArea(_Targeted):
    """A U.S. foreign-assistance program area, as published (names and IATI codes)."""

    name: Text
    codes: tuple[str, ...] = ()
    # true: the DAC code may pick another objective of the same line; a list of line ids: of
    # any of those lines.
    refine_by_dac: bool | tuple[str, ...] = False

    @model_validator(mode="after")
    def _refine_needs_objective(self):
        if self.refine_by_dac and self.objective is None:
            raise ValueError("refine_by_dac needs an objective")
        return self


class DacEntry(_Targeted):
    """An OECD DAC purpose code (5 digits) or category (3 digits)."""

    code: str = Field(pattern=r"^[0-9]{3}([0-9]{2})?$")
    name: Text


class KeywordRule(Strict):
    """Words in titles or descriptions that point at one target."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    objective: str | None = None
    outside: str | None = None
    en: tuple[str, ...] = Field(min_length=1)
    es: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.objective is None) == (self.outside is None):
            raise ValueError("give exactly one of objective or outside")
        for pattern in (*self.en, *self.es):
            # Text is folded before matching; a pattern with capitals or accents could never
            # match as written (and folding it would change what escapes such as \S mean).
            if pattern != fold(pattern):
                raise ValueError(f"pattern {pattern!r}: write it in lower case without accents")
        try:
            self.regex()
        except re.error as exc:
            raise ValueError(f"patterns do not combine into one expression: {exc}") from None
        return self

    def regex(self) -> re.Pattern:
        """The rule's patterns, English and Spanish, as one expression matching whole words."""
        alternatives = "|".join(f"(?:{pattern})" for pattern in (*self.en, *self.es))
        return re.compile(rf"\b(?:{alternatives})\b")

    @property
    def target(self) -> Target:
        return Target(self.objective, self.outside)


class OutsideFile(Strict):
    categories: tuple[OutsideCategory, ...] = Field(min_length=1)


class ProgramAreaFile(Strict):
    program_areas: tuple[ProgramArea, ...] = Field(min_length=1)


class DacFile(Strict):
    categories: tuple[DacEntry, ...] = Field(min_length=1)
    codes: tuple[DacEntry, ...] = ()


class KeywordFile(Strict):
    rules: tuple[KeywordRule, ...] = ()


def fold(text: str) -> str:
    """Lower case without accents: how names and keywords are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(name: str) -> str:
    """A published program-area name reduced to what identifies it (case, accents, spacing)."""
    return re.sub(r"[\s\-–—]+", " ", fold(name)).strip()


@dataclass(frozen=True)
class Crosswalks:
    """A framework's crosswalks, checked against it, with lookups for the attribution rules."""

    framework: Framework
    outside: dict[str, OutsideCategory]
    program_areas: tuple[ProgramArea, ...]
    dac_codes: dict[str, DacEntry]
    dac_categories: dict[str, DacEntry]
    keywords: tuple[KeywordRule, ...]
    digest: str
    keyword_patterns: tuple[tuple[str, re.Pattern], ...]
    areas_by_name: dict[str, ProgramArea]
    areas_by_code: dict[str, ProgramArea]
    line_by_objective: dict[str, str]

    def program_area(self, code: str, name: str | None) -> ProgramArea | None:
        """The entry for a published program area: by name first, then by code."""
        if name:
            found = self.areas_by_name.get(name_key(name))
            if found:
                return found
        return self.areas_by_code.get(code)

    def dac(self, code: str) -> tuple[str, DacEntry] | None:
        """The entry for a DAC purpose code: its own (vocabulary "1"), else its category's ("2")."""
        entry = self.dac_codes.get(code)
        if entry:
            return "1", entry
        entry = self.dac_categories.get(code[:3])
        return ("2", entry) if entry else None

    def line_of(self, objective_id: str) -> str:
        """The id of the line of action an objective belongs to."""
        return self.line_by_objective[objective_id]

    def refinable_lines(self, area: ProgramArea) -> frozenset[str]:
        """The lines inside which a DAC code may pick the objective of a program area's money."""
        if not area.refine_by_dac or area.objective is None:
            return frozenset()
        if area.refine_by_dac is True:
            return frozenset({self.line_of(area.objective)})
        return frozenset(area.refine_by_dac)

    def check_target(self, target: Target) -> bool:
        """Whether the framework and crosswalks know where `target` points."""
        if target.objective_id is not None:
            return target.objective_id in self.line_by_objective
        return target.outside_id in self.outside

    def keyword_rule(self, rule_id: str) -> KeywordRule | None:
        return next((rule for rule in self.keywords if rule.id == rule_id), None)


def crosswalk_dir(framework_path: Path) -> Path:
    """Where a framework's crosswalks live: `crosswalks/` beside its YAML file."""
    return framework_path.parent / "crosswalks"


def load_crosswalks(name_or_path: str | None = None) -> Crosswalks:
    """The crosswalks of a framework (shipped name or YAML path), validated against it."""
    path = resolve_framework_path(name_or_path).resolve()
    folder = crosswalk_dir(path)
    files = [folder / name for name in CROSSWALK_FILES]
    for file in files:
        if not file.is_file():
            raise FrameworkError(_("{path}: no such file (every framework brings its crosswalks)").format(path=file))
    stamp = tuple(file.stat().st_mtime_ns for file in (path, *files))
    return _load(path, stamp)


@lru_cache(maxsize=8)
def _load(framework_path: Path, _stamp: tuple) -> Crosswalks:
    framework = load_framework(str(framework_path))
    folder = crosswalk_dir(framework_path)
    outside_path, areas_path, dac_path, keywords_path = (folder / name for name in CROSSWALK_FILES)
    outside = validated(OutsideFile, read_yaml_mapping(outside_path), outside_path)
    areas = validated(ProgramAreaFile, read_yaml_mapping(areas_path), areas_path)
    dac = validated(DacFile, read_yaml_mapping(dac_path), dac_path)
    keywords = validated(KeywordFile, read_yaml_mapping(keywords_path), keywords_path)

    objectives = {objective.id for _line, objective in framework.objectives()}
    categories = {category.id for category in outside.categories}
    _unique(outside_path, "categories", [c.id for c in outside.categories])
    _unique(dac_path, "categories", [e.code for e in dac.categories])
    _unique(dac_path, "codes", [e.code for e in dac.codes])
    _unique(keywords_path, "rules", [r.id for r in keywords.rules])
    _unique(areas_path, "program_areas", [name_key(a.name.en) for a in areas.program_areas])
    _unique(areas_path, "program_areas.codes", [c for a in areas.program_areas for c in a.codes])
    for path, key, entries in [(areas_path, "program_areas", areas.program_areas),
                               (dac_path, "categories", dac.categories), (dac_path, "codes", dac.codes),
                               (keywords_path, "rules", keywords.rules)]:
        for index, entry in enumerate(entries):
            if entry.objective is not None and entry.objective not in objectives:
                raise FrameworkError(_("{path}: {key}[{index}].objective: {value!r} is no objective of the "
                                       "framework").format(path=path, key=key, index=index, value=entry.objective))
            if entry.outside is not None and entry.outside not in categories:
                raise FrameworkError(_("{path}: {key}[{index}].outside: {value!r} is not a category of "
                                       "outside.yaml").format(path=path, key=key, index=index, value=entry.outside))
    lines = {line.id for line in framework.lines_of_action}
    for index, area in enumerate(areas.program_areas):
        if isinstance(area.refine_by_dac, tuple):
            unknown = [line for line in area.refine_by_dac if line not in lines]
            if unknown:
                raise FrameworkError(_("{path}: program_areas[{index}].refine_by_dac: {value!r} is no line of "
                                       "action of the framework").format(path=areas_path, index=index,
                                                                         value=unknown[0]))
    for index, entry in enumerate(dac.categories):
        if len(entry.code) != 3:
            raise FrameworkError(_("{path}: categories[{index}].code: a category has 3 digits").format(
                path=dac_path, index=index))
    for index, entry in enumerate(dac.codes):
        if len(entry.code) != 5:
            raise FrameworkError(_("{path}: codes[{index}].code: a purpose code has 5 digits").format(
                path=dac_path, index=index))

    digest = hashlib.sha256()
    for file in (framework_path, outside_path, areas_path, dac_path, keywords_path):
        digest.update(file.read_bytes())
    return Crosswalks(
        framework=framework,
        outside={category.id: category for category in outside.categories},
        program_areas=areas.program_areas,
        dac_codes={entry.code: entry for entry in dac.codes},
        dac_categories={entry.code: entry for entry in dac.categories},
        keywords=keywords.rules,
        digest=digest.hexdigest()[:16],
        keyword_patterns=tuple((rule.id, rule.regex()) for rule in keywords.rules),
        areas_by_name={name_key(area.name.en): area for area in areas.program_areas},
        areas_by_code={code: area for area in areas.program_areas for code in area.codes},
        line_by_objective={objective.id: line.id for line, objective in framework.objectives()},
    )


def _unique(path: Path, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise FrameworkError(_("{path}: {key}: {value!r} appears twice").format(path=path, key=key, value=value))
        seen.add(value)
