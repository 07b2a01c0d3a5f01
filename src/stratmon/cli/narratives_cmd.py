"""`stratmon narratives`: list the narratives of a span with their gaps, and import them from a file
(drafts, or approved with `--approve`), every change audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import DbOption, FiscalYearsOption, TableJsonOption, UserError, check_format, console, \
    handles_errors, ready_engine
from stratmon.i18n import N_, SUPPORTED, _, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

app = typer.Typer(help=N_("Narratives by line of action, country and span: progress, challenges, next steps."),
                  no_args_is_help=True)


def _span(fy: str | None, framework):
    from stratmon.analysis.fiscal import chosen_span, strategy_period
    from stratmon.analysis.narratives import is_bounded

    span = chosen_span(fy, strategy_period(framework))
    if not is_bounded(span):
        raise UserError(_("narratives are written for a first and a last fiscal year: give --fy FIRST:LAST or YEAR"))
    return span


@app.command("list", help=N_("Every narrative of a span in both languages, where it stands, and the gaps."))
@handles_errors
def narratives_list(fy: FiscalYearsOption = None, output_format: TableJsonOption = "table",
                    db: DbOption = None) -> None:
    from stratmon.analysis.coverage_words import span_words
    from stratmon.analysis.narratives import states
    from stratmon.analysis.report_narratives import gap_sentence
    from stratmon.framework import load_framework

    check_format(output_format, ("table", "json"))
    framework = load_framework()
    span = _span(fy, framework)
    engine = ready_engine(db)
    with engine.connect() as connection:
        found = states(connection, framework, span)
    by_cell: dict = {}
    for state in found:
        by_cell.setdefault(state.cell, {})[state.lang] = state
    gaps = [cell for cell, langs in by_cell.items() if all(state.published is None for state in langs.values())]
    if output_format == "json":
        typer.echo(json.dumps({"fy": f"{span.first}:{span.last}",
                               "narratives": [_record(state) for state in found if state.newest is not None],
                               "gaps": [{"line": cell.line, "country": cell.country} for cell in gaps]},
                              ensure_ascii=False, indent=2))
        return
    lines = {line.id: line.name.get(language()) for line in framework.lines_of_action}
    countries = {country.code: country.name.get(language()) for country in framework.countries}
    table = Table(title=_("Narratives, {span}").format(span=span_words(span.first, span.last)))
    for heading in (_("Line of action"), _("Country"), "English", "Español"):
        table.add_column(heading)
    for cell, langs in by_cell.items():
        table.add_row(escape(lines[cell.line]), escape(countries[cell.country]),
                      *(_state_words(langs[lang]) for lang in SUPPORTED))
    console.print(table)
    words = span_words(span.first, span.last)
    for cell in gaps:
        console.print(escape(gap_sentence(lines[cell.line], countries[cell.country], words)))


def _state_words(state) -> str:
    from stratmon.narratives.workflow import status_name

    if state.newest is None:
        return "–"
    words = []
    if state.published is not None:
        words.append(_("approved v{version}").format(version=state.published.version))
    if state.published is None or state.newest.version != state.published.version:
        words.append(_("{status} v{version}").format(status=status_name(state.newest.status),
                                                     version=state.newest.version))
    return ", ".join(words)


def _record(state) -> dict:
    published = state.published
    return {"line": state.cell.line, "country": state.cell.country, "lang": state.lang,
            "newest_version": state.newest.version, "status": state.newest.status,
            "approved_version": published.version if published else None,
            "approved_at": published.reviewed_at.isoformat(timespec="seconds") if published else None,
            "approved_by": published.reviewed_by if published else None,
            "approved_text": published.parts.as_dict() if published else None}


UserOption = Annotated[str, typer.Option("--user", metavar=N_("NAME"),
                                         help=N_("Who writes (an analyst or an administrator)."))]


@app.command("import", help=N_("Import narratives from a CSV file as new versions: drafts, or approved with "
                               "--approve; the whole file or nothing."))
@handles_errors
def narratives_import(
    path: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_(
        "A CSV file: line, country, fy, lang, progress, challenges, next_steps."))],
    user: UserOption,
    approve: Annotated[bool, typer.Option("--approve", help=N_(
        "Submit and approve each new version as --user (an administrator may approve their own; an analyst "
        "may not)."))] = False,
    db: DbOption = None,
) -> None:
    from stratmon.cli.results_cmd import _acting_user, _refusals_audited
    from stratmon.framework import load_framework
    from stratmon.sources.narratives import read_narratives
    from stratmon.store.narratives import ENTITY, save_narrative
    from stratmon.store.runs import import_transaction

    framework = load_framework()
    engine = ready_engine(db)
    with engine.connect() as connection:
        acting = _acting_user(connection, user)
    with _refusals_audited(engine, user, "import", ENTITY, str(path)):
        # The whole file is read and checked before the transaction opens.
        rows = [(record, _cell(framework, record, path)) for record in read_narratives(path)]
        new = unchanged = 0
        with import_transaction(engine) as connection:
            for record, cell in rows:
                saved = save_narrative(connection, cell, record.lang, record.parts, acting, f"{path}:{record.line}")
                new, unchanged = new + saved.is_new, unchanged + (not saved.is_new)
                if approve:
                    _approve(connection, cell, record.lang, saved, acting)
    done = (_("{path}: {new} new versions, {unchanged} unchanged; all approved.") if approve else
            _("{path}: {new} new versions (drafts until submitted and approved), {unchanged} unchanged."))
    console.print(done.format(path=escape(str(path)), new=new, unchanged=unchanged))


def _approve(connection, cell, lang: str, saved, acting) -> None:
    """Take the newest version through to approved (a row the same as an approved version: nothing to do)."""
    from stratmon.store.narratives import act_on_narrative

    if saved.status in ("draft", "returned"):
        act_on_narrative(connection, cell, lang, saved.version, "submit", acting, None)
    if saved.status != "approved":
        act_on_narrative(connection, cell, lang, saved.version, "approve", acting, None)


def _cell(framework, record, path: Path):
    """The cell a row names, checked against the framework (a line of action by id or code)."""
    from stratmon.analysis.fiscal import FiscalYearError, parse_fiscal_years
    from stratmon.narratives.workflow import Cell
    from stratmon.sources.errors import ImportRejected
    from stratmon.narratives.workflow import cell_problem

    line = next((line.id for line in framework.lines_of_action
                 if record.line_of_action.casefold() in (line.id.casefold(), line.code.casefold())),
                record.line_of_action)
    try:
        span = parse_fiscal_years(record.fiscal_years)
    except FiscalYearError as error:
        raise ImportRejected(path, record.line, _("column {column}: {reason}").format(column=repr("fy"),
                                                                                     reason=error)) from None
    if span.first is None or span.last is None:
        raise ImportRejected(path, record.line, _("column {column}: give a first and a last fiscal year (2016:2021) "
                                                  "or one (2019)").format(column=repr("fy")))
    cell = Cell(line, record.country, span.first, span.last)
    problem = cell_problem(framework, cell, record.lang)
    if problem:
        raise ImportRejected(path, record.line, problem)
    return cell
