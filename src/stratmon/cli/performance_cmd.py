"""`stratmon performance`: money and results together, per objective and country."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.cli.common import CountryOption, DbOption, FiscalYearsOption, FormatOption, check_format, console, \
    country_code, handles_errors, ready_engine, write_csv
from stratmon.cli.funding_cmd import in_framework_order
from stratmon.i18n import N_, _, format_measure, format_money, format_percent, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


@handles_errors
def performance_command(
    country: CountryOption = None,
    fy: FiscalYearsOption = None,
    output_format: FormatOption = "table",
    unit_costs: Annotated[int, typer.Option("--unit-costs", metavar="N", min=0, max=10000,
                                            help=N_("How many unit costs to list in the table."))] = 15,
    db: DbOption = None,
) -> None:
    """Disbursements per objective and country next to their indicators' status, and the cost per
    unit of result where an indicator counts units."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.analysis.funding_request import usd_text
    from stratmon.analysis.labels import Labels
    from stratmon.analysis.performance import performance

    check_format(output_format)
    crosswalks = load_crosswalks()
    engine = ready_engine(db)
    with engine.connect() as connection:
        rows, costs = performance(connection, crosswalks.framework, language(), country=country_code(country),
                                  fiscal_years=parse_fiscal_years(fy), crosswalk_digest=crosswalks.digest)
        labels = Labels(connection, crosswalks.framework, language(), crosswalks=crosswalks)
        records = [{**asdict(r), "disbursed_usd": usd_text(r.disbursed_usd),
                    "median_achieved": None if r.median_achieved is None else f"{r.median_achieved:.4f}"}
                   for r in rows]
        if output_format == "json":
            typer.echo(json.dumps({"objectives": records, "unit_costs": [
                {**asdict(c), "actual": str(c.actual), "disbursed_usd": usd_text(c.disbursed_usd),
                 "usd_per_unit": usd_text(c.usd_per_unit)} for c in costs]}, ensure_ascii=False, indent=2))
            return
        if output_format == "csv":
            write_csv(records, list(records[0]) if records else ["objective_id"])
            return
        table = Table(title=_("Money and results by objective and country"))
        for heading in (_("Objective"), _("Country"), _("Disbursed (USD)"), _("Indicators"), _("On track"),
                        _("Needs attention"), _("Off track"), _("Median achieved")):
            table.add_column(heading, justify="left" if heading in (_("Objective"), _("Country")) else "right")
        for r in in_framework_order(crosswalks.framework, ("objective", "country"), rows,
                                    keys_of=lambda r: (r.objective_id, r.country)):
            table.add_row(escape(f"{r.objective_id} {labels.objective(r.objective_id)}"),
                          escape(labels.recipient(r.country)), format_money(r.disbursed_usd), str(r.indicators),
                          str(r.on_track), str(r.needs_attention), str(r.off_track),
                          format_percent(r.median_achieved))
        console.print(table)
        if costs and unit_costs:
            view = Table(title=_("Cost per unit of result (all of the activity's disbursements in the country, "
                                 "per unit)"))
            for heading in (_("Indicator"), _("Country"), _("Actual"), _("Disbursed (USD)"), _("USD per unit")):
                view.add_column(heading, justify="left" if heading in (_("Indicator"), _("Country")) else "right")
            for c in sorted(costs, key=lambda c: -c.disbursed_usd)[:unit_costs]:
                view.add_row(escape(c.indicator_name), escape(labels.recipient(c.country)),
                             format_measure(c.actual), format_money(c.disbursed_usd), format_money(c.usd_per_unit))
            console.print(view)
