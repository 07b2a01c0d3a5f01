"""Every message a user can see has a Spanish translation with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "src" / "stratmon" / "locales" / "es" / "LC_MESSAGES" / "stratmon.po"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _singular(message_id) -> str:
    """Plural messages have a (singular, plural) id; the singular names them."""
    return message_id[0] if isinstance(message_id, tuple) else message_id


def _first(string) -> str:
    return string[0] if isinstance(string, tuple) else string


def extracted_messages(tmp_path) -> set[str]:
    template = tmp_path / "stratmon.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_", "-k", "ngettext:1,2", "--no-location", "-o", str(template),
                    str(ROOT / "src" / "stratmon")], check=True, capture_output=True)
    with template.open("rb") as handle:
        return {_singular(message.id) for message in read_po(handle) if message.id}


def test_spanish_catalog_covers_every_message(tmp_path):
    with CATALOG.open("rb") as handle:
        catalog = {_singular(message.id): _first(message.string) for message in read_po(handle) if message.id}
    missing = sorted(m for m in extracted_messages(tmp_path) if not catalog.get(m))
    assert missing == [], f"untranslated messages (run `make messages` and translate): {missing}"


def test_translations_keep_their_placeholders():
    with CATALOG.open("rb") as handle:
        for message in read_po(handle):
            if message.id and message.string:
                source, translated = _singular(message.id), _first(message.string)
                assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)), source


def test_spanish_output_from_the_cli(tmp_path):
    from conftest import Cli

    cli = Cli(f"sqlite:///{tmp_path / 's.db'}")
    result = cli("init", lang="es")
    assert "Base de datos creada" in result.stdout
