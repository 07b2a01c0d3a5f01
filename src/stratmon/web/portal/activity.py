"""One activity: what, who, where, when, its transactions, why its money sits where it does, its
results and its documents. Everything as published, codes named."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import Connection

from stratmon.analysis.activities import ActivityDetail, activity_detail
from stratmon.analysis.activity_sectors import SectorMoney, sectors_from_transactions
from stratmon.analysis.activity_titles import Narrative
from stratmon.analysis.alignment import Explanation, explain
from stratmon.analysis.indicator_registry import registered_indicators
from stratmon.analysis.labels import Labels
from stratmon.i18n import InLanguage, _, format_fiscal_year, format_moment, language, language_name, pgettext
from stratmon.iati.codelists import SECTOR_CODELIST_BY_VOCABULARY, codelists
from stratmon.web.context import Site
from stratmon.web.render import usd_short
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.codes import code_name
from stratmon.web.portal.common import alignment_is_current, labels

USD = "USD"
# The long tables of an activity page, each shown a page at a time: (table, query parameter, rows per page).
PAGED_TABLES = (("transactions", "tx_page", 50), ("alignment", "parts_page", 25), ("results", "results_page", 50),
                ("reported", "reported_page", 50))


@dataclass(frozen=True)
class OtherLanguage:
    """What the publisher wrote in a language other than the one shown first: folded, labelled with it."""

    lang: str | None
    language: str  # the language's name in the page's language
    title: InLanguage | None
    descriptions: list[tuple[str | None, InLanguage]]  # (description type's name, text)


@dataclass
class ActivityPage:
    detail: ActivityDetail
    title: InLanguage | str
    descriptions: list[tuple[str | None, InLanguage]]  # in the reader's language where there are any
    other_languages: list[OtherLanguage]
    facts: list[tuple[str, str]]
    documents: list[tuple[str, str | None]]  # (title, safe external address or None)
    aligned: bool
    overrides: list
    tables: list[DataTable] = field(default_factory=list)


def activity_page(db: Connection, site: Site, identifier: str, pages: Mapping[str, int] | None = None) -> ActivityPage:
    """The page of the activity `identifier`, its long tables at the pages `pages` asks for (by query
    parameter, see PAGED_TABLES; the first otherwise); QueryError when there is no such activity."""
    detail = activity_detail(db, identifier)
    names = labels(db, site)
    aligned = alignment_is_current(db, site)
    explanation = explain(db, identifier, site.crosswalks.digest, detail=detail, is_current=aligned) \
        if aligned else None
    title = detail.title_for(language())
    shown_title = InLanguage(title.text, title.lang) if title else detail.iati_identifier
    descriptions, others = _texts_by_language(detail, title)
    page = ActivityPage(detail, shown_title, descriptions, others, _facts(detail, names),
                        [(title or url or _("Untitled document"), _external(url)) for title, url in detail.documents],
                        aligned, _overrides(explanation, names) if explanation else [])
    page.tables = [_participants(detail), _recipients(detail, names), _dates(detail), _sectors(detail, site)]
    if not detail.sectors:
        # Some publishers (USAID) name sectors on each transaction only.
        page.tables.append(_transaction_sectors(sectors_from_transactions(db, identifier, detail.activity_id), site))
    page.tables.append(_transactions(detail, names))
    if explanation is not None:
        page.tables += _alignment(explanation, names)
    page.tables += [_published_results(detail), _reported_values(db, detail)]
    by_name = {table.name: table for table in page.tables}
    for name, param, per_page in PAGED_TABLES:
        if name in by_name:
            by_name[name].show_page(param, (pages or {}).get(param, 1), per_page)
    return page


def _texts_by_language(detail: ActivityDetail, title: Narrative | None):
    """The descriptions in the reader's language (else in the shown title's, else the first language's),
    and, folded under them, every other language's title and descriptions."""
    by_lang: dict[str | None, list[Narrative]] = {}
    for description in detail.descriptions:
        by_lang.setdefault(description.lang, []).append(description)
    for other in detail.titles:
        by_lang.setdefault(other.lang, [])
    shown = next((lang for lang in (language(), title.lang if title else None) if by_lang.get(lang)),
                 next((lang for lang, texts in by_lang.items() if texts), None))

    def described(texts: list[Narrative]) -> list[tuple[str | None, InLanguage]]:
        return [(code_name("DescriptionType", d.description_type) if d.description_type else None,
                 InLanguage(d.text, d.lang)) for d in texts]

    others = []
    for lang, texts in by_lang.items():
        other_title = next((t for t in detail.titles if t.lang == lang), None)
        if lang == shown or (not texts and (other_title is None or other_title == title)):
            continue
        others.append(OtherLanguage(lang, language_name(lang) if lang else _("a language not stated"),
                                    InLanguage(other_title.text, lang) if other_title and other_title != title
                                    else None, described(texts)))
    return described(by_lang.get(shown, [])), others


def _overrides(explanation: Explanation, names: Labels) -> list[dict]:
    """The activity's standing manual overrides: where they send the money, why, who, when."""
    return [{"target": (names.aligned("objective", o.target) if o.target.startswith("outside:")
                        else f"{o.target} {names.objective(o.target)}"),
             "reason": o.reason, "by": o.created_by, "on": o.created_at.date()}
            for o in explanation.overrides if o.is_active]


def _facts(detail: ActivityDetail, names: Labels) -> list[tuple[str, str]]:
    totals = [(_("Obligated (USD, as published)"), detail.total_usd("2")),
              (_("Disbursed (USD, as published)"), detail.total_usd("3"))]
    # The identifier and a publisher's own name are the data's words (InLanguage, language unknown).
    return [(_("IATI identifier"), InLanguage(detail.iati_identifier, None)),
            (_("Reported by"), names.agency(detail.reporting_org_ref) if detail.reporting_org_ref else
             InLanguage(detail.reporting_org_name, None) if detail.reporting_org_name else "–"),
            (_("Status"), code_name("ActivityStatus", detail.status_code)),
            *((label, usd_short(amount)) for label, amount in totals),
            (_("Default currency"), detail.default_currency or "–"),
            (_("Last updated by the publisher"), format_moment(detail.last_updated))]


def _external(url: str | None) -> str | None:
    """An address safe to link to: http or https only (never javascript: and the like)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _participants(detail: ActivityDetail) -> DataTable:
    return DataTable("organisations", _("Participating organisations"), [
        Column("role", _("Role")), Column("name", _("Organisation"), as_published=True),
        Column("ref", _("Reference"), as_published=True),
        Column("type", _("Type"))], [
        {"role": code_name("OrganisationRole", p.role_code), "name": p.name or p.ref or "–", "ref": p.ref,
         "type": code_name("OrganisationType", p.type_code) if p.type_code else None} for p in detail.participants])


def _recipients(detail: ActivityDetail, names: Labels) -> DataTable:
    rows = [{"name": names.recipient(r.code if r.kind == "country" else f"region-{r.code}"),
             "kind": _("country") if r.kind == "country" else _("region"),
             "percentage": None if r.percentage is None else r.percentage / 100} for r in detail.recipients]
    note = _("Transactions that name their own recipients follow those instead.")
    if not rows:
        # Some publishers name recipients on each transaction only.
        keys = sorted({key for t in detail.transactions for key in t.recipients})
        rows = [{"name": names.recipient(key), "kind": _("country") if not key.startswith("region-") else _("region"),
                 "percentage": None} for key in keys]
        note = _("The activity names its recipients on its transactions.")
    return DataTable("recipients", _("Recipient countries and regions"), [
        Column("name", _("Country or region")), Column("kind", _("Kind")), Column("percentage", _("Share"), "percent")],
        rows, note=note)


def _dates(detail: ActivityDetail) -> DataTable:
    return DataTable("dates", _("Dates"), [Column("type", _("Date")), Column("date", _("Day"), "date")], [
        {"type": code_name("ActivityDateType", d.type_code), "date": d.iso_date} for d in detail.dates])


def _sector_name(sector, site: Site) -> str:
    """A sector (published at activity or transaction level) by its name in the codelist or the
    crosswalks, in the page's language, else as the publisher named it."""
    lang = language()
    codelist = SECTOR_CODELIST_BY_VOCABULARY.get(sector.vocabulary)
    if codelist:
        return codelists().name(codelist, sector.code, lang, fallback=sector.name)
    area = site.crosswalks.areas_by_code.get(sector.code) if sector.vocabulary in ("98", "99") else None
    return area.name.get(lang) if area else (sector.name or sector.code)


def _vocabulary_names() -> dict[str, str]:
    return {"1": _("OECD DAC purpose code"), "2": _("OECD DAC category"), "99": pgettext("label", "U.S. program area"),
            "98": pgettext("label", "U.S. program area")}


def _sectors(detail: ActivityDetail, site: Site) -> DataTable:
    vocabularies = _vocabulary_names()
    return DataTable("sectors", _("Sectors"), [
        Column("vocabulary", _("Vocabulary")), Column("code", _("Code"), as_published=True), Column("name", _("Sector")),
        Column("percentage", _("Share"), "percent")], [
        {"vocabulary": vocabularies.get(s.vocabulary, s.vocabulary), "code": s.code, "name": _sector_name(s, site),
         "percentage": None if s.percentage is None else s.percentage / 100} for s in detail.sectors])


def _transaction_sectors(sectors: list[SectorMoney], site: Site) -> DataTable:
    """The sectors the activity's transactions name, with their dollars (an activity that names none)."""
    vocabularies = _vocabulary_names()
    rows = [{"vocabulary": vocabularies.get(s.vocabulary, s.vocabulary), "code": None if s.is_unspecified else s.code,
             "name": _("Not specified") if s.is_unspecified else _sector_name(s, site),
             "obligation": s.usd.get("obligation"), "disbursement": s.usd.get("disbursement"),
             "expenditure": s.usd.get("expenditure")} for s in sectors]
    # The sector and its money first: what a reader looks for, and what a phone shows without scrolling.
    columns = [Column("name", _("Sector")), Column("obligation", _("Obligated (USD)"), "usd"),
               Column("disbursement", _("Disbursed (USD)"), "usd"), Column("expenditure", _("Spent (USD)"), "usd"),
               Column("vocabulary", _("Vocabulary")), Column("code", _("Code"), as_published=True)]
    columns = [c for c in columns if c.key != "expenditure" or any(row["expenditure"] is not None for row in rows)]
    return DataTable("transaction-sectors", _("Sectors named on the transactions"), columns, rows, note=_(
        "The activity names no sector; its transactions do. Each transaction's dollars are split over its own "
        "sectors by their percentages, one vocabulary at a time, so each vocabulary adds up to the activity's "
        "total (USD values only)."))


def _transactions(detail: ActivityDetail, names: Labels) -> DataTable:
    rows = [{"date": t.transaction_date, "fy": format_fiscal_year(t.fiscal_year),
             "type": code_name("TransactionType", t.type_code),
             "usd": t.usd if t.currency == USD else None,
             "value": t.usd if t.currency != USD else None, "currency": t.currency if t.currency != USD else None,
             "provider": t.provider, "receiver": t.receiver,
             "recipients": ", ".join(names.recipient(key) for key in t.recipients) or None,
             "description": t.description} for t in detail.transactions]
    # The money right after what the transaction is: on a phone the table shows them before it scrolls.
    columns = [Column("date", _("Date"), "date"), Column("type", _("Type")), Column("usd", _("USD"), "usd"),
               Column("value", _("Value in another currency"), "usd"), Column("currency", _("Currency")),
               Column("fy", _("Fiscal year")), Column("provider", _("Provider"), as_published=True),
               Column("receiver", _("Receiver"), as_published=True), Column("recipients", _("Recipients")),
               Column("description", _("Description"), as_published=True)]
    # Columns the publisher left empty throughout say nothing; the value columns stay.
    optional = {"value", "currency", "provider", "receiver", "recipients", "description"}
    columns = [c for c in columns if c.key not in optional or any(row[c.key] is not None for row in rows)]
    return DataTable("transactions", _("Transactions"), columns, rows,
                     note=_("Values in another currency are kept as published and left out of USD sums."))


def _alignment(explanation: Explanation, names: Labels) -> list[DataTable]:
    """Each transaction part with where it went and why, and the same summed by destination and reason."""
    rows = []
    for transaction in explanation.transactions:
        for part in transaction.parts:
            if part.objective_id:
                where = f"{part.objective_id} {names.objective(part.objective_id)}"
                line = names.line(part.line_id) if part.line_id else "–"
            else:
                where = names.aligned("objective", f"outside:{part.outside_id}" if part.outside_id else None)
                line = "–"
            rows.append({"date": transaction.transaction_date, "type_code": transaction.type_code,
                         "type": code_name("TransactionType", transaction.type_code),
                         "recipient": names.recipient(part.recipient_key), "objective": where, "line": line,
                         "rule": names.rule(part.rule), "confidence": names.confidence(part.confidence),
                         "evidence": names.evidence(part.evidence),
                         "against": names.evidence(part.contest) if part.contest else None, "usd": part.usd})
    detail = DataTable("alignment", _("Where each transaction's money is attributed, and why"), [
        Column("date", _("Date"), "date"), Column("type", _("Transaction type")), Column("recipient", _("Recipient")),
        Column("objective", _("Objective")), Column("line", _("Line of action")), Column("rule", _("Rule")),
        Column("confidence", _("Confidence")), Column("evidence", _("Evidence for")),
        Column("against", _("Evidence against")), Column("usd", _("Amount"), "usd")], rows,
        note=_("Each transaction's value is split over its recipients; each part goes to the objective with the "
               "strongest agreeing evidence (a manual override wins), and keeps the evidence that lost. Amounts are "
               "in the transaction's currency."))
    summed: dict[tuple, dict] = {}
    for row in rows:
        key = (row["objective"], row["line"], row["rule"], row["confidence"], row["evidence"], row["against"])
        entry = summed.setdefault(key, {"objective": key[0], "line": key[1], "rule": key[2], "confidence": key[3],
                                        "evidence": key[4], "against": key[5], "obligation": None,
                                        "disbursement": None})
        kind = {"2": "obligation", "3": "disbursement"}.get(row["type_code"])
        if kind:
            entry[kind] = (entry[kind] or 0) + row["usd"]
    summary = DataTable("alignment-summary", _("Where the money is attributed, and why"), [
        Column("objective", _("Objective")), Column("line", _("Line of action")), Column("rule", _("Rule")),
        Column("confidence", _("Confidence")), Column("evidence", _("Evidence for")),
        Column("against", _("Evidence against")), Column("obligation", _("Obligated"), "usd"),
        Column("disbursement", _("Disbursed"), "usd")], list(summed.values()))
    return [summary, detail]


def _published_results(detail: ActivityDetail) -> DataTable:
    rows = []
    for result in detail.results:
        for indicator in result.indicators or [None]:
            for period in (indicator.periods if indicator and indicator.periods else [None]):
                rows.append({"result": result.title, "type": code_name("ResultType", result.type_code),
                             "indicator": indicator.title if indicator else None,
                             "measure": code_name("IndicatorMeasure", indicator.measure_code) if indicator else None,
                             "baseline": indicator.baseline if indicator else None,
                             "baseline_year": str(indicator.baseline_year) if indicator and indicator.baseline_year
                             else None,
                             "start": period.start if period else None, "end": period.end if period else None,
                             "target": period.target if period else None, "actual": period.actual if period else None})
    return DataTable("results", _("Results published in IATI"), [
        Column("result", _("Result"), as_published=True), Column("type", _("Type")),
        Column("indicator", _("Indicator"), as_published=True), Column("measure", _("Measure")),
        Column("baseline", _("Baseline"), as_published=True), Column("baseline_year", _("Baseline year")),
        Column("start", _("Period start"), "date"), Column("end", _("Period end"), "date"),
        Column("target", _("Target"), as_published=True), Column("actual", _("Actual"), as_published=True)], rows,
        note=_("Values as the publisher wrote them."))


def _reported_values(db: Connection, detail: ActivityDetail) -> DataTable:
    lang = language()
    approved = [v for v in detail.reported_values if v.status == "approved"]
    # The registry names the indicators of the values; most activities have none to name.
    indicator_names = {i.code: i.name(lang) for i in registered_indicators(db)} if approved else {}
    kinds = {"baseline": _("Baseline"), "target": _("Target"), "actual": _("Actual")}
    return DataTable("reported", _("Results reported through Strategy Monitor (approved)"), [
        Column("code", _("Indicator code"), as_published=True), Column("indicator", _("Indicator")),
        Column("start", _("Period start"), "date"), Column("end", _("Period end"), "date"), Column("kind", _("Value")),
        Column("category", _("Disaggregate"), as_published=True), Column("value", _("Figure"), as_published=True)], [
        {"code": v.indicator_code, "indicator": indicator_names.get(v.indicator_code, v.indicator_code),
         "start": v.period_start, "end": v.period_end, "kind": kinds.get(v.value_type, v.value_type),
         "category": v.category or None, "value": v.value_text} for v in approved])
