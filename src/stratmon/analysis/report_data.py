"""The monitoring and evaluation report's content, assembled from the other analyses.

Every money figure comes from `funding` (or `pipeline`, which is built on it) with the same keys
a user would give `stratmon funding`, so the report and the command always agree.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon import __version__
from stratmon.align.crosswalk import Crosswalks
from stratmon.analysis import report_coverage
from stratmon.analysis.activity_titles import titles_for
from stratmon.analysis.alignment import coverage
from stratmon.analysis.alignment_evaluation import published_precision
from stratmon.analysis.context import against_baseline, baseline_note, baseline_year_words, change_words
from stratmon.analysis.coverage import CoverageData
from stratmon.analysis.coverage_words import span_words
from stratmon.analysis.events import events_in
from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import NOT_ALIGNED, OUTSIDE_PREFIX, FundingQuery, funding
from stratmon.analysis.labels import Labels
from stratmon.analysis.pipeline import pipeline
from stratmon.analysis.quality import check_results, framework_quality_rules
from stratmon.analysis.quality_data import result_points
from stratmon.analysis.report_changes import changes_section
from stratmon.analysis.report_events import chart_events, chart_events_note, events_section
from stratmon.analysis.report_results import results_section as results_section_of
from stratmon.analysis.report_narratives import narratives_section
from stratmon.analysis.report_types import Chart, Column, Report, Section, Table
from stratmon.analysis.top import top_activities
from stratmon.chart_style import OTHER_COLOUR, named_line_colours
from stratmon.i18n import _, format_count, format_percent, format_usd_words
from stratmon.store import schema

ZERO = Decimal("0.00")


def snapshot(connection: Connection) -> str:
    """A short hash of what the figures come from: the files imported, the alignment, the overrides
    and the entered results. Same data, same snapshot."""
    digest = hashlib.sha256()
    run = schema.import_run
    for row in connection.execute(select(run.c.source_kind, run.c.content_hash).where(
            run.c.status == "imported").order_by(run.c.source_kind, run.c.content_hash)):
        digest.update(f"import {row.source_kind} {row.content_hash}\n".encode())
    alignment = schema.alignment_run
    last = connection.execute(select(alignment.c.crosswalk_digest, alignment.c.last_import_run_id)
                              .order_by(alignment.c.id.desc()).limit(1)).first()
    digest.update(f"alignment {tuple(last) if last else None}\n".encode())
    override = schema.alignment_override
    for row in connection.execute(select(override.c.id, override.c.target, override.c.revoked_at)
                                  .order_by(override.c.id)):
        digest.update(f"override {tuple(row)}\n".encode())
    value = schema.result_value
    for row in connection.execute(select(value.c.id, value.c.status, value.c.value_text).order_by(value.c.id)):
        digest.update(f"result {tuple(row)}\n".encode())
    return digest.hexdigest()[:12]


class _Builder:
    """Runs the queries of one report (one language, one window) and words their results."""

    def __init__(self, connection: Connection, crosswalks: Crosswalks, lang: str, fiscal_years: FiscalYears,
                 country: str | None) -> None:
        self.connection = connection
        self.crosswalks = crosswalks
        self.framework = crosswalks.framework
        self.lang = lang
        self.fiscal_years = fiscal_years
        self.country = country
        self.labels = Labels(connection, self.framework, lang, crosswalks=crosswalks)
        self.groups = tuple((member, group.id) for group in self.framework.country_groups
                            for member in group.countries)
        self.coverage_data = CoverageData(connection, self.framework.geography)
        self.events = events_in(self.framework, fiscal_years, [country] if country else None)

    def query(self, by: tuple[str, ...], transaction_type: str = "disbursement") -> FundingQuery:
        """The query `stratmon funding --by BY --type T --fy A:B [--country C]` runs."""
        return FundingQuery(by, transaction_type, self.fiscal_years, country_groups=self.groups,
                            recipients=(self.country,) if self.country else (),
                            crosswalk_digest=self.crosswalks.digest, geography=self.framework.geography)

    def sums(self, by: tuple[str, ...], transaction_type: str = "disbursement") -> dict:
        result = funding(self.connection, self.query(by, transaction_type))
        return {row.keys if len(row.keys) > 1 else row.keys[0]: row.usd for row in result.rows}

    def total(self, transaction_type: str) -> Decimal:
        return funding(self.connection, self.query(("fy",), transaction_type)).total_usd

    def aligned_name(self, key: str, value: str) -> str:
        return self.labels.aligned(key, value)


def _money_table(key: str, title: str, first: Column, rows: list[tuple[str, Decimal, Decimal]],
                 note: str | None = None) -> Table:
    """A table of names with obligations and disbursements, and their totals."""
    columns = (first, Column("obligations", _("Obligations (USD)"), "money"),
               Column("disbursements", _("Disbursements (USD)"), "money"))
    body = tuple({first.key: name, "obligations": obligated, "disbursements": disbursed}
                 for name, obligated, disbursed in rows)
    total = {first.key: _("Total"), "obligations": sum((r[1] for r in rows), ZERO),
             "disbursements": sum((r[2] for r in rows), ZERO)}
    return Table(key, title, columns, body, total, note)


def _by(builder: _Builder, key: str, name) -> list[tuple[str, Decimal, Decimal]]:
    obligated, disbursed = builder.sums((key,), "obligation"), builder.sums((key,), "disbursement")
    keys = sorted(set(obligated) | set(disbursed), key=lambda k: (-(disbursed.get(k, ZERO)), str(k)))
    return [(name(k), obligated.get(k, ZERO), disbursed.get(k, ZERO)) for k in keys]


def _summary(builder: _Builder, coverage_share: Decimal | None, statuses: dict[str, int]) -> Section:
    obligated, disbursed = builder.total("obligation"), builder.total("disbursement")
    by_line = builder.sums(("line",))
    inside = {k: v for k, v in by_line.items() if k != NOT_ALIGNED and not k.startswith(OUTSIDE_PREFIX)}
    paragraphs = [*report_coverage.coverage_paragraphs(builder),
                  _("U.S. agencies obligated {obligated} and disbursed {disbursed} in the period, as "
                    "published in IATI.").format(obligated=format_usd_words(obligated),
                                                 disbursed=format_usd_words(disbursed))]
    if inside and disbursed > 0:
        line, amount = max(inside.items(), key=lambda item: (item[1], item[0]))
        paragraphs.append(_("{line} received the largest share of disbursements: {amount} ({share}).").format(
            line=builder.aligned_name("line", line), amount=format_usd_words(amount),
            share=format_percent(amount / disbursed)))
    by_group = builder.sums(("group",))
    triangle = next((g for g in builder.framework.country_groups), None)
    if triangle and disbursed > 0 and triangle.id in by_group:
        paragraphs.append(_("{group} countries received {amount} ({share} of disbursements).").format(
            group=triangle.name.get(builder.lang), amount=format_usd_words(by_group[triangle.id]),
            share=format_percent(by_group[triangle.id] / disbursed)))
    if coverage_share is not None:
        paragraphs.append(_("{share} of disbursed dollars are attributed to an objective of the Strategy or, with "
                            "a reason, to money outside it.").format(share=format_percent(coverage_share)))
    measured = sum(statuses.get(status, 0) for status in ("on_track", "needs_attention", "off_track"))
    if measured:
        paragraphs.append(_("Of {n} indicators with a target and a result, {on} are on track, {attention} need "
                            "attention and {off} are off track.").format(
            n=measured, on=statuses.get("on_track", 0), attention=statuses.get("needs_attention", 0),
            off=statuses.get("off_track", 0)))
    return Section("summary", _("Summary"), tuple(paragraphs))


def _funding(builder: _Builder) -> Section:
    line_rows = _by(builder, "line", lambda k: builder.aligned_name("line", k))
    objective_rows = _by(builder, "objective", lambda k: (f"{k} " if not k.startswith(OUTSIDE_PREFIX) and
                                                          k != NOT_ALIGNED else "") + builder.aligned_name("objective", k))
    country_rows = _by(builder, "group", builder.labels.group)
    agency_rows = _by(builder, "agency", builder.labels.agency_short)
    years_obligated, years_disbursed = builder.sums(("fy",), "obligation"), builder.sums(("fy",), "disbursement")
    years = sorted(set(years_obligated) | set(years_disbursed))
    year_rows = [(str(y), years_obligated.get(y, ZERO), years_disbursed.get(y, ZERO)) for y in years]
    # Each line of action in the framework's colour, as in the portal; other money in grey.
    colours = named_line_colours(builder.framework, lambda line: builder.aligned_name("line", line))
    colours.update({name: OTHER_COLOUR for name, _o, _d in line_rows if name not in colours})
    charts = (
        Chart("disbursements_by_line", _("Disbursements by line of action"), "bar",
              # The bars' names say what they are; an axis title would only crowd them.
              tuple({"line": name, "usd": d} for name, _o, d in line_rows), "line", "usd", "",
              _("Disbursements (USD)"),
              colours=tuple(colours.items())),
        Chart("disbursements_by_country", _("Disbursements by country"), "bar",
              tuple({"country": name, "usd": d} for name, _o, d in country_rows), "country", "usd",
              "", _("Disbursements (USD)")),
        _year_line_chart(builder),
    )
    tables = (
        _money_table("funding_by_line", _("Funding by line of action"), Column("line", _("Line of action")), line_rows),
        _money_table("funding_by_objective", _("Funding by objective"), Column("objective", _("Objective")),
                     objective_rows),
        _money_table("funding_by_country", _("Funding by country (Northern Triangle together)"),
                     Column("country", _("Country or group")), country_rows,
                     _("Regional programmes keep their own rows; they are not spread over countries.")),
        _money_table("funding_by_agency", _("Funding by agency"), Column("agency", _("Agency")), agency_rows),
        _money_table("funding_by_year", _("Funding by fiscal year"), Column("fy", _("Fiscal year"), "year"), year_rows),
        _pipeline_table(builder), _top_table(builder))
    return Section("funding", _("Funding"), (), charts, tables)


def _year_line_chart(builder: _Builder) -> Chart:
    """Disbursements per fiscal year stacked by line of action in the framework's order and colours, the
    money outside the Strategy or not aligned as one grey series on top (as the portal draws it)."""
    other = _("Outside the Strategy or not aligned")
    lines = {line.id for line in builder.framework.lines_of_action}
    by_year: dict[tuple[int, str], Decimal] = {}
    for (fy, line), usd in sorted(builder.sums(("fy", "line")).items()):
        series = builder.aligned_name("line", line) if line in lines else other
        by_year[(fy, series)] = by_year.get((fy, series), ZERO) + usd
    colours = named_line_colours(builder.framework, lambda line: builder.aligned_name("line", line), other)
    return Chart("disbursements_by_year", _("Disbursements by fiscal year and line of action"), "stacked_bar",
                 tuple({"fy": str(fy), "usd": usd, "line": series} for (fy, series), usd in sorted(by_year.items())),
                 "fy", "usd", _("Fiscal year"), _("Disbursements (USD)"), "line", _("Line of action"),
                 events=chart_events(builder.events), note=chart_events_note() if builder.events else None,
                 colours=tuple(colours.items()))


def _pipeline_table(builder: _Builder) -> Table:
    rows = pipeline(builder.connection, builder.query(("group",), "obligation"))
    last_year = max((row.fiscal_year for row in rows), default=None)
    body = tuple({"country": builder.labels.group(row.keys[0]), "pipeline": row.pipeline,
                  "burn_rate": row.burn_rate} for row in rows if row.fiscal_year == last_year)
    return Table("pipeline", _("Obligated, not yet disbursed, at the end of FY{year}").format(year=last_year or ""),
                 (Column("country", _("Country or group")), Column("pipeline", _("Pipeline (USD)"), "money"),
                  Column("burn_rate", _("Burn rate"), "percent")), body)


def _top_table(builder: _Builder) -> Table:
    lines = {line.id for line in builder.framework.lines_of_action}
    rows = [row for row in top_activities(builder.connection, builder.query(("line",)), limit=3)
            if row.keys[0] in lines]
    titles = titles_for(builder.connection, (row.iati_identifier for row in rows), builder.lang)
    body = tuple({"line": builder.aligned_name("line", row.keys[0]), "activity": row.iati_identifier,
                  "title": titles.get(row.iati_identifier) or row.title or "", "usd": row.usd} for row in rows)
    return Table("top_activities", _("Largest activities per line of action (disbursements)"),
                 (Column("line", _("Line of action")), Column("activity", _("Activity")),
                  Column("title", _("Title")), Column("usd", "USD", "money")), body)


def _context(builder: _Builder) -> Section:
    rows = against_baseline(builder.connection, builder.framework,
                            countries=[builder.country] if builder.country else None,
                            fiscal_years=builder.fiscal_years)
    names = {spec.id: spec.name.get(builder.lang) for spec in builder.framework.context_indicators}
    last_year = builder.fiscal_years.last
    title = (_("Context indicators against their baseline, latest values up to {year}").format(year=last_year)
             if last_year is not None else _("Context indicators against their baseline year"))
    table = Table("context", title, (
        Column("indicator", _("Indicator")), Column("country", _("Country")),
        Column("baseline_year", _("Baseline year"), "year"), Column("baseline", _("Baseline"), "number"),
        Column("latest_year", _("Latest year"), "year"), Column("latest", _("Latest"), "number"),
        Column("change", _("Change")), Column("source", _("Source"), as_published=True)),
        tuple({"indicator": names.get(r.indicator, r.indicator), "country": builder.labels.recipient(r.country),
               "baseline_year": baseline_year_words(r), "baseline": r.baseline, "latest_year": r.latest_year,
               "latest": r.latest, "change": change_words(r, builder.lang), "source": r.source or ""} for r in rows),
        note=baseline_note(last_year, builder.framework.context_baseline.tolerance_years))
    return Section("context", _("Context"), (), (), (table,))


def _commitments(builder: _Builder) -> Section:
    by_country = builder.sums(("country",))
    rows = []
    for commitment in builder.framework.commitments:
        us = sum((by_country.get(code, ZERO) for code in commitment.countries), ZERO)
        rows.append({"commitment": commitment.name.get(builder.lang), "period": commitment.period,
                     "amount": commitment.amount_usd, "us_disbursed": us, "source": commitment.source})
    table = Table("commitments", _("Partner commitments next to U.S. disbursements in the same countries"), (
        Column("commitment", _("Commitment")), Column("period", _("Period")),
        Column("amount", _("Committed (USD)"), "money"), Column("us_disbursed", _("U.S. disbursed (USD)"), "money"),
        Column("source", _("Source"), as_published=True)), tuple(rows),
        note=_("U.S. disbursements are those of the report's period, not of the commitment's."))
    return Section("commitments", _("Partner commitments"), (), (), (table,))


def _coverage(builder: _Builder) -> tuple[Section, Decimal | None, dict[str, Decimal]]:
    result = coverage(builder.connection, "agency", fiscal_years=builder.fiscal_years,
                      crosswalk_digest=builder.crosswalks.digest)
    overall = result.overall
    share = (overall.aligned_usd + overall.outside_usd) / overall.total_usd if overall.total_usd > 0 else None
    table = Table("coverage", _("Alignment coverage of disbursements by agency"), (
        Column("agency", _("Agency")), Column("total", _("Total (USD)"), "money"),
        Column("aligned", _("Aligned"), "money"), Column("outside", _("Outside the Strategy"), "money"),
        Column("not_aligned", _("Not aligned"), "money")),
        tuple({"agency": builder.labels.agency_short(r.key), "total": r.total_usd, "aligned": r.aligned_usd,
               "outside": r.outside_usd, "not_aligned": r.not_aligned_usd} for r in result.rows),
        {"agency": _("Total"), "total": overall.total_usd, "aligned": overall.aligned_usd,
         "outside": overall.outside_usd, "not_aligned": overall.not_aligned_usd})
    paragraphs = []
    if share is not None:
        paragraphs.append(_("{share} of disbursed dollars are attributed with a reason; {amount} are not "
                            "aligned and listed by `stratmon alignment coverage`.").format(
            share=format_percent(share), amount=format_usd_words(overall.not_aligned_usd)))
    findings = check_results(result_points(builder.connection), framework_quality_rules())
    paragraphs.append(_("Data-quality checks of entered results: {n} findings (`stratmon quality`).").format(
        n=len(findings)))
    published = report_coverage.published_table(builder)
    paragraphs.append(_("Checks on what the agencies publish: {n} findings (`stratmon quality --published`); the "
                        "table counts them by check, with the dollars they touch.").format(
        n=format_count(sum(row["findings"] for row in published.rows))))
    return (Section("coverage", _("Data coverage and quality"), tuple(paragraphs), (),
                    (report_coverage.coverage_table(builder), report_coverage.budget_table(builder),
                     report_coverage.organisation_budget_table(builder), table,
                     report_coverage.reconciliation_table(builder),
                     published)), share,
            result.by_confidence)


def _methods(builder: _Builder, snap: str, placed: dict[str, Decimal]) -> Section:
    return Section("methods", _("Methods and sources"), (
        _("Money comes from the IATI files U.S. agencies publish, in U.S. fiscal years (October to September) by "
          "transaction date; a transaction's value is split over its recipients and sectors by their percentages, "
          "in whole cents, and regional programmes stay regional."),
        _("Each dollar is attributed to an objective by weighing every signal its data carries: a person's "
          "decision wins; otherwise the U.S. program area, the OECD DAC purpose code, phrases in the title and "
          "description (English and Spanish), the implementing organisation and the appropriation account each "
          "vote with the strength their crosswalk gives them, and the best-supported objective wins. The "
          "crosswalks are data files reviewed by a person."),
        *_confidence_sentence(placed),
        *_precision_sentences(builder),
        _("Indicator results are those published in IATI and those entered and approved in Strategy Monitor; "
          "context indicators keep their source and vintage."),
        _("Narratives are written by analysts in Strategy Monitor's workspace, per line of action, country and "
          "span of fiscal years, in English and Spanish; another analyst or an administrator approves each "
          "version before it is shown, and both steps are in the audit log. The report prints the approved text "
          "as written and lists every missing narrative as a gap: none is generated or filled in."),
        _("Data snapshot {snapshot}: the same snapshot always gives the same figures.").format(snapshot=snap)))


def _confidence_sentence(placed: dict[str, Decimal]) -> tuple[str, ...]:
    total = sum(placed.values(), Decimal(0))
    if total <= 0:
        return ()
    return (_("Of the disbursed dollars placed, {override} were placed by a person, {high} with high confidence "
              "(independent signals agree), {medium} with medium confidence (one specific signal) and {low} with "
              "low confidence (broad signals only, or a conflict that remains; `stratmon alignment review` lists "
              "them).").format(**{key: format_percent(amount / total) for key, amount in placed.items()}),)


def _precision_sentences(builder: _Builder) -> tuple[str, ...]:
    measured = published_precision(builder.connection, builder.crosswalks)
    if measured is None or not measured.activities:
        return ()
    return (_("Attribution precision, measured on {n} activities that people labelled by reading them and that "
              "were held out from tuning the crosswalks (drawn with a recorded seed, half at random and half by "
              "FY2016–2020 dollars; `stratmon alignment evaluate`): the objective is right for {objective} of the "
              "activities and {objective_usd} of their FY2016–2020 disbursements, the line of action for {line} "
              "and {line_usd}.").format(
        n=format_count(measured.activities), objective=format_percent(measured.objective_by_activities),
        objective_usd=format_percent(measured.objective_by_dollars), line=format_percent(measured.line_by_activities),
        line_usd=format_percent(measured.line_by_dollars)),)


def build_report(connection: Connection, crosswalks: Crosswalks, lang: str, *, fiscal_years: FiscalYears,
                 country: str | None, generated_on: date,
                 since: tuple[str, dict, dict] | None = None, data_snapshot: str | None = None) -> Report:
    """The report's content for a window of fiscal years (and one country, if given); with `since`
    (an earlier snapshot, its figures, and today's), a section on what changed. `data_snapshot`: the
    snapshot of the data, when the caller has computed it already."""
    builder = _Builder(connection, crosswalks, lang, fiscal_years, country)
    snap = data_snapshot or snapshot(connection)
    coverage_section, share, placed = _coverage(builder)
    results_section, statuses = results_section_of(builder)
    changes = () if since is None else (
        changes_section(connection, builder.labels, since[1], since[2], since[0], fiscal_years),)
    sections = (_summary(builder, share, statuses), events_section(builder.events, builder.framework, lang),
                _funding(builder), results_section, narratives_section(builder, generated_on), _context(builder),
                _commitments(builder), coverage_section, *changes, _methods(builder, snap, placed))
    period = crosswalks.framework.period
    if (fiscal_years.first, fiscal_years.last) == (period.first_fy, period.last_fy):
        scope = [_("{span}, the Strategy's period").format(span=span_words(fiscal_years.first, fiscal_years.last))]
    elif fiscal_years.first and fiscal_years.last:
        scope = [span_words(fiscal_years.first, fiscal_years.last)]
    elif fiscal_years.first or fiscal_years.last:
        scope = [_("FY{first}–{last}").format(first=fiscal_years.first or "", last=fiscal_years.last or "")]
    else:
        scope = [_("all fiscal years")]
    scope.append(builder.labels.recipient(country) if country else _("all countries of the Strategy"))
    return Report(lang=lang, title=_("Monitoring and evaluation report: {strategy}").format(
        strategy=crosswalks.framework.name.get(lang)), subtitle=" · ".join(scope), generated_on=generated_on,
        sections=sections, snapshot=snap, software_version=__version__,
        labels={"contents": _("Contents"), "page": _("page"), "generated": _("Generated on"),
                "snapshot": _("Data snapshot"), "software": _("Strategy Monitor version"),
                "prepared_by": _("Prepared with Strategy Monitor from public data"),
                "no_rows": _("The loaded data hold no values for this table in the report's span."),
                "no_section": _("The loaded data hold no values for this section in the report's span.")})

