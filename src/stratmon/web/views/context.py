"""Context indicators on a page: each country's latest value against the baseline year."""

from __future__ import annotations

from stratmon.analysis.context import AgainstBaseline
from stratmon.analysis.labels import Labels
from stratmon.framework.model import ContextIndicator
from stratmon.i18n import _, language
from stratmon.web.tables import Column, DataTable


def context_table(rows: list[AgainstBaseline], specs: list[ContextIndicator], names: Labels,
                  with_country: bool) -> tuple[DataTable, list[str]]:
    """The table of `rows` for the catalogue indicators `specs`, and the names of those not loaded."""
    lang = language()
    wanted = {spec.id: spec for spec in specs}
    change = {True: _("better"), False: _("worse"), None: "–"}
    shown = [row for row in rows if row.indicator in wanted]
    table = DataTable("context", _("Context indicators against their baseline year"), [
        Column("indicator", _("Indicator")), Column("unit", _("Unit")),
        *([Column("country", _("Country"))] if with_country else []),
        Column("baseline_year", _("Baseline year")), Column("baseline", _("Baseline"), "number"),
        Column("latest_year", _("Latest year")), Column("latest", _("Latest"), "number"),
        Column("change", _("Change"), "number"), Column("direction", _("Better or worse")),
        Column("source", _("Source"))], [
        {"indicator": wanted[row.indicator].name.get(lang), "unit": wanted[row.indicator].unit.get(lang),
         "country": names.recipient(row.country), "baseline_year": str(row.baseline_year), "baseline": row.baseline,
         "latest_year": str(row.latest_year) if row.latest_year else None, "latest": row.latest,
         "change": row.change, "direction": change[row.improved], "source": row.source}
        for row in shown],
        note=_("Better or worse follows each indicator's direction (a lower homicide rate is better); the values are "
               "as the source publishes them."))
    loaded = {row.indicator for row in shown}
    return table, [spec.name.get(lang) for spec in specs if spec.id not in loaded]
