"""What every command shares: the database option, language, and errors as one clear line."""

from __future__ import annotations

import csv
import functools
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import FiscalYearError
from stratmon.i18n import N_, _
from stratmon.sources.errors import ImportRejected
from stratmon.spreadsheet import safe_cell

# SQLAlchemy, the store, the framework and the analysis modules are imported inside the functions that
# need them: every command imports this module, and `stratmon` should start fast.

# Text from files and users is printed as it is: no ":100:" turned into an emoji, no guessed highlighting.
console = Console(emoji=False, highlight=False)
errors = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)
# Piped or captured output is read as a file, not a screen: give tables room rather than truncate.
WIDTH_WHEN_NOT_A_TERMINAL = 132

DbOption = Annotated[
    str | None,
    typer.Option("--db", metavar="URL", help=N_("Database URL (default: $STRATMON_DB, else sqlite:///stratmon.db)."),
                 show_default=False),
]


# Every option that takes a value shows what it takes (its metavar): `--fy A:B`, never Typer's `<str>`.
FiscalYearsOption = Annotated[str | None, typer.Option(
    "--fy", metavar="A:B", help=N_("Fiscal years: YEAR, FIRST:LAST or all."), show_default=False)]
CountryOption = Annotated[str | None, typer.Option(
    "--country", metavar=N_("CODE"), help=N_("An ISO country code, e.g. GT."), show_default=False)]
FormatOption = Annotated[str, typer.Option("--format", metavar="table|csv|json", help=N_("table, csv or json"))]
TableJsonOption = Annotated[str, typer.Option("--format", metavar="table|json", help=N_("table or json"))]
TransactionTypeOption = Annotated[str, typer.Option(
    "--type", metavar=N_("TYPE"), help=N_("obligation, disbursement or expenditure."))]
FrameworkOption = Annotated[str | None, typer.Option(
    "--framework", metavar=N_("NAME|FILE"), help=N_("A shipped framework name or a framework YAML file."),
    show_default=False)]
TABLE_CSV_JSON = ("table", "csv", "json")


def country_code(text: str | None) -> str | None:
    """A country as the user wrote it (GT, GTM, Guatemala) as its ISO alpha-2 code."""
    from stratmon.analysis.funding_request import country_key

    return country_key(text)


def check_format(output_format: str, choices: tuple[str, ...] = TABLE_CSV_JSON) -> None:
    """Refuse an output format the command does not offer."""
    if output_format not in choices:
        raise UserError(_("--format takes one of: {choices}").format(choices=", ".join(choices)))


def write_csv(records: list[dict], fieldnames: list[str] | None = None) -> None:
    """Records as CSV on stdout (None as an empty cell); the header from `fieldnames` or the first record.
    Text that a spreadsheet would run as a formula gets a leading `'` (titles are public data)."""
    fields = fieldnames or (list(records[0]) if records else [])
    if not fields:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else safe_cell(v) for k, v in record.items()} for record in records)


class UserError(Exception):
    """A problem the user can fix; shown as one line, exit status 2."""


def fail(message: str, code: int = 1) -> None:
    """Print one error line to stderr and exit with `code`."""
    errors.print(_("error: {message}").format(message=message), markup=False)
    raise typer.Exit(code)


def handles_errors(command):
    """Turn the errors users can meet into one line on stderr and a non-zero exit."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        for output in (console, errors):
            if not output.is_terminal:
                output.width = max(output.width, WIDTH_WHEN_NOT_A_TERMINAL)
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            fail(_("interrupted; the file being imported was not stored"), code=130)
        except Exception as exc:
            failure = _failure(exc)
            if failure is None:
                raise
            fail(*failure)

    return wrapper


def _failure(exc: Exception) -> tuple[str, int] | None:
    """The error line and exit status for an error users can meet; None for any other error."""
    from sqlalchemy.exc import SQLAlchemyError

    from stratmon.framework import FrameworkError
    from stratmon.store.import_workers import WorkerFailed
    from stratmon.store.migrate import SchemaOutOfDate

    if isinstance(exc, (ImportRejected, WorkerFailed)):
        return str(exc), 1
    if isinstance(exc, (FrameworkError, UserError, QueryError, FiscalYearError)):
        return str(exc), 2
    if isinstance(exc, SchemaOutOfDate):
        return _("the database is not initialised or is out of date; run `stratmon init`"), 2
    if isinstance(exc, (SQLAlchemyError, OSError)):
        return _("database or file error: {reason}").format(reason=_first_line(exc)), 1
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_engine(db: str | None):
    """The engine for `db`; a URL that cannot be used is the user's to fix."""
    from sqlalchemy.exc import ArgumentError

    from stratmon.store.db import get_engine

    try:
        return get_engine(db)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise UserError(_("cannot use the database URL: {reason}").format(reason=_first_line(exc))) from None


def ready_engine(db: str | None):
    """The engine for `db`, after checking its schema is current."""
    from sqlalchemy.exc import SQLAlchemyError

    from stratmon.store.migrate import require_current

    engine = open_engine(db)
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:" \
            and not Path(database).exists():
        # Connecting would leave an empty file behind (a command run outside the checkout, a typo).
        raise UserError(_("no database at {path}; run `stratmon init` to create it, or give --db").format(
            path=database))
    try:
        require_current(engine)
    except SQLAlchemyError as exc:
        raise UserError(_("cannot open the database: {reason}").format(reason=_first_line(exc))) from None
    return engine
