"""`stratmon budget show`: the State Department budget tables as imported, in dollars."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.cli.common import (
    CountryOption,
    DbOption,
    FiscalYearsOption,
    FormatOption,
    check_format,
    country_code,
    console,
    handles_errors,
    ready_engine,
    write_csv,
)
from stratmon.i18n import _, format_money

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=_("State Department budget tables by country and account."), no_args_is_help=True)


@app.command("show", help=_("Budget figures in U.S. dollars by fiscal year, row and account."))
@handles_errors
def show(
    fy: FiscalYearsOption = None,
    country: CountryOption = None,
    account: Annotated[str | None, typer.Option("--account", help=_("An account, e.g. ESF or INCLE."))] = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.analysis.budget import budget_lines

    check_format(output_format)
    engine = ready_engine(db)
    with engine.connect() as connection:
        lines = budget_lines(connection, fiscal_years=parse_fiscal_years(fy), country=country_code(country),
                             account=account)
    records = [{**asdict(line), "usd": None if line.usd is None else f"{line.usd:.2f}"} for line in lines]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        write_csv(records, ["fiscal_year", "label", "recipient_key", "kind", "account", "usd"])
    else:
        table = Table(title=_("Budget tables (USD)"))
        for header in (_("Fiscal year"), _("Row"), _("Account"), "USD"):
            table.add_column(header, justify="right" if header == "USD" else "left")
        for line in lines:
            table.add_row(f"FY{line.fiscal_year}", escape(line.label), escape(line.account),
                          format_money(line.usd) if line.usd is not None else "")
        console.print(table)
