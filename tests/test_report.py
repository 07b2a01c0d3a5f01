"""`stratmon report` on the real data: its money equals `stratmon funding`, it is reproducible, and the
Spanish report is in Spanish."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from decimal import Decimal

import lxml.html
import pytest

from conftest import Cli

WINDOW = "2016:2020"


@pytest.fixture(scope="module")
def real(usg_iati, shared_data, tmp_path_factory) -> Cli:
    """The real U.S. files and ForeignAssistance.gov summary imported and aligned (SQLite)."""
    cli = Cli(f"sqlite:///{tmp_path_factory.mktemp('report') / 'stratmon.db'}")
    for args in (("init",), ("import", "iati", str(usg_iati)),
                 ("import", "fagov", str(shared_data / "foreignaid-explorer-country")), ("align",)):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


def _html(cli: Cli, lang: str) -> str:
    result = cli("report", "--lang", lang, "--fy", WINDOW, "--as-of", "2026-11-29")
    assert result.exit_code == 0, result.output
    return result.stdout


def _column(document, table: str, column: str) -> dict[str, Decimal]:
    """A table's figures by the name in its first column (from the exact data-value attributes)."""
    found = {}
    for row in document.xpath(f'//table[@data-key="{table}"]/tbody/tr'):
        name = row.xpath("./*[1]")[0].text_content().strip()
        cell = row.xpath(f'./*[@data-column="{column}"]')[0]
        found[name] = Decimal(cell.get("data-value"))
    return found


def _funding(cli: Cli, by: str, transaction_type: str) -> list[dict]:
    result = cli("funding", "--by", by, "--type", transaction_type, "--fy", WINDOW, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("table, by", [("funding_by_line", "line"), ("funding_by_objective", "objective"),
                                       ("funding_by_country", "group"), ("funding_by_agency", "agency"),
                                       ("funding_by_year", "fy")])
def test_every_money_figure_equals_stratmon_funding(real, table, by):
    document = lxml.html.fromstring(_html(real, "en").encode())
    for transaction_type, column in (("obligation", "obligations"), ("disbursement", "disbursements")):
        reported = sorted(_column(document, table, column).values())
        expected = [Decimal(row["usd"]) for row in _funding(real, by, transaction_type)]
        # Rows with nothing of one type appear in the report with 0.00 for it.
        assert [v for v in reported if v != 0] == sorted(v for v in expected if v != 0), (table, transaction_type)
        footer = document.xpath(f'//table[@data-key="{table}"]/tfoot//*[@data-column="{column}"]')[0]
        assert Decimal(footer.get("data-value")) == sum(expected, Decimal(0))


def test_the_same_data_and_date_give_the_same_bytes(real):
    assert _html(real, "en") == _html(real, "en")
    assert _html(real, "es") == _html(real, "es")


def test_the_spanish_report_has_no_english_headings_or_sentences(real):
    english, spanish = (lxml.html.fromstring(_html(real, lang).encode()) for lang in ("en", "es"))

    def words(document) -> set[str]:
        # Commands (`<code>`) read the same in both languages.
        texts = document.xpath("//h1//text() | //h2//text() | //h3//text() | //th//text() | //caption//text()"
                               " | //figcaption//text() | //p//text()[not(ancestor::code)]")
        return {" ".join(t.split()) for t in texts if len(" ".join(t.split())) > 3}

    shared = words(english) & words(spanish)
    # The same in both languages: the sources' names, the currency, "Total", the snapshot's hash.
    allowed = {"USD", "IATI (USD)", "ForeignAssistance.gov (USD)", "IATI ÷ ForeignAssistance.gov", "Total",
               "Total (USD)"}
    english_left = {text for text in shared if text not in allowed and not text[:1].isdigit()
                    and not re.fullmatch(r"[0-9a-f]{12}", text)}
    assert not english_left, english_left
    assert "Resumen" in words(spanish) and "Financiamiento" in words(spanish)


def test_pdf_and_markdown_are_written(real, tmp_path):
    pdf = tmp_path / "report.pdf"
    result = real("report", "--lang", "es", "--fy", WINDOW, "--as-of", "2026-11-29", "--format", "pdf",
                  "--out", str(pdf))
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1]) > 5
    markdown = real("report", "--fy", WINDOW, "--as-of", "2026-11-29", "--format", "md")
    assert markdown.exit_code == 0 and "| " in markdown.stdout and "Funding" in markdown.stdout


def test_what_changed_since_an_earlier_snapshot(real, tmp_path):
    first = real("report", "--fy", WINDOW, "--as-of", "2026-11-29", "--format", "md")
    assert first.exit_code == 0
    snapshot = re.search(r"Data snapshot ([0-9a-f]{12})", first.stdout)[1]
    unknown = real("report", "--since", "000000000000")
    assert unknown.exit_code == 2 and "no report was made from data snapshot 000000000000" in unknown.stderr
    # Unchanged data: nothing new, nothing moved.
    same = real("report", "--fy", WINDOW, "--as-of", "2026-11-29", "--since", snapshot)
    document = lxml.html.fromstring(same.stdout.encode())
    assert document.xpath('//table[@data-key="changes_by_line"]/tbody/tr') == []
    assert "0 new activities" in same.stdout
