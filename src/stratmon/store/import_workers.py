"""Reading IATI files in worker processes while the importing process writes.

Reading a file into rows (store/prepare.py) is most of an import's work and needs no database, so
worker processes do it: with W workers, worker w reads files w, w + W, w + 2W, ... in order, and
sends each message through its own pipe. The importer takes the files in the order given and writes
each in its own transaction, as before; only where the rows are built changes.

A worker is never more than its pipe's buffer (`PIPE_BYTES`, on Linux) and one batch ahead of the
importer, so memory stays bounded whatever the file sizes. The buffer lets a worker go on reading while
the importer writes what the worker sent last: with the system's default (64 KiB, less than most
batches) each waited for the other. A worker whose importer has died (a kill mid-import)
gets a broken pipe on its next send and ends; an importer whose worker has died gets an error
instead of waiting forever.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from stratmon.i18n import _
from stratmon.store.prepare import FileRead, FileRefused, Message, prepare_file
from stratmon.store.runs import without_cyclic_gc

# A pipe's buffer, where the system lets a process set it (Linux: up to /proc/sys/fs/pipe-max-size, 1 MiB
# by default): most batches of the real files fit.
PIPE_BYTES = 2**20


class WorkerFailed(Exception):
    """An import worker died, or stopped on an error that could not cross the pipe as it was."""


def default_workers(files: int) -> int:
    """One worker per core, at most one per file; none on one core or where processes cannot be
    forked (the importer then reads the files itself).

    One per core rather than one per spare core: the importer waits on its database part of the time,
    and on two cores two workers took the real files' import about 10 % below one worker.
    """
    cores = os.cpu_count() or 1
    if cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(files, cores)


class PreparedFiles:
    """The messages of each file, read by `workers` worker processes (0: by this process, on demand).

    Use as a context manager, entered before any other thread starts (workers are forked), and ask
    for the files with `messages` in the order given.
    """

    def __init__(self, paths: list[Path], workers: int, *, repair_invalid_characters: bool = False) -> None:
        self._paths = list(paths)
        self._workers = min(workers, len(self._paths))
        self._repair = repair_invalid_characters
        self._pipes: list[Connection] = []
        self._processes: list[multiprocessing.Process] = []
        self._next = 0
        self._current: Iterator[Message] | None = None

    def __enter__(self) -> PreparedFiles:
        context = multiprocessing.get_context("fork")
        for index in range(self._workers):
            receiving, sending = context.Pipe(duplex=False)
            _enlarge(receiving)
            process = context.Process(
                target=_work, name=f"stratmon-import-{index}", daemon=True,
                args=(self._paths[index::self._workers], sending, [*self._pipes, receiving], self._repair))
            process.start()
            sending.close()  # the worker's end only: its death then ends the pipe
            self._pipes.append(receiving)
            self._processes.append(process)
        return self

    def __exit__(self, *_exc) -> None:
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for pipe in self._pipes:
            pipe.close()

    def messages(self, path: Path) -> Iterator[Message]:
        """The messages of `path`, the next file in the order given."""
        if self._next >= len(self._paths) or self._paths[self._next] != path:
            raise ValueError(f"{path} is not the next file to import")
        if self._current is not None:
            for _message in self._current:
                pass  # what the importer did not take of the file before (a rejected file)
        index, self._next = self._next, self._next + 1
        if not self._workers:
            self._current = None
            return prepare_file(path, repair_invalid_characters=self._repair)
        self._current = _received(self._pipes[index % self._workers], self._processes[index % self._workers])
        return self._current


def _enlarge(pipe: Connection) -> None:
    """Give `pipe` a buffer of PIPE_BYTES where the system allows it; else it keeps the default."""
    try:
        import fcntl  # not on every system that can fork

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a smaller limit: the default buffer only costs some waiting


def _received(pipe: Connection, process: multiprocessing.Process) -> Iterator[Message]:
    """One file's messages from a worker, up to the one that ends the file."""
    while True:
        try:
            message = pipe.recv()
        except EOFError:
            process.join()
            raise WorkerFailed(_("an import worker ended unexpectedly (exit code {code})").format(
                code=process.exitcode)) from None
        if isinstance(message, BaseException):
            raise message
        yield message
        if isinstance(message, (FileRead, FileRefused)):
            return


def _work(paths: list[Path], pipe: Connection, importer_ends: list[Connection], repair: bool) -> None:
    """A worker's life: read `paths` in order into `pipe`."""
    for end in importer_ends:
        end.close()
    # Ctrl-C reaches the whole process group; the importer decides, and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for path in paths:
            # As the importer does: no cyclic collection within a file, the collector back between
            # files (with it off for good, what cycles a file leaves grew to gigabytes over 10,900 files).
            with without_cyclic_gc():
                for message in prepare_file(path, repair_invalid_characters=repair):
                    pipe.send(message)
    except (BrokenPipeError, ConnectionResetError):
        return  # the importer is gone
    except BaseException as exc:  # noqa: BLE001 - sent on, for the importer to raise in its place
        try:
            pipe.send(_sendable(exc))
        except (BrokenPipeError, ConnectionResetError):
            return


def _sendable(exc: BaseException) -> BaseException:
    """`exc` if it survives the trip through a pipe (an OSError does), else its kind and message."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any failure to rebuild it means: send it as text
        return WorkerFailed(" ".join(f"{type(exc).__name__}: {exc}".split()))
