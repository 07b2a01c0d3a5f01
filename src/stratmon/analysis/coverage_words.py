"""Coverage in sentences, the same on the portal, in the report and at the command line.

Amounts in millions or billions in the reader's language (`format_usd_words`); the exact figures
stay in the tables, the API and the CSV files.
"""

from __future__ import annotations

from dataclasses import dataclass

from stratmon.analysis.coverage import LOW_COVERAGE, Coverage, MissingPublisher
from stratmon.framework import Framework
from stratmon.i18n import _, format_fiscal_year, format_percent, format_usd_words, language


@dataclass(frozen=True)
class CoverageWords:
    """What a reader is told beside a money figure: the comparison, and a warning where IATI
    holds too little of it, naming whose money is missing where the data show it."""

    comparison: str
    warning: str | None
    missing: tuple[str, ...]


def span_words(first: int | None, last: int | None) -> str:
    """"FY2016–FY2021", "FY2019" ("AF 2016–AF 2021" in Spanish)."""
    if first is None or last is None:
        return _("no fiscal year")
    if first == last:
        return format_fiscal_year(first)
    return format_fiscal_year(first) + "–" + format_fiscal_year(last)


def strategy_countries(framework: Framework) -> str:
    """The framework's countries together, as sentences and tables name them."""
    return _("The Strategy's {count} countries").format(count=len(framework.countries))


def places_words(framework: Framework, places: tuple[str, ...], name_of, lang: str) -> str:
    """Places as a sentence names them: a country, a country group, the Strategy's countries, or a list."""
    if len(places) == 1:
        return name_of(places[0])
    if set(places) == {c.code for c in framework.countries}:
        return strategy_countries(framework)
    group = next((g for g in framework.country_groups if set(g.countries) == set(places)), None)
    return group.name.get(lang) if group else ", ".join(name_of(place) for place in places)


def agency_name(framework: Framework, ref: str) -> str:
    found = framework.agency_by_ref(ref) if ref else None
    return found.short(language()) if found else (ref or "?")


def describe(coverage: Coverage, place: str, framework: Framework, place_names) -> CoverageWords:
    """Sentences for one coverage figure; `place` names the places as a whole ("Guatemala", "the
    Strategy's 7 countries"), `place_names` names one place by its key."""
    span = span_words(coverage.first_fy, coverage.last_fy)
    if coverage.fagov_usd is None:
        return CoverageWords(_("{place}, {span}: ForeignAssistance.gov has no figure loaded, so coverage cannot be "
                               "measured.").format(place=place, span=span), None, ())
    # One sentence per type, so that each language can agree the words with the amount.
    if coverage.transaction_type == "disbursement":
        sentence = _("{place}, {span}: ForeignAssistance.gov reports {amount} disbursed; the IATI data hold {iati}, "
                     "{share} of it.")
    else:
        sentence = _("{place}, {span}: ForeignAssistance.gov reports {amount} obligated; the IATI data hold {iati}, "
                     "{share} of it.")
    comparison = sentence.format(place=place, span=span, amount=format_usd_words(coverage.fagov_usd),
                                 iati=format_usd_words(coverage.iati_usd), share=format_percent(coverage.share))
    if coverage.uncompared_iati_usd:
        comparison += " " + _("IATI's {amount} for years ForeignAssistance.gov has no figure for are left out of the "
                              "comparison.").format(amount=format_usd_words(coverage.uncompared_iati_usd))
    if not coverage.is_low:
        return CoverageWords(comparison, None, ())
    missing = tuple(_missing_words(publisher, framework, place_names) for publisher in coverage.missing)
    if missing:
        warning = _("IATI holds less than {threshold} of this money. Missing from the IATI data: {agencies}.").format(
            threshold=format_percent(LOW_COVERAGE, decimals=0),
            agencies=", ".join(agency_name(framework, p.agency_ref) for p in coverage.missing))
    elif coverage.budget_years is None:
        warning = _("IATI holds less than {threshold} of this money. The budget tables loaded do not cover {span}, "
                    "so the data cannot say whose money is missing.").format(
            threshold=format_percent(LOW_COVERAGE, decimals=0), span=span)
    else:
        warning = _("IATI holds less than {threshold} of this money. The budget tables for {years} show no agency "
                    "missing from IATI here: the data do not say whose money makes up the gap.").format(
            threshold=format_percent(LOW_COVERAGE, decimals=0), years=span_words(*coverage.budget_years))
    return CoverageWords(comparison, warning, missing)


def _missing_words(publisher: MissingPublisher, framework: Framework, place_names) -> str:
    return _("{agency}: the State Department's budget tables allot {budget} to {places} through {accounts} in "
             "{span}; {agency} publishes {iati} there in IATI.").format(
        agency=agency_name(framework, publisher.agency_ref), budget=format_usd_words(publisher.budget_usd),
        places=_and_list([place_names(place) for place in publisher.places]),
        accounts=_and_list(list(publisher.accounts)), span=span_words(publisher.first_fy, publisher.last_fy),
        iati=format_usd_words(publisher.iati_usd))


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])
