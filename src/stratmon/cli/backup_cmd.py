"""`stratmon backup PATH` and `stratmon restore PATH`: the whole database to a portable archive and back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from stratmon.cli.common import DbOption, UserError, console, errors, fail, handles_errors, open_engine, ready_engine
from stratmon.i18n import N_, _, format_count, format_measure

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.


def _size_text(size: int) -> str:
    return _("{size} MB").format(size=format_measure(Decimal(size) / 1_000_000))


@handles_errors
def backup_command(
    path: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("The archive to write (a zip file)."),
                                         show_default=False)],
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Replace the file if it exists."))] = False,
) -> None:
    """Back up the whole database to one portable archive (restores into SQLite or PostgreSQL)."""
    from stratmon.store.backup import backup_database
    from stratmon.store.backup_format import ArchiveError

    if path.is_dir():
        raise UserError(_("{path}: is a folder; name the archive file").format(path=path))
    if path.exists() and not force:
        raise UserError(_("{path}: already exists; add --force to replace it").format(path=path))
    if not path.parent.is_dir():
        raise UserError(_("{path}: no such folder").format(path=path.parent))
    engine = ready_engine(db)
    try:
        with _progress() as progress:
            task = progress.add_task("", total=None)
            manifest = backup_database(engine, path, on_rows=lambda table, rows: progress.update(
                task, description=escape(table), completed=rows))
    except ArchiveError as exc:
        fail(str(exc))
    console.print(_("Backed up {rows} rows of {tables} tables (schema {revision}) to {path} ({size}).").format(
        rows=format_count(manifest.total_rows), tables=format_count(len(manifest.tables)),
        revision=manifest.schema_revision, path=path, size=_size_text(path.stat().st_size)))


@handles_errors
def restore_command(
    path: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("The archive written by `stratmon backup`."),
                                         show_default=False)],
    db: DbOption = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Replace everything the database holds."))] = False,
) -> None:
    """Restore the database from an archive: all of it or, on any problem, nothing."""
    from stratmon.store.backup import RestoreRefused, restore_database
    from stratmon.store.backup_format import ArchiveError

    if not path.is_file():
        raise UserError(_("{path}: no such file").format(path=path))
    engine = open_engine(db)
    try:
        with _progress() as progress:
            task = progress.add_task("", total=None)
            restored = restore_database(engine, path, force=force, on_rows=lambda table, rows: progress.update(
                task, description=escape(table), completed=rows))
    except ArchiveError as exc:
        fail(str(exc))
    except RestoreRefused as exc:
        fail(str(exc), code=2)
    manifest = restored.manifest
    console.print(_("Restored {rows} rows of {tables} tables from {path}, backed up {created} (schema "
                    "{revision}).").format(rows=format_count(manifest.total_rows),
                                           tables=format_count(len(manifest.tables)), path=path,
                                           created=manifest.created_at, revision=manifest.schema_revision))
    if restored.migrated_from:
        console.print(_("Database migrated from schema {old} to {new}.").format(
            old=restored.migrated_from, new=restored.revision))


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors,
                    transient=True, disable=not errors.is_terminal)
