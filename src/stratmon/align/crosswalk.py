"""Crosswalks: the data that says which objective a program area, DAC code or keyword serves.

A framework brings its own crosswalks in a `crosswalks/` folder beside its YAML file:
`outside.yaml` (categories of money outside the Strategy, each with its reason),
`program_areas.yaml` (U.S. program areas, IATI sector vocabulary 99), `dac.yaml` (OECD DAC
purpose codes and categories) and `keywords.yaml` (phrases in titles and descriptions); and, when
its data carries them, `accounts.yaml` (appropriation accounts), `organisations.yaml` (implementing
and receiving organisations) and `geography.yaml` (places that tell regional money outside the
framework's countries). Every entry points at exactly one target: an objective, an outside
category, a whole line of action (accounts and organisations only), or "unspecific" (the entry says
nothing about purpose); and says how strongly it speaks (`strength`: broad, specific or strong).
"""

from __future__ import annotations

import hashlib
import re
import re._constants as _sre
import re._parser as _sre_parser
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from stratmon.framework.loader import FrameworkError, load_framework, read_yaml_mapping, resolve_framework_path, \
    validated
from stratmon.framework.model import Framework, Strict, Text
from stratmon.i18n import _

CROSSWALK_FILES = ("outside.yaml", "program_areas.yaml", "dac.yaml", "keywords.yaml")
OPTIONAL_FILES = ("accounts.yaml", "organisations.yaml", "geography.yaml")
Strength = Literal["fallback", "broad", "specific", "strong"]


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
    # How strongly the entry speaks; None takes its file's default (see each file's header).
    strength: Strength | None = None
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
    # DAC codes that only restate the area's own name (publishers pair them with it by habit): with
    # one of these, the area keeps its own objective rather than letting the code pick.
    restated_by: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _refine_needs_objective(self):
        if self.refine_by_dac and self.objective is None:
            raise ValueError("refine_by_dac needs an objective")
        if self.restated_by and not self.refine_by_dac:
            raise ValueError("restated_by needs refine_by_dac")
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
    # In a title or a description's opening sentence; elsewhere in a description one step weaker,
    # unless `in_description` says how strongly (boilerplate that states the purpose wherever it stands).
    strength: Strength = "specific"
    in_description: Strength | None = None
    en: tuple[str, ...] = Field(min_length=1)
    es: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.objective is None) == (self.outside is None):
            raise ValueError("give exactly one of objective or outside")
        _check_patterns(self.en + self.es)
        return self

    def regex(self) -> re.Pattern:
        """The rule's patterns, English and Spanish, as one expression matching whole words."""
        return _whole_words(self.en + self.es)

    @property
    def target(self) -> Target:
        return Target(self.objective, self.outside)


def _check_patterns(patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        # Text is folded before matching; a pattern with capitals or accents could never
        # match as written (and folding it would change what escapes such as \S mean).
        if pattern != fold(pattern):
            raise ValueError(f"pattern {pattern!r}: write it in lower case without accents")
    try:
        _whole_words(patterns)
    except re.error as exc:
        raise ValueError(f"patterns do not combine into one expression: {exc}") from None


@lru_cache(maxsize=None)  # organisations are matched activity by activity: compile each list once
def _whole_words(patterns: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(f"(?:{pattern})" for pattern in patterns)
    return re.compile(rf"\b(?:{alternatives})\b")


class _LineTargeted(Strict):
    """An entry with exactly one of `objective`, `outside`, `line` or `unspecific: true`."""

    objective: str | None = None
    outside: str | None = None
    line: str | None = None
    unspecific: bool = False
    note: Text | None = None

    @model_validator(mode="after")
    def _one_target(self):
        chosen = [self.objective is not None, self.outside is not None, self.line is not None, self.unspecific]
        if sum(chosen) != 1:
            raise ValueError("give exactly one of objective, outside, line or unspecific: true")
        return self

    @property
    def target(self) -> Target:
        return Target(self.objective, self.outside)


class AccountEntry(_LineTargeted):
    """An appropriation account (the main account of a U.S. treasury account symbol, e.g. 1022 of
    11x1022) and what money drawn on it is for."""

    code: str = Field(pattern=r"^[0-9A-Z]{4}$")
    name: Text
    strength: Strength = "broad"


class OrganisationEntry(_LineTargeted):
    """An implementing or receiving organisation whose name says what the money is for."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    patterns: tuple[str, ...] = Field(min_length=1)
    strength: Strength = "specific"

    @model_validator(mode="after")
    def _valid_patterns(self):
        _check_patterns(self.patterns)
        return self

    def regex(self) -> re.Pattern:
        return _whole_words(self.patterns)


class Places(Strict):
    en: tuple[str, ...] = ()
    es: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _valid_patterns(self):
        _check_patterns(self.en + self.es)
        return self


class GeographyFile(Strict):
    """Places named in the texts of regional money: `inside` the framework's geography (its countries'
    names are added) and `outside` it; `strategy`, names that point at the framework's countries
    together (their own names are added). Money to an own region whose texts name only outside places,
    and money to a context region whose texts name none of `strategy`, is outside the geography: its
    alignment rows go to the outside category `category`, out of the Strategy's figures."""

    category: str
    inside: Places = Places()
    outside: Places
    strategy: Places = Places()


class AccountFile(Strict):
    accounts: tuple[AccountEntry, ...] = ()


class OrganisationFile(Strict):
    organisations: tuple[OrganisationEntry, ...] = ()


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
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Some publishers' records lost every letter outside ASCII on the way to IATI (the Inter-American
# Foundation's Spanish: "Asociacin", "conservacin", "jvenes"). Where the lost letter can only have been
# one, folding puts it back so that the Spanish patterns match: "-cin" ends only "-ción" (no Spanish or
# common English word ends so), and "jvenes", "nios" and "nias" are "jóvenes", "niños" and "niñas".
_LOST_LETTERS = re.compile(r"(?<=[a-z])cin\b|\bjvenes\b|\bni(?=[oa]s\b)")
_RESTORED = {"cin": "cion", "jvenes": "jovenes", "ni": "nin"}


def fold_published(text: str) -> str:
    """A publisher's text folded for matching (`fold`), with the letters some publishers lost restored
    where only one letter can have been lost."""
    folded = fold(text)
    if not any(lost in folded for lost in ("cin", "jvenes", "nios", "nias")):  # most texts: nothing lost
        return folded
    return _LOST_LETTERS.sub(lambda found: _RESTORED[found.group()], folded)


def name_key(name: str) -> str:
    """A published program-area name reduced to what identifies it (case, accents, spacing)."""
    return re.sub(r"[\s\-–—]+", " ", fold(name)).strip()


_WORD = re.compile(r"\w+")
_START = 4  # characters of a word's start that the index compares


class KeywordIndex:
    """The keyword rules a text matches, found fast: each pattern is tried only at the words of the text
    that begin as the pattern must (a pattern whose start cannot be told is searched for, first without its
    leading word boundary, which lets the regular-expression engine skip ahead to its literal start, each
    hit then confirmed with the whole pattern). Searching every rule in every description was most of what
    alignment cost; the answers are the same (tests compare them on the real texts)."""

    def __init__(self, rules: tuple[KeywordRule, ...]) -> None:
        self.rules = rules
        self.always: list[tuple[int, str]] = []
        self.by_start: dict[str, list[tuple[int, str]]] = {}
        # Compiled on first use: most patterns are never tried in a run, and compiling is not free.
        self._compiled: dict[str, tuple[re.Pattern, re.Pattern]] = {}
        for index, rule in enumerate(rules):
            for pattern in (*rule.en, *rule.es):
                starts = _literal_starts(list(_sre_parser.parse(pattern)), "")
                if starts is None:
                    self.always.append((index, pattern))
                for start in starts or ():
                    self.by_start.setdefault(start, []).append((index, pattern))

    def rules_in(self, folded: str) -> list[KeywordRule]:
        """The rules that match a folded text, in file order."""
        found: set[int] = set()
        for index, pattern in self.always:
            if index not in found:
                fast, whole = self._compiled.get(pattern) or self._compile(pattern)
                # The fast pattern's hits do not overlap, so one that starts inside a word could hide a
                # match that starts inside it: the whole pattern decides.
                if fast.search(folded) and whole.search(folded):
                    found.add(index)
        # Where each word starts, by its first characters: a pattern is tried only at the words that begin
        # as it must.
        spots: dict[str, list[int]] = {}
        for word in _WORD.finditer(folded):
            spots.setdefault(word.group()[:_START], []).append(word.start())
        for start, places in spots.items():
            for index, pattern in self.by_start.get(start, ()):
                if index not in found:
                    whole = (self._compiled.get(pattern) or self._compile(pattern))[1]
                    if any(whole.match(folded, place) for place in places):
                        found.add(index)
        return [self.rules[index] for index in sorted(found)]

    def _compile(self, pattern: str) -> tuple[re.Pattern, re.Pattern]:
        compiled = self._compiled[pattern] = (re.compile(f"(?:{pattern})\\b"), re.compile(f"\\b(?:{pattern})\\b"))
        return compiled


def _literal_starts(items: list, prefix: str) -> set[str] | None:
    """The first `_START` characters (or the whole first word, when shorter) that a parsed pattern's
    matches must begin with, every possibility of its leading choices and optional parts; None when
    they cannot be told (a character class, a repetition that could run on)."""
    for index, (op, value) in enumerate(items):
        if len(prefix) >= _START:
            return {prefix[:_START]}
        rest = items[index + 1:]
        if op is _sre.LITERAL:
            char = chr(value)
            if not (char.isalnum() or char == "_"):
                return {prefix} if prefix else None  # the first word ends here
            prefix += char
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT):
            continue  # look-arounds and anchors match no character
        elif op is _sre.SUBPATTERN:
            return _literal_starts([*value[3], *rest], prefix)
        elif op is _sre.BRANCH:
            return _union(_literal_starts([*alternative, *rest], prefix) for alternative in value[1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and value[1] <= 1:
            low, _high, item = value
            once = _literal_starts([*item, *rest], prefix)
            return once if low == 1 else _union((once, _literal_starts(rest, prefix)))
        else:
            return None
    if len(prefix) >= _START:
        return {prefix[:_START]}
    return {prefix} if prefix else None


def _union(found) -> set[str] | None:
    starts: set[str] = set()
    for each in found:
        if each is None:
            return None
        starts |= each
    return starts


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
    keyword_patterns: dict[str, re.Pattern]
    keyword_index: KeywordIndex
    areas_by_name: dict[str, ProgramArea]
    areas_by_code: dict[str, ProgramArea]
    line_by_objective: dict[str, str]
    accounts: dict[str, AccountEntry]
    organisations: tuple[OrganisationEntry, ...]
    geography_category: str | None = None
    inside_places: re.Pattern | None = None
    outside_places: re.Pattern | None = None
    strategy_places: re.Pattern | None = None

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

    def keyword_pattern(self, rule_id: str) -> re.Pattern:
        return self.keyword_patterns[rule_id]

    def keyword_rules_in(self, folded: str) -> list[KeywordRule]:
        """The keyword rules that match a folded text, in file order."""
        return self.keyword_index.rules_in(folded) if folded else []

    def account(self, code: str) -> AccountEntry | None:
        """The entry of an appropriation account, by its main account (the part after the `x`)."""
        return self.accounts.get(code.rpartition("x")[2].upper())

    def organisation(self, entry_id: str) -> OrganisationEntry | None:
        return next((entry for entry in self.organisations if entry.id == entry_id), None)

    def outside_geography(self, folded_texts: str) -> str | None:
        """The outside places that regional money's texts name, when they name no place inside the
        framework's geography (None otherwise, or when the framework has no geography crosswalk)."""
        if self.outside_places is None or not folded_texts:
            return None
        if self.inside_places is not None and self.inside_places.search(folded_texts):
            return None
        found = sorted({match.group(0) for match in self.outside_places.finditer(folded_texts)})
        return ", ".join(found[:3]) or None

    def strategy_named(self, folded_texts: str) -> str | None:
        """The names of the framework's countries (or of them together) that a text names, if any."""
        if self.strategy_places is None or not folded_texts:
            return None
        found = sorted({match.group(0) for match in self.strategy_places.finditer(folded_texts)})
        return ", ".join(found[:3]) or None

    def regional_scope(self, region_scope: str, folded_texts: str) -> tuple[str, str, str | None]:
        """Whether money to a framework region is the Strategy's, judged by its activity's texts:
        (`in`|`out`, reason, places named). An own region's money is in unless its texts name only
        places outside; a context region's is out unless they name one of the framework's countries."""
        if region_scope == "own":
            places = self.outside_geography(folded_texts)
            return ("out", "names-outside", places) if places else ("in", "own-region", None)
        places = self.strategy_named(folded_texts)
        return ("in", "names-strategy", places) if places else ("out", "context-region", None)


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
    optional = [folder / name for name in OPTIONAL_FILES]
    stamp = tuple(file.stat().st_mtime_ns if file.is_file() else None for file in (path, *files, *optional))
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
    accounts_path, organisations_path, geography_path = (folder / name for name in OPTIONAL_FILES)
    accounts = _optional(AccountFile, accounts_path)
    organisations = _optional(OrganisationFile, organisations_path)
    geography = _optional(GeographyFile, geography_path)

    objectives = {objective.id for _line, objective in framework.objectives()}
    categories = {category.id for category in outside.categories}
    _unique(outside_path, "categories", [c.id for c in outside.categories])
    _unique(dac_path, "categories", [e.code for e in dac.categories])
    _unique(dac_path, "codes", [e.code for e in dac.codes])
    _unique(keywords_path, "rules", [r.id for r in keywords.rules])
    _unique(accounts_path, "accounts", [a.code for a in accounts.accounts])
    _unique(organisations_path, "organisations", [o.id for o in organisations.organisations])
    _unique(areas_path, "program_areas", [name_key(a.name.en) for a in areas.program_areas])
    _unique(areas_path, "program_areas.codes", [c for a in areas.program_areas for c in a.codes])
    lines = {line.id for line in framework.lines_of_action}
    for path, key, entries in [(areas_path, "program_areas", areas.program_areas),
                               (dac_path, "categories", dac.categories), (dac_path, "codes", dac.codes),
                               (keywords_path, "rules", keywords.rules), (accounts_path, "accounts", accounts.accounts),
                               (organisations_path, "organisations", organisations.organisations)]:
        for index, entry in enumerate(entries):
            if entry.objective is not None and entry.objective not in objectives:
                raise FrameworkError(_("{path}: {key}[{index}].objective: {value!r} is no objective of the "
                                       "framework").format(path=path, key=key, index=index, value=entry.objective))
            if entry.outside is not None and entry.outside not in categories:
                raise FrameworkError(_("{path}: {key}[{index}].outside: {value!r} is not a category of "
                                       "outside.yaml").format(path=path, key=key, index=index, value=entry.outside))
            if getattr(entry, "line", None) is not None and entry.line not in lines:
                raise FrameworkError(_("{path}: {key}[{index}].line: {value!r} is no line of action of the "
                                       "framework").format(path=path, key=key, index=index, value=entry.line))
    if geography_path.is_file() and geography.category not in categories:
        raise FrameworkError(_("{path}: category: {value!r} is not a category of outside.yaml").format(
            path=geography_path, value=geography.category))
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
    for file in (accounts_path, organisations_path, geography_path):
        digest.update(file.read_bytes() if file.is_file() else b"-")
    has_geography = geography_path.is_file()
    country_names = sorted({re.escape(fold(name)) for country in framework.countries
                            for name in (country.name.en, country.name.es)})
    inside = (*geography.inside.en, *geography.inside.es, *country_names)
    strategy = (*geography.strategy.en, *geography.strategy.es, *country_names)
    outside_places = geography.outside.en + geography.outside.es
    return Crosswalks(
        framework=framework,
        outside={category.id: category for category in outside.categories},
        program_areas=areas.program_areas,
        dac_codes={entry.code: entry for entry in dac.codes},
        dac_categories={entry.code: entry for entry in dac.categories},
        keywords=keywords.rules,
        digest=digest.hexdigest()[:16],
        keyword_patterns={rule.id: rule.regex() for rule in keywords.rules},
        keyword_index=KeywordIndex(keywords.rules),
        areas_by_name={name_key(area.name.en): area for area in areas.program_areas},
        areas_by_code={code: area for area in areas.program_areas for code in area.codes},
        line_by_objective={objective.id: line.id for line, objective in framework.objectives()},
        accounts={entry.code: entry for entry in accounts.accounts},
        organisations=organisations.organisations,
        geography_category=geography.category if has_geography else None,
        inside_places=_whole_words(inside) if has_geography and inside else None,
        outside_places=_whole_words(outside_places) if has_geography and outside_places else None,
        strategy_places=_whole_words(strategy),
    )


def _optional(model, path: Path):
    """An optional crosswalk file, validated; an empty one when the framework has none."""
    if not path.is_file():
        if model is GeographyFile:
            return model.model_construct(category="", inside=Places(), outside=Places(), strategy=Places())
        return model()
    return validated(model, read_yaml_mapping(path), path)


def _unique(path: Path, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise FrameworkError(_("{path}: {key}: {value!r} appears twice").format(path=path, key=key, value=value))
        seen.add(value)
