"""The data version: one number that moves with every committed change a public answer can show.

The portal serves its public pages, downloads and API answers from a cache keyed by this version
(web/page_cache.py, web/download_cache.py), so it must move with *every* such write, whoever makes it:
the CLI, the workspace, the API, a restore, or someone at a SQL prompt. Database triggers (migration
0016) move it, in the writing transaction, on the tables named in `TRACKED`:

- the ledgers every bulk write records itself in: an import (`import_run`, in the same transaction as
  the file's rows), an alignment (`alignment_run`), a person's override (`alignment_override`, which the
  re-alignment of its activity goes with);
- what people decide one row at a time: entered results and their approval, the indicator registry and
  its schemes, data-quality assessments, releases, narratives.

The tables in `BULK` are written only in transactions that also write a ledger above (the import, the
alignment, the override), so they need no trigger of their own: a trigger per row there would cost the
import a write per row. `PRIVATE` tables are never read by a public answer (users and their sessions,
tokens and failed sign-ins, the audit log, the report's kept figures): writing them moves nothing, so
signing in does not empty the cache. Every table of the schema is in exactly one of the three (a test
holds it to that): a new table must be placed, and a new writer of a `BULK` table must write a ledger in
the same transaction.

On SQLite a trigger per row adds one to the version (writers are serialised there anyway). On PostgreSQL
the triggers are deferred to the commit and move the version once per transaction (`changed_in`), so that
concurrent writers hold the row only while committing and cannot deadlock on it.

A migration that rebuilds a tracked table on SQLite (Alembic's batch mode copies it) drops its triggers
with it: such a migration must create them again, as 0016 made them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from stratmon.store.read_memo import is_read_only, remembered

TRACKED = ("import_run", "alignment_run", "alignment_override", "result_value", "indicator", "disaggregation_scheme",
           "dq_assessment", "document", "narrative_version")
BULK = ("import_issue", "import_count", "activity", "activity_narrative", "participating_org", "activity_date",
        "related_activity", "iati_transaction", "recipient", "sector", "transaction_split", "budget",
        "planned_disbursement", "location", "document_link", "result", "result_indicator", "indicator_baseline",
        "indicator_period", "indicator_period_value", "alignment_split", "split_total", "alignment_total",
        "regional_scope", "fagov_figure", "fagov_transaction", "budget_figure", "context_value", "iati_organisation",
        "organisation_budget", "organisation_budget_line", "organisation_document")
PRIVATE = ("app_user", "web_session", "api_token", "login_failure", "audit_log", "report_snapshot", "data_version")

_READ = text("SELECT epoch, version FROM data_version WHERE id = 1")
T = TypeVar("T")


def read_data_version(connection: Connection) -> str | None:
    """The data version as a short text (`epoch.version`), or None when the database has none (a schema
    before migration 0016, or a row someone removed): then nothing may be served from a cache. Read once
    per read-only request (store/read_memo.py), however many of its parts keep values per version."""
    return remembered(connection, "data_version", lambda: _read_data_version(connection))


def _read_data_version(connection: Connection) -> str | None:
    try:
        found = connection.execute(_READ).first()
    except DBAPIError:
        connection.rollback()
        return None
    return f"{found[0]}.{found[1]}" if found else None



class PerDataVersion:
    """Values computed from the data, kept while the data version stays the same: `get` reads the version
    (one short query on the caller's connection, once per read-only request) and computes the value only
    when this version of that key has not been computed in this process yet. On PostgreSQL (read committed)
    a write committed between that read and the computation can leave a newer value under the older
    version: the next request, which reads the newer version, computes it again.
    At most `size` values are kept, of one version per database (keeping a new version's first value drops
    the older version's); a database without a version keeps none. The values are shared by every caller and
    thread: they must not be changed.

    A value is computed by one thread at a time: a thread that asks for what another is computing (two pages
    that share it, first asked together after an import) waits for that answer, up to `patience` seconds,
    rather than spend a core on the same work; if the other thread fails, one of those waiting computes it.
    A waiter holds its connection (and its read snapshot) while it waits, hence the short default patience.
    `make` must not ask this same key again (a thread that does computes it again, without waiting on itself).

    With `read_only_connections`, values are kept only from connections opened `with_read_memo` (a read-only
    request's), and computed every time on any other: one that may write could see what is not committed."""

    def __init__(self, size: int = 16, *, patience: float = 5.0, read_only_connections: bool = False) -> None:
        self.size = size
        self.patience = patience
        self.read_only_connections = read_only_connections
        self._kept: OrderedDict[tuple, object] = OrderedDict()
        self._making: dict[tuple, _Making] = {}
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """How many callers are waiting for a value another thread is computing."""
        with self._lock:
            return sum(making.waiting for making in self._making.values())

    def get(self, connection: Connection, key: Hashable, make: Callable[[], T]) -> T:
        if self.read_only_connections and not is_read_only(connection):
            return make()
        version = read_data_version(connection)
        if version is None:
            return make()
        full = (connection.engine.url.render_as_string(hide_password=False), version, key)
        while True:
            with self._lock:
                if full in self._kept:
                    self._kept.move_to_end(full)
                    return self._kept[full]  # type: ignore[return-value]
                making = self._making.get(full)
                if making is None:
                    mine = self._making[full] = _Making()
                    break
                if making.thread == threading.get_ident():
                    return make()  # asked again while making it: waiting would be waiting on itself
                making.waiting += 1
            finished = making.done.wait(self.patience)
            with self._lock:
                making.waiting -= 1
            if not finished:
                return make()  # slower than a caller should wait: computed here too, and not kept
        try:
            value = make()
        except BaseException:
            with self._lock:
                del self._making[full]
            mine.done.set()  # those waiting look again, and one of them computes it
            raise
        with self._lock:
            del self._making[full]
            # This database's other versions' values are dropped rather than left to age out (a request still
            # reading an older snapshot computes its own again), unless this value is of an older version than
            # one kept already (a request that read its snapshot before a write, and finished after): then
            # this one is not kept.
            others = [kept for kept in self._kept if kept[0] == full[0] and kept[1] != version]
            if not any(_older(version, kept[1]) for kept in others):
                for stale in others:
                    del self._kept[stale]
                self._kept[full] = value
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        mine.done.set()
        return value


class _Making:
    """A value one thread is computing, which thread, and how many others wait for it."""

    __slots__ = ("done", "thread", "waiting")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.thread = threading.get_ident()
        self.waiting = 0


def _older(version: str, than: str) -> bool:
    """Whether data version `version` came before `than`: the same epoch, a smaller count. Versions of
    different epochs (a restore between them) have no order."""
    epoch, _dot, count = version.partition(".")
    other_epoch, _dot, other_count = than.partition(".")
    return epoch == other_epoch and int(count) < int(other_count)
