"""`stratmon fetch`: download the public data from its publishers into a local data folder."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn,
                           TransferSpeedColumn)

from stratmon.cli.common import UserError, console, errors, handles_errors
from stratmon.fetch.errors import CatalogError, ManifestError
from stratmon.i18n import N_, _, format_count, format_measure

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from stratmon.fetch.catalog import Source
    from stratmon.fetch.fetcher import Outcome

SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?", re.IGNORECASE)
UNIT_BYTES = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
              "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}


def parse_size(text: str) -> int:
    """A size given as bytes or with a unit (500MB, 4GiB, 1.5G)."""
    match = SIZE.fullmatch(text.strip())
    if not match:
        raise UserError(_("--max-size takes a size such as 500MB or 4GiB, not {value}").format(value=text))
    unit = (match.group(2) or "").lower().removesuffix("b")
    return int(Decimal(match.group(1)) * UNIT_BYTES[unit])


def format_size(size: int) -> str:
    """A number of bytes for reading (decimal megabytes)."""
    return _("{size} MB").format(size=format_measure(Decimal(size) / 10**6))


class ProgressReporter:
    """Draws the fetch on stderr (only on a terminal) and says at once when a file is refused."""

    def __init__(self, bars: Progress, count: int) -> None:
        self.bars = bars
        self.count = count
        self.started = 0
        self.current: TaskID | None = None

    def starting(self, source: Source) -> None:
        # A task per file: its size may be unknown (no Content-Length), which an old task cannot go back to.
        if self.current is not None:
            self.bars.remove_task(self.current)
        self.started += 1
        self.current = self.bars.add_task(f"{self.started}/{self.count} {escape(source.name)}", total=None)

    def progress(self, completed: int, total: int | None) -> None:
        if self.current is not None:
            self.bars.update(self.current, completed=completed, total=total)

    def finished(self, outcome: Outcome) -> None:
        if outcome.status in ("refused", "failed"):
            errors.print(problem_line(outcome), markup=False, highlight=False)


def problem_line(outcome: Outcome) -> str:
    """One line saying why a source was not fetched."""
    detail = f"{outcome.source.name}: {outcome.reason}"
    if outcome.source.verify:
        detail += " " + _("(this URL is marked `verify` in the catalogue: it may be wrong)")
    if outcome.status == "refused":
        return _("refused: {detail}").format(detail=detail)
    return _("failed: {detail}; run `stratmon fetch` again to resume").format(detail=detail)


DestOption = Annotated[Path, typer.Option(
    "--dest", envvar="STRATMON_DATA", metavar=N_("DIR"),
    help=N_("Data folder to fill (default: $STRATMON_DATA, else ./data)."))]
OnlyOption = Annotated[list[str] | None, typer.Option(
    "--only", metavar=N_("NAME"),
    help=N_("Fetch only these: catalogue names (globs allowed) or folders; repeat or separate with commas."))]
BaseUrlOption = Annotated[str | None, typer.Option(
    "--base-url", envvar="STRATMON_FETCH_BASE_URL", metavar="URL",
    help=N_("Fetch from this server instead: replaces the scheme and host of every URL (a mirror, a test server)."))]
MaxSizeOption = Annotated[str, typer.Option(
    "--max-size", metavar=N_("SIZE"), help=N_("Refuse any file larger than this (e.g. 500MB, 4GiB)."))]
TimeoutOption = Annotated[float, typer.Option(
    "--timeout", metavar=N_("SECONDS"), min=1, help=N_("Seconds to wait for the server before giving up."))]
RetriesOption = Annotated[int, typer.Option(
    "--retries", metavar="N", min=0, help=N_("How often to resume a transfer that broke off."))]


@handles_errors
def fetch(dest: DestOption = Path("data"), only: OnlyOption = None, base_url: BaseUrlOption = None,
          max_size: MaxSizeOption = "4GiB", timeout: TimeoutOption = 60.0, retries: RetriesOption = 3) -> None:
    """Download the public data (resumable, checksummed) into a local data folder."""
    from stratmon.fetch.catalog import check_base_url, load_catalog, select
    from stratmon.fetch.download import Limits
    from stratmon.fetch.fetcher import Fetcher

    limits = Limits(max_bytes=parse_size(max_size), timeout_seconds=timeout, retries=retries)
    try:
        check_base_url(base_url)
        names = [name for value in only or [] for name in value.split(",")]
        sources = select(load_catalog(), names)
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      TimeRemainingColumn(), console=errors, transient=True,
                      disable=not errors.is_terminal) as bars:
            reporter = ProgressReporter(bars, len(sources))
            outcomes = Fetcher(dest, base_url=base_url, limits=limits, reporter=reporter).fetch_all(sources)
    except (CatalogError, ManifestError) as exc:
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        errors.print(_("interrupted; what arrived is kept, run again to resume"), markup=False)
        raise typer.Exit(130) from None
    print_summary(outcomes, dest)
    if any(o.status in ("refused", "failed") for o in outcomes):
        raise typer.Exit(1)


def print_summary(outcomes: list[Outcome], dest: Path) -> None:
    """How many files were fetched, already there, or not fetched, and where they are."""
    from stratmon.fetch.manifest import MANIFEST_NAME

    def count(*statuses: str) -> int:
        return sum(1 for o in outcomes if o.status in statuses)

    fetched_bytes = sum(o.size for o in outcomes if o.status == "fetched")
    lines = [_("Files fetched into {dest}: {count} ({size}).").format(
        dest=dest, count=format_count(count("fetched")), size=format_size(fetched_bytes))]
    if unchanged := count("unchanged"):
        lines.append(_("Files already complete (same checksum as in {manifest}): {count}.").format(
            manifest=MANIFEST_NAME, count=format_count(unchanged)))
    if not_fetched := count("refused", "failed"):
        lines.append(_("Files not fetched (see the messages above): {count}.").format(count=format_count(not_fetched)))
    for line in lines:
        console.print(line, markup=False, highlight=False)
