"""Located errors raised by readers and caught at the edges (CLI, HTTP)."""

from __future__ import annotations

from pathlib import Path


class ImportRejected(Exception):
    """A whole file refused: nothing from it may be stored."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.reason}"


class ContentError(ValueError):
    """A value inside one record that cannot be read; the record is skipped.

    `line` is the line of the element that holds the value: readers set it, innermost first, with `at`
    as the error passes out of each element they read.
    """

    line: int | None = None

    def at(self, element) -> ContentError:
        """This error, located at `element` (an lxml element) unless an inner element already located it."""
        if self.line is None:
            self.line = element.sourceline
        return self
