"""Text for spreadsheet programs: what people download (CSV) is shown as written, never run.

Excel, LibreOffice and Google Sheets run a CSV cell starting with `=`, `+`, `-` or `@` (or a tab
or carriage return before one) as a formula, and published titles are anyone's text
(`=HYPERLINK("http://…")`). Such text gets a leading `'` (OWASP's advice on CSV injection), so that
the programs show it as text. Numbers stay numbers: a de-obligation of `-250.00` is money.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the exports write one: optional minus, digits, optional decimals, optional exponent.
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def safe_text(text: str) -> str:
    """Text that a spreadsheet shows as written, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_cell(value: object) -> object:
    """A value for a CSV cell of any kind: numbers, and text that is a number, as they are; any
    other text made safe."""
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        return safe_text(value)
    return value
