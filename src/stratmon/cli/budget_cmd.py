"""`stratmon budget show`: the State Department budget tables as imported, in dollars; `stratmon budget
compare`: the tables against IATI and ForeignAssistance.gov, by place, account and fiscal year."""

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
from stratmon.i18n import N_, _, format_fiscal_year, format_money

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=N_("State Department budget tables by country and account."), no_args_is_help=True)


@app.command("show", help=N_("Budget figures in U.S. dollars by fiscal year, row and account."))
@handles_errors
def show(
    fy: FiscalYearsOption = None,
    country: CountryOption = None,
    account: Annotated[str | None, typer.Option("--account", metavar=N_("ACCOUNT"),
                                                help=N_("An account, e.g. ESF or INCLE."))] = None,
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
            table.add_row(format_fiscal_year(line.fiscal_year), escape(line.label), escape(line.account),
                          format_money(line.usd) if line.usd is not None else "")
        console.print(table)


PlaceOption = Annotated[str | None, typer.Option("--country", metavar=N_("PLACE"), help=N_(
    "Only this country (GT), country group (northern-triangle) or the regional programmes (regional)."),
    show_default=False)]


@app.command("compare", help=N_("The budget tables against IATI (and ForeignAssistance.gov where it names the "
                               "account), by place, account and fiscal year, largest gap first."))
@handles_errors
def compare(
    fy: FiscalYearsOption = None,
    country: PlaceOption = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.analysis.budget_comparison import RECORD_COLUMNS, budget_comparison, comparison_records, \
        places_for
    from stratmon.analysis.labels import Labels
    from stratmon.framework import load_framework
    from stratmon.i18n import language

    check_format(output_format)
    framework = load_framework()
    engine = ready_engine(db)
    with engine.connect() as connection:
        comparison = budget_comparison(connection, framework, fiscal_years=parse_fiscal_years(fy),
                                       places=places_for(framework, country))
        records = list(comparison_records(comparison, Labels(connection, framework, language())))
    if output_format == "json":
        typer.echo(json.dumps({"fiscal_years": list(comparison.fiscal_years), "rows": records,
                               "uncompared_budget_usd": {column: f"{usd:.2f}" for column, usd
                                                         in comparison.uncompared_budget_usd.items()}},
                              ensure_ascii=False, indent=2))
    elif output_format == "csv":
        write_csv(records, list(RECORD_COLUMNS))
    else:
        console.print(_comparison_table(records))
        _comparison_notes(framework, comparison)


def _comparison_table(records: list[dict]) -> Table:
    table = Table(title=_("Budget tables against published money (USD), largest gap first"))
    table.add_column(_("Place"), min_width=8)
    table.add_column(_("Account"), no_wrap=True)
    table.add_column(_("Fiscal year"), no_wrap=True)
    for header in (_("Budget"), _("IATI obligations"), _("IATI disbursements"), "FA.gov", _("Gap")):
        table.add_column(header, justify="right", no_wrap=True)
    for record in records:
        table.add_row(escape(record["place_name"]), escape(record["account"]), format_fiscal_year(record['fy']), *(
            _money(record[column]) for column in ("budget_usd", "iati_obligated_usd", "iati_disbursed_usd",
                                                  "fagov_obligated_usd", "gap_usd")))
    return table


def _money(text: str | None) -> str:
    from decimal import Decimal

    return "" if text is None else format_money(Decimal(text))


def _comparison_notes(framework, comparison) -> None:
    from stratmon.cli.common import errors
    from stratmon.i18n import language

    for programme in framework.budget_programs:
        if programme.note:
            errors.print(_("note: {programme}: {note}").format(
                programme=programme.name.get(language()), note=programme.note.get(language())), markup=False)
    for column, usd in comparison.uncompared_budget_usd.items():
        if usd:
            errors.print(_("note: {amount} of budget under \"{column}\" names no account and is not compared").format(
                amount=format_money(usd), column=column), markup=False)
