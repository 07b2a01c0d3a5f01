"""`stratmon pipeline`: obligated but not yet disbursed, and the burn rate, by fiscal year."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import DbOption, FiscalYearsOption, FormatOption, check_format, console, handles_errors, \
    ready_engine, write_csv
from stratmon.cli.funding_cmd import ByOption, GroupOrCountryOption, in_framework_order
from stratmon.i18n import _, format_fiscal_year, format_measure, format_money, format_percent

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.analysis.pipeline import PipelineRow


def _ratio(value) -> str | None:
    return None if value is None else f"{value:.4f}"


@handles_errors
def pipeline_command(
    by: ByOption = "agency,country",
    fy: FiscalYearsOption = None,
    country: GroupOrCountryOption = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Cumulative obligations minus cumulative disbursements per group and fiscal year, with the
    burn rate (the year's disbursements over what was available to spend) and months of pipeline."""
    from stratmon.analysis.funding_request import build_query, query_labels
    from stratmon.analysis.pipeline import pipeline
    from stratmon.framework import load_framework

    check_format(output_format)
    framework = load_framework()
    query = build_query(framework, by, "obligation", fy, "1", country)
    engine = ready_engine(db)
    with engine.connect() as connection:
        rows = pipeline(connection, query)
        labels = query_labels(connection, framework, query)
        records = [_record(query.by, row) for row in rows]
        if output_format == "csv":
            write_csv(records, [*query.by, "fy", "obligated_usd", "disbursed_usd", "cumulative_obligated_usd",
                                "cumulative_disbursed_usd", "pipeline_usd", "burn_rate", "months_of_pipeline"])
        elif output_format == "json":
            typer.echo(json.dumps({"by": list(query.by), "currency": "USD", "rows": records},
                                  ensure_ascii=False, indent=2))
        else:
            console.print(_table(query.by, in_framework_order(framework, query.by, rows), labels))


def _record(by: tuple[str, ...], row: PipelineRow) -> dict:
    from stratmon.analysis.funding_request import usd_text

    return {**dict(zip(by, row.keys)), "fy": row.fiscal_year, "obligated_usd": usd_text(row.obligated),
            "disbursed_usd": usd_text(row.disbursed), "cumulative_obligated_usd": usd_text(row.cumulative_obligated),
            "cumulative_disbursed_usd": usd_text(row.cumulative_disbursed), "pipeline_usd": usd_text(row.pipeline),
            "burn_rate": _ratio(row.burn_rate), "months_of_pipeline": _ratio(row.months_of_pipeline)}


def _short_name(labels, key: str, value) -> str:
    from stratmon.analysis.funding_request import key_name

    if key == "agency":
        return labels.agency_short(value)
    if key == "country":
        return f"{value} {labels.recipient(value)}"
    return key_name(labels, key, value)


def _table(by: tuple[str, ...], rows: list[PipelineRow], labels) -> Table:
    from stratmon.analysis.funding_request import key_headers

    table = Table(title=_("Pipeline: obligated, not yet disbursed (USD)"))
    headers = key_headers()
    for key in by:
        table.add_column(headers[key], min_width=10)
    table.add_column(headers["fy"], no_wrap=True)
    for column in (_("Obligated"), _("Disbursed"), _("Pipeline"), _("Burn rate"), _("Months of pipeline")):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        names = [escape(_short_name(labels, key, value)) for key, value in zip(by, row.keys)]
        table.add_row(*names, format_fiscal_year(row.fiscal_year), format_money(row.obligated), format_money(row.disbursed),
                      format_money(row.pipeline), format_percent(row.burn_rate),
                      "–" if row.months_of_pipeline is None else format_measure(row.months_of_pipeline))
    return table
