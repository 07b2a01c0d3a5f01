"""The `stratmon` command line: wiring only; the work happens in sources, store and analysis."""

from stratmon.cli.app import app, main

__all__ = ["app", "main"]
