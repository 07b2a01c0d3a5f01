"""`stratmon coverage`: how much of ForeignAssistance.gov's money the IATI data hold, country by
country and for the Strategy, and whose money is missing."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import CountryOption, DbOption, FormatOption, check_format, console, handles_errors, \
    ready_engine, write_csv
from stratmon.i18n import N_, _, format_money, format_percent, ngettext

COLUMNS = ("place", "type", "first_fy", "last_fy", "iati_usd", "fagov_usd", "share", "missing_publishers")


@handles_errors
def coverage_command(
    fy: str | None = typer.Option(None, "--fy", metavar="A:B", help=N_(
        "Fiscal years: YEAR, FIRST:LAST or all (default: the Strategy's period)."), show_default=False),
    country: CountryOption = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Each country (or the one asked, or a group's members) and the Strategy's countries together:
    IATI and ForeignAssistance.gov obligations and disbursements, the share IATI covers, and the
    agencies the budget tables show funding a country whose money IATI lacks."""
    from stratmon.analysis.coverage import CoverageData
    from stratmon.analysis.coverage_words import agency_name, describe, places_words, span_words
    from stratmon.analysis.fiscal import chosen_span, strategy_period
    from stratmon.analysis.funding_request import recipients_for
    from stratmon.analysis.labels import Labels
    from stratmon.framework import load_framework
    from stratmon.i18n import language

    check_format(output_format)
    framework = load_framework()
    span = chosen_span(fy, strategy_period(framework))
    places = recipients_for(framework, country) or tuple(c.code for c in framework.countries)
    with ready_engine(db).connect() as connection:
        data = CoverageData(connection, framework.geography)
        names = Labels(connection, framework, language())
        asked = [((place,), names.recipient(place)) for place in places]
        if len(places) > 1:
            asked.append((places, places_words(framework, places, names.recipient, language())))
        found = [(key, place, data.coverage(key, span, kind)) for key, place in asked
                 for kind in ("obligation", "disbursement")]
        words = [describe(coverage, place, framework, names.recipient) for _key, place, coverage in found]
        # Money outside the Strategy's geography is in none of these figures: said, and counted, apart.
        outside = {kind: data.outside(span, kind) for kind in ("obligation", "disbursement")} if not country else {}
    records = [{"place": "+".join(key), "type": c.transaction_type, "first_fy": c.first_fy, "last_fy": c.last_fy,
                "iati_usd": f"{c.iati_usd:.2f}", "fagov_usd": None if c.fagov_usd is None else f"{c.fagov_usd:.2f}",
                "share": None if c.share is None else str(c.share),
                "missing_publishers": ",".join(p.agency_ref for p in c.missing)} for key, _place, c in found]
    if output_format == "json":
        for record, word in zip(records, words):
            record.update(text=word.comparison, warning=word.warning, missing=list(word.missing))
        typer.echo(json.dumps({"coverage": records, "outside_geography": {
            kind: {"usd": f"{found.usd:.2f}", "recipients": found.recipients} for kind, found in outside.items()}},
            ensure_ascii=False, indent=2))
        return
    if output_format == "csv":
        write_csv(records, list(COLUMNS))
        return
    table = Table(title=_("IATI against ForeignAssistance.gov"))
    for header in (_("Place"), _("Type"), _("Fiscal years"), _("IATI (USD)"), _("ForeignAssistance.gov (USD)"),
                   _("IATI holds"), _("Missing publishers")):
        table.add_column(header, justify="right" if "USD" in header or header == _("IATI holds") else "left")
    for _key, place, c in found:
        table.add_row(escape(place), _("obligations") if c.transaction_type == "obligation" else _("disbursements"),
                      span_words(c.first_fy, c.last_fy), format_money(c.iati_usd),
                      format_money(c.fagov_usd) if c.fagov_usd is not None else "–", format_percent(c.share),
                      ", ".join(agency_name(framework, p.agency_ref) for p in c.missing) if c.is_low else "–")
    console.print(table)
    warned = words[-1] if words[-1].warning else None
    if warned:
        console.print(escape(warned.warning))
        for sentence in warned.missing:
            console.print("  " + escape(sentence))
    if outside and (outside["disbursement"].usd or outside["obligation"].usd):
        console.print(escape(ngettext(
            "Not counted above: {disbursed} disbursed and {obligated} obligated to {n} recipient outside the "
            "Strategy's geography (`stratmon funding --by country --scope outside` lists it).",
            "Not counted above: {disbursed} disbursed and {obligated} obligated to {n} recipients outside the "
            "Strategy's geography (`stratmon funding --by country --scope outside` lists them).",
            outside["disbursement"].recipients).format(
            disbursed=format_money(outside["disbursement"].usd), obligated=format_money(outside["obligation"].usd),
            n=outside["disbursement"].recipients)))
