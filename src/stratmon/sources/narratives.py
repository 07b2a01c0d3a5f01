"""Reader for narratives files (CSV): one narrative per row — a line of action, a country, a span of
fiscal years, a language, and the text's three parts.

Columns, in any order, matched whatever their case, spacing, underscores or hyphens: `line` (the
framework's id, `security`, or code, `S`: as written; the command checks it against the framework),
`country` (ISO alpha-2, alpha-3 or an English name; kept as alpha-2), `fy` (`2019`, `2016:2021`,
`FY2016:FY2021`, as written: the command reads it as `--fy` is read), `lang` (`en` or `es`),
`progress`, `challenges`, `next_steps`. Every column and every cell is required; another column
refuses the file, so a misspelt one is never ignored. A part may hold line breaks (a quoted CSV
value), not other control characters.

Hostile files: strict UTF-8, the file, each line and each row capped (csvsafe.py), each part at most
MAX_PART_CHARS characters, at most MAX_ROWS rows. A refusal is one `ImportRejected` naming the file and
the row: `narratives.csv:4: column 'lang': 'fr' is not one of: en, es`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stratmon.i18n import SUPPORTED, _, format_count
from stratmon.narratives.workflow import MAX_PART_CHARS, PARTS, Parts
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name, iso3_from_iso2
from stratmon.sources.csvsafe import CsvRows, Header, header_key
from stratmon.sources.errors import ImportRejected
from stratmon.sources.values import has_forbidden_characters

COLUMNS = ("line", "country", "fy", "lang", *PARTS)
MAX_FILE_BYTES = 10 * 1024 * 1024  # 21 cells × 2 languages × a few spans is far below
MAX_ROWS = 10_000


@dataclass(frozen=True)
class NarrativeRecord:
    """One row: the narrative of a line of action, a country and a span in `lang`, and the file's line."""

    line: int
    line_of_action: str  # id or code, as written
    country: str  # ISO alpha-2
    fiscal_years: str  # as written
    lang: str
    parts: Parts


def read_narratives(path: Path | str) -> Iterator[NarrativeRecord]:
    """The rows of a narratives file, streamed; refused whole at the first row that cannot be read."""
    path = Path(path)
    rows = CsvRows(path, max_bytes=MAX_FILE_BYTES)
    header = rows.header()
    positions = _positions(header)
    for count, (line, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise ImportRejected(path, line, _("more than {limit} rows").format(limit=format_count(MAX_ROWS)))
        cells = header.fit(line, cells)
        fields = {column: cells[position].strip() for column, position in positions.items()}
        try:
            yield _record(line, fields)
        except ValueError as problem:
            raise ImportRejected(path, line, str(problem)) from None


def _positions(header: Header) -> dict[str, int]:
    known = {header_key(column) for column in COLUMNS}
    unknown = [name for name in header.names if header_key(name) and header_key(name) not in known]
    if unknown:
        raise ImportRejected(header.path, header.line, _("unknown column {name} (the columns are: {columns})").format(
            name=repr(unknown[0][:40]), columns=", ".join(COLUMNS)))
    return {column: header.require(column) for column in COLUMNS}


def _record(line: int, fields: dict[str, str]) -> NarrativeRecord:
    for column, value in fields.items():
        if not value:
            raise ValueError(_("column {column} is empty").format(column=repr(column)))
        if has_forbidden_characters(value, multiline=column in PARTS):
            raise ValueError(_("column {column} contains characters that are not allowed").format(column=repr(column)))
        if column in PARTS and len(value) > MAX_PART_CHARS:
            raise ValueError(_("column {column} is longer than {limit} characters").format(
                column=repr(column), limit=format_count(MAX_PART_CHARS)))
    lang = fields["lang"].lower()
    if lang not in SUPPORTED:
        raise ValueError(_("column {column}: {value} is not one of: {choices}").format(
            column=repr("lang"), value=repr(fields["lang"][:20]), choices=", ".join(SUPPORTED)))
    country = _country(fields["country"])
    parts = Parts(*(fields[part] for part in PARTS))
    return NarrativeRecord(line, fields["line"], country, fields["fy"], lang, parts)


def _country(text: str) -> str:
    code = text.upper()
    found = (code if len(code) == 2 and code.isalpha() and iso3_from_iso2(code) else
             iso2_from_iso3(code) if len(code) == 3 and code.isalpha() else iso2_from_name(text))
    if found is None:
        raise ValueError(_("column {column}: {value} is not a country code or name").format(
            column=repr("country"), value=repr(text[:40])))
    return found
