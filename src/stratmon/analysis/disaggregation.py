"""Disaggregates: entered ones across scheme versions (every stored value read under the newest
categories), and published ones that a publisher set out as indicators of their own."""

from __future__ import annotations

import re
from collections.abc import Hashable
from difflib import SequenceMatcher

from stratmon.store.results import SchemeVersion


def to_latest(versions: list[SchemeVersion], version: int | None, category: str) -> str:
    """The newest version's category for a value stored under `version`: each later version's
    mapping is applied in turn; a category a version keeps maps to itself."""
    if version is None:
        return category
    for later in sorted(versions, key=lambda v: v.version):
        if later.version > version:
            category = later.mapping.get(category, category)
    return category


def category_name(versions: list[SchemeVersion], category: str, lang: str) -> str:
    """A category's name in the newest version that has it."""
    for scheme in sorted(versions, key=lambda v: -v.version):
        for entry in scheme.categories:
            if entry["code"] == category:
                return entry.get(lang) or entry["en"]
    return category


# What follows a total's title in a disaggregate's: one or more bracketed categories, "(Female)",
# "(18 and under – Female)", "(ESIC) (Private)".
_CATEGORIES = re.compile(r"(?:\s*\(([^()]+)\))+")
_CATEGORY = re.compile(r"\(([^()]+)\)")
# How alike two titles must be to be one title written twice (difflib's ratio): a letter or two apart.
SAME_TITLE = 0.96


def published_disaggregates(indicators: list[tuple[Hashable, Hashable, str]]) -> dict[Hashable, tuple[Hashable, str]]:
    """Disaggregates a publisher published as indicators of their own, each with the total it breaks
    down and its category: `indicators` are (key, result, title). MCC publishes "Students (Female)",
    "Students (Male)" and "Students (Alta Verapaz)" beside "Students" in the same result; IATI's own
    way, a <dimension> on a value, is read with the values. An indicator whose title is the title of
    another indicator of the same result followed by bracketed categories is a disaggregate of the
    one with the shortest such title, its total. A total whose title differs by a slip of the pen
    ("activites" for "activities") still holds its disaggregates."""
    titles: dict[tuple[Hashable, str], Hashable] = {}
    for key, result, title in indicators:
        titles.setdefault((result, _folded(title)), key)
    # The titles a misspelt total may be, by result and length: a result's only, never the whole table's, and
    # only those a letter or two longer or shorter are compared.
    totals_by_length: dict[tuple[Hashable, int], list[tuple[str, Hashable, int]]] = {}
    for order, ((result, folded), key) in enumerate(titles.items()):
        if "(" not in folded:
            totals_by_length.setdefault((result, len(folded)), []).append((folded, key, order))
    found = {}
    for key, result, title in indicators:
        title = " ".join((title or "").split())
        for end in (i for i, char in enumerate(title) if char == "("):
            total, rest = title[:end].rstrip(), title[end:]
            if not _CATEGORIES.fullmatch(rest):
                continue
            parent = titles.get((result, _folded(total))) or _misspelt_total(totals_by_length, result, total)
            if parent is not None and parent != key:
                found[key] = (parent, ", ".join(part.strip() for part in _CATEGORY.findall(rest)))
                break
    return found


def _folded(title: str | None) -> str:
    return " ".join((title or "").split()).casefold()


def _misspelt_total(totals_by_length: dict[tuple[Hashable, int], list[tuple[str, Hashable, int]]],
                    result: Hashable, total: str) -> Hashable | None:
    """The indicator of `result` whose title is `total` but for a letter or two, if there is one."""
    wanted = _folded(total)
    if len(wanted) < 20:
        return None
    close = []
    # In the order the titles were published, as the best of equally close ones is the first.
    candidates = sorted((candidate for length in range(len(wanted) - 2, len(wanted) + 3)
                         for candidate in totals_by_length.get((result, length), ())), key=lambda c: c[2])
    for folded, key, _order in candidates:
        matcher = SequenceMatcher(None, wanted, folded)
        # The quick ratios bound the ratio from above: a title they rule out could never be close enough.
        if matcher.real_quick_ratio() >= SAME_TITLE and matcher.quick_ratio() >= SAME_TITLE:
            close.append((matcher.ratio(), key))
    best = max(close, key=lambda item: item[0], default=None)
    return best[1] if best is not None and best[0] >= SAME_TITLE else None
