"""Context indicators on a page: each country's latest value in the page's span against its baseline."""

from __future__ import annotations

from sqlalchemy import Connection

from stratmon.analysis.context import against_baseline, baseline_note, baseline_year_words, change_words
from stratmon.framework.model import ContextIndicator
from stratmon.i18n import _, language
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import labels
from stratmon.web.portal.span import Span


def context_table(db: Connection, site: Site, span: Span, specs: list[ContextIndicator],
                  countries: list[str] | None = None) -> tuple[DataTable, list[str]]:
    """The catalogue indicators `specs` in `countries` (every country, in a column of its own, when
    None), their latest values inside the page's span; and the names of those not loaded."""
    lang, names, framework = language(), labels(db, site), site.framework
    rows = against_baseline(db, framework, indicators={spec.id for spec in specs}, countries=countries,
                            fiscal_years=span.fiscal_years) if specs else []
    wanted = {spec.id: spec for spec in specs}
    last_year = span.fiscal_years.last
    title = (_("Context indicators against their baseline, latest values up to {year}").format(year=last_year)
             if last_year is not None else _("Context indicators against their baseline year"))
    table = DataTable("context", title, [
        Column("indicator", _("Indicator")), Column("unit", _("Unit")),
        *([Column("country", _("Country"))] if countries is None else []),
        Column("baseline_year", _("Baseline year")), Column("baseline", _("Baseline"), "number"),
        Column("latest_year", _("Latest year")), Column("latest", _("Latest"), "number"),
        Column("change", _("Change")), Column("source", _("Source"), as_published=True)], [
        {"indicator": wanted[row.indicator].name.get(lang), "unit": wanted[row.indicator].unit.get(lang),
         "country": names.recipient(row.country), "baseline_year": baseline_year_words(row), "baseline": row.baseline,
         "latest_year": str(row.latest_year) if row.latest_year else None, "latest": row.latest,
         "change": change_words(row), "source": row.source}
        for row in rows],
        note=baseline_note(last_year, framework.context_baseline.tolerance_years))
    loaded = {row.indicator for row in rows}
    return table, [spec.name.get(lang) for spec in specs if spec.id not in loaded]
