"""Data and methods: where the figures come from (the import ledger, context sources and their
vintages), how much of the money is aligned, how IATI compares with ForeignAssistance.gov, the
alignment rules in words, and where to download everything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from datetime import date
from pathlib import PurePath

from sqlalchemy import Connection

from stratmon.analysis.activity_titles import titles_for
from stratmon.analysis.alignment import coverage
from stratmon.analysis.alignment_evaluation import published_precision
from stratmon.analysis.alignment_rules import money_by_rule
from stratmon.analysis.context_sources import context_sources
from stratmon.analysis.errors import QueryError
from stratmon.analysis.budget_comparison import budget_comparison, place_name, programme_notes
from stratmon.analysis.coverage import CoverageData
from stratmon.analysis.coverage_words import agency_name, span_words, strategy_countries
from stratmon.analysis.published_quality import by_check, check_names, published_quality
from stratmon.analysis.reconcile import RECONCILED_TYPES, reason_text, reconcile
from stratmon.i18n import _, format_fiscal_year, language, pgettext
from stratmon.store.data_version import PerDataVersion
from stratmon.store.ledger import import_runs
from stratmon.web.context import Site
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import alignment_is_current, labels, link
from stratmon.web.portal.geography_tables import outside_table, regional_table
from stratmon.web.portal.organisation_budgets import organisation_budget_table
from stratmon.web.portal.span import Span, coverage_data, with_span


# The page's long tables, each shown a page at a time: (table name or name prefix, query parameter, rows per page).
PAGED_TABLES = (("regional-scope", "regional_page", 25), ("imports", "imports_page", 50),
                ("reconciliation-", "reconciliation_page", 50))


@dataclass
class DataPage:
    aligned: bool
    reconciled_type: str
    span: Span
    shares: dict[str, Decimal | None] = field(default_factory=dict)
    placed: dict[str, Decimal] = field(default_factory=dict)  # disbursements placed, by confidence
    rules: list[tuple[str, str]] = field(default_factory=list)
    tables: list[DataTable] = field(default_factory=list)


def rule_descriptions() -> list[tuple[str, str, str]]:
    """(signal, name, what it says): the signals that vote on where money goes, and what decides."""
    return [
        ("override", _("Manual override"),
         _("A person in the workspace attributes an activity's money to an objective, with a reason; it wins over "
           "every signal and is kept in the audit log.")),
        ("program_area", pgettext("label", "U.S. program area"),
         _("The U.S. program area the agency publishes (IATI sector vocabulary 99, ForeignAssistance.gov's U.S. "
           "sector) proposes an objective through a reviewed crosswalk; general areas such as Good Governance "
           "propose weakly.")),
        ("dac", _("OECD DAC purpose code"),
         _("The OECD DAC purpose code (sector vocabulary 1) proposes an objective or a category outside the "
           "Strategy; a 3-digit category proposes weakly.")),
        ("keyword", _("Keywords"),
         _("Phrases in English or Spanish in the title or the description's opening sentence propose an objective; "
           "phrases that name the purpose outright (violence prevention, counter-narcotics) propose strongly, "
           "phrases further down a description weakly.")),
        ("organisation", _("Implementing organisation"),
         _("An implementing or receiving organisation with one mandate (the Drug Enforcement Administration) "
           "proposes its objective.")),
        ("account", _("Appropriation account"),
         _("The treasury account the money was appropriated to (INCLE, FMF, P.L. 480 …) supports a line of "
           "action or an objective; accounts that pay for everything say nothing.")),
        ("geography", _("Geography"),
         _("Regional money whose activity names only places outside the Strategy's countries is kept out of its "
           "figures.")),
        ("none", _("Not aligned"), _("When no signal proposes anything the money stays not aligned and is listed "
                                     "for review.")),
    ]


def data_page(db: Connection, site: Site, reconciled_type: str | None, span: Span,
              pages: Mapping[str, int] | None = None) -> DataPage:
    """The data and methods page over `span`, its long tables at the pages `pages` asks for (by query
    parameter, see PAGED_TABLES; the first otherwise)."""
    reconciled_type = reconciled_type or "disbursement"
    if reconciled_type not in RECONCILED_TYPES:
        raise QueryError(_("type takes one of: {choices}").format(choices=", ".join(RECONCILED_TYPES)))
    names = labels(db, site)
    page = DataPage(alignment_is_current(db, site), reconciled_type, span)
    runs = sorted(import_runs(db), key=lambda run: run.id, reverse=True)
    sums = coverage_data(db, site.framework.geography)  # for the coverage table and the reconciliation
    page.tables += [_coverage_by_country(sums, site, names, span), outside_table(db, site, names, span),
                    regional_table(db, site, names, span), _budget_gaps(db, site, names, span),
                    organisation_budget_table(db, site, names, span)]
    page.tables += [_sources(runs), _ledger(runs), _context_sources(db, site)]
    if page.aligned:
        page.tables += _coverage(db, site, names, page, span)
        page.tables.append(_rules(db, site))
        page.tables.append(_confidence(page.placed))
        if precision := _precision(db, site):
            page.tables.append(precision)
    page.tables.append(_reconciliation(db, site, names, reconciled_type, span, sums))
    page.tables.append(_published_checks(db))
    for table in page.tables:
        for name, param, per_page in PAGED_TABLES:
            if table.name == name or (name.endswith("-") and table.name.startswith(name)):
                table.show_page(param, (pages or {}).get(param, 1), per_page)
    return page


def _coverage_by_country(data: CoverageData, site: Site, names, span: Span) -> DataTable:
    """Each country's IATI money against ForeignAssistance.gov's over the span, and whose is missing."""
    codes = tuple(c.code for c in site.framework.countries)
    rows = []
    for places, name in [*(((code,), names.recipient(code)) for code in codes),
                         (codes, strategy_countries(site.framework))]:
        found = {kind: data.coverage(places, span.fiscal_years, kind) for kind in RECONCILED_TYPES}
        rows.append({"country": name, **{f"{kind}_{side}": getattr(found[kind], f"{side}_usd")
                                         for kind in RECONCILED_TYPES for side in ("iati", "fagov")},
                     **{f"{kind}_share": found[kind].share for kind in RECONCILED_TYPES},
                     "missing": ", ".join(agency_name(site.framework, p.agency_ref)
                                          for p in found["disbursement"].missing)
                     if found["disbursement"].is_low else None})
    return with_span([DataTable("coverage-by-country", _("How much of ForeignAssistance.gov's money the IATI data hold"), [
        Column("country", _("Country")),
        Column("obligation_iati", _("Obligated, IATI (USD)"), "usd"),
        Column("obligation_fagov", _("Obligated, ForeignAssistance.gov (USD)"), "usd"),
        Column("obligation_share", _("IATI holds, obligations"), "percent"),
        Column("disbursement_iati", _("Disbursed, IATI (USD)"), "usd"),
        Column("disbursement_fagov", _("Disbursed, ForeignAssistance.gov (USD)"), "usd"),
        Column("disbursement_share", _("IATI holds, disbursements"), "percent"),
        Column("missing", _("Missing publishers"))], rows,
        note=_("An agency is named missing where the State Department's budget tables show its accounts funding "
               "the country and it publishes less than half of that in IATI; `stratmon coverage` and "
               "`/api/v1/coverage` give the evidence."))], span)[0]


def _budget_gaps(db: Connection, site: Site, names, span: Span, largest: int = 20) -> DataTable:
    """The largest gaps between the budget tables and IATI obligations, by place, account and year."""
    comparison = budget_comparison(db, site.framework, fiscal_years=span.fiscal_years)
    # The budget tables name accounts by their short names (DA, ESF, INCLE); so does this table.
    rows = [{"place": place_name(names, r.place), "account": r.account, "fy": format_fiscal_year(r.fiscal_year),
             "budget": r.budget_usd, "obligated": r.iati_obligated_usd, "disbursed": r.iati_disbursed_usd,
             "fagov": r.fagov_obligated_usd, "gap": r.gap_usd} for r in comparison.rows[:largest]]
    years = comparison.fiscal_years
    return DataTable("budget-gaps", _("Budget tables against IATI by account: the largest gaps"), [
        Column("place", _("Country or programme")), Column("account", _("Account")), Column("fy", _("Fiscal year")),
        Column("budget", _("Budget tables (USD)"), "usd"), Column("obligated", _("IATI obligated (USD)"), "usd"),
        Column("disbursed", _("IATI disbursed (USD)"), "usd"),
        Column("fagov", _("ForeignAssistance.gov obligated (USD)"), "usd"), Column("gap", _("Gap (USD)"), "usd")],
        rows, note=_("The State Department's budget tables cover {years}; {n} rows in all, ranked by the gap "
                     "between the budget and IATI obligations (`stratmon budget compare` lists every row).").format(
            years=span_words(years[0], years[-1]) if years else _("no year of this span"), n=len(comparison.rows))
        + programme_notes(site.framework, language()))


# The checks read every activity, transaction and narrative: made once per data version and day (some checks
# compare dates with today), not on every render of the page. Their summaries hold no text but each check's
# name, given here in the reader's language: the other language's page need not make them again.
_CHECKS_MADE = PerDataVersion(size=8)


def _checks_by_kind(db: Connection) -> list:
    names = check_names()
    return [replace(summary, name=names[summary.check])
            for summary in _CHECKS_MADE.get(db, date.today(), lambda: by_check(published_quality(db)))]


def _published_checks(db: Connection) -> DataTable:
    """What `stratmon quality --published` finds, by check: how often and how many dollars it touches."""
    rows = [{"check": c.name, "findings": c.findings, "usd": c.usd or None,
             "publishers": len([ref for ref in c.publishers if ref])} for c in _checks_by_kind(db)]
    return DataTable("published-checks", _("Checks on what agencies publish"), [
        Column("check", _("Check")), Column("findings", _("Findings"), "count"),
        Column("publishers", _("Publishers"), "count"), Column("usd", _("USD touched"), "usd")], rows,
        note=_("`stratmon quality --published` lists every finding, with the activity or file and its dollars."))


def source_names() -> dict[str, str]:
    return {"iati": _("IATI files of U.S. government publishers"),
            "iati-org": _("IATI organisation files of U.S. government publishers"), "fagov": _("ForeignAssistance.gov"),
            "budget": _("State Department budget tables"), "context": _("Context indicators"),
            "results": _("Indicator results files")}


def _sources(runs) -> DataTable:
    """Per kind of source: how many files, records and transactions, and when last imported."""
    kinds: dict[str, dict] = {}
    for run in runs:
        if run.status != "imported":
            continue
        entry = kinds.setdefault(run.source_kind, {"files": 0, "records": 0, "transactions": 0, "last": None})
        entry["files"] += 1
        entry["records"] += run.records_total
        entry["transactions"] += run.transactions
        finished = run.finished_at.date() if run.finished_at else None
        entry["last"] = max(filter(None, (entry["last"], finished)), default=None)
    names = source_names()
    return DataTable("sources", _("Sources loaded"), [
        Column("source", _("Source")), Column("files", _("Files"), "count"), Column("records", _("Records"), "count"),
        Column("transactions", _("Transactions"), "count"), Column("last", _("Last imported"), "date")], [
        {"source": names.get(kind, kind), **entry} for kind, entry in sorted(kinds.items())])


def _ledger(runs) -> DataTable:
    statuses = {"imported": _("imported"), "unchanged": _("unchanged"), "rejected": _("rejected"),
                "running": _("running")}
    names = source_names()
    return DataTable("imports", _("Files imported (newest first)"), [
        Column("id", _("Run")), Column("finished", _("Finished"), "moment"), Column("kind", _("Source")),
        Column("file", _("File"), as_published=True), Column("status", _("Outcome")), Column("new", _("New"), "count"),
        Column("updated", _("Updated"), "count"), Column("unchanged", _("Unchanged"), "count"),
        Column("skipped", _("Skipped"), "count"), Column("transactions", _("Transactions"), "count"),
        Column("sha256", _("SHA-256 (first 12)"), as_published=True)], [
        {"id": str(run.id), "finished": run.finished_at,
         "kind": names.get(run.source_kind, run.source_kind), "file": PurePath(run.path).name, "status": statuses.get(run.status, run.status),
         "new": run.records_new, "updated": run.records_updated, "unchanged": run.records_unchanged,
         "skipped": run.records_skipped, "transactions": run.transactions, "sha256": run.content_hash[:12]}
        for run in runs])


def _context_sources(db: Connection, site: Site) -> DataTable:
    lang = language()
    catalogue = {spec.id: spec for spec in site.framework.context_indicators}
    return DataTable("context-sources", _("Context indicators: sources and vintages"), [
        Column("indicator", _("Indicator")), Column("source", _("Source"), as_published=True),
        Column("vintage", _("Vintage"), as_published=True),
        Column("countries", _("Countries"), "count"), Column("years", _("Years")), Column("values", _("Values"), "count")],
        [{"indicator": catalogue[s.indicator].name.get(lang) if s.indicator in catalogue else s.indicator,
          "source": s.source, "vintage": s.vintage, "countries": s.countries,
          "years": f"{s.first_year}–{s.last_year}", "values": s.values} for s in context_sources(db)])


def _coverage(db: Connection, site: Site, names, page: DataPage, span: Span) -> list[DataTable]:
    result = coverage(db, "agency", fiscal_years=span.fiscal_years, crosswalk_digest=site.crosswalks.digest,
                      largest=15)
    overall = result.overall
    page.shares = {"aligned": overall.share(overall.aligned_usd), "outside": overall.share(overall.outside_usd),
                   "not_aligned": overall.share(overall.not_aligned_usd)}
    page.placed = result.by_confidence
    columns = [Column("agency", _("Agency")), Column("total", _("Disbursed (USD)"), "usd"),
               Column("aligned", _("Aligned to an objective (USD)"), "usd"),
               Column("outside", _("Outside the Strategy (USD)"), "usd"),
               Column("not_aligned", _("Not aligned (USD)"), "usd"), Column("share", _("Aligned share"), "percent")]
    rows = [{"agency": names.agency(r.key), "total": r.total_usd, "aligned": r.aligned_usd, "outside": r.outside_usd,
             "not_aligned": r.not_aligned_usd, "share": r.share(r.aligned_usd)}
            for r in sorted(result.rows, key=lambda r: -r.total_usd)]
    rows.append({"agency": _("Total"), "total": overall.total_usd, "aligned": overall.aligned_usd,
                 "outside": overall.outside_usd, "not_aligned": overall.not_aligned_usd,
                 "share": overall.share(overall.aligned_usd)})
    by_agency = DataTable("coverage", _("Alignment coverage of disbursements by agency"), columns, rows)
    titles = titles_for(db, (a.identifier for a in result.largest_not_aligned), language())
    largest = DataTable("not-aligned", _("Largest activities with money not aligned (disbursements)"), [
        Column("identifier", _("IATI identifier"), as_published=True), Column("title", _("Title"), languages=True),
        Column("agency", _("Agency")), Column("usd", _("Not aligned (USD)"), "usd")], [
        {"identifier": a.identifier, "title": titles.get(a.identifier) or a.title or a.identifier,
         "agency": names.agency(a.reporting_org_ref),
         "usd": a.not_aligned_usd} for a in result.largest_not_aligned])
    largest.links = {(index, "title"): link("activities", a.identifier)
                     for index, a in enumerate(result.largest_not_aligned)}
    return [by_agency, largest]


def _rules(db: Connection, site: Site) -> DataTable:
    totals = {total.rule: total for total in money_by_rule(db, "disbursement", site.crosswalks.digest)}
    everything = sum((t.usd for t in totals.values()), Decimal("0.00"))
    rows = []
    for rule, name, _what in rule_descriptions():
        if rule == "geography" and rule not in totals:
            continue
        total = totals.get(rule)
        rows.append({"rule": name, "activities": total.activities if total else 0,
                     "usd": total.usd if total else Decimal("0.00"),
                     "share": (total.usd / everything) if total and everything > 0 else None})
    return DataTable("rules", _("Disbursements by the signal that decided"), [
        Column("rule", _("Rule")), Column("activities", _("Activities"), "count"), Column("usd", _("Disbursed (USD)"), "usd"),
        Column("share", _("Share"), "percent")], rows,
        note=_("The deciding signal is the strongest of those that won. An activity whose transactions are placed "
               "by different signals counts under each of them."))


def _confidence(placed: dict[str, Decimal]) -> DataTable:
    total = sum(placed.values(), Decimal("0.00"))
    names = {"override": _("Decided by a person"), "high": _("High: independent signals agree"),
             "medium": _("Medium: one specific signal decides"),
             "low": _("Low: only broad signals, or a conflict remains (the review queue)")}
    return DataTable("confidence", _("Disbursements placed, by confidence"), [
        Column("confidence", _("Confidence")), Column("usd", _("Disbursed (USD)"), "usd"),
        Column("share", _("Share"), "percent")],
        [{"confidence": names[key], "usd": amount, "share": amount / total if total > 0 else None}
         for key, amount in placed.items()])


# The evaluation reads the labelled set and the alignment of its activities: once per data version and
# crosswalks, as the published-quality checks are.
_PRECISION_MEASURED = PerDataVersion(size=4)


def _precision(db: Connection, site: Site) -> DataTable | None:
    measured = _PRECISION_MEASURED.get(db, site.crosswalks.digest, lambda: published_precision(db, site.crosswalks))
    if measured is None or not measured.activities:
        return None
    return DataTable("precision", _("Attribution precision on activities people labelled"), [
        Column("level", _("Right at the level of")), Column("activities", _("Share of activities"), "percent"),
        Column("usd", _("Share of FY2016–2020 disbursements"), "percent")], [
        {"level": _("Objective"), "activities": measured.objective_by_activities,
         "usd": measured.objective_by_dollars},
        {"level": _("Line of action"), "activities": measured.line_by_activities, "usd": measured.line_by_dollars}],
        note=_("{n} activities of the framework's evaluation set, labelled by people who read each one and held "
               "out from tuning the crosswalks; drawn with a recorded seed, half at random and half by FY2016–2020 "
               "dollars. `stratmon alignment evaluate` shows every miss.").format(n=measured.activities))


def _reconciliation(db: Connection, site: Site, names, reconciled_type: str, span: Span,
                    sums: CoverageData) -> DataTable:
    rows = [r for r in reconcile(db, site.framework, span.fiscal_years, data=sums) if r.type == reconciled_type]
    title = (_("IATI against ForeignAssistance.gov: disbursements") if reconciled_type == "disbursement"
             else _("IATI against ForeignAssistance.gov: obligations"))
    return DataTable(f"reconciliation-{reconciled_type}", title, [
        Column("country", _("Country")), Column("fy", _("Fiscal year")), Column("iati", _("IATI (USD)"), "usd"),
        Column("fagov", _("ForeignAssistance.gov (USD)"), "usd"), Column("difference", _("Difference (USD)"), "usd"),
        Column("ratio", _("IATI ÷ ForeignAssistance.gov"), "percent"), Column("reasons", _("Why they may differ"))], [
        {"country": names.recipient(r.country), "fy": format_fiscal_year(r.fy), "iati": r.iati_usd, "fagov": r.fagov_usd,
         "difference": r.difference_usd, "ratio": r.ratio, "reasons": "; ".join(reason_text(x) for x in r.reasons)
         or None} for r in rows])
