"""`stratmon quality`: validation rules, outliers, completeness and timeliness of entered results."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.quality_types import Finding
from stratmon.cli.common import DbOption, FrameworkOption, TableJsonOption, check_format, console, handles_errors, \
    ready_engine
from stratmon.i18n import N_, _, format_count, format_money, format_percent, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

def finding_text(finding: Finding) -> str:
    """A finding in the user's language, from the figures behind it (JSON keeps the English message)."""
    details = finding.details
    if "scheme" in details:
        return _("the {scheme} disaggregates add up to {sum}; the total is {total}").format(**details)
    if "z" in details:
        return _("{value} lies {z} standard deviations from the mean {mean} of {count} actuals").format(**details)
    if "numerator" in details:
        return _("numerator {numerator} exceeds denominator {denominator}").format(**details)
    if "min" in details:
        return _("{value} is outside {min}–{max}").format(**details)
    if "value" in details:
        return _("{value} is negative").format(**details)
    return finding.message


PUBLISHED_SHOWN = 10  # findings per check in the table; --format json lists them all


def _print_published(connection, framework: str | None, output_format: str) -> None:
    from stratmon.analysis.funding_request import usd_text
    from stratmon.analysis.labels import Labels
    from stratmon.analysis.published_quality import CHECKS, check_names, published_quality
    from stratmon.framework import load_framework

    result = published_quality(connection)
    if output_format == "json":
        typer.echo(json.dumps({
            "findings": [{"check": f.check, "publisher": f.publisher, "subject": f.subject,
                          "usd": usd_text(f.usd) if f.usd is not None else None, "detail": f.detail}
                         for f in result.findings],
            "by_publisher": [{"publisher": publisher, "check": check, "findings": count}
                             for (publisher, check), count in sorted(result.by_publisher.items(),
                                                                     key=lambda item: (str(item[0][0]), item[0][1]))],
        }, ensure_ascii=False, indent=2))
        return
    if not result.findings:
        console.print(_("No findings: the published data passed every check."))
        return
    labels = Labels(connection, load_framework(framework), language())
    names = check_names()
    summary = Table(title=_("Checks on what agencies publish"))
    for heading in (_("Check"), _("Findings"), _("USD touched")):
        summary.add_column(heading, justify="left" if heading == _("Check") else "right")
    for check in CHECKS:
        found = [f for f in result.findings if f.check == check]
        money = sum((abs(f.usd) for f in found if f.usd is not None), Decimal(0))
        summary.add_row(names[check], format_count(len(found)), format_money(money) if money else "–")
    console.print(summary)
    publishers = Table(title=_("Findings per publisher"))
    publishers.add_column(_("Publisher"))
    shown = [check for check in CHECKS if any(key[1] == check for key in result.by_publisher)]
    for check in shown:
        publishers.add_column(names[check], justify="right")
    for publisher in sorted({key[0] for key in result.by_publisher}, key=str):
        publishers.add_row(escape(labels.agency_short(publisher) if publisher else _("(files)")),
                           *(format_count(result.by_publisher.get((publisher, check), 0)) for check in shown))
    console.print(publishers)
    for check in shown:
        found = [f for f in result.findings if f.check == check]
        detail = Table(title=_("{check}: the {n} largest of {total}").format(
            check=names[check], n=min(PUBLISHED_SHOWN, len(found)), total=format_count(len(found))))
        for heading in (_("Activity or file"), _("Publisher"), "USD", _("Detail")):
            detail.add_column(heading, overflow="fold")
        for finding in found[:PUBLISHED_SHOWN]:
            detail.add_row(escape(finding.subject), escape(labels.agency_short(finding.publisher) if finding.publisher
                                                           else ""),
                           format_money(finding.usd) if finding.usd is not None else "–", escape(finding.detail))
        console.print(detail)


@handles_errors
def quality_command(
    output_format: TableJsonOption = "table",
    published: Annotated[bool, typer.Option("--published", help=N_(
        "Check what agencies publish (pipelines, burn rates, redactions, placeholders, identical files, ...) "
        "instead of entered results."))] = False,
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Findings of the framework's validation rules and outlier checks, and reporting completeness; with
    --published, checks on the published IATI data."""
    from stratmon.analysis.quality import check_results, completeness, framework_quality_rules
    from stratmon.analysis.quality_data import expected_reports, result_points

    check_format(output_format, ("table", "json"))
    if published:
        with ready_engine(db).connect() as connection:
            _print_published(connection, framework, output_format)
        return
    rules = framework_quality_rules(framework)
    engine = ready_engine(db)
    with engine.connect() as connection:
        points = result_points(connection)
    findings = check_results(points, rules)
    # An actual counts as reported once it has been submitted; drafts are still being written.
    reported = [p for p in points if p.value_type != "actual" or p.submitted_on is not None]
    rows = completeness(reported, expected_reports(points))
    if output_format == "json":
        typer.echo(json.dumps({"findings": [asdict(f) for f in findings],
                               "completeness": [asdict(r) for r in rows]},
                              ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=_("Data-quality findings"))
    for heading in (_("Check"), _("Severity"), _("Indicator"), _("Results"), _("Finding")):
        table.add_column(heading)
    severities = {"error": _("error"), "warning": _("warning")}
    for finding in findings:
        table.add_row(finding.check, severities.get(finding.severity, finding.severity), escape(finding.indicator),
                      ", ".join(map(str, finding.result_ids)), escape(finding_text(finding)))
    console.print(table if findings else _("No findings: every validation rule and outlier check passed."))
    if rows:
        view = Table(title=_("Completeness and timeliness"))
        for heading in (_("Partner"), _("Period"), _("Expected"), _("Reported"), _("On time")):
            view.add_column(heading)
        for row in rows:
            view.add_row(escape(row.org or ""), f"{row.period_start} – {row.period_end}", str(row.expected),
                         f"{row.reported} ({format_percent(row.share_reported)})",
                         f"{row.on_time} ({format_percent(row.share_on_time)})")
        console.print(view)
