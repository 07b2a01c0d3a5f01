"""The indicator results reader (`sources/results.py`) and its template (`sources/results_template.py`).

Every fixture is written here, in tmp_path: CSV as text, XLSX with openpyxl or, for the hostile
cases, by hand with zipfile. A refusal must be one line naming the file, the row and, for a bad
cell, the column.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from stratmon import i18n
from stratmon.sources import results
from stratmon.sources.errors import ImportRejected
from stratmon.sources.results import COLUMNS, MAX_UNPACKED_BYTES, read_results
from stratmon.sources.results_template import write_template

HEADER = "indicator,activity,country,period_start,period_end,value_type,value,scheme,category"
SHEET = "xl/worksheets/sheet1.xml"


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER, bom: bool = False, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def xlsx_file(tmp_path: Path, *rows: tuple, header: tuple = tuple(HEADER.split(",")), title: str = "results",
              name: str = "r.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def rejection(path: Path) -> str:
    with pytest.raises(ImportRejected) as caught:
        list(read_results(path))
    message = str(caught.value)
    assert "\n" not in message
    return message


def replace_part(path: Path, part: str, content: bytes) -> Path:
    """`path` rewritten with `part` replaced (the rest of the workbook kept as openpyxl wrote it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == part else source.read(info))
    path.write_bytes(buffer.getvalue())
    return path


# The required columns as a sheet's first row, in XML.
HEADER_ROW = ('<row r="1">' + "".join(f'<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>'
                                      for letter, name in zip("ABCDE", results.REQUIRED)) + "</row>")


def sheet_xml(body: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{body}</sheetData></worksheet>").encode()


# --- happy paths ----------------------------------------------------------------------------------

def test_csv_rows_become_records(tmp_path):
    path = csv_file(tmp_path,
                    'EG.3-1,US-GOV-1-ABC,GTM,2023-01-01,2023-12-31,Actual,"307,000,000.00",,',
                    "EG.3-1,,Guatemala,2023-01-01,2023-12-31,target,DNA,sex,female",
                    "EG.3-1,,region-CNA,2023-01-01,2023-12-31,baseline,not available,,",
                    "", bom=True)
    first, second, third = read_results(path)
    assert (first.line, first.indicator, first.activity, first.country) == (2, "EG.3-1", "US-GOV-1-ABC", "GT")
    assert (first.period_start, first.period_end, first.value_type) == (date(2023, 1, 1), date(2023, 12, 31), "actual")
    assert (first.value, first.not_available, first.scheme, first.category) == (Decimal("307000000.00"), False, None, None)
    assert (second.value, second.not_available, second.scheme, second.category) == (None, True, "sex", "female")
    assert (third.country, third.value, third.not_available) == ("region-CNA", None, True)


def test_csv_header_is_matched_whatever_its_case_order_and_spelling(tmp_path):
    path = csv_file(tmp_path, "7.5,0.25,2,2024-03-31,2024-01-01,ACTUAL,HL.1,XK,slow start,ok",
                    header="Value,Numerator ,denominator,Period End,period-start,Value Type,Indicator,Country,"
                           "reason,comment")
    (record,) = read_results(path)
    assert (record.value, record.numerator, record.denominator) == (Decimal("7.5"), Decimal("0.25"), Decimal(2))
    assert (record.value_type, record.country, record.reason, record.comment) == ("actual", "XK", "slow start", "ok")


def test_xlsx_cells_are_taken_exactly(tmp_path):
    path = xlsx_file(tmp_path,
                     ("EG.3-1", None, "gt", datetime(2023, 1, 1), datetime(2023, 12, 31), "actual", 0.1, None, None),
                     ("EG.3-1", None, None, "2023-01-01", "2023-12-31", "target", 307000000, "sex", "male"),
                     (None,) * 9,
                     ("EG.3-1", None, None, "2023-01-01", "2023-12-31", "actual", "307,000,000.00", None, None),
                     ("EG.3-1", None, None, "2023-01-01", "2023-12-31", "actual", "dna", "age", "15-29"))
    records = list(read_results(path))
    assert [r.line for r in records] == [2, 3, 5, 6]
    assert records[0].value == Decimal("0.1") and records[0].country == "GT"
    assert records[0].period_start == date(2023, 1, 1)
    assert records[1].value == Decimal(307000000)
    assert records[2].value == Decimal("307000000.00")
    assert (records[3].value, records[3].not_available, records[3].category) == (None, True, "15-29")


def test_xlsx_prefers_the_sheet_named_results(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "notes"
    workbook.active.append(("not", "a", "results", "sheet"))
    sheet = workbook.create_sheet("Results")
    sheet.append(("indicator", "period_start", "period_end", "value_type", "value"))
    sheet.append(("X.1", "2020-01-01", "2020-12-31", "actual", 3))
    workbook.save(tmp_path / "two.xlsx")
    (record,) = read_results(tmp_path / "two.xlsx")
    assert (record.indicator, record.value) == ("X.1", Decimal(3))


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = xlsx_file(tmp_path, ("X.1", None, None, "2020-01-01", "2020-12-31", "actual", 1, None, None), name="w.csv")
    assert [r.value for r in read_results(path)] == [Decimal(1)]


def test_a_header_alone_yields_nothing(tmp_path):
    assert list(read_results(csv_file(tmp_path))) == []
    assert list(read_results(xlsx_file(tmp_path))) == []


# --- bad cells: one line naming file, row and column ---------------------------------------------------

ROW = dict(indicator="X.1", activity="", country="GT", period_start="2023-01-01", period_end="2023-12-31",
           value_type="actual", value="5", scheme="", category="")


def one_row(**changes: str) -> str:
    return ",".join({**ROW, **changes}.values())


@pytest.mark.parametrize("changes, reason", [
    ({"value": "NULL"}, "column 'value' is empty or NULL"),
    ({"value": ""}, "column 'value' is empty or NULL"),
    ({"value": "five"}, "column 'value': 'five' is not a number"),
    ({"value": '"1.234,5"'}, "column 'value': '1.234,5' is not a number (commas only between thousands)"),
    ({"period_start": "01/02/2023"}, "column 'period_start': '01/02/2023' is not an ISO date"),
    ({"period_end": "2023-02-30"}, "column 'period_end': '2023-02-30' is not a valid date"),
    ({"period_start": ""}, "column 'period_start' is empty or NULL"),
    ({"period_end": "2022-12-31"}, "column 'period_end': '2022-12-31' is before period_start '2023-01-01'"),
    ({"value_type": "forecast"}, "column 'value_type': 'forecast' is not one of baseline, target, actual"),
    ({"category": "female"}, "column 'category': 'female' is given without column 'scheme'"),
    ({"scheme": "sex"}, "column 'scheme': 'sex' is given without column 'category'"),
    ({"country": "Atlantis"}, "column 'country': 'Atlantis' is not a country or region code"),
    ({"country": "EU"}, "column 'country': 'EU' is not a country or region code"),
    ({"indicator": "null"}, "column 'indicator' is empty or NULL"),
    ({"value": "1e300"}, "column 'value': '1e300' has too many digits"),
    ({"activity": "x" * 5000}, "column 'activity': text is longer than 4,000 characters"),
])
def test_a_bad_cell_names_file_row_and_column(tmp_path, changes, reason):
    path = csv_file(tmp_path, one_row(), one_row(**changes))
    assert rejection(path) == f"{path}:3: {reason}"


@pytest.mark.parametrize("header, reason", [
    (HEADER + ",colour", "unknown column 'colour' (the columns are: " + ", ".join(COLUMNS) + ")"),
    (HEADER.replace("value_type,", ""), "missing column 'value_type'"),
    (HEADER + ",Value", "column 'Value' appears twice"),
])
def test_a_bad_header_names_file_row_and_column(tmp_path, header, reason):
    path = csv_file(tmp_path, header=header)
    assert rejection(path) == f"{path}:1: {reason}"


def test_a_value_under_no_column_name_is_refused(tmp_path):
    path = xlsx_file(tmp_path, ("X.1", None, None, "2020-01-01", "2020-12-31", "actual", 1, None, None, None, "?"))
    assert rejection(path) == f"{path}:2: column 11 has a value but no name in the header"
    path = csv_file(tmp_path, one_row() + ",extra")
    assert rejection(path) == f"{path}:2: row has 10 fields, the header has 9"


@pytest.mark.parametrize("cells, reason", [
    (("X.1", None, None, datetime(2023, 1, 1, 12, 30), "2023-12-31", "actual", 1, None, None),
     "column 'period_start': '2023-01-01T12:30:00' is not an ISO date"),
    (("X.1", None, None, 44927, "2023-12-31", "actual", 1, None, None),
     "column 'period_start': '44927' is not an ISO date"),
    (("X.1", None, None, "2023-01-01", "2023-12-31", "actual", True, None, None),
     "column 'value': 'True' is not a number"),
    (("X.1", None, None, "2023-01-01", "2023-12-31", "actual", datetime(2023, 1, 1), None, None),
     "column 'value': '2023-01-01T00:00:00' is not a number"),
    (("X.1", None, None, "2023-01-01", "2023-12-31", "Actuals", 1, None, None),
     "column 'value_type': 'Actuals' is not one of baseline, target, actual"),
])
def test_a_bad_xlsx_cell_names_file_row_and_column(tmp_path, cells, reason):
    good = ("X.1", None, None, "2023-01-01", "2023-12-31", "actual", 1, None, None)
    path = xlsx_file(tmp_path, good, (None,) * 9, cells)
    assert rejection(path) == f"{path}:4: {reason}"


# --- hostile files ---------------------------------------------------------------------------------------

def test_a_csv_over_the_size_limit_is_refused(tmp_path):
    path = csv_file(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(results.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    assert rejection(path) == f"{path}: file is larger than the limit of {results.MAX_FILE_BYTES} bytes"


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        with bundle.open(SHEET, "w", force_zip64=True) as part:
            zeros = b"0" * (1 << 20)
            for _ in range(MAX_UNPACKED_BYTES // len(zeros) + 1):
                part.write(zeros)
    assert path.stat().st_size < results.MAX_FILE_BYTES
    message = rejection(path)
    assert message.startswith(f"{path}: the workbook unpacks to ") and message.endswith("(a zip bomb?)")


def test_a_zip_header_that_lies_about_its_size_fails_its_crc(tmp_path):
    path = xlsx_file(tmp_path, *[("X.1", None, None, "2023-01-01", "2023-12-31", "actual", n, None, None)
                                 for n in range(200)])
    data = bytearray(path.read_bytes())
    # Shrink the sheet's uncompressed size in the central directory (offset 24 of its entry).
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46:entry + 46 + len(SHEET)] != SHEET.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24:entry + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert rejection(path).startswith(f"{path}: the workbook cannot be read: ")


def test_a_file_named_xlsx_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("indicator,value\n", encoding="utf-8")
    assert rejection(path) == f"{path}: not an XLSX workbook (not a zip archive)"


def test_a_zip_without_a_workbook_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("[Content_Types].xml", "<Types/>")
        bundle.writestr("readme.txt", "hello")
    assert rejection(path) == f"{path}: not an XLSX workbook: no xl/workbook.xml in the archive"


BILLION_LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">'
                            for i in range(1, 10))
                  + "]>\n")


def test_entity_expansion_in_a_sheet_is_refused(tmp_path):
    path = replace_part(xlsx_file(tmp_path), SHEET, sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=BILLION_LAUGHS))
    assert rejection(path) == f"{path}: part {SHEET}: DOCTYPE declarations are not allowed"


def test_entity_expansion_is_refused_by_defusedxml_too(tmp_path, monkeypatch):
    # Were the DOCTYPE check gone, openpyxl's defusedxml parser must still refuse, in one line.
    monkeypatch.setattr(results, "_refuse_doctype", lambda *args: None)
    monkeypatch.setattr(results, "check_part_markup", lambda *args: None)  # libxml2 would refuse it too
    path = replace_part(xlsx_file(tmp_path), SHEET, sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=BILLION_LAUGHS))
    assert rejection(path).startswith(f"{path}: the workbook cannot be read: EntitiesForbidden")


def test_xlsx_is_refused_when_openpyxl_would_not_use_defusedxml(tmp_path, monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    path = xlsx_file(tmp_path)
    assert rejection(path).startswith(f"{path}: cannot read XLSX safely")


def test_a_sheet_claiming_a_huge_row_number_stops_at_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "MAX_ROWS", 1000)
    path = replace_part(xlsx_file(tmp_path), SHEET, sheet_xml(
        HEADER_ROW +
        '<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>X</t></is></c></row>'))
    assert rejection(path) == f"{path}:1002: more than 1,000 rows"


def test_too_many_csv_rows_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "MAX_ROWS", 2)
    path = csv_file(tmp_path, one_row(), one_row(), one_row())
    assert rejection(path) == f"{path}:4: more than 2 rows"


# --- the template ------------------------------------------------------------------------------------------

def test_the_xlsx_template_reads_as_empty_and_takes_a_row(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, "xlsx", "en")
    assert list(read_results(path)) == []
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["results", "help"]
    sheet = workbook["results"]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "A2" and sheet[1][0].font.bold
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"baseline,target,actual"' and "F2" in str(validation.sqref)
    assert any("disaggregates not available" in str(cell.value) for row in workbook["help"].iter_rows() for cell in row)
    sheet.append(("X.1", None, "SV", date(2024, 1, 1), "2024-06-30", "target", 12.5))
    workbook.save(path)
    (record,) = read_results(path)
    assert (record.line, record.country, record.period_start, record.value) == (2, "SV", date(2024, 1, 1), Decimal("12.5"))


def test_the_csv_template_is_the_header_row(tmp_path):
    path = tmp_path / "template.csv"
    write_template(path, "csv", "es")
    assert path.read_text(encoding="utf-8") == ",".join(COLUMNS) + "\n"
    assert list(read_results(path)) == []
    with path.open("a", encoding="utf-8") as handle:
        handle.write("X.1,,,2024-01-01,2024-06-30,actual,DNA,,,,,,\n")
    (record,) = read_results(path)
    assert record.not_available and record.value is None


def test_the_template_leaves_the_language_as_it_was(tmp_path):
    before = i18n.language()
    write_template(tmp_path / "t.xlsx", "xlsx", "es")
    assert i18n.language() == before
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.ods", "ods", "en")


def test_a_cell_openpyxl_cannot_read_names_its_row(tmp_path):
    path = replace_part(xlsx_file(tmp_path), SHEET, sheet_xml(
        HEADER_ROW +
        '<row r="2"><c r="A2"><v>not a number</v></c></row>'))
    assert rejection(path).startswith(f"{path}:2: the workbook cannot be read: ")
