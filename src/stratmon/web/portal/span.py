"""The span of fiscal years a page shows (the Strategy's period unless the reader chooses another)
and the coverage shown beside its money figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from stratmon.analysis.breakdown import funded_fiscal_years
from stratmon.analysis.coverage import Coverage, CoverageData
from stratmon.analysis.coverage_words import CoverageWords, describe, span_words
from stratmon.analysis.fiscal import FiscalYears, chosen_span, period_text, strategy_period
from stratmon.framework.model import Geography
from stratmon.i18n import _
from stratmon.store.data_version import PerDataVersion
from stratmon.web.context import Site
from stratmon.web.tables import Column
from stratmon.web.portal.common import labels


@dataclass(frozen=True)
class Span:
    """The fiscal years a page's figures cover, as asked and as shown."""

    fiscal_years: FiscalYears
    first: int | None  # resolved against the years with money, for headings
    last: int | None
    is_period: bool
    is_all: bool
    years: tuple[int, ...]  # every fiscal year with money, for the chooser
    asked: str  # the `fy` query value that gives this span ('' for the default)

    @property
    def label(self) -> str:
        """"FY2016–FY2021"."""
        return span_words(self.first, self.last)

    @property
    def heading(self) -> str:
        """Which span the page shows, for the line under its title."""
        if self.is_period:
            return _("{span}, the Strategy's period").format(span=self.label)
        if self.is_all:
            return _("{span}, all fiscal years with data").format(span=self.label)
        return _("{span}, the span you chose").format(span=self.label)

    @property
    def query(self) -> str:
        """`?fy=…` for links that keep the span ('' for the default)."""
        return f"?fy={self.asked}" if self.asked else ""


# The fiscal years with money bound every page's span: read once per data version and geography.
_FUNDED_YEARS = PerDataVersion(size=4)


def page_span(db: Connection, site: Site, asked: str | None) -> Span:
    """The span `?fy=` asks for (`2017:2019`, `2019`, `all`), else the Strategy's period."""
    period = strategy_period(site.framework)
    fiscal_years = chosen_span(asked, period)
    geography = site.framework.geography
    years = _FUNDED_YEARS.get(db, geography, lambda: tuple(funded_fiscal_years(db, geography)))
    first = fiscal_years.first if fiscal_years.first is not None else (years[0] if years else None)
    last = fiscal_years.last if fiscal_years.last is not None else (years[-1] if years else None)
    is_all = fiscal_years == FiscalYears()
    is_period = fiscal_years == period
    return Span(fiscal_years, first, last, is_period, is_all, years, "" if is_period else period_text(fiscal_years))


@dataclass(frozen=True)
class CoverageNote:
    """Coverage beside a page's obligated and disbursed figures."""

    obligation: Coverage
    disbursement: Coverage
    words: CoverageWords  # worded for disbursements, the figure readers compare first
    obligation_words: CoverageWords
    data: CoverageData  # the sums, for tables on the same page

    @property
    def warning(self) -> str | None:
        return self.words.warning or self.obligation_words.warning

    @property
    def missing(self) -> tuple[str, ...]:
        return self.words.missing or self.obligation_words.missing


_COVERAGE_DATA = PerDataVersion(size=4)


def coverage_data(db: Connection, geography: Geography) -> CoverageData:
    """The sums coverage is computed from, for every place and span: read once per data version and
    geography (most pages and several API routes show coverage; the sums are most of a first render)."""
    return _COVERAGE_DATA.get(db, geography, lambda: CoverageData(db, geography))


def coverage_note(db: Connection, site: Site, places: tuple[str, ...], place: str, span: Span,
                  data: CoverageData | None = None) -> CoverageNote:
    """IATI against ForeignAssistance.gov for `places` (named `place` in sentences) over the span."""
    data = data or coverage_data(db, site.framework.geography)
    names = labels(db, site)
    by_type = {kind: data.coverage(places, span.fiscal_years, kind) for kind in ("obligation", "disbursement")}
    words = {kind: describe(found, place, site.framework, names.recipient) for kind, found in by_type.items()}
    return CoverageNote(by_type["obligation"], by_type["disbursement"], words["disbursement"], words["obligation"],
                        data)


def with_span(tables: list, span: Span) -> list:
    """The tables, their titles saying which fiscal years they sum."""
    for table in tables:
        table.title = _("{title}, {span}").format(title=table.title, span=span.label)
    return tables


def fagov_columns(data: CoverageData, span: Span, countries: tuple[str, ...]):
    """Columns for a money table by country: ForeignAssistance.gov's disbursements for the same
    years and the share IATI holds, for the framework's countries (regions and the total row stay
    empty: ForeignAssistance.gov counts regional money under regions of its own)."""
    def cells(key) -> dict:
        if key not in countries:
            return {"fagov": None, "share": None}
        found = data.coverage((key,), span.fiscal_years, "disbursement")
        return {"fagov": found.fagov_usd, "share": found.share}
    return [Column("fagov", _("ForeignAssistance.gov, disbursed (USD)"), "usd"),
            Column("share", _("IATI holds, disbursements"), "percent")], cells
