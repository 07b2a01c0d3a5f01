"""The ForeignAssistance.gov and State Department budget readers, on the real files and on broken ones.

Expected values were read off the published files by hand; line numbers are the files' own. The
complete (activity-level) layout is tested on a hand-written sample of the real columns.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from stratmon.sources.budget import account_name, read_budget
from stratmon.sources.errors import ImportRejected
from stratmon.sources.fagov import MAX_FILE_BYTES, read_fagov
from stratmon.sources.records import FAGOV_TRANSACTION_TYPES, BudgetFigure, FagovTransaction, FundingFigure
from stratmon.sources.values import MAX_AMOUNT

COMPLETE_SAMPLE = Path(__file__).parent / "fixtures" / "fagov" / "complete-sample.csv"
CENTRAL_AMERICA = {"Belize": "BZ", "Costa Rica": "CR", "El Salvador": "SV", "Guatemala": "GT",
                   "Honduras": "HN", "Nicaragua": "NI", "Panama": "PA"}
REGIONS = {"Africa", "East Asia and Pacific", "Europe and Eurasia", "Near East", "South and Central Asia",
           "Western Hemisphere"}
BUDGET_YEARS = range(2008, 2018)


# --- helpers -------------------------------------------------------------------------------------------

def rejection(read, path: Path) -> ImportRejected:
    """The one-line rejection of reading `path` whole."""
    with pytest.raises(ImportRejected) as caught:
        list(read(path))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return caught.value


def write(tmp_path: Path, text: str, name: str = "file.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only(records, **fields):
    """The single record whose attributes equal `fields`."""
    found = [r for r in records if all(getattr(r, name) == value for name, value in fields.items())]
    assert len(found) == 1, (fields, found)
    return found[0]


# --- ForeignAssistance.gov country summary, real file ----------------------------------------------------

@pytest.fixture(scope="module")
def summary_path(shared_data) -> Path:
    return shared_data / "foreignaid-explorer-country" / "us_foreign_aid_country.csv"


@pytest.fixture(scope="module")
def summary(summary_path) -> list[FundingFigure]:
    return list(read_fagov(summary_path))


def test_summary_reads_every_row_once_per_key(summary):
    # 23,166 rows; three World figures are split over two income groups and are summed.
    assert len(summary) == 23_163
    assert all(isinstance(f, FundingFigure) for f in summary)
    keys = Counter((f.recipient_key, f.fiscal_year, f.fiscal_period, f.transaction_type) for f in summary)
    assert max(keys.values()) == 1
    assert Counter(f.transaction_type for f in summary) == {
        "obligation": 11_376, "disbursement": 4_909, "appropriated_planned": 2_560, "budget_request": 2_559,
        "initial_allocation": 1_759}
    assert {f.transaction_type for f in summary} == set(FAGOV_TRANSACTION_TYPES)


def test_summary_guatemala_obligations_fy2019(summary):
    # line 8318: GTM,Guatemala,...,2,Obligations,2019,157125457,164114372
    figure = only(summary, recipient_key="GT", fiscal_year=2019, fiscal_period="", transaction_type="obligation")
    assert (figure.line, figure.recipient_name) == (8318, "Guatemala")
    assert (figure.current_usd, figure.constant_usd) == (Decimal("157125457"), Decimal("164114372"))


def test_summary_transition_quarter_is_its_own_period(summary):
    # lines 8274-8275: FY1976 and the transition quarter 1976tq, side by side
    year = only(summary, recipient_key="GT", fiscal_year=1976, fiscal_period="", transaction_type="obligation")
    quarter = only(summary, recipient_key="GT", fiscal_year=1976, fiscal_period="tq", transaction_type="obligation")
    assert (year.line, year.current_usd) == (8274, Decimal("45519000"))
    assert (quarter.line, quarter.current_usd, quarter.constant_usd) == (8275, Decimal("4501000"),
                                                                         Decimal("16634007"))
    assert sum(1 for f in summary if f.fiscal_period == "tq") == 98
    assert {f.fiscal_year for f in summary if f.fiscal_period} == {1976}


def test_summary_regional_rows_stay_regional(summary):
    # line 3759: CNA,Central America Region,6,Western Hemisphere,NULL,NULL,2,Obligations,2017,233983812,254960930
    figure = only(summary, recipient_key="region-CNA", fiscal_year=2017, transaction_type="obligation")
    assert (figure.line, figure.recipient_name) == (3759, "Central America Region")
    assert (figure.current_usd, figure.constant_usd) == (Decimal("233983812"), Decimal("254960930"))
    regional = {f.recipient_key: f.recipient_name for f in summary if f.recipient_key.startswith("region-")}
    assert regional["region-CCN"] == "Central America and Caribbean Region"
    assert regional["region-LCN"] == "Latin America and Caribbean Region"
    assert regional["region-WLD"] == "World"
    assert sum(1 for f in summary if f.recipient_key == "region-CNA") == 93
    countries = {f.recipient_key for f in summary} - set(regional)
    assert all(len(key) == 2 and key.isupper() for key in countries)


def test_summary_central_america_rows(summary):
    # SOURCE.md: 1,012 rows for BLZ, CRI, SLV, GTM, HND, NIC, PAN
    assert sum(1 for f in summary if f.recipient_key in CENTRAL_AMERICA.values()) == 1_012
    names = {f.recipient_key: f.recipient_name for f in summary if f.recipient_key in CENTRAL_AMERICA.values()}
    assert names == {code: name for name, code in CENTRAL_AMERICA.items()}


def test_summary_keeps_negative_figures(summary):
    # line 286: AIA,Anguilla,...,3,Disbursements,2020,-31837,-32815
    figure = only(summary, recipient_key="AI", fiscal_year=2020, transaction_type="disbursement")
    assert (figure.line, figure.current_usd, figure.constant_usd) == (286, Decimal("-31837"), Decimal("-32815"))


def test_summary_sums_a_figure_split_by_income_group(summary):
    # lines 22464 (no income group) and 22522 (UMIC): World obligations FY2021
    figure = only(summary, recipient_key="region-WLD", fiscal_year=2021, transaction_type="obligation")
    assert figure.line == 22464
    assert figure.current_usd == Decimal("17660529293") + Decimal("1709519")
    assert figure.constant_usd == Decimal("17660529293") + Decimal("1709519")


def test_summary_former_states_are_never_present_day_countries(summary):
    keys = {f.recipient_key: f.recipient_name for f in summary}
    assert keys["region-SDF"] == "Sudan (former)"
    assert keys["region-YUF"] == "Yugoslavia (former)"
    assert keys["region-ANT"] == "Netherlands Antilles (former)"
    # printed with the code NULL: keyed by name, each its own recipient
    assert keys["region-SOVIET_UNION_FORMER"] == "Soviet Union (former)"
    assert keys["region-BERLIN_WEST"] == "Berlin, West"
    assert keys["region-YEMEN_FORMER_P_D_R"] == "Yemen (former P.D.R.)"
    assert "region-NULL" not in keys
    # CS-KM is not ISO, but Kosovo is a country
    assert keys["XK"] == "Kosovo"
    assert keys["SD"] == "Sudan" and keys["SS"] == "South Sudan"


def test_summary_reports_every_byte_read(summary_path):
    chunks: list[bytes] = []
    for _ in read_fagov(summary_path, on_chunk=chunks.append):
        pass
    assert b"".join(chunks) == summary_path.read_bytes()


# --- ForeignAssistance.gov complete file, hand-written sample --------------------------------------------

@pytest.fixture(scope="module")
def complete() -> list[FagovTransaction]:
    return list(read_fagov(COMPLETE_SAMPLE))


def test_complete_sample_rows(complete):
    assert len(complete) == 15
    assert all(isinstance(t, FagovTransaction) for t in complete)
    # row 1's description holds a line break, so rows 2.. start one line later than their index
    assert [t.line for t in complete] == [2, *range(4, 18)]
    assert Counter(t.transaction_type for t in complete) == {"obligation": 8, "disbursement": 7}


def test_complete_obligation_with_every_field(complete):
    first = complete[0]
    assert first == FagovTransaction(
        line=2, activity_id="45211", activity_name="Guatemala Community Violence Prevention",
        recipient_key="GT", recipient_name="Guatemala",
        managing_agency="U.S. Agency for International Development",
        managing_sub_agency="Bureau for Latin America and the Caribbean",
        implementing_partner="Creative Associates International", implementing_partner_category="Enterprises",
        us_category="Peace and Security", us_sector="Conflict Mitigation and Reconciliation",
        dac_sector="152", dac_purpose="15220", funding_account="Economic Support Fund",
        funding_agency="U.S. Agency for International Development", aid_type="Project-type interventions",
        transaction_type="obligation", fiscal_year=2019, transaction_date=date(2019, 3, 29),
        current_usd=Decimal("4500000"), constant_usd=Decimal("4697543"), submission_id="2019Q2")


def test_complete_keeps_deobligations(complete):
    deobligation = only(complete, activity_id="45211", fiscal_year=2020)
    assert deobligation.transaction_type == "obligation"
    assert (deobligation.current_usd, deobligation.constant_usd) == (Decimal("-310442"), Decimal("-320127"))
    assert deobligation.transaction_date == date(2019, 11, 22)  # FY2020 began 2019-10-01
    correction = only(complete, activity_id="51277", fiscal_year=2020)
    assert (correction.transaction_type, correction.current_usd) == ("disbursement", Decimal("-15000"))


def test_complete_regional_row(complete):
    regional = [t for t in complete if t.recipient_key.startswith("region-")]
    assert {(t.recipient_key, t.recipient_name) for t in regional} == {("region-CNA", "Central America Region")}
    assert sum(t.current_usd for t in regional if t.transaction_type == "obligation") == Decimal("6000000")


def test_complete_missing_values_are_none(complete):
    peace_corps = only(complete, recipient_key="CR")
    assert (peace_corps.implementing_partner, peace_corps.managing_sub_agency) == (None, None)
    assert only(complete, recipient_key="SV", transaction_type="disbursement").constant_usd is None
    assert only(complete, recipient_key="NI").transaction_date is None


def test_complete_transition_quarter_counts_in_its_fiscal_year(complete):
    old = only(complete, activity_id="7735")
    assert (old.fiscal_year, old.transaction_date, old.submission_id) == (1976, date(1976, 8, 31), None)


# --- ForeignAssistance.gov: hand-made files --------------------------------------------------------------

SUMMARY_HEADER = ("Country Code,Country Name,Region ID,Region Name,Income Group Acronym,Income Group Name,"
                  "Transaction Type ID,Transaction Type Name,Fiscal Year,current_amount,constant_amount")


def summary_row(code="GTM", name="Guatemala", type_id="2", type_name="Obligations", year="2019",
                current="157125457", constant="164114372") -> str:
    return f"{code},{name},6,Western Hemisphere,UMIC,Upper Middle Income Country,{type_id},{type_name}," \
           f"{year},{current},{constant}"


def summary_file(tmp_path: Path, *rows: str, header: str = SUMMARY_HEADER, **kwargs) -> Path:
    return write(tmp_path, "\r\n".join([header, *rows]) + "\r\n", **kwargs)


def test_fagov_accepts_header_variants_bom_and_number_formats(tmp_path):
    header = ("\ufeffcountry_code,COUNTRY NAME,Region ID,Region Name,Income Group Acronym,Income Group Name,"
              "transaction-type-id,Transaction  Type Name,fiscal_year,Current Amount,CONSTANT_AMOUNT")
    path = summary_file(tmp_path, summary_row(current='"1,234,567.50"', constant="NULL"),
                        "", summary_row(year="1976TQ", current="-5", constant=""), header=header)
    first, second = read_fagov(path)
    assert (first.line, first.current_usd, first.constant_usd) == (2, Decimal("1234567.50"), None)
    assert (second.line, second.fiscal_year, second.fiscal_period) == (4, 1976, "tq")
    assert (second.current_usd, second.constant_usd) == (Decimal("-5"), None)


def test_fagov_reads_types_by_name_when_there_is_no_id(tmp_path):
    header = SUMMARY_HEADER.replace("Transaction Type ID,", "")
    rows = [summary_row(type_name=name).replace(",2,", ",", 1) for name in
            ("Appropriated and Planned", "Obligations", "Disbursements", "President's Budget Requests",
             "Initial Allocations")]
    rows = [row.replace(",2019,", f",{2000 + n},") for n, row in enumerate(rows)]
    types = [f.transaction_type for f in read_fagov(summary_file(tmp_path, *rows, header=header))]
    assert types == list(FAGOV_TRANSACTION_TYPES)


@pytest.mark.parametrize(("row", "reason"), [
    (summary_row(current="abc"), "column 'current_amount': 'abc' is not a number"),
    (summary_row(constant="12..5"), "column 'constant_amount': '12..5' is not a number"),
    (summary_row(year="2019q"), "column 'Fiscal Year': '2019q' is not a fiscal year"),
    (summary_row(year="FY19"), "column 'Fiscal Year': 'FY19' is not a fiscal year"),
    (summary_row(year=""), "column 'Fiscal Year': '' is not a fiscal year"),
    (summary_row(type_id="7", type_name="Expenditures"),
     "column 'Transaction Type ID': '7' is not a ForeignAssistance.gov transaction type"),
    (summary_row(type_id="3", type_name="Obligations"),
     "column 'Transaction Type Name': 'Obligations' does not match Transaction Type ID 3"),
    (summary_row(code="G T M"), "column 'Country Code': 'G T M' is not a country or region code"),
    (summary_row(code="NULL", name=""), "columns 'Country Code' and 'Country Name' are both empty"),
    (summary_row() + ",extra", "row has 12 fields, the header has 11"),
    (summary_row(current="1" * 20), "column 'current_amount': '11111111111111111111' is too large to store"),
])
def test_fagov_rejects_a_bad_row_naming_line_and_column(tmp_path, row, reason):
    path = summary_file(tmp_path, summary_row(), summary_row(year="2020"), row)
    error = rejection(read_fagov, path)
    assert error.line == 4 and error.reason.startswith(reason), error.reason


@pytest.mark.parametrize(("header", "reason"), [
    (SUMMARY_HEADER.replace(",Fiscal Year", ""), "missing column 'Fiscal Year'"),
    (SUMMARY_HEADER.replace("Country Code,", ""), "missing column 'Country Code'"),
    (SUMMARY_HEADER.replace(",constant_amount", ""), "missing column 'constant_amount'"),
    (SUMMARY_HEADER.replace("Transaction Type ID,Transaction Type Name,", ""),
     "missing column 'Transaction Type Name'"),
    (SUMMARY_HEADER + ",fiscal_year", "column 'fiscal_year' appears twice"),
    ("Country,All Accounts,DA,ESF,Fiscal Year", "not a ForeignAssistance.gov file: the header has neither "
     "'current_amount' (country summary) nor 'Current Dollar Amount' (complete file), it starts 'Country', "
     "'All Accounts', 'DA', 'ESF', ..."),
])
def test_fagov_rejects_a_bad_header_on_line_1(tmp_path, header, reason):
    path = summary_file(tmp_path, summary_row(), header=header)
    with pytest.raises(ImportRejected) as caught:
        read_fagov(path)  # the header is checked before any row is read
    assert (caught.value.line, caught.value.reason) == (1, reason)


def test_fagov_rejects_a_budget_table(shared_data):
    path = shared_data / "state-cbj-budget-by-country" / "STATE budget by country.15.csv"
    error = rejection(read_fagov, path)
    assert error.line == 1 and error.reason.startswith("not a ForeignAssistance.gov file:")


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \n"])
def test_fagov_rejects_an_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    error = rejection(read_fagov, path)
    assert (error.line, error.reason) == (None, "empty file: no header row")
    assert str(error) == f"{path}: empty file: no header row"


def test_fagov_rejects_bytes_that_are_not_utf8(tmp_path):
    path = summary_file(tmp_path, summary_row(), summary_row(name="Cote d\u2019Ivoire", code="CIV"),
                        encoding="cp1252")
    error = rejection(read_fagov, path)
    assert (error.line, error.reason) == (3, "not UTF-8: byte 0x92 at column 11")


def test_fagov_rejects_utf16(tmp_path):
    path = summary_file(tmp_path, summary_row(), encoding="utf-16")
    error = rejection(read_fagov, path)
    assert error.line == 1 and error.reason.startswith("NUL byte")


def test_fagov_rejects_an_unclosed_quote(tmp_path):
    path = summary_file(tmp_path, summary_row(), summary_row(name='"Guatemala'), summary_row())
    error = rejection(read_fagov, path)
    assert (error.line, error.reason) == (3, "the row starting on this line opens a quote that is never closed")


def test_fagov_rejects_an_endless_line(tmp_path):
    path = summary_file(tmp_path, summary_row(), summary_row(name="x" * (2 * 1024 * 1024)))
    error = rejection(read_fagov, path)
    assert (error.line, error.reason) == (3, "line is longer than 1048576 bytes")


def test_fagov_rejects_a_file_over_the_size_cap_before_reading_it(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: takes no disk space
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ImportRejected) as caught:
        read_fagov(path)
    assert caught.value.reason == f"file is larger than the limit of {MAX_FILE_BYTES} bytes"
    small = summary_file(tmp_path, summary_row(), name="small.csv")
    with pytest.raises(ImportRejected, match="larger than the limit of 100 bytes"):
        read_fagov(small, max_bytes=100)


def test_fagov_rejects_a_missing_file(tmp_path):
    with pytest.raises(ImportRejected, match="cannot read the file"):
        read_fagov(tmp_path / "absent.csv")


def complete_file(tmp_path: Path, **cells: str) -> Path:
    """The sample with cells of its second transaction (line 4) replaced, by column name."""
    text = COMPLETE_SAMPLE.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    for column, value in cells.items():
        records[2][records[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(records)
    return write(tmp_path, out.getvalue(), name="complete.csv")


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("Transaction Date", "30SEP2019", date(2019, 9, 30)),
    ("Transaction Date", "9/30/2019", date(2019, 9, 30)),
    ("Transaction Date", "2019-09-30 00:00:00", date(2019, 9, 30)),
    ("Transaction Date", "NULL", None),
])
def test_complete_accepts_date_spellings(tmp_path, column, value, expected):
    transactions = list(read_fagov(complete_file(tmp_path, **{column: value})))
    assert transactions[1].transaction_date == expected


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("Activity ID", "NULL", "column 'Activity ID' is empty or NULL"),
    ("Transaction Date", "30/09/2019", "column 'Transaction Date': '30/09/2019' is not a date"),
    ("Current Dollar Amount", "1.2.3", "column 'Current Dollar Amount': '1.2.3' is not a number"),
    ("Fiscal Year", "2019-20", "column 'Fiscal Year': '2019-20' is not a fiscal year"),
    ("Transaction Type ID", "1", "column 'Transaction Type Name': 'Disbursements' does not match "
                                 "Transaction Type ID 1"),
])
def test_complete_rejects_a_bad_cell(tmp_path, column, value, reason):
    error = rejection(read_fagov, complete_file(tmp_path, **{column: value}))
    assert error.line == 4 and error.reason.startswith(reason), error.reason


def test_complete_rejects_budget_types(tmp_path):
    path = complete_file(tmp_path, **{"Transaction Type ID": "1", "Transaction Type Name": "Appropriated and Planned"})
    error = rejection(read_fagov, path)
    assert error.line == 4
    assert error.reason == ("transaction type 'appropriated_planned' is not an obligation or disbursement: "
                            "the complete file holds transactions only")


# --- State Department budget tables, real files -----------------------------------------------------------

@pytest.fixture(scope="module")
def budgets(shared_data) -> dict[int, list[BudgetFigure]]:
    folder = shared_data / "state-cbj-budget-by-country"
    return {year: list(read_budget(folder / f"STATE budget by country.{year % 100:02d}.csv"))
            for year in BUDGET_YEARS}


def cell(figures: list[BudgetFigure], label: str, account: str = "All Accounts") -> BudgetFigure:
    return only(figures, label=label, account=account)


def test_budget_fy2015_guatemala(budgets):
    # line 160: Guatemala,"113,099","57,387","14,000",-,"34,000",-,-,798,"1,000",-,-,"5,914",-,-,-,-,2015
    figures = budgets[2015]
    guatemala = cell(figures, "Guatemala")
    assert (guatemala.line, guatemala.fiscal_year, guatemala.kind, guatemala.recipient_key) == (160, 2015,
                                                                                               "country", "GT")
    assert guatemala.amount_usd == Decimal("113099000")
    assert cell(figures, "Guatemala", "DA").amount_usd == Decimal("57387000")
    assert cell(figures, "Guatemala", "IMET").amount_usd == Decimal("798000")
    assert cell(figures, "Guatemala", "GHP-STATE").amount_usd == Decimal("0")  # printed "-"
    assert cell(figures, "Guatemala", "INCLE").amount_usd == Decimal("0")
    assert [f.account for f in figures if f.label == "Guatemala"] == [
        "All Accounts", "DA", "GHP-USAID", "GHP-STATE", "ESF", "INCLE", "NADR", "IMET", "FMF", "PKO", "IO&P", "FFP",
        "IDA", "DF", "AID Admin", "Other"]


def test_budget_central_america_every_year(budgets):
    all_accounts = {year: {f.label: f.amount_usd for f in figures if f.account == "All Accounts"}
                    for year, figures in budgets.items()}
    assert all_accounts[2008]["Honduras"] == Decimal("40510000")
    assert all_accounts[2016]["El Salvador"] == Decimal("119222000")
    assert all_accounts[2017]["Guatemala"] == Decimal("145105000")
    for year, figures in budgets.items():
        countries = {f.label: f.recipient_key for f in figures if f.kind == "country"}
        assert {name: countries.get(name) for name in CENTRAL_AMERICA} == CENTRAL_AMERICA, year
        assert {f.fiscal_year for f in figures} == {year}


def test_budget_row_kinds(budgets):
    for year, figures in budgets.items():
        assert {f.label for f in figures if f.kind == "region"} == REGIONS, year
        assert {f.label for f in figures if f.kind == "total"} == {"TOTAL"}, year
        assert all(f.recipient_key is None for f in figures if f.kind != "country")
    programs = {f.label for f in budgets[2015] if f.kind == "program"}
    assert {"USAID Central America Regional", "State Western Hemisphere Regional (WHA)",
            "Peace Corps"} <= programs
    names = {f.label: f.recipient_key for figures in budgets.values() for f in figures if f.kind == "country"}
    assert {names[n] for n in ("Democratic Republic of the Congo", "Swaziland", "The Bahamas", "The Gambia",
                               "Macedonia", "Burma", "Kosovo", "West Bank and Gaza")} == {
        "CD", "SZ", "BS", "GM", "MK", "MM", "XK", "PS"}


def test_budget_regions_are_the_sum_of_their_rows(budgets):
    # Each bureau's subtotal equals the rows listed under it, exactly: no row lost, none misread.
    for year, figures in budgets.items():
        rows = [f for f in figures if f.account == "All Accounts" and f.kind != "total"]
        starts = [i for i, f in enumerate(rows) if f.kind == "region"]
        for start, end in zip(starts, starts[1:]):  # the last bureau is followed by functional bureaus
            assert rows[start].amount_usd == sum(f.amount_usd for f in rows[start + 1:end]), (year, rows[start].label)


def test_budget_joins_labels_the_pdf_conversion_wrapped(budgets):
    # FY2008 lines 270-271: "Overseas Private Investment" / "Corporation (OPIC),"-164,500",..."
    opic = cell(budgets[2008], "Overseas Private Investment Corporation (OPIC)")
    assert (opic.line, opic.kind, opic.amount_usd) == (271, "program", Decimal("-164500000"))
    # FY2017 lines 248-249: the CCRIF label alone, its amounts on the next row with an empty label
    ccrif = "Central American and Caribbean Catastrophic Risk Insurance Facility (CCRIF)"
    assert (cell(budgets[2017], ccrif).line, cell(budgets[2017], ccrif).amount_usd) == (249, Decimal("12500000"))
    assert cell(budgets[2015], ccrif).amount_usd == Decimal("0")
    # FY2008 lines 232-236: label, amounts, a second label, a blank row, the same amounts again
    assert cell(budgets[2008], "Oceans and International Environmental and Scientific Affairs (OES)").line == 236
    assert all(f.label and "  " not in f.label for figures in budgets.values() for f in figures)


def test_budget_drops_rows_printed_twice(budgets):
    # FY2008 prints "Asia Middle East Regional" on lines 191 and 192 with the same amounts
    assert cell(budgets[2008], "Asia Middle East Regional").line == 191
    for year, figures in budgets.items():
        assert max(Counter((f.label, f.account) for f in figures).values()) == 1, year


def test_budget_reads_windows_1252_tables(budgets):
    # FY2012-FY2017 are Windows-1252: 0x92 is a right single quotation mark
    issues = cell(budgets[2012], "S/GWI - Ambassador-at-Large for Global Women\u2019s Issues", "ESF")
    assert issues.amount_usd == Decimal("5000000")


def test_budget_account_spellings_across_years(budgets):
    accounts = {year: [f.account for f in figures if f.label == "TOTAL"] for year, figures in budgets.items()}
    assert accounts[2008][:4] == ["All Accounts", "Total without GHCS-State", "GHCS-USAID", "GHCS-STATE"]
    assert "GHP-USAID" in accounts[2014] and "GHP-STATE" in accounts[2016]
    assert all(accounts[year][0] == "All Accounts" and accounts[year][-1] == "Other" for year in BUDGET_YEARS)
    assert cell(budgets[2008], "TOTAL").amount_usd == Decimal("25207133000")


def test_budget_empty_cells_yield_nothing(budgets):
    # FY2011 line 217: Peace Corps,"374,250",,,,,,,,,,,,,,"374,250",2011
    peace_corps = [f for f in budgets[2011] if f.label == "Peace Corps"]
    assert [(f.line, f.account, f.amount_usd) for f in peace_corps] == [
        (217, "All Accounts", Decimal("374250000")), (217, "Other", Decimal("374250000"))]


@pytest.mark.parametrize(("printed", "account"), [
    ("Total", "All Accounts"), ("All Accounts", "All Accounts"), ("GHCS- USAID", "GHCS-USAID"),
    ("GHCS-State", "GHCS-STATE"), ("GHP USAID", "GHP-USAID"), ("GHP- STATE", "GHP-STATE"), ("Other**", "Other"),
    ("Other*", "Other"), ("PL 480", "P.L. 480"), ("IO&P", "IO&P"), ("AID  Admin", "AID Admin"),
])
def test_budget_account_names(printed, account):
    assert account_name(printed) == account


# --- State Department budget tables: hand-made files ------------------------------------------------------

BUDGET_HEADER = "Country,All Accounts,DA,ESF,INCLE,Other**,Fiscal Year"


def budget_file(tmp_path: Path, *rows: str, header: str = BUDGET_HEADER, encoding: str = "utf-8") -> Path:
    return write(tmp_path, "\r\n".join([header, *rows]) + "\r\n", name="budget.csv", encoding=encoding)


def test_budget_hand_made_table(tmp_path):
    path = budget_file(tmp_path, 'TOTAL,"1,500",-,"1,000",500,,2016', 'Western Hemisphere,"1,500",-,"1,000",500,,2016',
                       "Guatemala,700,-,400,300,,2016", ",,,,,,2016", "USAID Central America,,,,,,2016",
                       'Regional,"-0.5",,,,"-0.5",2016', ",,,,,,", "http://www.state.gov/documents/x.pdf,,,,,,")
    figures = list(read_budget(path))
    assert [(f.line, f.label, f.kind, f.recipient_key, f.account, f.amount_usd) for f in figures] == [
        (2, "TOTAL", "total", None, "All Accounts", Decimal("1500000")),
        (2, "TOTAL", "total", None, "DA", Decimal("0")),
        (2, "TOTAL", "total", None, "ESF", Decimal("1000000")),
        (2, "TOTAL", "total", None, "INCLE", Decimal("500000")),
        (3, "Western Hemisphere", "region", None, "All Accounts", Decimal("1500000")),
        (3, "Western Hemisphere", "region", None, "DA", Decimal("0")),
        (3, "Western Hemisphere", "region", None, "ESF", Decimal("1000000")),
        (3, "Western Hemisphere", "region", None, "INCLE", Decimal("500000")),
        (4, "Guatemala", "country", "GT", "All Accounts", Decimal("700000")),
        (4, "Guatemala", "country", "GT", "DA", Decimal("0")),
        (4, "Guatemala", "country", "GT", "ESF", Decimal("400000")),
        (4, "Guatemala", "country", "GT", "INCLE", Decimal("300000")),
        (7, "USAID Central America Regional", "program", None, "All Accounts", Decimal("-500.0")),
        (7, "USAID Central America Regional", "program", None, "Other", Decimal("-500.0")),
    ]


def test_budget_repeated_rows(tmp_path):
    path = budget_file(tmp_path, "Guatemala,7,-,7,-,-,2016", "Guatemala,7,-,7,-,-,2016", "Guatemala,8,-,8,-,-,2016")
    assert [(f.line, f.amount_usd) for f in read_budget(path) if f.account == "All Accounts"] == [
        (2, Decimal("7000")), (4, Decimal("8000"))]  # the exact repeat is dropped; the loader sees the conflict


@pytest.mark.parametrize(("row", "reason"), [
    ('Guatemala,"12,3x4",-,-,-,-,2015', "column 'All Accounts': '12,3x4' is not a number"),
    ("Guatemala,1,-,-,-,abc,2015", "column 'Other**': 'abc' is not a number"),
    ("Guatemala,1,-,-,-,-,FY2015", "column 'Fiscal Year': 'FY2015' is not a fiscal year"),
    ("Guatemala,1,-,-,-,-,", "column 'Fiscal Year': '' is not a fiscal year"),
    (",1,-,-,-,-,2015", "a row with amounts has no label (column 'Country' is empty)"),
    ("Guatemala,1,-,-,-,-", "row has 6 fields, the header has 7"),
])
def test_budget_rejects_a_bad_row_naming_line_and_column(tmp_path, row, reason):
    path = budget_file(tmp_path, "TOTAL,1,-,-,-,-,2015", "Western Hemisphere,1,-,-,-,-,2015", row)
    error = rejection(read_budget, path)
    assert error.line == 4 and error.reason.startswith(reason), error.reason


@pytest.mark.parametrize(("header", "reason"), [
    (SUMMARY_HEADER, "not a State Department budget table: the first column is 'Country Code', expected 'Country'"),
    ("Country,All Accounts,DA,ESF", "missing column 'Fiscal Year'"),
    ("Country,All Accounts,Fiscal Year,DA", "column 'Fiscal Year' is not the last column"),
    ("Country,Fiscal Year", "no account columns between 'Country' and 'Fiscal Year'"),
    ("Country,All Accounts,GHP USAID,GHP-USAID,Fiscal Year", "column 'GHP-USAID' appears twice"),
    ("Country,Total,All Accounts,Fiscal Year", "column 'All Accounts' repeats account 'All Accounts'"),
])
def test_budget_rejects_a_bad_header_on_line_1(tmp_path, header, reason):
    path = budget_file(tmp_path, "TOTAL,1,2,3,4,5,2015", header=header)
    with pytest.raises(ImportRejected) as caught:
        read_budget(path)
    assert (caught.value.line, caught.value.reason) == (1, reason)


def test_budget_rejects_a_fagov_file(summary_path):
    error = rejection(read_budget, summary_path)
    assert error.line == 1 and error.reason.startswith("not a State Department budget table:")


def test_budget_rejects_an_empty_file(tmp_path):
    error = rejection(read_budget, write(tmp_path, ""))
    assert (error.line, error.reason) == (None, "empty file: no header row")


def test_budget_rejects_mixed_encodings(tmp_path):
    utf8_then_1252 = budget_file(tmp_path, "C\u00f4te d'Ivoire,1,-,-,-,-,2015", "Women,1,-,-,-,-,2015")
    utf8_then_1252.write_bytes(utf8_then_1252.read_bytes().replace(b"Women", b"Women\x92s"))
    assert rejection(read_budget, utf8_then_1252).reason == "not UTF-8: byte 0x92 at column 6"
    cp1252_then_utf8 = budget_file(tmp_path, "Women\u2019s Issues,1,-,-,-,-,2015", "Sao Tom\u00e9,1,-,-,-,-,2015",
                                   encoding="cp1252")
    cp1252_then_utf8.write_bytes(cp1252_then_utf8.read_bytes().replace(b"Tom\xe9", "Tom\u00e9".encode()))
    error = rejection(read_budget, cp1252_then_utf8)
    assert (error.line, error.reason) == (3, "mixes UTF-8 with cp1252")


def test_budget_rejects_bytes_of_no_known_encoding(tmp_path):
    path = budget_file(tmp_path, "Guatemala,1,-,-,-,-,2015")
    path.write_bytes(path.read_bytes().replace(b"Guatemala", b"Guate\x81mala"))
    error = rejection(read_budget, path)
    assert (error.line, error.reason) == (2, "neither UTF-8 nor cp1252: byte 0x81 at column 6")


def test_budget_rejects_amounts_too_large_to_store(tmp_path):
    thousands = MAX_AMOUNT // 1000 + 1
    path = budget_file(tmp_path, f"Guatemala,{thousands},-,-,-,-,2015")
    error = rejection(read_budget, path)
    assert (error.line, error.reason) == (2, f"column 'All Accounts': '{thousands}' thousand is too large to store")


def test_budget_file_size_cap(tmp_path):
    path = budget_file(tmp_path, "Guatemala,1,-,-,-,-,2015")
    with pytest.raises(ImportRejected, match="larger than the limit of 10 bytes"):
        read_budget(path, max_bytes=10)
    assert os.path.getsize(path) > 10
