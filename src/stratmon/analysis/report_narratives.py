"""The report's narratives: for each line of action and each country of the report, the narrative the
analysts wrote and approved for the report's span (analysis/narratives.py), beside the line's
disbursements in the country; a cell without one is listed as a gap, never filled with words of the
report's own. The text shown is the one approved last by the end of the report's date (`--as-of`), in
the report's language, else in the other language, marked as such.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date

from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.narratives import ShownNarrative, day_after, is_bounded, shown_narratives
from stratmon.analysis.report_types import NarrativeEntry, NarrativeGroup, Section
from stratmon.i18n import _, ngettext
from stratmon.narratives.workflow import PARTS, Cell, part_names

ZERO = Decimal("0.00")


def narratives_section(builder, generated_on: date) -> Section:
    """The narratives of the report's span and countries, grouped by line of action."""
    title = _("Narratives by line of action and country")
    fiscal_years, framework = builder.fiscal_years, builder.framework
    if not is_bounded(fiscal_years):
        return Section("narratives", title, (_("Narratives are written for a span of fiscal years (FY2019, "
                                               "FY2016–FY2021); this report covers an open span, so it has none."),))
    countries = [c.code for c in framework.countries if builder.country in (None, c.code)]
    if not countries:
        return Section("narratives", title, (_("Narratives are written for each of the Strategy's countries; this "
                                               "report covers none of them."),))
    cells = [Cell(line.id, code, fiscal_years.first, fiscal_years.last)
             for line in framework.lines_of_action for code in countries]
    shown = shown_narratives(builder.connection, cells, builder.lang, day_after(generated_on))
    disbursed = builder.sums(("line", "country"))
    span = span_words(fiscal_years.first, fiscal_years.last)
    figure_label = _("Disbursed (USD), {span}").format(span=span)
    groups = []
    for line in framework.lines_of_action:
        mine = [item for item in shown if item.cell.line == line.id]
        name = line.name.get(builder.lang)
        groups.append(NarrativeGroup(
            line.id, name,
            tuple(_entry(builder, item, disbursed.get((line.id, item.cell.country), ZERO), figure_label)
                  for item in mine if item.text is not None),
            tuple(gap_sentence(name, builder.labels.recipient(item.cell.country), span)
                  for item in mine if item.text is None)))
    return Section("narratives", title, _paragraphs(shown, span), narratives=tuple(groups))


def gap_sentence(line: str, country: str, span: str) -> str:
    """A missing narrative, as the report and the portal list it."""
    return _("No approved narrative for {line}, {country}, {span}.").format(line=line, country=country, span=span)


def language_note(text_lang: str) -> str:
    """Said beside a text shown in the other language than the reader's."""
    return _("Approved in English only") if text_lang == "en" else _("Approved in Spanish only")


def approval_words(version: int, approved_on: date, lang: str) -> str:
    """Which version is shown, and when it was approved."""
    return _("Version {version}, approved on {date}.").format(
        version=version, date=format_date(approved_on, format="long", locale=lang))


def _entry(builder, item: ShownNarrative, figure: Decimal, figure_label: str) -> NarrativeEntry:
    text, names = item.text, part_names()
    return NarrativeEntry(
        builder.labels.recipient(item.cell.country), figure_label, figure, text.lang,
        None if text.lang == builder.lang else language_note(text.lang),
        tuple((names[part], getattr(text.parts, part)) for part in PARTS),
        approval_words(text.version, text.reviewed_at.date(), builder.lang))


def _paragraphs(shown: list[ShownNarrative], span: str) -> tuple[str, ...]:
    written = sum(1 for item in shown if item.text is not None)
    lead = _("What the analysts found on each line of action in each country, {span}: progress, challenges and "
             "next steps, as written and approved in Strategy Monitor, beside the line's disbursements in the "
             "country.").format(span=span)
    if written == len(shown):
        return lead, _("Every narrative of the span is approved.")
    if written == 0:
        return lead, _("No narrative of the span is approved yet: each is listed as a gap.")
    return lead, ngettext("{n} of the {total} narratives is approved; the others are listed as gaps.",
                          "{n} of the {total} narratives are approved; the others are listed as gaps.",
                          written).format(n=written, total=len(shown))
