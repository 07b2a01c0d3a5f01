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
from stratmon.i18n import SUPPORTED, _, language, set_language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


@handles_errors
def report_command(
    lang: Annotated[str | None, typer.Option("--lang", help=_("en or es (default: the command's language)."),
                                             show_default=False)] = None,
    fy: Annotated[str | None, typer.Option("--fy", help=_(
        "Fiscal years: YEAR, FIRST:LAST or all (default: the Strategy's period)."), show_default=False)] = None,
    country: CountryOption = None,
    output_format: Annotated[str, typer.Option("--format", help=_("html, pdf or md"))] = "html",
    as_of: Annotated[str | None, typer.Option("--as-of", help=_("The report's date, YYYY-MM-DD (default: today); "
                                                                 "the same data and date give the same report."),
                                              show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help=_("An earlier report's data snapshot: add what "
                                                                 "changed since."), show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help=_("Where to write (required for pdf; else standard "
                                                              "output)."), show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Summary, funding, results, context, partner commitments, data coverage and quality, methods."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.analysis.report_changes import snapshot_figures
    from stratmon.analysis.report_data import build_report, snapshot
    from stratmon.reports.charts import chart_svg
    from stratmon.reports.report import report_html, report_markdown, report_pdf
    from stratmon.store.runs import import_transaction
    from stratmon.store.snapshots import load_figures, save_figures

    check_format(output_format, ("html", "pdf", "md"))
    if lang is not None:
        if lang not in SUPPORTED:
            raise UserError(_("choose one of: {choices}").format(choices=", ".join(SUPPORTED)))
        set_language(lang)
    chosen = lang or language()
    try:
        generated_on = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise UserError(_("--as-of: write YYYY-MM-DD")) from None
    if output_format == "pdf" and out is None:
        raise UserError(_("--format pdf needs --out FILE"))
    crosswalks = load_crosswalks()
    engine = ready_engine(db)
    with engine.connect() as connection:
        # The same snapshot always has the same figures: compute them once, keep them for later reports.
        data_snapshot = snapshot(connection)
        stored = load_figures(connection, data_snapshot)
        figures = stored or snapshot_figures(connection, crosswalks)
        compared = None
        if since is not None:
            before = load_figures(connection, since.strip())
            if before is None:
                raise UserError(_("no report was made from data snapshot {snapshot}").format(snapshot=since))
            compared = (since.strip(), before, figures)
        report = build_report(connection, crosswalks, chosen,
                              fiscal_years=chosen_span(fy, strategy_period(crosswalks.framework)),
                              country=country_code(country), generated_on=generated_on, since=compared,
                              data_snapshot=data_snapshot)
    if stored is None:
        # Kept so that a later report can say what changed since this one's snapshot.
        with import_transaction(engine) as connection:
            save_figures(connection, report.snapshot, figures)
    if output_format == "md":
        _write(report_markdown(report), out)
        return
    charts = {chart.key: chart_svg(chart, chosen) for section in report.sections for chart in section.charts}
    html = report_html(report, charts)
    if output_format == "pdf":
        report_pdf(html, out)
        console.print(_("Report written to {path}.").format(path=escape(str(out))))
    else:
        _write(html, out)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(_("Report written to {path}.").format(path=escape(str(out))))
