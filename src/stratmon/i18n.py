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
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from babel import Locale, dates, numbers
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


def pgettext(context: str, message: str) -> str:
    """Translate `message` as meant in `context`: one English word, several meanings ("Target": an
    indicator's goal, "Meta"; where an override sends money, "Destino")."""
    return translations(language()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on `count`, as meant in `context`."""
    return translations(language()).npgettext(context, singular, plural, count)


class InLanguage(str):
    """A text the data holds in a known language (an activity's title): a `str` everywhere, and
    `lang` for the page, the file or the answer that must say which language it is in (None: unknown)."""

    lang: str | None

    def __new__(cls, text: str, lang: str | None) -> InLanguage:
        made = super().__new__(cls, text)
        made.lang = lang.lower() if lang else None
        return made

    def __getnewargs__(self) -> tuple[str, str | None]:
        # The arguments copy, deepcopy (dataclasses.asdict of a record holding one) and pickle call __new__
        # with: str's own pass the text alone, and __new__ needs the language too.
        return str(self), self.lang

    @property
    def is_foreign(self) -> bool:
        """Whether the text is in another language than the one in use (a fallback the reader is told of)."""
        return self.lang is not None and self.lang != language()


def language_name(code: str, lang: str | None = None) -> str:
    """A language's name in the language in use ("inglés" for en in Spanish), from Babel's CLDR data."""
    found = Locale.parse(lang or language()).languages.get(code.lower())
    return found or code


def format_fiscal_year(year: int | str, lang: str | None = None) -> str:
    """A U.S. fiscal year as readers write it: "FY2019", "AF 2019" in Spanish (the glossary's)."""
    with using_language(lang or language()):
        return _("FY{year}").format(year=year)


def format_day(value: date | datetime | str | None, lang: str | None = None, width: str = "long") -> str:
    """A day in the language: "March 4, 2025", "4 de marzo de 2025" (`width` "medium": "4 mar 2025").
    Text in ISO form ("2025-03-04", "2025-03-04T21:36:22Z") is read first; other text is shown as it is."""
    if value is None or value == "":
        return "–"
    moment = _as_moment(value)
    if moment is None:
        return str(value)
    return _formatted_day(moment.date() if isinstance(moment, datetime) else moment, width, lang or language())


@lru_cache(maxsize=8192)
def _formatted_day(day: date, width: str, lang: str) -> str:
    # Babel parses the pattern and looks up the locale on every call: a tracking table formats thousands
    # of the same few hundred days.
    return dates.format_date(day, format=width, locale=lang)


def format_moment(value: datetime | str | None, lang: str | None = None, seconds: bool = False) -> str:
    """A point in time, in UTC, in the language: "March 4, 2025, 9:36 PM UTC", "4 de marzo de 2025,
    21:36 UTC". Times without a zone are the database's, which keeps UTC."""
    if value is None or value == "":
        return "–"
    moment = _as_moment(value)
    if moment is None:
        return str(value)
    if not isinstance(moment, datetime):
        return format_day(moment, lang)
    locale = lang or language()
    utc = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    day = dates.format_date(utc, format="long", locale=locale)
    time = dates.format_time(utc, format="medium" if seconds else "short", tzinfo=timezone.utc, locale=locale)
    return dates.get_datetime_format("long", locale=locale).format(f"{time} UTC", day)


def _as_moment(value: date | datetime | str) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        return None


def _formatted(number, pattern: str, lang: str) -> str:
    """`number` by a CLDR `pattern` in `lang`, as Babel's format_decimal and format_percent write it, with the
    pattern and the locale read once each rather than on every figure (a page's tables show hundreds)."""
    return _number_pattern(pattern).apply(number, _locale(lang))


@lru_cache(maxsize=64)
def _number_pattern(pattern: str) -> numbers.NumberPattern:
    return numbers.parse_pattern(pattern)


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def format_money(value: Decimal, lang: str | None = None) -> str:
    """An amount with two decimals and the language's separators (1,234.50 / 1.234,50)."""
    return _formatted(value, "#,##0.00", lang or language())


def format_usd_words(value: Decimal, lang: str | None = None) -> str:
    """Dollars for a sentence, rounded to what a reader takes in: "US$871.0 million", "US$ 871,0 millones",
    "US$3.25 billion"; below a million, to the dollar. Tables keep the exact figures."""
    locale = lang or language()
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    if magnitude >= 1_000_000_000:
        amount = _formatted(magnitude / 1_000_000_000, "#,##0.00", locale)
        return sign + _("US${amount} billion").format(amount=amount)
    if magnitude >= 1_000_000:
        amount = _formatted(magnitude / 1_000_000, "#,##0.0", locale)
        return sign + _("US${amount} million").format(amount=amount)
    return sign + _("US${amount}").format(amount=_formatted(magnitude, "#,##0", locale))


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
    return _formatted(value, pattern, lang or language())


def format_percent(share: Decimal | None, lang: str | None = None, decimals: int = 1) -> str:
    """A share (0–1) as a percentage with one decimal (or `decimals`), the locale's way ("12.3%", "12,3 %")."""
    if share is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return _formatted(share, pattern, lang or language())


def format_count(value: int, lang: str | None = None) -> str:
    """A whole number with the language's grouping (1,234 / 1.234)."""
    return _formatted(value, "#,##0", lang or language())


def territory_name(code: str, lang: str | None = None) -> str | None:
    """A country's name from Babel's CLDR data, or None when CLDR does not know the code."""
    return Locale.parse(lang or language()).territories.get(code.upper())
