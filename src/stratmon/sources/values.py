"""Reading the values publishers write: amounts, percentages, dates (DESIGN.md rule 4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from stratmon.i18n import _
from stratmon.sources.errors import ContentError

# What a value is, for messages: a name, or a function giving it, called only when a message is
# written (so that readers translate nothing on the hot path).
Subject = str | Callable[[], str]

# DESIGN.md rule 4: these mean "missing", never zero.
MISSING_MARKERS = frozenset({"", "null", "n/a"})
# Money is stored as integer millionths of a currency unit (64-bit, up to 9.2 trillion units);
# no single aid transaction comes near a trillion, so larger amounts are refused as errors.
MAX_AMOUNT = Decimal("1000000000000")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
MAX_NUMBER_TEXT = 40
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_PLAIN_NUMBER = re.compile(r"-?\d{1,18}(\.\d{1,8})?\Z")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ]|Z$|[+-]\d{2}:?\d{2}$)")


# C0 control characters but tab, line feed and carriage return, and DEL (NUL among them): nothing a
# person types, and some (NUL) that a database or a later reader would cut text at.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_forbidden_characters(text: str, *, multiline: bool = True) -> bool:
    """Whether text typed by a person holds characters that are refused: control characters, and a
    line break where one line is expected (not `multiline`). Forms, the API and results files ask
    this one question."""
    return bool(CONTROL_CHARACTERS.search(text)) or (not multiline and ("\n" in text or "\r" in text))


def subject(what: Subject) -> str:
    """The name a message gives a value: `what` itself, or what it returns when it is a function."""
    return what() if callable(what) else what


def _value() -> str:
    return _("value")


def _percentage() -> str:
    return _("percentage")


def parse_number(text: str | None, *, what: Subject = _value) -> Decimal | None:
    """A published number as Decimal; None when it is missing (`NULL`, empty, `n/a`).

    Thousands separators (`307,000,000.00`) and spaces are removed. A value that is
    not a number raises ContentError.
    """
    if text is None:
        return None
    if _PLAIN_NUMBER.match(text):  # the common case, decided without the slow path
        return Decimal(text)
    cleaned = text.strip()
    if cleaned.lower() in MISSING_MARKERS:
        return None
    if len(cleaned) > MAX_NUMBER_TEXT:
        raise ContentError(_("{what} {value}… is too long to be a number").format(
            what=subject(what), value=repr(cleaned[:40])))
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        # Commas only as thousands separators (307,000,000.00); "1.234,56" is refused, not misread.
        if not _THOUSANDS.match(cleaned):
            raise ContentError(_("{what} {value} is not a number (commas only between thousands)").format(
                what=subject(what), value=repr(text.strip()[:40])))
        cleaned = cleaned.replace(",", "")
    if not _NUMBER.match(cleaned):
        raise ContentError(_not_a_number(what, text))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ContentError(_not_a_number(what, text)) from None
    return number


def _not_a_number(what: Subject, text: str) -> str:
    return _("{what} {value} is not a number").format(what=subject(what), value=repr(text.strip()[:40]))


def parse_amount(text: str | None, *, what: Subject = _value) -> Decimal | None:
    """A money amount; like parse_number but bounded so that it can be stored exactly."""
    number = parse_number(text, what=what)
    if number is not None and abs(number) > MAX_AMOUNT:
        raise ContentError(_("{what} {value} is too large to store").format(
            what=subject(what), value=repr(text.strip()[:40])))
    return number


# Publishers repeat a handful of percentages ("100", "50") on every sector and recipient; a
# Decimal is immutable, so one parsed value can serve them all. Errors are not cached: each
# bad value raises (and is worded in the current language) every time.
@lru_cache(maxsize=1024)
def parse_percentage(text: str | None) -> Decimal | None:
    """A percentage between 0 and 100, or None when absent."""
    number = parse_number(text, what=_percentage)
    if number is not None and not (0 <= number <= 100):
        raise ContentError(_("percentage {value} is outside 0–100").format(value=repr(text)))
    return number


def _date() -> str:
    return _("date")


def _datetime() -> str:
    return _("datetime")


def parse_date(text: str | None, *, what: Subject = _date) -> date | None:
    """An ISO 8601 date (a trailing time or offset is ignored); None when absent."""
    if text is None:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:  # the common case: a bare YYYY-MM-DD, parsed in C
            return date.fromisoformat(text)
        except ValueError:
            pass
    if not text.strip():
        return None
    match = _DATE.match(text.strip())
    if not match:
        raise ContentError(_("{what} {value} is not an ISO date").format(
            what=subject(what), value=repr(text.strip()[:40])))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ContentError(_("{what} {value} is not a valid date").format(
            what=subject(what), value=repr(text.strip()[:40]))) from None


def parse_datetime(text: str | None, *, what: Subject = _datetime) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (no offset means UTC)."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ContentError(_("{what} {value} is not an ISO timestamp").format(
            what=subject(what), value=repr(raw[:40]))) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def fiscal_year(day: date) -> int:
    """The U.S. federal fiscal year (October–September) a date falls in."""
    return day.year + 1 if day.month >= 10 else day.year


def optional_micros(amount: Decimal | None) -> int | None:
    """`to_micros`, keeping a missing amount missing."""
    return to_micros(amount) if amount is not None else None


def to_micros(amount: Decimal) -> int:
    """An amount as an integer number of millionths (half away from zero)."""
    return int((amount * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
