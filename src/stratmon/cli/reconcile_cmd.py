"""`stratmon reconcile`: IATI against ForeignAssistance.gov by country, fiscal year and type."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

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
from stratmon.i18n import _, format_fiscal_year, format_money, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.analysis.reconcile import Reconciliation

COLUMNS = ("country", "fy", "type", "iati_usd", "fagov_usd", "difference_usd", "ratio", "explanation")


def _record(row: Reconciliation) -> dict:
    from stratmon.analysis.reconcile import reason_text

    def money(value):
        return None if value is None else f"{value:.2f}"

    return {"country": row.country, "fy": row.fy, "type": row.type, "iati_usd": money(row.iati_usd),
            "fagov_usd": money(row.fagov_usd), "difference_usd": money(row.difference_usd),
            "ratio": None if row.ratio is None else str(row.ratio),
            "explanation": "; ".join(reason_text(reason) for reason in row.reasons)}


@handles_errors
def reconcile_command(
    fy: FiscalYearsOption = None,
    country: CountryOption = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.analysis.reconcile import reconcile
    from stratmon.framework import load_framework

    check_format(output_format)
    framework = load_framework()
    engine = ready_engine(db)
    with engine.connect() as connection:
        code = country_code(country)
        rows = reconcile(connection, framework, parse_fiscal_years(fy), [code] if code else None)
    records = [_record(row) for row in rows]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif output_format == "csv":
        write_csv(records, list(COLUMNS))
    else:
        console.print(_table(rows, framework))


def _table(rows: list[Reconciliation], framework) -> Table:
    from stratmon.analysis.reconcile import reason_text

    lang = language()
    types = {"obligation": _("Obligations"), "disbursement": _("Disbursements")}
    table = Table(title=_("IATI against ForeignAssistance.gov (USD)"))
    for header in (_("Country"), _("Fiscal year"), _("Type"), "IATI", "ForeignAssistance.gov", _("Difference"),
                   _("Ratio"), _("Why")):
        table.add_column(header, justify="right" if header in ("IATI", "ForeignAssistance.gov") else "left")
    for row in rows:
        country = framework.country(row.country)
        table.add_row(escape(country.name.get(lang) if country else row.country), format_fiscal_year(row.fy), types[row.type],
                      format_money(row.iati_usd), format_money(row.fagov_usd) if row.fagov_usd is not None else "",
                      format_money(row.difference_usd) if row.difference_usd is not None else "",
                      str(row.ratio) if row.ratio is not None else "",
                      escape("; ".join(reason_text(reason) for reason in row.reasons)))
    return table
