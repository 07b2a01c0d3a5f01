"""`stratmon serve`, and the workspace credentials: `users password`, `users token`."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Annotated

import typer
from rich.markup import escape

from stratmon.cli.common import DbOption, UserError, console, errors, handles_errors, ready_engine
from stratmon.config import SettingError, computing_slots, database_url, trusted_proxies
from stratmon.i18n import N_, _

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

PasswordStdinOption = Annotated[bool, typer.Option("--password-stdin", help=N_(
    "Read the password from the first line of standard input instead of asking."))]


@handles_errors
def serve(
    host: Annotated[str, typer.Option("--host", metavar=N_("HOST"), help=N_("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar=N_("PORT"), help=N_("Port to listen on."))] = 8000,
    workers: Annotated[int, typer.Option("--workers", metavar="N", help=N_(
        "Worker processes (several need PostgreSQL; SQLite takes one writer at a time)."))] = 1,
    db: DbOption = None,
) -> None:
    """Serve the portal, the workspace and the API."""
    import uvicorn

    from stratmon.store.db import is_sqlite
    from stratmon.web.shutdown import GRACE_SECONDS

    engine = ready_engine(db)
    if workers < 1:
        raise UserError(_("--workers must be at least 1"))
    try:  # checked here, once, rather than by each worker as it starts
        trusted_proxies()
        computing_slots()
    except SettingError as exc:
        raise UserError(str(exc)) from None
    if workers > 1 and is_sqlite(engine):
        errors.print(_("note: several workers on SQLite share one database file; writes queue one at a time "
                       "(PostgreSQL serves many users better)"), markup=False)
    console.print(_("Strategy Monitor is at http://{host}:{port}/ (press Ctrl+C to stop)").format(
        host=host, port=port), markup=False)
    if workers == 1:
        from stratmon.web.app import create_app

        uvicorn.run(create_app(db, served=True), host=host, port=port, log_level="warning", proxy_headers=False,
                    timeout_graceful_shutdown=GRACE_SECONDS)
    else:
        os.environ["STRATMON_DB"] = database_url(db)
        # Every worker must check what another signed (a sign-in form's CSRF token, a device cookie).
        os.environ.setdefault("STRATMON_SECRET_KEY", secrets.token_urlsafe(32))
        uvicorn.run("stratmon.web.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", proxy_headers=False,
                    timeout_graceful_shutdown=GRACE_SECONDS)


def _read_password(from_stdin: bool) -> str:
    from stratmon.web.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

    password = sys.stdin.readline().rstrip("\r\n") if from_stdin else _ask_password()
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserError(_("a password needs {least} to {most} characters").format(
            least=MIN_PASSWORD_LENGTH, most=MAX_PASSWORD_LENGTH))
    return password


def _ask_password() -> str:
    """The password typed twice; asked again until both agree (Click's own confirmation speaks only English)."""
    while True:
        password = typer.prompt(_("Password"), hide_input=True)
        if password == typer.prompt(_("Repeat for confirmation"), hide_input=True):
            return password
        errors.print(_("The two passwords differ; type them again."), markup=False)


@handles_errors
def users_password(
    name: Annotated[str, typer.Argument(metavar=N_("NAME"), help=N_("The user's name."))],
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Set a user's password for the web workspace (their open sessions end)."""
    from stratmon.store import web as web_store
    from stratmon.store.results import audit
    from stratmon.store.runs import import_transaction
    from stratmon.web.security import hash_password

    engine = ready_engine(db)
    password = _read_password(password_stdin)
    with import_transaction(engine) as connection:
        if not web_store.set_password_hash(connection, name, hash_password(password)):
            raise UserError(_("{name} is not a user (see `stratmon users add`)").format(name=name))
        audit(connection, name, "set_password", "app_user", name)
    console.print(_("Password set for {name}.").format(name=escape(name)))


@handles_errors
def users_token(
    name: Annotated[str, typer.Argument(metavar=N_("NAME"), help=N_("The user's name."))],
    label: Annotated[str, typer.Option("--label", metavar=N_("LABEL"), help=N_("What the token is for."))] = "script",
    db: DbOption = None,
) -> None:
    """Make an API token for a user; it is printed once and stored only as a hash."""
    from stratmon.store import web as web_store
    from stratmon.store.results import audit, find_user
    from stratmon.store.runs import import_transaction
    from stratmon.web.security import new_token

    engine = ready_engine(db)
    token = new_token()
    with import_transaction(engine) as connection:
        if find_user(connection, name) is None:
            raise UserError(_("{name} is not a user (see `stratmon users add`)").format(name=name))
        web_store.add_api_token(connection, name, label, token)
        audit(connection, name, "create_token", "api_token", label)
    typer.echo(token)
