"""`stratmon funding`: USD by country (or country group), fiscal year, line of action, objective,
agency and sector."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.analysis.funding import FundingQuery, FundingResult
from stratmon.analysis.funding import funding as compute_funding
from stratmon.analysis.labels import Labels
from stratmon.cli.common import (
    DbOption,
    FiscalYearsOption,
    FormatOption,
    TransactionTypeOption,
    check_format,
    country_code,
    console,
    errors,
    handles_errors,
    ready_engine,
    usd_text,
    write_csv,
)
from stratmon.align.crosswalk import load_crosswalks
from stratmon.framework import Framework, load_framework
from stratmon.i18n import _, format_money, language

# Keys whose codes mean little to a reader get a name column in CSV and JSON.
NAMED_KEYS = ("group", "line", "objective", "agency", "sector")


def key_headers() -> dict[str, str]:
    """Column headings of the keys."""
    return {"country": _("Country"), "group": _("Country or group"), "fy": _("Fiscal year"),
            "line": _("Line of action"), "objective": _("Objective"), "agency": _("Agency"), "sector": _("Sector")}


ByOption = Annotated[str, typer.Option("--by", help=_("Comma-separated keys: country, group, fy, line, objective, "
                                                       "agency, sector."))]
VocabularyOption = Annotated[str, typer.Option("--sector-vocabulary", help=_(
    "IATI sector vocabulary for --by sector (1 = OECD DAC, 99 = U.S. program areas)."))]
GroupOrCountryOption = Annotated[str | None, typer.Option("--country", help=_(
    "Only this country (GT) or country group (northern-triangle)."), show_default=False)]


def build_query(framework: Framework, by: str, transaction_type: str, fy: str | None, sector_vocabulary: str,
                country: str | None) -> FundingQuery:
    """A funding query from command-line options; one by line or objective must find the alignment
    made with the current crosswalks."""
    query = FundingQuery(tuple(k.strip() for k in by.split(",") if k.strip()), transaction_type,
                         parse_fiscal_years(fy), sector_vocabulary,
                         country_groups=tuple((member, group.id) for group in framework.country_groups
                                              for member in group.countries),
                         recipients=_recipients(framework, country))
    if query.is_aligned:
        query = replace(query, crosswalk_digest=load_crosswalks().digest)
    return query


def query_labels(connection, framework: Framework, query: FundingQuery) -> Labels:
    """Labels for a query's keys (with the crosswalks' names when it is by line or objective)."""
    crosswalks = load_crosswalks() if query.is_aligned else None
    return Labels(connection, framework, language(), query.sector_vocabulary, crosswalks)


@handles_errors
def funding(
    by: ByOption,
    transaction_type: TransactionTypeOption = "disbursement",
    fy: FiscalYearsOption = None,
    output_format: FormatOption = "table",
    sector_vocabulary: VocabularyOption = "1",
    country: GroupOrCountryOption = None,
    db: DbOption = None,
) -> None:
    """Money in U.S. dollars, grouped by the keys you choose (DESIGN.md data rules)."""
    check_format(output_format)
    framework = load_framework()
    query = build_query(framework, by, transaction_type, fy, sector_vocabulary, country)
    engine = ready_engine(db)
    with engine.connect() as connection:
        result = compute_funding(connection, query)
        labels = query_labels(connection, framework, query)
        if output_format == "csv":
            _write_csv(result, labels)
        elif output_format == "json":
            _write_json(result, labels)
        else:
            console.print(_table(result, labels))
    _report_exclusions(result)


def _recipients(framework: Framework, country: str | None) -> tuple[str, ...]:
    """The recipient keys `--country` stands for: a group's members, or one country."""
    if country is None:
        return ()
    group = framework.group(country.strip().lower())
    return group.countries if group else (country_code(country),)


def _columns(result: FundingResult) -> list[str]:
    columns = []
    for key in result.query.by:
        columns.append(key)
        if key in NAMED_KEYS:
            columns.append(f"{key}_name")
    return [*columns, "usd"]


def key_name(labels: Labels, key: str, value) -> str:
    """A key value's display name."""
    if key == "fy":
        return f"FY{value}"
    if key == "country":
        return labels.recipient(value)
    if key in ("line", "objective"):
        return labels.aligned(key, value)
    if key == "group":
        return labels.group(value)
    return labels.agency(value) if key == "agency" else labels.sector(value)


def _records(result: FundingResult, labels: Labels):
    for row in result.rows:
        record = {}
        for key, value in zip(result.query.by, row.keys):
            record[key] = value if value is not None else ""
            if key in NAMED_KEYS:
                record[f"{key}_name"] = key_name(labels, key, value)
        record["usd"] = usd_text(row.usd)
        yield record


def _write_csv(result: FundingResult, labels: Labels) -> None:
    write_csv(list(_records(result, labels)), _columns(result))


def _write_json(result: FundingResult, labels: Labels) -> None:
    document = {
        "by": list(result.query.by),
        "type": result.query.transaction_type,
        "fiscal_years": {"first": result.query.fiscal_years.first, "last": result.query.fiscal_years.last},
        "currency": "USD",
        "rows": list(_records(result, labels)),
        "total_usd": usd_text(result.total_usd),
        "excluded_non_usd": {currency: usd_text(amount) for currency, amount in result.excluded_by_currency.items()},
        "transactions_without_value": result.transactions_without_value,
    }
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _table(result: FundingResult, labels: Labels) -> Table:
    type_names = {"obligation": _("Obligations"), "disbursement": _("Disbursements"),
                  "expenditure": _("Expenditures"), "incoming_funds": _("Incoming funds")}
    title = f"{type_names[result.query.transaction_type]} (USD)"
    if result.query.fiscal_years.first or result.query.fiscal_years.last:
        title += f", {result.query.fiscal_years}"
    table = Table(title=title, show_footer=True)
    headers = key_headers()
    first = True
    for key in result.query.by:
        if key == "fy":
            table.add_column(headers[key], footer=_("Total") if first else "")
        else:
            table.add_column(_("Code"), footer=_("Total") if first else "", no_wrap=True)
            table.add_column(headers[key])
        first = False
    table.add_column("USD", justify="right", footer=format_money(result.total_usd), no_wrap=True)
    for row in result.rows:
        cells = []
        for key, value in zip(result.query.by, row.keys):
            if key == "fy":
                cells.append(f"FY{value}")
                continue
            name = key_name(labels, key, value)
            cells.extend([escape(str(value or "")), escape(name)])
        table.add_row(*cells, format_money(row.usd))
    return table


def _report_exclusions(result: FundingResult) -> None:
    for currency, amount in sorted(result.excluded_by_currency.items()):
        errors.print(_("note: {amount} {currency} not in USD were left out (no exchange rates loaded)").format(
            amount=format_money(amount), currency=currency), markup=False)
    if result.transactions_without_value:
        errors.print(_("note: {n} transactions have no value and were left out").format(
            n=result.transactions_without_value), markup=False)
