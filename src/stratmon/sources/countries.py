"""Country normalisation: ISO3 ↔ ISO2 ↔ names in English and Spanish, for every reader.

Codes come from pycountry (ISO 3166); names from ISO 3166, CLDR (through Babel, in English
and Spanish) and the aliases publishers use (`data/country_aliases.csv`). Matching ignores
case, accents and punctuation, so "EL SALVADOR", "El Salvador" and "el salvador" agree.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import pycountry
from babel import Locale

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_name(name: str) -> str:
    """A name folded for matching: no accents, no case, no punctuation."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_WORD.sub(" ", plain).strip()


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names.setdefault(normalise_name(value), country.alpha_2)
    for lang in ("en", "es"):
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                names.setdefault(normalise_name(name), code)
    with (resources.files("stratmon.sources") / "data" / "country_aliases.csv").open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            if len(row) == 2:
                names[normalise_name(row[0])] = row[1].strip()
    return names


def iso2_from_iso3(code: str) -> str | None:
    """The alpha-2 code of an ISO 3166-1 alpha-3 code, or None when it is not a country."""
    country = pycountry.countries.get(alpha_3=code.strip().upper()) if len(code.strip()) == 3 else None
    return country.alpha_2 if country else None


def iso3_from_iso2(code: str) -> str | None:
    """The alpha-3 code of an ISO 3166-1 alpha-2 code, or None."""
    country = pycountry.countries.get(alpha_2=code.strip().upper()) if len(code.strip()) == 2 else None
    return country.alpha_3 if country else None


def iso2_from_name(name: str) -> str | None:
    """The alpha-2 code for a country name in English or Spanish (any case, accents optional)."""
    return _by_name().get(normalise_name(name))
