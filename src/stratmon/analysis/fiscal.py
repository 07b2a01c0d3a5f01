"""U.S. fiscal-year ranges as users write them (`2019`, `2017:2020`, `2017:`, `:2020`)."""

from __future__ import annotations

from dataclasses import dataclass

from stratmon.i18n import _


class FiscalYearError(ValueError):
    """A fiscal-year range the user wrote that cannot be read."""


@dataclass(frozen=True)
class FiscalYears:
    """An inclusive range of U.S. fiscal years; None on a side means unbounded."""

    first: int | None = None
    last: int | None = None

    def conditions(self, column) -> list:
        """SQL conditions keeping `column` (a fiscal-year column) inside this range."""
        found = []
        if self.first is not None:
            found.append(column >= self.first)
        if self.last is not None:
            found.append(column <= self.last)
        return found

    def __str__(self) -> str:
        if self.first == self.last and self.first is not None:
            return f"FY{self.first}"
        return f"FY{self.first or ''}:{self.last or ''}"


def parse_fiscal_years(text: str | None) -> FiscalYears:
    """Read `A:B`, `A`, `A:` or `:B` (years as 4 digits, optionally prefixed `FY`)."""
    if text is None or not text.strip():
        return FiscalYears()
    first, sep, last = text.strip().upper().partition(":")
    bounds = [_year(first, text), _year(last, text) if sep else _year(first, text)]
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise FiscalYearError(_("fiscal-year range {text} ends before it starts").format(text=text))
    return FiscalYears(bounds[0], bounds[1])


def _year(part: str, text: str) -> int | None:
    part = part.strip().removeprefix("FY")
    if not part:
        return None
    if not (part.isdigit() and len(part) == 4):
        raise FiscalYearError(_("fiscal years {text}: write YEAR or FIRST:LAST").format(text=text))
    return int(part)
