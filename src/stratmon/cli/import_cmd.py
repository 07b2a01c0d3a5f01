"""`stratmon import iati` and `stratmon imports` (the import ledger)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from stratmon.cli.common import DbOption, TableJsonOption, UserError, console, errors, handles_errors, ready_engine
from stratmon.i18n import N_, _, format_count
from stratmon.sources.errors import ImportRejected

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from stratmon.store.import_workers import PreparedFiles
    from stratmon.store.runs import ImportReport

app = typer.Typer(help=N_("Import data files."), no_args_is_help=True)
MAX_ISSUES_SHOWN = 20
CsvPathsArgument = Annotated[list[Path], typer.Argument(
    metavar=N_("PATH"), help=N_("CSV files or folders (searched recursively)."))]


def status_label(status: str) -> str:
    """An import status as the user reads it."""
    labels = {"imported": _("imported"), "unchanged": _("unchanged"), "skipped": _("skipped"),
              "rejected": _("rejected"), "running": _("running")}
    return labels.get(status, status)


def collect_files(paths: list[Path], suffix: str) -> list[Path]:
    """Files named directly, plus every `suffix` file under named folders (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob(f"*{suffix}") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(_("{path}: no such file or folder").format(path=path))
    return files


@app.command("iati", help=N_("Import IATI activity and organisation XML files: each file whole or not at all."))
@handles_errors
def import_iati(
    paths: Annotated[list[Path], typer.Argument(metavar=N_("PATH"), help=N_(
        "IATI activity files or folders (searched recursively)."))],
    db: DbOption = None,
    strict: Annotated[bool, typer.Option("--strict", help=N_(
        "Reject a whole file when any activity in it cannot be read, or when it does not declare a version "
        "of the IATI standard."))] = False,
    workers: Annotated[int | None, typer.Option("--workers", metavar="N", min=0, help=N_(
        "Processes that read files while this one writes them (default: one per CPU core; 0: read them "
        "here)."))] = None,
    repair_invalid_characters: Annotated[bool, typer.Option("--repair-invalid-characters", help=N_(
        "Remove the characters XML 1.0 forbids (control characters other than tab and newlines, U+FFFE, "
        "U+FFFF) from files in UTF-8 or a one-byte encoding instead of rejecting them; each repair is "
        "reported and kept in the import ledger."))] = False,
) -> None:
    """Import IATI activity and organisation XML files: each file whole or not at all."""
    from stratmon.sources.iati_org import is_organisation_file
    from stratmon.store.import_workers import PreparedFiles, default_workers

    files = collect_files(paths, ".xml")
    # Organisation files (root <iati-organisations>) have a loader of their own; workers read the others.
    organisation_files = {path for path in files if is_organisation_file(path)}
    activity_files = [path for path in files if path not in organisation_files]
    # Workers are forked first (before the progress bar starts its thread, and before this process opens
    # the database, whose connections they should not share), so that they read while this process checks
    # the schema and loads the writing side.
    with PreparedFiles(activity_files, default_workers(len(activity_files)) if workers is None else workers,
                       repair_invalid_characters=repair_invalid_characters) as prepared:
        _import_iati_files(ready_engine(db), files, activity_files, prepared, strict)


def _import_iati_files(engine: Engine, files: list[Path], activity_files: list[Path], prepared: PreparedFiles,
                       strict: bool) -> None:
    """Import `files` in order: activity files from `prepared`, the others by the organisation loader. A first
    import makes the activity tables' secondary indexes (and PostgreSQL's foreign keys) once, at its end
    (store/first_import.py)."""
    from stratmon.store.first_import import put_off
    from stratmon.store.load import import_prepared_file
    from stratmon.store.load_organisation import import_organisation_file

    activities = set(activity_files)

    def import_one(path: Path, on_progress: Callable[[int], None]) -> ImportReport:
        if path not in activities:
            return import_organisation_file(engine, path, on_progress=on_progress)
        return import_prepared_file(engine, path, prepared.messages(path), strict=strict, on_progress=on_progress)

    with put_off(engine, activity_files):
        _import_files(files, import_one)


def _import_files(files: list[Path], import_one: Callable[[Path, Callable[[int], None]], ImportReport]) -> None:
    """Import each file on its own (a rejected file does not stop the others), then summarise."""
    if not files:
        raise UserError(_("no files found"))
    reports: list[ImportReport] = []
    rejected: list[ImportRejected] = []
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=errors, transient=True, disable=not errors.is_terminal) as progress:
        task = progress.add_task(_("Importing"), total=sum(f.stat().st_size for f in files))
        for path in files:
            progress.update(task, description=escape(path.name))
            done_before = progress.tasks[0].completed
            try:
                reports.append(import_one(path, lambda n: progress.advance(task, n)))
            except ImportRejected as exc:
                rejected.append(exc)
                errors.print(_("rejected: {reason}").format(reason=exc), markup=False, highlight=False)
            progress.update(task, completed=done_before + path.stat().st_size)
    console.print(summary_table(reports, rejected, time.perf_counter() - started))
    _print_repairs(reports)
    _print_issues(reports)
    if rejected:
        raise typer.Exit(1)


@app.command("fagov", help=N_("Import ForeignAssistance.gov CSV files (country summary or complete file)."))
@handles_errors
def import_fagov(
    paths: CsvPathsArgument,
    db: DbOption = None,
) -> None:
    """Import ForeignAssistance.gov CSV files."""
    from stratmon.sources.fagov import read_fagov
    from stratmon.store.load_tabular import import_tabular_file

    engine = ready_engine(db)
    # The complete file runs to gigabytes: the reader reports each chunk it reads to the progress bar.
    _import_files(collect_files(paths, ".csv"), lambda path, progress: import_tabular_file(
        engine, path, "fagov", lambda p: read_fagov(p, on_chunk=lambda chunk: progress(len(chunk))),
        record_kind="row", skip_if_loaded=True))


@app.command("budget", help=N_("Import State Department budget tables by country and account (CSV)."))
@handles_errors
def import_budget(
    paths: CsvPathsArgument,
    db: DbOption = None,
) -> None:
    """Import State Department budget tables."""
    from stratmon.sources.budget import read_budget
    from stratmon.store.load_tabular import import_tabular_file

    engine = ready_engine(db)
    _import_files(collect_files(paths, ".csv"), lambda path, _progress: import_tabular_file(
        engine, path, "budget", read_budget, record_kind="row"))


@app.command("context", help=N_("Import context indicators (OWID, World Bank WDI, datahub or CBP layouts)."))
@handles_errors
def import_context(
    paths: CsvPathsArgument,
    file_format: Annotated[str, typer.Option("--format", metavar="owid|wdi|datahub|cbp",
                                             help=N_("owid, wdi, datahub or cbp"))],
    indicator: Annotated[str | None, typer.Option("--indicator", metavar=N_("CODE"), help=N_(
        "Catalogue code of the indicator (when the file does not say)."))] = None,
    db: DbOption = None,
) -> None:
    """Import context-indicator files."""
    from stratmon.sources.context import LAYOUTS, read_context
    from stratmon.store.load_tabular import import_tabular_file

    if file_format not in LAYOUTS:
        raise UserError(_("--format takes one of: {choices}").format(choices=", ".join(LAYOUTS)))
    engine = ready_engine(db)
    files = collect_files(paths, ".csv")
    _import_files(files, lambda path, _progress: import_tabular_file(
        engine, path, "context", lambda p: read_context(p, file_format, indicator), record_kind="value"))


PER_FILE_ROWS = 15
COUNTS = ("records_new", "records_updated", "records_unchanged", "records_skipped", "conflicts",
          "transactions")


def summary_table(reports: list[ImportReport], rejected: list[ImportRejected], seconds: float) -> Table:
    """Activities new / updated / unchanged / skipped, transactions and time: one row per file,
    or per folder when there are many files, and a total."""
    table = Table(title=_("Import summary"), show_footer=len(reports) + len(rejected) > 1)
    per_file = len(reports) + len(rejected) <= PER_FILE_ROWS
    headers = [_("File") if per_file else _("Folder"), _("Files"), _("New"), _("Updated"), _("Unchanged"),
               _("Skipped"), _("Conflicts"), _("Transactions"), _("Seconds")]
    counts = COUNTS
    if any(r.characters_removed for r in reports):  # the column shows only with --repair-invalid-characters at work
        counts += ("characters_removed",)
        headers.insert(-1, _("Characters removed"))
    if any(r.counts for r in reports):  # organisation files: their budgets
        counts += ("budgets",)
        headers.insert(-1, _("Budgets"))
    totals = [sum(_count(r, field) for r in reports) for field in counts]
    footers = [_("Total"), format_count(len(reports) + len(rejected)), *(format_count(t) for t in totals),
               f"{seconds:.2f}"]
    for i, header in enumerate(headers):
        table.add_column(header, footer=footers[i], justify="left" if i == 0 else "right")
    groups: dict[tuple[str, bool], list[ImportReport]] = {}
    for report in reports:
        name = report.path.name if per_file else report.path.parent.name
        groups.setdefault((name, bool(report.counts)), []).append(report)  # only organisation files count budgets
    for (name, organisations), group in groups.items():
        label = name if per_file else f"{name}/"
        if organisations:
            label += " ({kind})".format(kind=_("organisation file") if per_file else _("organisation files"))
        if per_file and group[0].status in ("unchanged", "skipped"):
            label += f" ({status_label(group[0].status)})"
        table.add_row(escape(label), format_count(len(group)),
                      *(format_count(sum(_count(r, field) for r in group)) for field in counts),
                      f"{sum(r.seconds for r in group):.2f}")
    for exc in rejected:
        table.add_row(escape(exc.path.name), "1", f"[red]{escape(status_label('rejected'))}[/]",
                      *([""] * len(counts)))
    return table


def _count(report: ImportReport, field: str) -> int:
    """A count of the summary: a field of the report, or its budgets (organisation files)."""
    if field == "budgets":
        from stratmon.sources.iati_org_records import budget_count

        return budget_count(report.counts)
    return getattr(report, field)


def _print_repairs(reports: list[ImportReport]) -> None:
    """Every repaired file, whatever the number of other issues: its data is not the file as published."""
    for report in reports:
        for issue in report.issues:
            if issue.kind == "repaired":
                errors.print(_("repaired: {detail}").format(detail=f"{report.path}:{issue.line}: {issue.message}"),
                             markup=False, highlight=False)


def _print_issues(reports: list[ImportReport]) -> None:
    issues = [(r.path, i) for r in reports for i in r.issues if i.kind != "repaired"]
    for path, issue in issues[:MAX_ISSUES_SHOWN]:
        where = f"{path}:{issue.line}" if issue.line else str(path)
        line = f"{where}: {issue.identifier}: {issue.message}" if issue.identifier else f"{where}: {issue.message}"
        message = {"skipped": _("skipped: {detail}"), "warning": _("warning: {detail}")}.get(
            issue.kind, _("conflict: {detail}"))
        errors.print(message.format(detail=line), markup=False, highlight=False)
    if len(issues) > MAX_ISSUES_SHOWN:
        errors.print(_("… and {n} more; see `stratmon imports --issues`").format(n=len(issues) - MAX_ISSUES_SHOWN))


@handles_errors
def imports(
    db: DbOption = None,
    output_format: TableJsonOption = "table",
    issues: Annotated[bool, typer.Option("--issues", help=N_("Also list skipped activities and conflicts."))] = False,
) -> None:
    """The import ledger: every file imported, with its hash, counts and outcome."""
    from stratmon.store.ledger import import_runs

    if output_format not in ("table", "json"):
        raise UserError(_("--format takes table or json"))
    engine = ready_engine(db)
    with engine.connect() as connection:
        runs = import_runs(connection, with_issues=issues)
    if output_format == "json":
        typer.echo(json.dumps([run.as_json() for run in runs], ensure_ascii=False, indent=2))
        return
    from stratmon.sources.iati_org_records import budget_count

    table = Table(title=_("Import ledger"))
    for header in (_("Run"), _("Finished (UTC)"), _("Status"), _("File"), _("SHA-256"), _("New"), _("Updated"),
                   _("Unchanged"), _("Skipped"), _("Transactions"), _("Budgets")):
        table.add_column(header)
    for run in runs:
        name = Path(run.path).name + (" ({kind})".format(kind=_("organisation file")) if run.counts else "")
        table.add_row(str(run.id), run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "",
                      status_label(run.status), escape(name), run.content_hash[:12], *(format_count(v) for v in (
                          run.records_new, run.records_updated, run.records_unchanged,
                          run.records_skipped, run.transactions)),
                      format_count(budget_count(run.counts)) if run.counts else "")
    console.print(table)
    for run in runs:
        for repair in run.repairs:
            errors.print(_("repaired: {detail}").format(detail=f"{run.path}:{repair['line']}: {repair['message']}"),
                         markup=False, highlight=False)
    for run in runs:
        for issue in run.issues:
            errors.print(f"{run.path}:{issue['line'] or ''}: {issue['kind']}: {issue['iati_identifier'] or ''}: "
                         f"{issue['message']}", markup=False, highlight=False)
