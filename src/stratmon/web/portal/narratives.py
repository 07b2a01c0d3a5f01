"""The narratives on the portal: on a line of action's page each country's, on a country's page each
line of action's — the text approved for the page's span, in the reader's language (else in the other,
marked as such), beside the disbursements it speaks of; a cell without one is listed as a gap, never
filled. The report does the same (analysis/report_narratives.py), in the same words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from stratmon.analysis.breakdown import Breakdown
from stratmon.analysis.narratives import NarrativeVersion, framework_cells, is_bounded, shown_narratives
from stratmon.analysis.report_narratives import approval_words, gap_sentence, language_note
from stratmon.i18n import _, language
from stratmon.narratives.workflow import PARTS, part_names
from stratmon.web.context import Site
from stratmon.web.portal.common import labels, link
from stratmon.web.portal.span import Span


@dataclass(frozen=True)
class NarrativeCard:
    """One approved narrative as a page shows it."""

    heading: str
    href: str
    disbursed: Decimal | None  # None: the alignment is not current, so money by line is not shown
    text: NarrativeVersion
    language_note: str | None
    approval: str

    def parts(self) -> list[tuple[str, list[str]]]:
        """Each part's heading and its paragraphs (the lines the author wrote)."""
        names = part_names()
        return [(names[part], [line for line in getattr(self.text.parts, part).splitlines() if line.strip()])
                for part in PARTS]


@dataclass(frozen=True)
class NarrativePanel:
    """The narratives of a page's span: the approved ones, the gaps, or why there can be none."""

    cards: list[NarrativeCard]
    gaps: list[str]
    note: str | None = None


def narrative_panel(db: Connection, site: Site, span: Span, *, line: str | None = None,
                    country: str | None = None, focus_money: Breakdown | None) -> NarrativePanel:
    """A line of action's narratives by country (`line`), or a country's by line of action (`country`).
    `focus_money`: the page's own breakdown of its money over `span`, keyed by `country` (among others) on a
    line's page and by `line` on a country's; None when the alignment is not current, and then the cards
    show no figures."""
    if not is_bounded(span.fiscal_years):
        return NarrativePanel([], [], _("Narratives are written for a span of fiscal years; choose one to read "
                                        "them."))
    framework, lang, names = site.framework, language(), labels(db, site)
    cells = [cell for cell in framework_cells(framework, span.fiscal_years, [country] if country else None)
             if line is None or cell.line == line]
    aligned = focus_money is not None
    if focus_money is None:
        disbursed = {}
    elif line is not None:
        disbursed = {(line, key): usd for (key,), usd in focus_money.sums(("country",), "disbursement").items()}
    else:
        disbursed = {(key, country): usd for (key,), usd in focus_money.sums(("line",), "disbursement").items()}
    line_names = {item.id: item.name.get(lang) for item in framework.lines_of_action}
    cards, gaps = [], []
    for shown in shown_narratives(db, cells, lang):
        cell = shown.cell
        if shown.text is None:
            gaps.append(gap_sentence(line_names[cell.line], names.recipient(cell.country), span.label))
            continue
        heading, href = ((names.recipient(cell.country), link("countries", cell.country)) if line else
                         (line_names[cell.line], link("lines", cell.line)))
        cards.append(NarrativeCard(
            heading, href + span.query, disbursed.get((cell.line, cell.country), Decimal("0.00")) if aligned else None,
            shown.text, None if shown.is_in(lang) else language_note(shown.text.lang),
            approval_words(shown.text.version, shown.text.reviewed_at.date(), lang)))
    return NarrativePanel(cards, gaps)
