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
from stratmon.i18n import _, format_measure, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=_("Context indicators: the country outcomes the strategy is judged by."),
                  no_args_is_help=True)


@app.command("show", help=_("Each country's latest value against the baseline year, or every value with --all."))
@handles_errors
def show(
    indicator: Annotated[str | None, typer.Option("--indicator", help=_("A catalogue code, e.g. homicide_rate."))] = None,
    country: CountryOption = None,
    every_value: Annotated[bool, typer.Option("--all", help=_("List every stored value with its source and vintage."))] = False,
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
            records = [asdict(p) for p in context_points(connection, indicator=indicator, country=country)]
        else:
            records = [asdict(r) for r in against_baseline(
                connection, framework, indicator=indicator, countries=[country.upper()] if country else None)]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
    elif output_format == "csv":
        write_csv(records)
    else:
        console.print(_values_table(records, framework) if every_value else _baseline_table(records, framework))


def _name(framework, code: str, lang: str) -> str:
    spec = framework.context_indicator(code)
    return spec.name.get(lang) if spec else code


def _number(value) -> str:
    return "" if value is None else format_measure(value)


def _baseline_table(records: list[dict], framework) -> Table:
    lang = language()
    table = Table(title=_("Context indicators against their baseline"))
    for header in (_("Indicator"), _("Country"), _("Baseline"), _("Latest"), _("Change"), _("Source")):
        table.add_column(header, justify="right" if header in (_("Baseline"), _("Latest"), _("Change")) else "left")
    for r in records:
        country = framework.country(r["country"])
        trend = {True: _("better"), False: _("worse"), None: ""}[r["improved"]]
        table.add_row(
            escape(_name(framework, r["indicator"], lang)),
            escape(country.name.get(lang) if country else r["country"]),
            f"{_number(r['baseline'])} ({r['baseline_year']})" if r["baseline"] is not None
            else _("no data ({year})").format(year=r["baseline_year"]),
            f"{_number(r['latest'])} ({r['latest_year']})",
            f"{_number(r['change'])} {trend}".strip(),
            escape(r["source"] or ""),
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
