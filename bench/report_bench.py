"""Report generation: `stratmon report` in a child process, HTML and PDF, English and Spanish.

The first report on a data snapshot computes its figures and stores them; later ones reuse them.
Both are measured: the first run once, then each language and format. Times are of the whole
command, Python start-up included, as a person running it waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from measure import Measured, stratmon
from table import Row, scale_label, seconds_text

LANGUAGES = ("en", "es")
FORMATS = ("html", "pdf")
# A fixed date: the same data and date give the same report.
AS_OF = "2025-01-01"


@dataclass(frozen=True)
class ReportTiming:
    lang: str
    output_format: str
    is_first: bool  # the first report on this data: it computes the figures
    scale: int
    engine: str
    measured: Measured
    size_kb: float

    @property
    def what(self) -> str:
        if self.is_first:
            return f"first report on the data (computes and stores figures), {self.lang} {self.output_format}"
        return f"report {self.lang} {self.output_format}"


def _report(url: str, folder: Path, lang: str, output_format: str, is_first: bool, scale: int,
            engine_name: str) -> ReportTiming:
    out = folder / f"report-{lang}.{output_format}"
    measured = stratmon("report", "--lang", lang, "--format", output_format, "--as-of", AS_OF, "--out", str(out),
                        "--db", url)
    return ReportTiming(lang, output_format, is_first, scale, engine_name, measured, out.stat().st_size / 1024)


def measure_reports(url: str, folder: Path, scale: int, engine_name: str) -> list[ReportTiming]:
    """The first report (figures computed), then every language × format (figures stored)."""
    timings = [_report(url, folder, "en", "html", True, scale, engine_name)]
    for lang in LANGUAGES:
        for output_format in FORMATS:
            timings.append(_report(url, folder, lang, output_format, False, scale, engine_name))
    return timings


def measure_startup(runs: int) -> float:
    """The fastest `stratmon --help`: what any command pays before it does anything."""
    return min(stratmon("--help").seconds for _ in range(runs))


def report_rows(startup_seconds: float, timings: list[ReportTiming]) -> list[Row]:
    """One row per report; a PDF's ratio is against the HTML of the same language, scale and engine."""
    html = {(t.lang, t.scale, t.engine): t.measured.seconds for t in timings
            if not t.is_first and t.output_format == "html"}
    rows = [Row("stratmon --help (start-up, baseline)", "", "", seconds_text(startup_seconds))]
    for timing in timings:
        base = html.get((timing.lang, timing.scale, timing.engine))
        ratio = f"{timing.measured.seconds / base:.2f}× html" if timing.output_format == "pdf" and base else ""
        rows.append(Row(timing.what, scale_label(timing.scale), timing.engine, seconds_text(timing.measured.seconds),
                        ratio, f"{timing.size_kb:,.0f} KB · peak RSS {timing.measured.peak_mb:.0f} MB"))
    return rows
