"""`stratmon alignment review` (the contested attributions, largest first) and `stratmon alignment
evaluate` (precision on a labelled sample)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.align_cmd import alignment_session, app
from stratmon.cli.common import DbOption, FrameworkOption, TableJsonOption, UserError, check_format, console, \
    handles_errors
from stratmon.cli.funding_cmd import in_framework_order
from stratmon.i18n import N_, _, format_count, format_money, format_percent

if TYPE_CHECKING:
    from stratmon.analysis.alignment_evaluation import Evaluation
    from stratmon.analysis.labels import Labels


@app.command("review", help=N_("Attributions to review: low confidence or contested, largest money first."))
@handles_errors
def review_command(
    limit: Annotated[int, typer.Option("--limit", metavar="N", min=1, max=1000,
                                       help=N_("How many activities to list."))] = 20,
    offset: Annotated[int, typer.Option("--offset", metavar="N", min=0,
                                        help=N_("How many to skip (the next page)."))] = 0,
    output_format: TableJsonOption = "table",
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """The review queue; settle an item with `stratmon alignment set ACTIVITY TARGET --reason ...`."""
    from stratmon.analysis.alignment_review import review_queue
    from stratmon.analysis.funding_request import usd_text

    check_format(output_format, ("table", "json"))
    with alignment_session(framework, db) as (crosswalks, connection, labels):
        total, items = review_queue(connection, limit=limit, offset=offset, crosswalk_digest=crosswalks.digest)
        if output_format == "json":
            typer.echo(json.dumps({"total": total, "offset": offset, "items": [{
                "iati_identifier": item.iati_identifier, "title": item.title, "agency": item.reporting_org_ref,
                "usd": usd_text(item.usd), "confidence": item.confidence, "answer": item.answer or None,
                "single_target": item.single_target,
                "evidence": item.evidence, "explanation": labels.evidence(item.evidence),
                "contest": item.contest, "contest_explanation": labels.evidence(item.contest) if item.contest else None,
            } for item in items]}, ensure_ascii=False, indent=2))
            return
    table = Table(title=_("Attributions to review: {shown} of {total}, largest first").format(
        shown=format_count(len(items)), total=format_count(total)))
    table.add_column(_("Activity"), overflow="fold")
    table.add_column("USD", justify="right", no_wrap=True)
    table.add_column(_("Confidence"))
    table.add_column(_("Rules' answer"))
    table.add_column(_("Evidence for"))
    table.add_column(_("Evidence against"))
    for item in items:
        table.add_row(escape(f"{item.iati_identifier}\n{item.title or ''}\n{labels.agency(item.reporting_org_ref)}"),
                      format_money(item.usd), labels.confidence(item.confidence),
                      escape(labels.target_short(item.answer)), escape(labels.evidence(item.evidence)),
                      escape(labels.evidence(item.contest) if item.contest else ""))
    console.print(table)
    if total > offset + len(items):
        console.print(_("Next page: --offset {offset}").format(offset=offset + len(items)))


@app.command("evaluate", help=N_("Precision of the attribution on activities people labelled."))
@handles_errors
def evaluate_command(
    labels_file: Annotated[Path | None, typer.Argument(metavar=N_("FILE"), show_default=False, help=N_(
        "A labels CSV (iati_identifier, objectives, reason, half); default: the framework's evaluation set."))] = None,
    half: Annotated[str, typer.Option("--half", metavar="test|tune|all",
                                      help=N_("test (held out), tune, or all"))] = "test",
    output_format: TableJsonOption = "table",
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Objective and line-of-action precision, by activities and by FY2016–2020 dollars; every miss."""
    from stratmon.analysis.alignment_evaluation import evaluate, read_labels, shipped_labels_path

    check_format(output_format, ("table", "json"))
    with alignment_session(framework, db) as (crosswalks, connection, labels):
        path = labels_file or shipped_labels_path(crosswalks)
        if path is None:
            raise UserError(_("the framework ships no evaluation set; give a labels file"))
        result = evaluate(connection, crosswalks, read_labels(path), labels_path=str(path), half=half)
    if output_format == "json":
        typer.echo(json.dumps(evaluation_document(result), ensure_ascii=False, indent=2))
    else:
        _print_evaluation(result, labels)


def _share(value) -> float | None:
    return None if value is None else float(round(value, 6))


def evaluation_document(result: Evaluation) -> dict:
    """The evaluation as JSON-ready data."""
    from stratmon.analysis.funding_request import usd_text

    return {
        "labels": result.labels_path, "half": result.half, "labelled": result.labelled,
        "activities": result.activities, "not_found": result.missing, "outside_geography": result.out_of_scope,
        "objective_precision": {"activities": _share(result.objective_by_activities),
                                "usd_fy2016_2020": _share(result.objective_by_dollars)},
        "line_precision": {"activities": _share(result.line_by_activities),
                           "usd_fy2016_2020": _share(result.line_by_dollars)},
        "usd_fy2016_2020": usd_text(result.usd),
        "confusion_by_line": [{"labelled": labelled, "answered": answered, "activities": count}
                              for (labelled, answered), count in sorted(result.confusion.items())],
        "misses": [{"iati_identifier": j.identifier, "title": j.title, "acceptable": list(j.acceptable),
                    "answered": j.predicted, "line_right": j.line_right, "usd_fy2016_2020": usd_text(j.usd),
                    "reason": j.reason} for j in result.misses],
    }


def _print_evaluation(result: Evaluation, labels: Labels) -> None:
    def percent(value) -> str:
        return "—" if value is None else format_percent(value)

    console.print(_("Evaluation set {path}, half {half}: {n} activities labelled, {found} found in the data.").format(
        path=escape(result.labels_path), half=result.half, n=format_count(result.labelled),
        found=format_count(result.activities + len(result.out_of_scope))))
    summary = Table(title=_("Precision"))
    summary.add_column("")
    summary.add_column(_("By activities"), justify="right")
    summary.add_column(_("By FY2016–2020 disbursements"), justify="right")
    summary.add_row(_("Objective"), percent(result.objective_by_activities), percent(result.objective_by_dollars))
    summary.add_row(_("Line of action"), percent(result.line_by_activities), percent(result.line_by_dollars))
    console.print(summary)
    console.print(_("Dollars judged: {usd} USD disbursed in FY2016–2020.").format(usd=format_money(result.usd)))
    if result.out_of_scope:
        console.print(_("Not judged: {n} labelled activities whose money is all outside the Strategy's geography "
                        "(a wider region, their texts naming none of its countries): {identifiers}.").format(
            n=format_count(len(result.out_of_scope)), identifiers=escape(", ".join(result.out_of_scope))))
    lines = in_framework_order(labels.framework, ("line",), sorted({key for pair in result.confusion for key in pair}),
                               keys_of=lambda key: (key,))
    confusion = Table(title=_("Lines of action: labelled (rows) against answered (columns), activities"))
    confusion.add_column("")
    for line in lines:
        confusion.add_column(escape(_line_name(labels, line)), justify="right")
    for labelled in lines:
        confusion.add_row(escape(_line_name(labels, labelled)),
                          *(str(result.confusion.get((labelled, answered), "")) for answered in lines))
    console.print(confusion)
    if result.misses:
        misses = Table(title=_("Misses ({n}), largest first").format(n=format_count(len(result.misses))))
        misses.add_column(_("Activity"), overflow="fold")
        misses.add_column(_("Acceptable"))
        misses.add_column(_("Answered"))
        misses.add_column("USD", justify="right", no_wrap=True)
        misses.add_column(_("Labeller's reason"))
        for judged in result.misses:
            misses.add_row(escape(f"{judged.identifier}\n{judged.title or ''}"), escape(" ".join(judged.acceptable)),
                           escape(judged.predicted) + ("" if judged.line_right else " ✗"), format_money(judged.usd),
                           escape(judged.reason))
        console.print(misses)
        console.print(_("✗: the line of action is wrong too."))


def _line_name(labels: Labels, key: str) -> str:
    if key == "none":
        return _("Not aligned")
    if key.startswith("outside:"):
        return labels.outside(key.removeprefix("outside:"))
    return labels.line(key)
