"""U.S. fiscal-year ranges as users write them (`2019`, `2017:2020`, `2017:`, `:2020`)."""

from __future__ import annotations

from dataclasses import dataclass

from stratmon.i18n import _, format_fiscal_year


ALL_YEARS = "all"
# Years a range may name: U.S. foreign-assistance records start in 1946; nothing is planned past 2100.
FIRST_YEAR, LAST_YEAR = 1900, 2100


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

    def __contains__(self, year: int | None) -> bool:
        """Whether `year` is inside this range, as `conditions` decide it in SQL (an unknown year only when
        the range is unbounded on both sides)."""
        if year is None:
            return self.first is None and self.last is None
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)

    def __str__(self) -> str:
        """The range in the language in use: "FY2019", "FY2016–2021", "FY2017–", "–FY2020"."""
        if self.first is not None and self.last is not None:
            if self.first == self.last:
                return format_fiscal_year(self.first)
            return _("FY{first}–{last}").format(first=self.first, last=self.last)
        if self.first is None and self.last is None:
            return _("all fiscal years")
        if self.first is not None:
            return f"{format_fiscal_year(self.first)}–"
        return f"–{format_fiscal_year(self.last)}"


def parse_fiscal_years(text: str | None) -> FiscalYears:
    """Read `A:B`, `A`, `A:` or `:B` (years as 4 digits, optionally prefixed `FY`); `all` is every year."""
    if text is None or not text.strip() or text.strip().casefold() == ALL_YEARS:
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
    if not FIRST_YEAR <= int(part) <= LAST_YEAR:
        raise FiscalYearError(_("fiscal years {text}: years run from {first} to {last}").format(
            text=text, first=FIRST_YEAR, last=LAST_YEAR))
    return int(part)


def strategy_period(framework) -> FiscalYears:
    """The fiscal years the framework says its strategy ran (the default span of its figures)."""
    return FiscalYears(framework.period.first_fy, framework.period.last_fy)


def period_text(fiscal_years: FiscalYears) -> str:
    """A span as `parse_fiscal_years` reads it back ("2016:2021", "all")."""
    if fiscal_years.first is None and fiscal_years.last is None:
        return ALL_YEARS
    first = "" if fiscal_years.first is None else fiscal_years.first
    last = "" if fiscal_years.last is None else fiscal_years.last
    return f"{first}:{last}"


def chosen_span(text: str | None, default: FiscalYears) -> FiscalYears:
    """The span a user asked for: nothing → `default` (the strategy's period), `all` → every year,
    else a range as `parse_fiscal_years` reads it."""
    if text is None or not text.strip():
        return default
    return parse_fiscal_years(text)
