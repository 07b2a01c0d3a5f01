"""IATI codelists read from a folder of codelist XML files (`STRATMON_CODELISTS`).

Codes decode to names from the codelist when one is loaded; callers fall back to the
narratives in the data, then to the code itself (see `name()`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from stratmon.config import codelists_dir
from stratmon.i18n import InLanguage
from stratmon.iati.standard import XML_LANG
from stratmon.sources.xmlsafe import parser_options

# Which codelist decodes which kind of code.
SECTOR_CODELIST_BY_VOCABULARY = {"1": "Sector", "2": "SectorCategory"}


class Codelists:
    """The codelists in one folder, each read on first use."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._loaded: dict[str, dict[str, dict[str, str]]] = {}

    def items(self, codelist: str) -> dict[str, dict[str, str]]:
        """code → {lang: name} for `codelist` (empty when the folder lacks it)."""
        if codelist not in self._loaded:
            self._loaded[codelist] = self._read(codelist)
        return self._loaded[codelist]

    def _read(self, codelist: str) -> dict[str, dict[str, str]]:
        if self.folder is None:
            return {}
        path = self.folder / f"{codelist}.xml"
        if not path.is_file():
            return {}
        parser = etree.XMLParser(**parser_options())
        root = etree.parse(str(path), parser).getroot()
        names: dict[str, dict[str, str]] = {}
        for item in root.iter("codelist-item"):
            code = (item.findtext("code") or "").strip()
            if not code:
                continue
            by_lang = {}
            for narrative in item.iterfind("name/narrative"):
                if narrative.text and narrative.text.strip():
                    by_lang.setdefault(narrative.get(XML_LANG) or "en", narrative.text.strip())
            names[code] = by_lang
        return names

    def name(self, codelist: str, code: str, lang: str = "en", fallback: str | None = None) -> str:
        """The name of `code`: from the codelist (in `lang`, else English), else `fallback`, else the code.
        A codelist's name is an `InLanguage` that knows its language: the IATI codelists name codes in
        English and French only, and a Spanish page marks an English name as English."""
        by_lang = self.items(codelist).get(code)
        if by_lang:
            found = lang if lang in by_lang else "en" if "en" in by_lang else next(iter(by_lang))
            return InLanguage(by_lang[found], found)
        return fallback or code


@lru_cache(maxsize=4)
def _for_folder(folder: Path | None) -> Codelists:
    return Codelists(folder)


def codelists() -> Codelists:
    """The codelists of the configured folder (cached per folder)."""
    return _for_folder(codelists_dir())
