"""`stratmon funding`: USD by country (or country group), fiscal year, line of action, objective,
agency, sector and appropriation account."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import (
    DbOption,
    FiscalYearsOption,
    FormatOption,
    TransactionTypeOption,
    check_format,
    console,
    errors,
    handles_errors,
    ready_engine,
    write_csv,
)
from stratmon.i18n import N_, _, format_fiscal_year, format_money

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.analysis.funding import FundingResult
    from stratmon.analysis.labels import Labels
    from stratmon.framework import Framework

ByOption = Annotated[str, typer.Option("--by", metavar=N_("KEYS"), help=N_(
    "Comma-separated keys: country, group, fy, line, objective, agency, sector, account."))]
VocabularyOption = Annotated[str, typer.Option("--sector-vocabulary", metavar=N_("CODE"), help=N_(
    "IATI sector vocabulary for --by sector (1 = OECD DAC, 99 = U.S. program areas)."))]
GroupOrCountryOption = Annotated[str | None, typer.Option("--country", metavar=N_("PLACE"), help=N_(
    "Only this country (GT) or country group (northern-triangle)."), show_default=False)]
ScopeOption = Annotated[str, typer.Option("--scope", metavar="strategy|outside|all", help=N_(
    "Whose money: strategy (its countries and regions, the default), outside (every other recipient) "
    "or all."))]


@handles_errors
def funding(
    by: ByOption,
    transaction_type: TransactionTypeOption = "disbursement",
    fy: FiscalYearsOption = None,
    output_format: FormatOption = "table",
    sector_vocabulary: VocabularyOption = "1",
    country: GroupOrCountryOption = None,
    scope: ScopeOption = "strategy",
    db: DbOption = None,
) -> None:
    """Money in U.S. dollars, grouped by the keys you choose (DESIGN.md data rules)."""
    from stratmon.analysis.funding import funding as compute_funding
    from stratmon.analysis.funding_request import build_query, query_labels
    from stratmon.framework import load_framework

    check_format(output_format)
    framework = load_framework()
    query = build_query(framework, by, transaction_type, fy, sector_vocabulary, country, scope)
    engine = ready_engine(db)
    with engine.connect() as connection:
        result = compute_funding(connection, query)
        labels = query_labels(connection, framework, query)
        if output_format == "csv":
            _write_csv(result, labels)
        elif output_format == "json":
            _write_json(result, labels)
        else:
            console.print(_table(result, labels, framework))
            _coverage_line(connection, framework, query, labels)
    _report_exclusions(result)


def _coverage_line(connection, framework, query, labels: Labels) -> None:
    """Under a table by country or group of obligations or disbursements: how much of
    ForeignAssistance.gov's figure for the same countries and years the IATI data hold."""
    from stratmon.analysis.geography import STRATEGY

    if (query.transaction_type not in ("obligation", "disbursement") or not {"country", "group"} & set(query.by)
            or query.scope != STRATEGY):
        return
    from stratmon.analysis.coverage import CoverageData
    from stratmon.analysis.coverage_words import describe, places_words

    codes = tuple(c.code for c in framework.countries)
    places = tuple(key for key in query.recipients if key in codes) if query.recipients else codes
    if not places:
        return
    place = places_words(framework, places, labels.recipient, labels.lang)
    found = CoverageData(connection, framework.geography).coverage(places, query.fiscal_years, query.transaction_type)
    words = describe(found, place, framework, labels.recipient)
    console.print(escape(words.comparison))
    if words.warning:
        evidence = " " + _("`stratmon coverage` gives the evidence.") if found.missing else ""
        console.print(escape(words.warning) + evidence)


def _write_csv(result: FundingResult, labels: Labels) -> None:
    from stratmon.analysis.funding_request import funding_records, record_columns

    write_csv(list(funding_records(result, labels)), record_columns(result))


def _write_json(result: FundingResult, labels: Labels) -> None:
    from stratmon.analysis.funding_request import funding_records, usd_text

    document = {
        "by": list(result.query.by),
        "type": result.query.transaction_type,
        "fiscal_years": {"first": result.query.fiscal_years.first, "last": result.query.fiscal_years.last},
        "currency": "USD",
        "rows": list(funding_records(result, labels)),
        "total_usd": usd_text(result.total_usd),
        "excluded_non_usd": {currency: usd_text(amount) for currency, amount in result.excluded_by_currency.items()},
        "transactions_without_value": result.transactions_without_value,
    }
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def in_framework_order(framework: Framework, by: tuple[str, ...], rows: list, keys_of=lambda row: row.keys) -> list:
    """`rows` for a table to read: lines of action and objectives in the framework's order, then money outside
    the Strategy, then money not aligned; any other key as the analysis sorts it (codes, years). CSV and JSON
    keep the analysis's order."""
    from stratmon.analysis.funding import ALIGNED_KEYS, OUTSIDE_PREFIX

    position = {("line", line.id): index for index, line in enumerate(framework.lines_of_action)}
    position.update({("objective", objective.id): index
                     for index, (_line, objective) in enumerate(framework.objectives())})

    def rank(key: str, value) -> tuple:
        if key not in ALIGNED_KEYS:
            return ("", value) if value is None else (type(value).__name__, value)
        if (key, value) in position:
            return (0, position[key, value], "")
        return (1 if str(value).startswith(OUTSIDE_PREFIX) else 2, 0, str(value))

    return sorted(rows, key=lambda row: tuple(rank(key, value) for key, value in zip(by, keys_of(row))))


def _table(result: FundingResult, labels: Labels, framework: Framework) -> Table:
    from stratmon.analysis.funding_request import key_headers, key_name

    type_names = {"obligation": _("Obligations"), "disbursement": _("Disbursements"),
                  "expenditure": _("Expenditures"), "incoming_funds": _("Incoming funds")}
    title = f"{type_names[result.query.transaction_type]} (USD)"
    if result.query.fiscal_years.first or result.query.fiscal_years.last:
        title += f", {result.query.fiscal_years}"
    table = Table(title=title, show_footer=True)
    headers = key_headers()
    coded = [key for key in result.query.by if key != "fy"]
    first = True
    for key in result.query.by:
        if key == "fy":
            table.add_column(headers[key], footer=_("Total") if first else "")
        else:
            # A code column beside each named key; with two such keys, each code column names its key.
            code_heading = _("Code") if len(coded) == 1 else _("{key} (code)").format(key=headers[key])
            table.add_column(code_heading, footer=_("Total") if first else "", no_wrap=True)
            table.add_column(headers[key])
        first = False
    table.add_column("USD", justify="right", footer=format_money(result.total_usd), no_wrap=True)
    for row in in_framework_order(framework, result.query.by, result.rows):
        cells = []
        for key, value in zip(result.query.by, row.keys):
            if key == "fy":
                cells.append(format_fiscal_year(value))
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
