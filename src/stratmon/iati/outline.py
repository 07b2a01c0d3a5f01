"""The IATI 2.03 activity schema in outline: for each element of an `iati-activity`, by its path, the
children the schema allows in their order, which of them may repeat, its attributes and whether it
holds text. Read from `data/activity-schema-2.03.json`, which scripts/iati_schema_outline.py writes
from the official schema (tests hold the two equal), so that upgraded activities are put in the
schema's order by the schema itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

ACTIVITY = "iati-activity"


@dataclass(frozen=True, slots=True)
class ElementOutline:
    """What the schema allows of one element."""

    children: tuple[str, ...]  # in the schema's order
    repeatable: frozenset[str]  # children that may occur more than once
    attributes: frozenset[str]  # names, `xml:lang` for the language
    text: str | None  # the XML Schema type of its text; None when it holds no text
    extensible: bool  # whether elements of other namespaces may follow its children

    def position(self, tag: object) -> int:
        """Where a child with this tag goes: its place in the schema's order; elements of other
        namespaces (and unknown ones) after all of them."""
        try:
            return self.children.index(tag)  # type: ignore[arg-type]
        except ValueError:
            return len(self.children)


@lru_cache(maxsize=1)
def outline() -> dict[str, ElementOutline]:
    """Path from `iati-activity` (`iati-activity/transaction/value`) → its outline."""
    text = (resources.files("stratmon.iati") / "data" / "activity-schema-2.03.json").read_text(encoding="utf-8")
    return {path: ElementOutline(tuple(entry["children"]), frozenset(entry["repeatable"]),
                                 frozenset(entry["attributes"]), entry["text"], entry["extensible"])
            for path, entry in json.loads(text)["elements"].items()}


def holds_narratives(element: ElementOutline) -> bool:
    """Whether its text goes in `narrative` children (IATI 2.0x free text)."""
    return "narrative" in element.children
