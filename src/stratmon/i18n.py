"""Translations (gettext catalogs under `locales/`, read with Babel) and locale-aware formatting.

The language is chosen per context: `set_language()` (the CLI's `--lang`, the web's `/en/` or `/es/`
for one request), else `$STRATMON_LANG`, else the language of `$LANG`, else English. It is held in a
context variable, so concurrent web requests each keep their own; `using_language()` switches it for one
block. Texts made when a module loads, before the language is chosen, are marked with `N_` and translated
with `_` when shown.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED = ("en", "es")
DOMAIN = "stratmon"
_current: ContextVar[str | None] = ContextVar("stratmon_language", default=None)


def _from_environment() -> str:
    for variable in ("STRATMON_LANG", "LANG"):
        value = (os.environ.get(variable) or "").split(".")[0].split("_")[0].lower()
        if value in SUPPORTED:
            return value
    return "en"


def language() -> str:
    """The language in use for messages and numbers."""
    return _current.get() or _from_environment()


def set_language(lang: str | None) -> str:
    """Use `lang` (one of SUPPORTED) from now on; None goes back to the environment's choice."""
    if lang is not None and lang not in SUPPORTED:
        raise ValueError(lang)
    _current.set(lang)
    return language()


@contextmanager
def using_language(lang: str) -> Iterator[None]:
    """Use `lang` inside the block only (a report in Spanish from a command run in English)."""
    if lang not in SUPPORTED:
        raise ValueError(lang)
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """The message catalog for `lang`, compiled in memory from its .po file."""
    if lang == "en":
        return gettext.NullTranslations()
    po_file = resources.files("stratmon") / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return translations(language()).gettext(message)


def N_(message: str) -> str:
    """Mark `message` for the catalogue and return it untranslated: a text made when a module loads, before
    the language is chosen (the command line's help), is translated with `_` when it is shown."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on `count`."""
    return translations(language()).ngettext(singular, plural, count)


def format_money(value: Decimal, lang: str | None = None) -> str:
    """An amount with two decimals and the language's separators (1,234.50 / 1.234,50)."""
    return numbers.format_decimal(value, format="#,##0.00", locale=lang or language())


def format_usd_words(value: Decimal, lang: str | None = None) -> str:
    """Dollars for a sentence, rounded to what a reader takes in: "US$871.0 million", "US$ 871,0 millones",
    "US$3.25 billion"; below a million, to the dollar. Tables keep the exact figures."""
    locale = lang or language()
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if magnitude >= 1_000_000_000:
        amount = numbers.format_decimal(magnitude / 1_000_000_000, format="#,##0.00", locale=locale)
        return sign + _("US${amount} billion").format(amount=amount)
    if magnitude >= 1_000_000:
        amount = numbers.format_decimal(magnitude / 1_000_000, format="#,##0.0", locale=locale)
        return sign + _("US${amount} million").format(amount=amount)
    return sign + _("US${amount}").format(amount=numbers.format_decimal(magnitude, format="#,##0", locale=locale))


def format_measure(value: Decimal, lang: str | None = None, like: Decimal | None = None) -> str:
    """A measured value for reading: whole numbers from 1,000 up, two decimals from 1, else three
    significant places (exact values stay in CSV and JSON output); written as `like` would be when
    given (a difference then reads with the decimals of the values it is the difference of)."""
    magnitude = abs(value if like is None else like)
    if magnitude >= 1000:
        pattern = "#,##0"
    elif magnitude >= 1 or magnitude == 0:
        pattern = "#,##0.00"
    else:
        pattern = "#,##0.###"
    return numbers.format_decimal(value, format=pattern, locale=lang or language())


def format_percent(share: Decimal | None, lang: str | None = None, decimals: int = 1) -> str:
    """A share (0–1) as a percentage with one decimal (or `decimals`), the locale's way ("12.3%", "12,3 %")."""
    if share is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return numbers.format_percent(share, format=pattern, locale=lang or language())


def format_count(value: int, lang: str | None = None) -> str:
    """A whole number with the language's grouping (1,234 / 1.234)."""
    return numbers.format_decimal(value, format="#,##0", locale=lang or language())


def territory_name(code: str, lang: str | None = None) -> str | None:
    """A country's name from Babel's CLDR data, or None when CLDR does not know the code."""
    return Locale.parse(lang or language()).territories.get(code.upper())
