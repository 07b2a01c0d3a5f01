"""`stratmon report`: the monitoring and evaluation report, in English or Spanish, as HTML, PDF or Markdown."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from stratmon.analysis.fiscal import chosen_span, strategy_period
from stratmon.cli.common import CountryOption, DbOption, UserError, check_format, console, \
    country_code, handles_errors, ready_engine
from stratmon.i18n import SUPPORTED, N_, _, language, using_language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


@handles_errors
def report_command(
    lang: Annotated[str | None, typer.Option("--lang", metavar="en|es", show_default=False,
                                             help=N_("en or es (default: the command's language)."))] = None,
    fy: Annotated[str | None, typer.Option("--fy", metavar="A:B", help=N_(
        "Fiscal years: YEAR, FIRST:LAST or all (default: the Strategy's period)."), show_default=False)] = None,
    country: CountryOption = None,
    output_format: Annotated[str, typer.Option("--format", metavar="html|pdf|md", help=N_("html, pdf or md"))] = "html",
    as_of: Annotated[str | None, typer.Option("--as-of", metavar=N_("DATE"), show_default=False, help=N_(
        "The report's date, YYYY-MM-DD (default: today); the same data and date give the same report."))] = None,
    since: Annotated[str | None, typer.Option("--since", metavar=N_("SNAPSHOT"), show_default=False, help=N_(
        "An earlier report's data snapshot: add what changed since."))] = None,
    out: Annotated[Path | None, typer.Option("--out", metavar=N_("FILE"), show_default=False, help=N_(
        "Where to write (required for pdf; else standard output)."))] = None,
    db: DbOption = None,
) -> None:
    """Summary, funding, results, context, partner commitments, data coverage and quality, methods."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.analysis.alignment_state import require_current_alignment
    from stratmon.analysis.report_changes import snapshot_figures
    from stratmon.analysis.report_data import build_report, snapshot
    from stratmon.reports.charts import chart_svg
    from stratmon.reports.report import report_html, report_markdown, report_pdf
    from stratmon.store.runs import import_transaction
    from stratmon.store.snapshots import load_figures, save_figures

    check_format(output_format, ("html", "pdf", "md"))
    if lang is not None and lang not in SUPPORTED:
        raise UserError(_("choose one of: {choices}").format(choices=", ".join(SUPPORTED)))
    try:
        generated_on = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise UserError(_("--as-of: write YYYY-MM-DD")) from None
    if output_format == "pdf" and out is None:
        raise UserError(_("--format pdf needs --out FILE"))
    crosswalks = load_crosswalks()
    engine = ready_engine(db)
    with engine.connect() as connection:
        # Said here, in the command's language, rather than by the report in its own.
        require_current_alignment(connection, crosswalks.digest)
        # The same snapshot always has the same figures: compute them once, keep them for later reports.
        data_snapshot = snapshot(connection)
        stored = load_figures(connection, data_snapshot)
        compared = None
        if since is not None:
            before = load_figures(connection, since.strip())
            if before is None:
                raise UserError(_("no report was made from data snapshot {snapshot}").format(snapshot=since))
        # The report is written in its language; what the command says about it stays in the command's.
        with using_language(lang or language()):
            figures = stored or snapshot_figures(connection, crosswalks)
            if since is not None:
                compared = (since.strip(), before, figures)
            report = build_report(connection, crosswalks, language(),
                                  fiscal_years=chosen_span(fy, strategy_period(crosswalks.framework)),
                                  country=country_code(country), generated_on=generated_on, since=compared,
                                  data_snapshot=data_snapshot)
    if stored is None:
        # Kept so that a later report can say what changed since this one's snapshot.
        with import_transaction(engine) as connection:
            save_figures(connection, report.snapshot, figures)
    with using_language(report.lang):
        if output_format == "md":
            document = report_markdown(report)
        else:
            charts = {chart.key: chart_svg(chart, report.lang) for section in report.sections
                      for chart in section.charts}
            document = report_html(report, charts)
            if output_format == "pdf":
                report_pdf(document, out)
    if output_format != "pdf":
        _write(document, out)
    else:
        console.print(_("Report written to {path}.").format(path=escape(str(out))))


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(_("Report written to {path}.").format(path=escape(str(out))))
