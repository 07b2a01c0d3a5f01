"""Disaggregates across scheme versions: every stored value read under the newest categories."""

from __future__ import annotations

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
