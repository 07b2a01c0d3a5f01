"""`stratmon iptt`: the indicator tracking table as XLSX, CSV or HTML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.cli.common import CountryOption, DbOption, FiscalYearsOption, UserError, check_format, console, \
    country_code, handles_errors, ready_engine
from stratmon.i18n import _, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


@handles_errors
def iptt_command(
    output_format: Annotated[str, typer.Option("--format", help=_("xlsx, csv or html"))],
    country: CountryOption = None,
    line: Annotated[str | None, typer.Option("--line", help=_("A line of action (prosperity, security, "
                                                               "governance)."), show_default=False)] = None,
    fy: FiscalYearsOption = None,
    out: Annotated[Path | None, typer.Option("--out", help=_("Where to write (required for xlsx; else "
                                                              "standard output)."), show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Baselines, targets, actuals, percent achieved and status per indicator and period."""
    from stratmon.analysis.iptt import iptt
    from stratmon.framework import load_framework
    from stratmon.reports.iptt import iptt_csv, iptt_html, iptt_xlsx

    check_format(output_format, ("xlsx", "csv", "html"))
    framework = load_framework()
    if line and line not in {l.id for l in framework.lines_of_action}:
        raise UserError(_("--line takes one of: {choices}").format(
            choices=", ".join(l.id for l in framework.lines_of_action)))
    if output_format == "xlsx" and out is None:
        raise UserError(_("--format xlsx needs --out FILE"))
    engine = ready_engine(db)
    with engine.connect() as connection:
        table = iptt(connection, framework, language(), country=country_code(country), line=line,
                     fiscal_years=parse_fiscal_years(fy))
    if output_format == "xlsx":
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
        console.print(_("{n} indicators written to {path}.").format(n=len(table.rows), path=escape(str(out))))
