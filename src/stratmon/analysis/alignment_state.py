"""Whether the stored alignment reflects the data and crosswalks it should."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, desc, select

from stratmon.analysis.errors import QueryError
from stratmon.i18n import _
from stratmon.store import schema
from stratmon.store.alignment import newest_aligned_import_query
from stratmon.store.read_memo import remembered
from stratmon.store.statements import made_once


@dataclass(frozen=True)
class AlignmentState:
    """The last full alignment run, and whether anything was imported or changed since."""

    finished_at: datetime | None
    crosswalk_digest: str | None
    is_current: bool
    reason: str | None


@made_once
def _last_run_and_newest_import() -> Select:
    """The last alignment run and the newest import, in one statement."""
    run = schema.alignment_run
    newest_import = newest_aligned_import_query().scalar_subquery().label("newest_import")
    return select(run, newest_import).order_by(desc(run.c.id)).limit(1)


def alignment_state(connection: Connection, crosswalk_digest: str | None = None) -> AlignmentState:
    """Whether the stored alignment reflects every IATI and ForeignAssistance.gov import and (when
    given) these crosswalks. Asked once per read-only request (store/read_memo.py): a page asks it from
    most of its parts."""
    return remembered(connection, ("alignment_state", crosswalk_digest),
                      lambda: _alignment_state(connection, crosswalk_digest))


def _alignment_state(connection: Connection, crosswalk_digest: str | None) -> AlignmentState:
    last = connection.execute(_last_run_and_newest_import()).first()
    if last is None:
        return AlignmentState(None, None, False, _("nothing is aligned yet: run `stratmon align`"))
    if last.newest_import is not None and last.newest_import != last.last_import_run_id:
        return AlignmentState(last.finished_at, last.crosswalk_digest, False,
                              _("data was imported after the last alignment: run `stratmon align`"))
    if crosswalk_digest is not None and crosswalk_digest != last.crosswalk_digest:
        return AlignmentState(last.finished_at, last.crosswalk_digest, False,
                              _("the framework or its crosswalks changed after the last alignment: "
                                "run `stratmon align`"))
    return AlignmentState(last.finished_at, last.crosswalk_digest, True, None)


def require_current_alignment(connection: Connection, crosswalk_digest: str | None = None) -> None:
    """Raise QueryError unless the stored alignment is current."""
    state = alignment_state(connection, crosswalk_digest)
    if not state.is_current:
        raise QueryError(state.reason)
