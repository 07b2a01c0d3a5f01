"""What every command shares: the database option, language, and errors as one clear line."""

from __future__ import annotations

import functools
from typing import Annotated

import typer
from rich.console import Console

from stratmon.framework import FrameworkError
from stratmon.i18n import _
from stratmon.sources.errors import ImportRejected
from stratmon.store.db import get_engine
from stratmon.store.migrate import SchemaOutOfDate, require_current

console = Console()
errors = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help=_("Database URL (default: $STRATMON_DB, else sqlite:///stratmon.db)."),
                 show_default=False),
]


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
        try:
            return command(*args, **kwargs)
        except ImportRejected as exc:
            fail(str(exc))
        except (FrameworkError, UserError, ValueError) as exc:
            fail(str(exc), code=2)
        except SchemaOutOfDate:
            fail(_("the database is not initialised or is out of date; run `stratmon init`"), code=2)
        except KeyboardInterrupt:
            fail(_("interrupted; the file being imported was not stored"), code=130)

    return wrapper


def ready_engine(db: str | None):
    """The engine for `db`, after checking its schema is current."""
    engine = get_engine(db)
    try:
        require_current(engine)
    except SchemaOutOfDate:
        raise
    except Exception as exc:  # a URL that does not connect is the user's to fix
        raise UserError(_("cannot open the database: {reason}").format(reason=str(exc).splitlines()[0])) from None
    return engine
