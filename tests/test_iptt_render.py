"""The indicator tracking table as CSV, Excel and HTML, from a table built by hand."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
from openpyxl import load_workbook

from stratmon.analysis.iptt_types import IpttCell, IpttRow, IpttTable
from stratmon.i18n import set_language
from stratmon.reports.iptt import COLUMNS, iptt_csv, iptt_html, iptt_xlsx

FY2019 = ("FY2019", date(2018, 10, 1), date(2019, 9, 30))
FY2020 = ("FY2020", date(2019, 10, 1), date(2020, 9, 30))

HEADINGS = {
    "en": {"sheet": "IPTT", "indicator_code": "Code", "indicator": "Indicator", "unit": "Unit",
           "line": "Line of action", "objective": "Objective", "activity": "Activity",
           "activity_title": "Activity title", "country": "Country", "baseline": "Baseline",
           "baseline_year": "Baseline year", "lop_target": "Life-of-project target", "period": "Period",
           "period_start": "Start", "period_end": "End", "category": "Disaggregation", "target": "Target",
           "actual": "Actual", "percent_achieved": "% achieved", "status": "Status", "reason": "Reason"},
    "es": {"sheet": "Seguimiento", "indicator_code": "Código", "indicator": "Indicador", "unit": "Unidad",
           "line": "Línea de acción", "objective": "Objetivo", "activity": "Actividad",
           "activity_title": "Título de la actividad", "country": "País", "baseline": "Línea de base",
           "baseline_year": "Año de línea de base", "lop_target": "Meta de vida del proyecto",
           "period": "Período", "period_start": "Inicio", "period_end": "Fin", "category": "Desagregación",
           "target": "Meta", "actual": "Valor real", "percent_achieved": "Porcentaje de cumplimiento",
           "status": "Estado", "reason": "Motivo"},
}
STATUS_LABELS = {
    "en": {"on_track": "On track", "needs_attention": "Needs attention", "off_track": "Off track",
           "no_target": "No target", "no_data": "No data"},
    "es": {"on_track": "En curso", "needs_attention": "Requiere atención", "off_track": "Desviado",
           "no_target": "Sin meta", "no_data": "Sin datos"},
}


def cell(lang, period, category, target, actual, percent, status, reason=None, not_available=False):
    label, start, end = period
    return IpttCell(label, start, end, category, target and Decimal(target), actual and Decimal(actual),
                    not_available, percent and Decimal(percent), status, STATUS_LABELS[lang][status], reason)


def make_table(lang: str = "en", title: str = "Indicator tracking table") -> IpttTable:
    female, male = ("Female", "Male") if lang == "en" else ("Mujeres", "Hombres")
    trained = IpttRow(
        "EG.3.2-1", "Number of individuals trained", "people", "higher", "Promoting Prosperity",
        "Economic opportunity", "US-GOV-1-AID-596-A-17-00001", "Youth Employment", "El Salvador",
        Decimal("1200"), 2015, Decimal("5000"),
        [cell(lang, FY2019, None, "1500", "1234.5", "0.823", "needs_attention", "Late start"),
         cell(lang, FY2019, female, "800", "734.5", "0.918125", "on_track"),
         cell(lang, FY2019, male, "700", "500", "0.714285714", "off_track", "Fewer men enrolled"),
         cell(lang, FY2020, None, "2000", "2100", "1.05", "on_track"),
         cell(lang, FY2020, female, "1000", "1150", "1.15", "on_track"),
         cell(lang, FY2020, male, "1000", "950", "0.95", "on_track")])
    homicides = IpttRow(
        "CS.1", "=Homicide rate per 100,000 & more", None, "lower", "Enhancing Security", None, None, None,
        "Honduras", Decimal("52.7"), 2015, None,
        [cell(lang, FY2019, None, None, None, None, "no_target", not_available=True)])
    filters = {"en": "Country: El Salvador, Honduras; FY2019–2020", "es": "País: El Salvador, Honduras; AF 2019–2020"}[lang]
    return IpttTable(title, date(2026, 11, 29), filters, HEADINGS[lang], [trained, homicides], lang)


@pytest.fixture
def spanish():
    set_language("es")
    yield make_table("es")
    set_language(None)


# --- CSV ---------------------------------------------------------------------------------------

EXPECTED_CSV = """\
indicator_code,indicator,unit,line,objective,activity,activity_title,country,baseline,baseline_year,lop_target,period,period_start,period_end,category,target,actual,percent_achieved,status,reason
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2019,2018-10-01,2019-09-30,,1500,1234.5,0.8230,needs_attention,Late start
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2019,2018-10-01,2019-09-30,Female,800,734.5,0.9181,on_track,
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2019,2018-10-01,2019-09-30,Male,700,500,0.7143,off_track,Fewer men enrolled
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2020,2019-10-01,2020-09-30,,2000,2100,1.0500,on_track,
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2020,2019-10-01,2020-09-30,Female,1000,1150,1.1500,on_track,
EG.3.2-1,Number of individuals trained,people,Promoting Prosperity,Economic opportunity,US-GOV-1-AID-596-A-17-00001,Youth Employment,El Salvador,1200,2015,5000,FY2020,2019-10-01,2020-09-30,Male,1000,950,0.9500,on_track,
CS.1,"'=Homicide rate per 100,000 & more",,Enhancing Security,,,,Honduras,52.7,2015,,FY2019,2018-10-01,2019-09-30,,,DNA,,no_target,
"""


def test_csv_has_machine_keys_and_exact_rows():
    out = io.StringIO()
    iptt_csv(make_table(), out)
    assert out.getvalue() == EXPECTED_CSV


def test_csv_is_the_same_in_any_language(spanish):
    out = io.StringIO()
    iptt_csv(spanish, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1].endswith(",1500,1234.5,0.8230,needs_attention,Late start")


def test_csv_indicator_without_cells_has_one_row_with_empty_period_columns():
    table = make_table()
    pending = replace(table.rows[1], indicator_code="CS.2", indicator_name="Pending", cells=[])
    out = io.StringIO()
    iptt_csv(replace(table, rows=[pending]), out)
    assert out.getvalue().splitlines()[1] == "CS.2,Pending,,Enhancing Security,,,,Honduras,52.7,2015,,,,,,,,,,"


def test_csv_writes_decimals_without_exponent():
    table = make_table()
    row = replace(table.rows[0], baseline=Decimal("1.2E+3"), cells=[])
    out = io.StringIO()
    iptt_csv(replace(table, rows=[row]), out)
    assert ",1200,2015," in out.getvalue()


# --- Excel -------------------------------------------------------------------------------------

HEADER_ROW = 5


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "iptt.xlsx"
    iptt_xlsx(make_table(), path)
    return load_workbook(path)


def sheet_rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[HEADER_ROW]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]


def test_xlsx_layout(workbook):
    sheet = workbook.active
    assert sheet.title == "IPTT"
    assert sheet["A1"].value == "Indicator tracking table"
    assert sheet["A2"].value == "Country: El Salvador, Honduras; FY2019–2020"
    assert "November 29, 2026" in sheet["A3"].value
    assert [c.value for c in sheet[HEADER_ROW]] == [HEADINGS["en"][key] for key in COLUMNS]
    assert sheet.freeze_panes == f"C{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:T{HEADER_ROW + 7}"
    assert sheet.max_row == HEADER_ROW + 7
    assert all(8 <= sheet.column_dimensions[letter].width <= 50 for letter in "ABCDEFGHIJKLMNOPQRST")


def test_xlsx_numbers_are_numeric_cells(workbook):
    rows = sheet_rows(workbook.active)
    first = rows[0]
    assert first["Baseline"].value == 1200 and first["Baseline"].data_type == "n"
    assert first["Baseline year"].value == 2015
    assert first["Target"].value == 1500 and first["Target"].number_format == "#,##0"
    assert first["Actual"].value == pytest.approx(1234.5) and first["Actual"].number_format == "#,##0.##"
    assert first["% achieved"].value == pytest.approx(0.823) and first["% achieved"].number_format == "0.0%"
    assert first["Start"].value.date() == date(2018, 10, 1)
    assert first["Disaggregation"].value == "Total"
    assert [r["Disaggregation"].value for r in rows[:3]] == ["Total", "Female", "Male"]


def test_xlsx_status_is_the_label_with_a_colour_per_status(workbook):
    rows = sheet_rows(workbook.active)
    fills = {r["Status"].value: r["Status"].fill.fgColor.rgb for r in rows}
    assert set(fills) == {"Needs attention", "On track", "Off track", "No target"}
    assert len(set(fills.values())) == 4
    assert fills["On track"].endswith("C6EFCE")
    assert fills["Off track"].endswith("FFC7CE")


def test_xlsx_not_available_and_formula_looking_text(workbook):
    homicides = sheet_rows(workbook.active)[-1]
    assert homicides["Actual"].value == "not available"
    assert homicides["Target"].value is None
    assert homicides["% achieved"].value is None
    assert homicides["Indicator"].value == "=Homicide rate per 100,000 & more"
    assert homicides["Indicator"].data_type == "s"


def test_xlsx_in_spanish(spanish, tmp_path):
    path = tmp_path / "iptt.xlsx"
    iptt_xlsx(spanish, path)
    sheet = load_workbook(path).active
    assert sheet.title == "Seguimiento"
    assert "29 de noviembre de 2026" in sheet["A3"].value
    rows = sheet_rows(sheet)
    assert rows[0]["Estado"].value == "Requiere atención"
    assert rows[0]["Meta"].value == 1500


def test_xlsx_sheet_title_fits_excel(tmp_path):
    table = make_table()
    table = replace(table, headings=table.headings | {"sheet": "Tabla de seguimiento de indicadores: [2026]"})
    path = tmp_path / "iptt.xlsx"
    iptt_xlsx(table, path)
    title = load_workbook(path).active.title
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\")


# --- HTML --------------------------------------------------------------------------------------

def text(element) -> str:
    return " ".join(element.text_content().split())


def body_rows(table) -> list[list[str]]:
    return [[text(td) for td in tr.xpath("./td")] for tr in table.xpath("./tbody/tr")]


def test_html_is_a_self_contained_document():
    page = iptt_html(make_table())
    assert page.startswith("<!DOCTYPE html>")
    root = lxml.html.document_fromstring(page)
    assert root.get("lang") == "en"
    assert root.xpath("//head/style")
    assert not root.xpath("//script | //link | //img | //@src | //@href")
    assert text(root.xpath("//h1")[0]) == "Indicator tracking table"
    assert "Country: El Salvador, Honduras; FY2019–2020" in text(root.xpath("//header")[0])
    assert "November 29, 2026" in text(root.xpath("//header")[0])


def test_html_one_table_per_indicator_with_periods_and_categories():
    root = lxml.html.document_fromstring(iptt_html(make_table()))
    trained, homicides = root.xpath("//section[@class='indicator']")
    assert text(trained.xpath(".//h2")[0]) == "EG.3.2-1 Number of individuals trained"
    facts = dict(zip((text(dt) for dt in trained.xpath(".//dt")), (text(dd) for dd in trained.xpath(".//dd"))))
    assert facts["Baseline"] == "1,200 (2015)"
    assert facts["Life-of-project target"] == "5,000"
    assert facts["Activity"] == "US-GOV-1-AID-596-A-17-00001 — Youth Employment"
    table = trained.xpath(".//table")[0]
    assert [text(th) for th in table.xpath("./thead/tr/th")] == [
        "Period", "Disaggregation", "Target", "Actual", "% achieved", "Status", "Reason"]
    rows = body_rows(table)
    assert rows[0] == ["FY2019 Oct 1, 2018 – Sep 30, 2019", "Total", "1,500", "1,234", "82.3%", "Needs attention",
                       "Late start"]
    assert rows[2] == ["Male", "700.00", "500.00", "71.4%", "Off track", "Fewer men enrolled"]
    assert table.xpath("./tbody[1]/tr[1]/td[1]/@rowspan") == ["3"]
    badges = table.xpath(".//span[contains(@class, 'badge')]/@class")
    assert "badge status-off_track" in badges and "badge status-on_track" in badges


def test_html_not_available_and_no_target():
    root = lxml.html.document_fromstring(iptt_html(make_table()))
    homicides = root.xpath("//section[@class='indicator']")[1]
    table = homicides.xpath(".//table")[0]
    assert len(table.xpath("./thead/tr/th")) == 6  # no disaggregation column
    assert body_rows(table) == [["FY2019 Oct 1, 2018 – Sep 30, 2019", "–", "not available", "–", "No target", ""]]
    assert text(homicides.xpath(".//h2")[0]).endswith("=Homicide rate per 100,000 & more")


def test_html_in_spanish_formats_numbers_the_spanish_way(spanish):
    page = iptt_html(spanish)
    root = lxml.html.document_fromstring(page)
    assert root.get("lang") == "es"
    trained = root.xpath("//section[@class='indicator']")[0]
    rows = body_rows(trained.xpath(".//table")[0])
    assert rows[0][2] == "1.500"
    assert re.fullmatch(r"82,3\s?%", rows[0][4])
    assert rows[0][5] == "Requiere atención"
    assert rows[0][1] == "Total"
    assert rows[1][:3] == ["Mujeres", "800,00", "734,50"]
    facts = dict(zip((text(dt) for dt in trained.xpath(".//dt")), (text(dd) for dd in trained.xpath(".//dd"))))
    assert facts["Línea de base"] == "1.200 (2015)"
    homicides = root.xpath("//section[@class='indicator']")[1]
    assert "52,70 (2015)" in text(homicides)
    assert "29 de noviembre de 2026" in text(root.xpath("//header")[0])


def test_html_escapes_public_text():
    table = make_table(title='Results <script>alert("x")</script>')
    page = iptt_html(table)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    root = lxml.html.document_fromstring(page)
    assert not root.xpath("//script")
    assert text(root.xpath("//h1")[0]) == 'Results <script>alert("x")</script>'
    assert text(root.xpath("//title")[0]) == 'Results <script>alert("x")</script>'


def test_html_indicator_without_cells_still_shows():
    table = make_table()
    pending = replace(table.rows[1], indicator_code="CS.2", indicator_name="Pending", cells=[])
    root = lxml.html.document_fromstring(iptt_html(replace(table, rows=[pending])))
    section = root.xpath("//section[@class='indicator']")[0]
    assert text(section.xpath(".//h2")[0]) == "CS.2 Pending"
    assert len(section.xpath(".//tbody/tr")) == 1
