"""Spanish that reads as one voice (issue 21): the catalogue and the framework keep to the style sheet
(`docs/style-es.md`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "src/stratmon/locales/es/LC_MESSAGES/stratmon.po"
FRAMEWORK = ROOT / "src/stratmon/framework/central_america"
STYLE_SHEET = ROOT / "docs/style-es.md"


def avoided_terms() -> list[tuple[str, str]]:
    """(term to avoid, the concept's chosen term) from the style sheet's table."""
    terms = []
    for line in STYLE_SHEET.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("concept", "---") or set(cells[0]) <= {"-"}:
            continue
        avoid = re.sub(r"\(.*?\)", "", cells[2]).strip()
        terms += [(term.strip(), cells[1]) for term in avoid.split(",") if term.strip() not in ("", "—")]
    return terms


def spanish_texts() -> list[tuple[str, str]]:
    """(where, text) for every Spanish translation in the catalogue, the framework and its crosswalks."""
    texts = []
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle):
            if message.id:
                strings = [message.string] if isinstance(message.string, str) else list(message.string)
                label = message.id if isinstance(message.id, str) else message.id[0]
                texts += [(f"catalogue: {label[:60]!r}", text) for text in strings if text]

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "es" and isinstance(value, str):
                    texts.append((where, value))
                else:
                    walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for path in sorted(FRAMEWORK.rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return texts


def test_the_style_sheet_names_terms_to_avoid():
    assert len(avoided_terms()) >= 10


@pytest.mark.parametrize("term, chosen", avoided_terms(), ids=[term for term, _ in avoided_terms()])
def test_no_spanish_text_uses_a_term_the_style_sheet_avoids(term, chosen):
    pattern = re.compile(r"(?<![\wÀ-ÿ])" + re.escape(term) + r"(?![\wÀ-ÿ])", re.IGNORECASE)
    found = [f"{where}: {text[:100]}" for where, text in spanish_texts() if pattern.search(text)]
    assert not found, f"{term!r} (use {chosen}) in:\n" + "\n".join(found)


def test_the_strategy_is_written_with_a_capital_letter():
    found = [f"{where}: {text[:100]}" for where, text in spanish_texts()
             if re.search(r"\b(la|de la|a la|esta) estrategia\b(?! (de|del|para) (?!Estados))", text)]
    assert not found, "\n".join(found)


def test_an_indicator_on_track_is_heading_for_its_target_not_in_progress():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    assert catalogue.get("on track").string == "en buen camino"
