"""The one table `make bench` prints: rows grouped in sections, each row saying what it measured,
at which scale, on which engine, and what its ratio is against."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("what", "scale", "engine", "result", "ratio", "notes")


@dataclass(frozen=True)
class Row:
    """One measurement as printed; `ratio` names its baseline (e.g. "1.05× 1×", "2.3× DuckDB")."""

    what: str
    scale: str = ""
    engine: str = ""
    result: str = ""
    ratio: str = ""
    notes: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.what, self.scale, self.engine, self.result, self.ratio, self.notes)


def scale_label(scale: int) -> str:
    return f"{scale}×"


def seconds_text(seconds: float) -> str:
    """Seconds with the precision that matters at their size."""
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def format_table(sections: list[tuple[str, list[Row]]]) -> str:
    """Sections as one table: a header, then each section's title and rows (notes last, unpadded)."""
    rows = [row for _title, section_rows in sections for row in section_rows]
    widths = [max([len(name)] + [len(row.cells()[i]) for row in rows]) for i, name in enumerate(COLUMNS[:-1])]

    def line(cells: tuple[str, ...]) -> str:
        padded = [cells[0].ljust(widths[0]), cells[1].rjust(widths[1]), cells[2].ljust(widths[2]),
                  cells[3].rjust(widths[3]), cells[4].rjust(widths[4])]
        return ("  ".join(padded) + "  " + cells[5]).rstrip()

    header = line(COLUMNS)
    out = [header, "─" * len(header)]
    for title, section_rows in sections:
        if section_rows:
            out.append(f"· {title}")
            out.extend(line(row.cells()) for row in section_rows)
    return "\n".join(out)
