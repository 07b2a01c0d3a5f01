"""`stratmon fagov show`: the ForeignAssistance.gov country summary as imported."""

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
    UserError,
    check_format,
    console,
    country_code,
    handles_errors,
    ready_engine,
    write_csv,
)
from stratmon.i18n import N_, _, format_fiscal_year, format_money
from stratmon.sources.records import FAGOV_TRANSACTION_TYPES

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=N_("ForeignAssistance.gov figures as imported."), no_args_is_help=True)
COLUMNS = ["recipient", "recipient_name", "fiscal_year", "fiscal_period", "transaction_type", "current_usd",
           "constant_usd"]


def _type_names() -> dict[str, str]:
    return {"appropriated_planned": _("Appropriated and planned"), "obligation": _("Obligations"),
            "disbursement": _("Disbursements"), "budget_request": _("President's budget requests"),
            "initial_allocation": _("Initial allocations")}


@app.command("show", help=N_("Country-summary figures: every type, transition quarters, current and constant dollars."))
@handles_errors
def show(
    fy: FiscalYearsOption = None,
    country: CountryOption = None,
    transaction_type: Annotated[str | None, typer.Option("--type", metavar=N_("TYPE"), help=N_(
        "appropriated_planned, obligation, disbursement, budget_request or initial_allocation"))] = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.analysis.fagov import fagov_figures

    check_format(output_format)
    if transaction_type is not None and transaction_type not in FAGOV_TRANSACTION_TYPES:
        raise UserError(_("--type takes one of: {choices}").format(choices=", ".join(FAGOV_TRANSACTION_TYPES)))
    code = country_code(country)
    engine = ready_engine(db)
    with engine.connect() as connection:
        figures = fagov_figures(connection, fiscal_years=parse_fiscal_years(fy), country=code,
                                transaction_type=transaction_type)
    records = [{**asdict(f), "current_usd": None if f.current_usd is None else f"{f.current_usd:.2f}",
                "constant_usd": None if f.constant_usd is None else f"{f.constant_usd:.2f}"} for f in figures]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        write_csv(records, COLUMNS)
    else:
        names = _type_names()
        table = Table(title=_("ForeignAssistance.gov country summary (USD)"))
        for header in (_("Recipient"), _("Fiscal year"), _("Type")):
            table.add_column(header)
        for header in (_("Current dollars"), _("Constant dollars")):
            table.add_column(header, justify="right")
        for f in figures:
            year = format_fiscal_year(f.fiscal_year) + (" TQ" if f.fiscal_period == "tq" else "")
            table.add_row(escape(f"{f.recipient_name or f.recipient} ({f.recipient})"), year,
                          names.get(f.transaction_type, f.transaction_type),
                          format_money(f.current_usd) if f.current_usd is not None else "",
                          format_money(f.constant_usd) if f.constant_usd is not None else "")
        console.print(table)
