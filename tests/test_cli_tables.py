"""The command line's tables read well: `iptt` needs no --format, lines of action come in the framework's
order with money outside the Strategy and not aligned last, every column has its own heading, and a command
says what it did in its own language whatever the language of what it wrote."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from conftest import FIXTURES
from stratmon.analysis.iptt_types import COLUMNS
from stratmon.cli.funding_cmd import in_framework_order
from stratmon.framework import load_framework

ALIGN_FIXTURE = FIXTURES / "align" / "activities.xml"


@pytest.fixture
def with_results(sqlite_cli):
    """A database holding one Guatemalan activity with a published result."""
    assert sqlite_cli("import", "iati", str(FIXTURES / "iati" / "formula-text.xml")).exit_code == 0
    return sqlite_cli


@pytest.fixture
def aligned(sqlite_cli):
    assert sqlite_cli("import", "iati", str(ALIGN_FIXTURE)).exit_code == 0
    assert sqlite_cli("align").exit_code == 0
    return sqlite_cli


def test_iptt_without_format_is_a_table_on_the_screen(with_results):
    result = with_results("iptt", "--country", "GT")
    assert result.exit_code == 0, result.output
    assert "Indicator tracking table" in result.stdout
    assert "XM-FORMULA-1#1" in result.stdout and "no target" in result.stdout


def test_iptt_takes_its_format_from_the_out_files_name(with_results, tmp_path):
    out = tmp_path / "sv.csv"
    result = with_results("iptt", "--country", "GT", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 indicator written to" in result.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 2


@pytest.mark.parametrize("out, output_format, message", [
    ("table.txt", None, "table.txt: name an .xlsx, .csv or .html file, or give --format"),
    ("table.csv", "table", "--format table is for the screen"),
    (None, "pdf", "--format takes one of: table, xlsx, csv, html"),
])
def test_iptt_refuses_a_format_it_cannot_write(with_results, tmp_path, out, output_format, message):
    folder = tmp_path / "out"
    folder.mkdir()
    args = [*(["--out", str(folder / out)] if out else []), *(["--format", output_format] if output_format else [])]
    result = with_results("iptt", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(folder.iterdir()) == []


def test_lines_of_action_in_the_frameworks_order_outside_and_not_aligned_last():
    framework = load_framework()
    lines = [line.id for line in framework.lines_of_action]
    keys = sorted([*lines, "not_aligned", "outside:humanitarian", "outside:administration"])
    rows = [SimpleNamespace(keys=(key, "GT")) for key in keys]
    ordered = [row.keys[0] for row in in_framework_order(framework, ("line", "country"), rows)]
    assert ordered == [*lines, "outside:administration", "outside:humanitarian", "not_aligned"]
    # The evaluation's confusion table names "none" for an activity the rules did not place.
    answers = in_framework_order(framework, ("line",), sorted([*lines, "none"]), keys_of=lambda key: (key,))
    assert answers == [*lines, "none"]


def test_other_keys_keep_their_order_around_the_line():
    framework = load_framework()
    rows = [SimpleNamespace(keys=keys) for keys in (("GT", "security"), ("GT", "prosperity"), ("HN", "not_aligned"),
                                                   ("HN", "governance"), ("HN", "prosperity"))]
    ordered = [row.keys for row in in_framework_order(framework, ("country", "line"), rows)]
    position = {line.id: index for index, line in enumerate(framework.lines_of_action)}
    assert [country for country, _line in ordered] == ["GT", "GT", "HN", "HN", "HN"]
    for country in ("GT", "HN"):
        found = [line for place, line in ordered if place == country]
        assert found == sorted(found, key=lambda line: position.get(line, len(position)))


def test_the_funding_table_by_line_reads_in_the_frameworks_order_with_distinct_headings(aligned):
    result = aligned("funding", "--by", "line,country")
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if "USD" in line and "┃" in line)
    headings = [cell.strip() for cell in header.strip("┃ ").split("┃")]
    assert len(headings) == len(set(headings)), headings
    assert "Line of action (code)" in headings and "Country (code)" in headings
    # One coded key needs no more than "Code".
    single = aligned("funding", "--by", "country").stdout
    assert any("┃ Code" in line and "┃ Country" in line for line in single.splitlines())
    codes = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    seen = [code for index, code in enumerate(codes) if code and code not in codes[:index] and code != "Total"]
    lines = [line.id for line in load_framework().lines_of_action if line.id in seen]
    outside = sorted(code for code in seen if code.startswith("outside:"))
    assert lines and outside
    assert seen == [*lines, *outside, "not_aligned"]


def test_funding_csv_keeps_its_columns_and_its_order(aligned):
    result = aligned("funding", "--by", "line", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["line", "line_name", "usd"]
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(codes) and "not_aligned" in codes
    by_country = aligned("funding", "--by", "country,fy", "--type", "disbursement", "--format", "csv")
    assert by_country.stdout.splitlines()[0] == "country,fy,usd"


def test_a_spanish_report_from_an_english_command_line_is_announced_in_english(aligned, tmp_path):
    out = tmp_path / "informe.md"
    result = aligned("report", "--lang", "es", "--format", "md", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.stdout and "Se escribió" not in result.stdout
    assert out.read_text(encoding="utf-8").startswith("# Informe")
    # And the other way round.
    english = tmp_path / "report.md"
    result = aligned("report", "--lang", "en", "--format", "md", "--out", str(english), lang="es")
    assert "Se escribió el informe" in result.stdout
    assert english.read_text(encoding="utf-8").startswith("# Monitoring")
