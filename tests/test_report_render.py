"""The monitoring and evaluation report as HTML, PDF and Markdown, from a report built by hand."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal

import lxml.html
import pytest

from stratmon.analysis.report_types import Chart, Column, Report, Section, Table
from stratmon.reports.report import ReportLabelsMissing, report_html, report_markdown, report_pdf

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100">'
       '<rect x="20" y="10" width="60" height="90" fill="#1d4f7c"/>'
       '<rect x="120" y="50" width="60" height="50" fill="#7c9cbf"/></svg>')

TEXTS = {
    "es": {"title": "Estrategia de Estados Unidos para Centroamérica: monitoreo y evaluación",
           "subtitle": "AF 2019–AF 2020 · Guatemala, Honduras, El Salvador",
           "funding": "Financiamiento por país", "performance": "Indicadores de desempeño",
           "funding_text": "Los fondos obligados superan a los desembolsados en los tres países.",
           "performance_text": "La mayoría de los indicadores están en buen camino.",
           "chart": "Obligaciones por país", "table": "Obligaciones y desembolsos por país",
           "indicators": "Seguimiento de indicadores", "country": "País", "fiscal_year": "Año fiscal",
           "obligated": "Obligado (USD)", "disbursed": "Desembolsado (USD)", "share": "Porcentaje desembolsado",
           "indicator": "Indicador", "target": "Meta", "actual": "Valor real",
           "percent": "Porcentaje de cumplimiento", "total": "Total", "note": "Fuente: IATI y ForeignAssistance.gov.",
           "labels": {"contents": "Contenido", "page": "Página", "generated": "Generado el",
                      "snapshot": "Instantánea", "software": "Versión del programa",
                      "prepared_by": "Preparado con Strategy Monitor"}},
    "en": {"title": "U.S. Strategy for Central America: monitoring and evaluation",
           "subtitle": "FY2019–FY2020 · Guatemala, Honduras, El Salvador",
           "funding": "Funding by country", "performance": "Performance indicators",
           "funding_text": "Obligations exceed disbursements in all three countries.",
           "performance_text": "Most indicators are on track.",
           "chart": "Obligations by country", "table": "Obligations and disbursements by country",
           "indicators": "Indicator tracking", "country": "Country", "fiscal_year": "Fiscal year",
           "obligated": "Obligated (USD)", "disbursed": "Disbursed (USD)", "share": "Share disbursed",
           "indicator": "Indicator", "target": "Target", "actual": "Actual", "percent": "Percent achieved",
           "total": "Total", "note": "Source: IATI and ForeignAssistance.gov.",
           "labels": {"contents": "Contents", "page": "Page", "generated": "Generated on",
                      "snapshot": "Snapshot", "software": "Software version",
                      "prepared_by": "Prepared with Strategy Monitor"}},
}

FUNDING_ROWS = (
    ("Guatemala", 2019, Decimal("1234567.89"), Decimal("987654.32"), Decimal("0.8")),
    ("Honduras", 2019, Decimal("2500000"), Decimal("1250000.5"), Decimal("0.5000002")),
    ("El Salvador", 2020, Decimal("0.01"), None, None),
)
FUNDING_TOTAL = (Decimal("3734567.90"), Decimal("2237654.82"), Decimal("0.5991"))
INDICATOR_COUNT = 90  # enough rows for the indicator table to run over a page


def _funding_table(text: dict) -> Table:
    columns = (Column("country", text["country"]), Column("fiscal_year", text["fiscal_year"], "year"),
               Column("obligated", text["obligated"], "money"), Column("disbursed", text["disbursed"], "money"),
               Column("share", text["share"], "percent"))
    rows = tuple(dict(zip([column.key for column in columns], row)) for row in FUNDING_ROWS)
    total = {"country": text["total"], "fiscal_year": None, "obligated": FUNDING_TOTAL[0],
             "disbursed": FUNDING_TOTAL[1], "share": FUNDING_TOTAL[2]}
    return Table("funding_by_country", text["table"], columns, rows, total, text["note"])


def _indicator_table(text: dict) -> Table:
    columns = (Column("indicator", text["indicator"]), Column("target", text["target"], "number"),
               Column("actual", text["actual"], "number"), Column("percent", text["percent"], "percent"))
    rows = tuple({"indicator": f"EG.3.2-{number:02d}", "target": Decimal(1000 + number * 37),
                  "actual": Decimal(number * 31) + Decimal("0.25"),
                  "percent": (Decimal(number * 31) + Decimal("0.25")) / Decimal(1000 + number * 37)}
                 for number in range(1, INDICATOR_COUNT + 1))
    return Table("indicator_tracking", text["indicators"], columns, rows)


def make_report(lang: str = "es") -> Report:
    text = TEXTS[lang]
    chart = Chart("obligations_by_country", text["chart"], "bar",
                  tuple({"country": row[0], "obligated": row[2]} for row in FUNDING_ROWS),
                  "country", "obligated", text["country"], text["obligated"])
    funding = Section("funding", text["funding"], (text["funding_text"],), (chart,), (_funding_table(text),))
    performance = Section("performance", text["performance"], (text["performance_text"],),
                          (), (_indicator_table(text),))
    return Report(lang, text["title"], text["subtitle"], date(2026, 11, 29), (funding, performance),
                  "3f9a1c0d2b7e", "0.1.0", dict(text["labels"]))


CHARTS = {"obligations_by_country": SVG}


@pytest.fixture(scope="module")
def spanish_html() -> str:
    return report_html(make_report("es"), CHARTS)


@pytest.fixture(scope="module")
def spanish_pdf(tmp_path_factory, spanish_html):
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    report_pdf(spanish_html, path)
    return path


def _table(document, key: str):
    (table,) = document.xpath(f'//table[@data-key="{key}"]')
    return table


# --- HTML --------------------------------------------------------------------------------------

def test_html_is_a_complete_document_in_the_reports_language(spanish_html):
    assert spanish_html.startswith("<!DOCTYPE html>")
    document = lxml.html.document_fromstring(spanish_html)
    assert document.get("lang") == "es"
    assert document.findtext(".//title") == TEXTS["es"]["title"]
    assert document.xpath("//head/style")
    # self-contained: nothing to load
    assert not document.xpath("//link | //script | //img | //*[@src]")


def test_figures_carry_their_exact_values(spanish_html):
    table = _table(lxml.html.document_fromstring(spanish_html), "funding_by_country")
    rows = table.xpath("./tbody/tr")
    assert len(rows) == len(FUNDING_ROWS)
    for row, expected in zip(rows, FUNDING_ROWS):
        for key, value in zip(("obligated", "disbursed", "share"), expected[2:]):
            (cell,) = row.xpath(f'./td[@data-column="{key}"]')
            if value is None:
                assert cell.get("data-value") == "" and cell.text_content() == "–"
            else:
                assert Decimal(cell.get("data-value")) == value
                assert cell.get("data-value") == format(value, "f")
    (total,) = table.xpath("./tfoot/tr")
    for key, value in zip(("obligated", "disbursed", "share"), FUNDING_TOTAL):
        (cell,) = total.xpath(f'./td[@data-column="{key}"]')
        assert Decimal(cell.get("data-value")) == value
    # every figure cell has a data-value; text and year cells have none
    for cell in table.xpath(".//td"):
        is_figure = cell.get("data-column") in ("obligated", "disbursed", "share")
        assert (cell.get("data-value") is not None) == is_figure


def test_every_cell_of_a_long_table_traces_back(spanish_html):
    table = _table(lxml.html.document_fromstring(spanish_html), "indicator_tracking")
    report_rows = make_report("es").sections[1].tables[0].rows
    values = [{cell.get("data-column"): cell.get("data-value") for cell in row.xpath("./td")}
              for row in table.xpath("./tbody/tr")]
    assert values == [{"indicator": None, "target": format(row["target"], "f"),
                       "actual": format(row["actual"], "f"), "percent": format(row["percent"], "f")}
                      for row in report_rows]


def test_spanish_and_english_figures_read_the_languages_way(spanish_html):
    table = _table(lxml.html.document_fromstring(spanish_html), "funding_by_country")
    first = [cell.text_content() for cell in table.xpath("./tbody/tr[1]/td")]
    assert first == ["Guatemala", "2019", "1.234.567,89", "987.654,32", "80,0%"]
    assert "29 de noviembre de 2026" in spanish_html

    english = lxml.html.document_fromstring(report_html(make_report("en"), CHARTS))
    table = _table(english, "funding_by_country")
    first = [cell.text_content() for cell in table.xpath("./tbody/tr[1]/td")]
    assert first == ["Guatemala", "2019", "1,234,567.89", "987,654.32", "80.0%"]
    assert english.get("lang") == "en"
    assert "November 29, 2026" in english.text_content()


def test_headings_come_from_the_columns_and_total_sits_in_the_footer(spanish_html):
    table = _table(lxml.html.document_fromstring(spanish_html), "funding_by_country")
    assert [th.text_content() for th in table.xpath("./thead/tr/th")] == [
        "País", "Año fiscal", "Obligado (USD)", "Desembolsado (USD)", "Porcentaje desembolsado"]
    assert table.xpath("./tfoot/tr/td[1]")[0].text_content() == "Total"
    assert not _table(lxml.html.document_fromstring(spanish_html), "indicator_tracking").xpath("./tfoot")


def test_contents_link_to_every_numbered_section(spanish_html):
    document = lxml.html.document_fromstring(spanish_html)
    links = document.xpath('//nav[contains(@class, "toc")]//a')
    sections = document.xpath("//main/section")
    assert [link.get("href") for link in links] == [f"#{section.get('id')}" for section in sections]
    assert [section.get("data-key") for section in sections] == ["funding", "performance"]
    assert [" ".join(section.find("h2").text_content().split()) for section in sections] == [
        "1 Financiamiento por país", "2 Indicadores de desempeño"]
    assert document.xpath("//nav//h2")[0].text_content() == "Contenido"


def test_cover_and_footer_say_where_the_figures_come_from(spanish_html):
    document = lxml.html.document_fromstring(spanish_html)
    (cover,) = document.xpath('//*[contains(@class, "cover")]')
    cover_text = cover.text_content()
    for expected in (TEXTS["es"]["title"], TEXTS["es"]["subtitle"], "29 de noviembre de 2026",
                     "3f9a1c0d2b7e", "0.1.0"):
        assert expected in cover_text
    (footer,) = document.xpath("//footer")
    footer_text = " ".join(footer.text_content().split())
    assert footer_text == ("Generado el: 29 de noviembre de 2026 · Instantánea: 3f9a1c0d2b7e · "
                           "Versión del programa: 0.1.0")


def test_charts_are_inlined_in_a_captioned_figure_and_missing_ones_left_out(spanish_html):
    document = lxml.html.document_fromstring(spanish_html)
    (figure,) = document.xpath("//figure")
    assert figure.get("data-key") == "obligations_by_country"
    assert figure.findtext("figcaption") == "Obligaciones por país"
    assert len(figure.xpath('.//*[local-name()="rect"]')) == 2

    without = lxml.html.document_fromstring(report_html(make_report("es"), {}))
    assert not without.xpath("//figure")
    drawn_to_file = '<?xml version="1.0" encoding="UTF-8"?>\n' + SVG
    assert "<?xml" not in report_html(make_report("es"), {"obligations_by_country": drawn_to_file})


def test_same_report_gives_same_bytes():
    first = report_html(make_report("es"), dict(CHARTS))
    second = report_html(make_report("es"), dict(CHARTS))
    assert first.encode() == second.encode()
    assert report_markdown(make_report("es")).encode() == report_markdown(make_report("es")).encode()


def test_texts_are_escaped():
    report = make_report("es")
    hostile = "<script>alert('x')</script>"
    report = replace(report, title=hostile, subtitle="<b>bold</b> & co",
                     labels=report.labels | {"page": 'Página"; } </style><script>alert(1)</script>'})
    html = report_html(report, CHARTS)
    document = lxml.html.document_fromstring(html)
    assert not document.xpath("//script | //b")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert document.findtext(".//title") == hostile
    assert html.count("</style>") == 1


def test_missing_labels_are_refused():
    report = make_report("es")
    with pytest.raises(ReportLabelsMissing, match="page"):
        report_html(replace(report, labels={k: v for k, v in report.labels.items() if k != "page"}), CHARTS)


def test_floats_are_refused_because_they_would_not_trace_back():
    report = make_report("en")
    table = report.sections[0].tables[0]
    bad = replace(table, rows=({"country": "Belize", "obligated": 0.1},))
    report = replace(report, sections=(replace(report.sections[0], tables=(bad,)),))
    with pytest.raises(TypeError, match="float"):
        report_html(report, CHARTS)


# --- PDF ---------------------------------------------------------------------------------------

def _page_count(path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def _pages_text(path) -> list[str]:
    # `make test` installs poppler-utils (scripts/sysdeps.sh); its absence is a failure, not a skip.
    assert shutil.which("pdftotext"), "pdftotext is missing: install Debian poppler-utils"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")


def test_pdf_is_written_on_several_pages(spanish_pdf):
    assert spanish_pdf.read_bytes().startswith(b"%PDF")
    assert _page_count(spanish_pdf) > 3  # cover, contents, and sections whose long table runs on


def test_pdf_contents_give_the_page_each_section_starts_on(spanish_pdf):
    pages = _pages_text(spanish_pdf)
    contents = pages[1]
    assert "Contenido" in contents
    for number, title in ((1, "Financiamiento por país"), (2, "Indicadores de desempeño")):
        printed = int(re.search(rf"{number}\s+{title}[ .]*(\d+)", contents)[1])
        heading = re.compile(rf"^\s*{number}\s+{title}\s*$", re.MULTILINE)
        assert heading.search(pages[printed - 1]), f"section {number} is not on page {printed}"
        assert f"Página {printed}" in pages[printed - 1]


def test_pdf_long_table_repeats_its_header_and_pages_are_numbered(spanish_pdf):
    pages = [page for page in _pages_text(spanish_pdf) if page.strip()]
    assert "Página" not in pages[0]  # the cover has no page number
    with_rows = [page for page in pages if "EG.3.2-" in page]
    assert len(with_rows) > 1
    assert all("Porcentaje de cumplimiento" in page for page in with_rows)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Página {number}" in page


def test_pdf_fetches_nothing(tmp_path, caplog):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"not an image")
    html = report_html(make_report("en"), CHARTS).replace(
        "<main>", f'<main><img src="{outside.as_uri()}" alt=""><img src="http://example.invalid/x.png" alt="">')
    path = tmp_path / "fetch.pdf"
    report_pdf(html, path)
    assert path.read_bytes().startswith(b"%PDF")
    refusals = [record.getMessage() for record in caplog.records if "refusing to fetch" in record.getMessage()]
    assert len(refusals) == 2


# --- Markdown ----------------------------------------------------------------------------------

def test_markdown_has_the_same_content_as_github_tables():
    markdown = report_markdown(make_report("es"))
    assert markdown.startswith(f"# {TEXTS['es']['title']}\n")
    assert "## Contenido\n\n1. Financiamiento por país\n2. Indicadores de desempeño\n" in markdown
    assert "## 1. Financiamiento por país" in markdown and "## 2. Indicadores de desempeño" in markdown
    assert "| País | Año fiscal | Obligado (USD) | Desembolsado (USD) | Porcentaje desembolsado |\n" \
           "| :--- | :--- | ---: | ---: | ---: |\n" in markdown
    assert "| Guatemala | 2019 | 1.234.567,89 | 987.654,32 | 80,0% |" in markdown
    assert "| El Salvador | 2020 | 0,01 | – | – |" in markdown
    assert "| **Total** |  | **3.734.567,90** | **2.237.654,82** | **59,9%** |" in markdown
    assert markdown.count("| EG.3.2-") == INDICATOR_COUNT
    assert "svg" not in markdown.lower()
    assert "3f9a1c0d2b7e" in markdown and "29 de noviembre de 2026" in markdown


def test_markdown_keeps_texts_literal():
    report = make_report("en")
    report = replace(report, title="<script>x</script> *bold*", sections=(
        replace(report.sections[0], title="A | B", paragraphs=("# not a heading", "1. not a list")),))
    markdown = report_markdown(report)
    assert markdown.startswith("# \\<script\\>x\\</script\\> \\*bold\\*\n")
    assert "## 1. A \\| B" in markdown
    assert "\n\\# not a heading\n" in markdown and "\n1\\. not a list\n" in markdown


def test_pdf_page_label_reads_as_given_even_with_punctuation(tmp_path):
    report = make_report("en")
    report = replace(report, labels=report.labels | {"page": 'Pg. "n" \\ </style>'})
    path = tmp_path / "label.pdf"
    report_pdf(report_html(report, CHARTS), path)
    assert 'Pg. "n" \\ </style> 2' in _pages_text(path)[1]
