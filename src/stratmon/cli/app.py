"""The root `stratmon` command and `stratmon init`."""

from __future__ import annotations

from typing import Annotated

import typer

from stratmon import __version__
from stratmon.cli import (  # align_review_cmd adds its commands to align_cmd's
    align_cmd,
    align_review_cmd,
    backup_cmd,
    budget_cmd,
    context_cmd,
    coverage_cmd,
    fagov_cmd,
    fetch_cmd,
    framework_cmd,
    funding_cmd,
    import_cmd,
    iptt_cmd,
    narratives_cmd,
    performance_cmd,
    pipeline_cmd,
    quality_cmd,
    reconcile_cmd,
    report_cmd,
    results_cmd,
    top_cmd,
    web_cmd,
)
from stratmon.cli.common import DbOption, console, handles_errors, open_engine
from stratmon.cli.localised import LocalisedGroup, install
from stratmon.i18n import SUPPORTED, N_, _

# Typer's and Click's own words ("Usage", "Missing option") in the user's language; see cli/localised.py.
install()
app = typer.Typer(
    name="stratmon",
    cls=LocalisedGroup,
    help=N_("Strategy Monitor: is the money reaching the objectives, and are the objectives moving?"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(import_cmd.app, name="import")
app.add_typer(framework_cmd.app, name="framework")
app.add_typer(context_cmd.app, name="context")
app.add_typer(budget_cmd.app, name="budget")
app.add_typer(fagov_cmd.app, name="fagov")
app.add_typer(align_cmd.app, name="alignment")
app.add_typer(results_cmd.users_app, name="users")
app.add_typer(results_cmd.indicators_app, name="indicators")
app.add_typer(results_cmd.results_app, name="results")
app.add_typer(narratives_cmd.app, name="narratives")
# DESIGN.md spells it `stratmon import results PATH`; `stratmon results import` is the same command.
import_cmd.app.command("results", help=N_("Import results (CSV or XLSX) as drafts; the whole file or nothing."))(
    results_cmd.results_import)
app.command("iptt", help=N_("The indicator tracking table: baselines, targets, actuals and status per period."))(
    iptt_cmd.iptt_command)
app.command("performance", help=N_("Money and results together, per objective and country."))(
    performance_cmd.performance_command)
app.command("report", help=N_("The monitoring and evaluation report: HTML, PDF or Markdown, English or Spanish."))(
    report_cmd.report_command)
app.command("quality", help=N_("Data-quality checks of entered results (validation rules, outliers, "
                              "completeness), or with --published of what agencies publish."))(
    quality_cmd.quality_command)
app.command("align", help=N_("(Re)compute the alignment of every transaction to the Strategy's objectives."))(
    align_cmd.align_command)
app.command("imports", help=N_("The import ledger: every file imported, with its hash, counts and outcome."))(
    import_cmd.imports)
app.command("coverage", help=N_("How much of ForeignAssistance.gov's money the IATI data hold, and whose is "
                                "missing."))(coverage_cmd.coverage_command)
app.command("reconcile", help=N_("IATI against ForeignAssistance.gov by country, fiscal year and type."))(
    reconcile_cmd.reconcile_command)
app.command("funding", help=N_("Money in U.S. dollars, grouped by the keys you choose."))(funding_cmd.funding)
app.command("pipeline", help=N_("Obligated but not yet disbursed, and the burn rate, by fiscal year."))(
    pipeline_cmd.pipeline_command)
app.command("top", help=N_("The largest activities per line of action and country (or other keys)."))(
    top_cmd.top_command)
app.command("serve", help=N_("Serve the bilingual portal, the workspace and the JSON API."))(web_cmd.serve)
results_cmd.users_app.command("password", help=N_("Set a user's password for the web workspace."))(
    web_cmd.users_password)
results_cmd.users_app.command("token", help=N_("Make an API token for a user (printed once)."))(web_cmd.users_token)
app.command("backup", help=N_("Back up the whole database to one portable archive (zip)."))(backup_cmd.backup_command)
app.command("restore", help=N_("Restore the database from a backup archive: all of it or nothing."))(
    backup_cmd.restore_command)
app.command("fetch", help=N_("Download the public data from its publishers (resumable, checksummed)."))(fetch_cmd.fetch)


def _version(value: bool) -> None:
    if value:
        console.print(f"stratmon {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    lang: Annotated[str | None, typer.Option("--lang", metavar="en|es",
                                             help=N_("Language of the output: en or es."))] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=N_("Show the version and exit."))] = False,
) -> None:
    """Strategy Monitor. The root group has chosen the language from `--lang` before parsing (LocalisedGroup)."""
    if lang is not None and lang not in SUPPORTED:
        raise typer.BadParameter(_("choose one of: {choices}").format(choices=", ".join(SUPPORTED)),
                                 param_hint="'--lang'")


@app.command("init", help=N_("Create the database, or migrate it to the newest schema."))
@handles_errors
def init(db: DbOption = None) -> None:
    """Create the database, or migrate it to the newest schema."""
    # Imported here so that `stratmon` starts fast; only `init` migrates.
    from stratmon.store.migrate import upgrade

    engine = open_engine(db)
    before, after = upgrade(engine)
    if before == after:
        console.print(_("Database is up to date (schema {revision}).").format(revision=after))
    elif before is None:
        console.print(_("Database created (schema {revision}).").format(revision=after))
    else:
        console.print(_("Database migrated from schema {old} to {new}.").format(old=before, new=after))


def main() -> None:
    """Console-script entry point."""
    app()
