"""`stratmon iptt`: the indicator tracking table on the terminal, or as XLSX, CSV or HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.cli.common import CountryOption, DbOption, FiscalYearsOption, UserError, check_format, console, \
    country_code, handles_errors, ready_engine
from stratmon.i18n import N_, _, format_measure, format_percent, language, ngettext

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.analysis.iptt_types import IpttTable

FORMATS = ("table", "xlsx", "csv", "html")
FIGURE_WIDTH = 14
FILE_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".html": "html", ".htm": "html"}


@handles_errors
def iptt_command(
    output_format: Annotated[str | None, typer.Option("--format", metavar="table|xlsx|csv|html", show_default=False,
                                                      help=N_("table, xlsx, csv or html (default: from the --out "
                                                              "file's name, else a table on the screen)"))] = None,
    country: CountryOption = None,
    line: Annotated[str | None, typer.Option("--line", metavar=N_("LINE"), help=N_(
        "A line of action (prosperity, security, governance)."), show_default=False)] = None,
    fy: FiscalYearsOption = None,
    out: Annotated[Path | None, typer.Option("--out", metavar=N_("FILE"), help=N_(
        "Where to write (required for xlsx; else standard output)."), show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Baselines, targets, actuals, percent achieved and status per indicator and period."""
    from stratmon.analysis.iptt import iptt
    from stratmon.framework import load_framework
    from stratmon.reports.iptt import iptt_csv, iptt_html, iptt_xlsx

    output_format = _chosen_format(output_format, out)
    framework = load_framework()
    if line and line not in {l.id for l in framework.lines_of_action}:
        raise UserError(_("--line takes one of: {choices}").format(
            choices=", ".join(l.id for l in framework.lines_of_action)))
    if output_format == "xlsx" and out is None:
        raise UserError(_("--format xlsx needs --out FILE"))
    if output_format == "table" and out is not None:
        raise UserError(_("--format table is for the screen; give --format xlsx, csv or html with --out"))
    engine = ready_engine(db)
    with engine.connect() as connection:
        table = iptt(connection, framework, language(), country=country_code(country), line=line,
                     fiscal_years=parse_fiscal_years(fy))
    if output_format == "table":
        console.print(_screen_table(table))
    elif output_format == "xlsx":
        iptt_xlsx(table, out)
    elif output_format == "csv":
        if out is None:
            iptt_csv(table, sys.stdout)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                iptt_csv(table, handle)
    else:
        document = iptt_html(table)
        if out is None:
            sys.stdout.write(document)
        else:
            out.write_text(document, encoding="utf-8")
    if out is not None:
        console.print(ngettext("{n} indicator written to {path}.", "{n} indicators written to {path}.",
                               len(table.rows)).format(n=len(table.rows), path=escape(str(out))))


def _chosen_format(output_format: str | None, out: Path | None) -> str:
    """--format as given; else what the --out file's name says; else a table on the screen."""
    if output_format is not None:
        check_format(output_format, FORMATS)
        return output_format
    if out is None:
        return "table"
    if out.suffix.lower() not in FILE_FORMATS:
        raise UserError(_("{path}: name an .xlsx, .csv or .html file, or give --format").format(path=out))
    return FILE_FORMATS[out.suffix.lower()]


def _screen_table(table: IpttTable) -> Table:
    """One line per indicator and period (and disaggregate), the indicator named on its first line only; the
    country and disaggregate columns only when they tell rows apart."""
    headings = table.headings
    several_countries = len({row.country for row in table.rows}) > 1
    disaggregated = any(cell.category for row in table.rows for cell in row.cells)
    view = Table(title=escape(table.title), caption=escape(table.filters) or None)
    view.add_column(headings["indicator"], overflow="fold")
    if several_countries:
        view.add_column(headings["country"], max_width=FIGURE_WIDTH)
    view.add_column(headings["baseline"], justify="right", max_width=FIGURE_WIDTH)
    view.add_column(headings["period"], max_width=FIGURE_WIDTH)
    if disaggregated:
        view.add_column(headings["category"], max_width=FIGURE_WIDTH)
    # Figures and statuses are narrow: the indicator's name takes the room they leave.
    for key in ("target", "actual", "percent_achieved", "status"):
        view.add_column(headings[key], justify="left" if key == "status" else "right", max_width=FIGURE_WIDTH)
    for row in table.rows:
        baseline = _measure(row.baseline, row.baseline_text)
        if row.baseline_year and baseline:
            baseline += f"\n({row.baseline_year})"
        first = [escape(f"{row.indicator_code}\n{row.indicator_name}"),
                 *([escape(row.country or "")] if several_countries else []), baseline]
        if not row.cells:
            view.add_row(*first, *[""] * (len(view.columns) - len(first)))
        for index, cell in enumerate(row.cells):
            view.add_row(*(first if index == 0 else [""] * len(first)), escape(cell.period_label),
                         *([escape(cell.category or "")] if disaggregated else []),
                         _measure(cell.target, cell.target_text),
                         _("not available") if cell.actual_not_available else _measure(cell.actual, cell.actual_text),
                         format_percent(cell.percent_achieved) if cell.percent_achieved is not None else "",
                         escape(cell.status_label))
    return view


def _measure(value, text: str | None) -> str:
    if value is not None:
        return format_measure(value)
    return escape(text or "")
