"""What the portal's charts (`web/charts.py`, drawn by Vega-Lite in the browser) and the report's
(`reports/charts.py`, drawn to SVG by vl-convert) share, so that a reader sees the same thing in both:

- one colour per line of action, the framework's (`LineOfAction.colour`), and one neutral grey for the
  money that is no line's (outside the Strategy or not aligned);
- legend and axis labels that wrap onto a second line instead of being cut ("Outside the Strategy or
  not al…"): a Vega expression that looks each long label up in a table of its lines;
- axes of years that stay legible however many years they hold (never "200520062007…").

Nothing here knows a framework's lines: they come from the framework passed in.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence

from stratmon.framework import Framework

# Paul Tol's "muted" qualitative scheme (https://personal.sron.nl/~pault/#sec:qualitative): told apart
# by readers with any common colour-vision deficiency, and legible in print. Series that have no colour
# of their own take these in turn, skipping those already given.
SERIES_COLOURS = (
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933",
    "#DDCC77", "#CC6677", "#882255", "#AA4499", "#DDDDDD",
)
OTHER_COLOUR = "#BBBBBB"  # Tol's grey for what is no series of the scheme: money outside every line
LABEL_LINE_CHARACTERS = 26  # a legend or axis label longer than this goes on to a second line


def line_colours(framework: Framework) -> dict[str, str]:
    """Each line of action's colour by its id, in the framework's order: its own, else the next
    series colour that no line has taken."""
    taken = {line.colour.upper() for line in framework.lines_of_action if line.colour}
    spare = iter(colour for colour in SERIES_COLOURS if colour not in taken)
    return {line.id: line.colour or next(spare, OTHER_COLOUR) for line in framework.lines_of_action}


def named_line_colours(framework: Framework, name_of, other: str | None = None) -> dict[str, str]:
    """The same colours by each line's name as a chart shows it (`name_of(line_id)`), in the framework's
    order; with `other`, the name of the series of all other money, in grey, last."""
    colours = {name_of(line_id): colour for line_id, colour in line_colours(framework).items()}
    if other is not None:
        colours[other] = OTHER_COLOUR
    return colours


def colour_range(series: Sequence[str], fixed: dict[str, str]) -> list[str]:
    """A colour for each of `series`, in order: its own from `fixed`, else the next unused series colour."""
    taken = {colour.upper() for colour in fixed.values()}
    spare = iter([colour for colour in SERIES_COLOURS if colour not in taken] * (len(series) + 1))
    return [fixed.get(name) or next(spare) for name in series]


def label_lines(label: str, width: int = LABEL_LINE_CHARACTERS) -> list[str]:
    """`label` broken at spaces into as few lines of at most `width` characters as it takes, of lengths as
    even as they can be (a word longer than `width` stays whole)."""
    def wrapped(at: int) -> list[str]:
        return textwrap.wrap(label, at, break_long_words=False, break_on_hyphens=False) or [label]

    fewest = wrapped(width)
    # The narrowest width that still needs no more lines evens them out: "Outside the Strategy:" /
    # "Administrative and" / "oversight costs", not "... / Administrative and oversight / costs".
    narrowest = next(at for at in range(1, width + 1) if len(wrapped(at)) <= len(fewest))
    return wrapped(narrowest)


def wrapped_labels(labels: Iterable[str], width: int = LABEL_LINE_CHARACTERS) -> str | None:
    """A Vega `labelExpr` that writes each of `labels` longer than `width` on several lines (Vega draws
    an array of strings as lines); None when every label fits on one line."""
    long = {label: label_lines(label, width) for label in labels if len(label) > width}
    long = {label: lines for label, lines in long.items() if len(lines) > 1}
    if not long:
        return None
    # A JSON object is a Vega expression's object literal; a label not in it stays as it is.
    return f"({json.dumps(long, ensure_ascii=False, sort_keys=True)})[datum.label] || datum.label"


def line_count(labels: Iterable[str], width: int = LABEL_LINE_CHARACTERS) -> int:
    """How many lines the longest of `labels` takes once wrapped."""
    return max((len(label_lines(label, width)) for label in labels), default=1)


def year_axis() -> dict:
    """An axis of years or fiscal years: labels upright, and where they would touch, every other one
    left out (again until none touch), so that the years read one by one at any width."""
    return {"labelAngle": 0, "labelOverlap": "parity", "labelSeparation": 6}
