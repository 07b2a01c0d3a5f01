"""`stratmon context show`: context indicators against their baseline, or every stored value."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import (
    CountryOption,
    DbOption,
    FormatOption,
    UserError,
    check_format,
    country_code,
    console,
    handles_errors,
    ready_engine,
    write_csv,
)
from stratmon.i18n import N_, _, format_measure, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=N_("Context indicators: the country outcomes the strategy is judged by."),
                  no_args_is_help=True)


@app.command("show", help=N_("Each country's latest value against the baseline year, or every value with --all."))
@handles_errors
def show(
    indicator: Annotated[str | None, typer.Option("--indicator", metavar=N_("CODE"),
                                                  help=N_("A catalogue code, e.g. homicide_rate."))] = None,
    country: CountryOption = None,
    every_value: Annotated[bool, typer.Option("--all", help=N_(
        "List every stored value with its source and vintage."))] = False,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.analysis.context import against_baseline, context_points
    from stratmon.framework import load_framework

    check_format(output_format)
    framework = load_framework()
    if indicator and framework.context_indicator(indicator) is None and not every_value:
        raise UserError(_("{code}: not in the indicator catalogue").format(code=indicator))
    country = country_code(country)
    engine = ready_engine(db)
    with engine.connect() as connection:
        if every_value:
            rows = context_points(connection, indicator=indicator, country=country)
        else:
            rows = against_baseline(connection, framework, indicator=indicator,
                                    countries=[country.upper()] if country else None)
    records = [asdict(row) for row in rows]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
    elif output_format == "csv":
        write_csv(records)
    else:
        console.print(_values_table(records, framework) if every_value else _baseline_table(rows, framework))


def _name(framework, code: str, lang: str) -> str:
    spec = framework.context_indicator(code)
    return spec.name.get(lang) if spec else code


def _number(value) -> str:
    return "" if value is None else format_measure(value)


def _baseline_table(rows, framework) -> Table:
    from stratmon.analysis.context import baseline_year_words, change_words

    lang = language()
    table = Table(title=_("Context indicators against their baseline"))
    for header in (_("Indicator"), _("Country"), _("Baseline"), _("Latest"), _("Change"), _("Source")):
        table.add_column(header, justify="right" if header in (_("Baseline"), _("Latest"), _("Change")) else "left")
    for r in rows:
        country = framework.country(r.country)
        table.add_row(
            escape(_name(framework, r.indicator, lang)),
            escape(country.name.get(lang) if country else r.country),
            f"{_number(r.baseline)} ({baseline_year_words(r)})" if r.baseline is not None
            else baseline_year_words(r),
            f"{_number(r.latest)} ({r.latest_year})" if r.latest is not None else "",
            change_words(r),
            escape(r.source or ""),
        )
    return table


def _values_table(records: list[dict], framework) -> Table:
    lang = language()
    table = Table(title=_("Context indicator values"))
    for header in (_("Indicator"), _("Country"), _("Year"), _("Value"), _("Unit"), _("Source"), _("Vintage")):
        table.add_column(header)
    for r in records:
        table.add_row(escape(_name(framework, r["indicator"], lang)), r["country"], str(r["year"]),
                      _number(r["value"]), escape(r["unit"] or ""), escape(r["source"]), r["vintage"] or "")
    return table
