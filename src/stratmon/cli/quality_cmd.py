"""`stratmon quality`: validation rules, outliers, completeness and timeliness of entered results."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.analysis.quality_types import Finding
from stratmon.cli.common import DbOption, FrameworkOption, TableJsonOption, check_format, console, handles_errors, \
    ready_engine
from stratmon.i18n import _, format_percent

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


@handles_errors
def quality_command(
    output_format: TableJsonOption = "table",
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Findings of the framework's validation rules and outlier checks, and reporting completeness."""
    from stratmon.analysis.quality import check_results, completeness, framework_quality_rules
    from stratmon.analysis.quality_data import expected_reports, result_points

    check_format(output_format, ("table", "json"))
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
