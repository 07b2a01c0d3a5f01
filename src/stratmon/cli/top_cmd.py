"""`stratmon top`: the largest activities per line of action and country (or other keys)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import DbOption, FiscalYearsOption, FormatOption, TransactionTypeOption, check_format, \
    console, handles_errors, ready_engine, write_csv
from stratmon.cli.funding_cmd import ByOption, GroupOrCountryOption, in_framework_order
from stratmon.i18n import N_, _, format_money

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


@handles_errors
def top_command(
    by: ByOption = "line,country",
    transaction_type: TransactionTypeOption = "disbursement",
    fy: FiscalYearsOption = None,
    country: GroupOrCountryOption = None,
    limit: Annotated[int, typer.Option("--limit", metavar="N", min=1, max=1000, help=N_("Activities per group."))] = 5,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The activities with the most money in each group, largest first."""
    from stratmon.analysis.funding_request import build_query, key_headers, key_name, query_labels, usd_text
    from stratmon.analysis.top import top_activities
    from stratmon.framework import load_framework

    check_format(output_format)
    framework = load_framework()
    query = build_query(framework, by, transaction_type, fy, "1", country)
    engine = ready_engine(db)
    with engine.connect() as connection:
        rows = top_activities(connection, query, limit)
        labels = query_labels(connection, framework, query)
        records = [{**dict(zip(query.by, row.keys)), "rank": row.rank, "iati_identifier": row.iati_identifier,
                    "title": row.title, "agency": row.reporting_org_ref, "usd": usd_text(row.usd)} for row in rows]
        if output_format == "csv":
            write_csv(records, [*query.by, "rank", "iati_identifier", "title", "agency", "usd"])
        elif output_format == "json":
            typer.echo(json.dumps({"by": list(query.by), "type": transaction_type, "rows": records},
                                  ensure_ascii=False, indent=2))
        else:
            table = Table(title=_("Largest activities (USD)"))
            headers = key_headers()
            for key in query.by:
                table.add_column(headers[key])
            table.add_column("#", justify="right")
            table.add_column(_("Activity"), no_wrap=True)
            table.add_column(_("Title"))
            table.add_column("USD", justify="right", no_wrap=True)
            for row in in_framework_order(framework, query.by, rows):
                table.add_row(*[escape(key_name(labels, key, value)) for key, value in zip(query.by, row.keys)],
                              str(row.rank), escape(row.iati_identifier), escape(row.title or ""),
                              format_money(row.usd))
            console.print(table)
