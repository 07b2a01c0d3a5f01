"""Context-indicator readers (sources/context.py) on the real files, and on broken files written by hand.

Expected values are read off the files as printed (and SOURCE.md's sums for CBP), never through the
reader under test; every rejection must be one line naming the right line of the file.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from stratmon.sources import csvsafe
from stratmon.sources.context import read_cbp, read_context, read_datahub, read_owid, read_wdi
from stratmon.sources.errors import ImportRejected

CENTRAL_AMERICA = {"BZ", "CR", "SV", "GT", "HN", "NI", "PA"}
LAYOUT_FILES = {
    "owid": "owid-context/homicide-rate-unodc.csv",
    "wdi": "wdi-remittances/BX.TRF.PWKR.DT.GD.ZS.csv",
    "datahub": "datahub-gdp/gdp.csv",
    "cbp": "cbp-encounters/cbp-nationwide-encounters-fy20-fy23-state.csv",
}


def line_of(path: Path, prefix: str) -> int:
    """The 1-based number of the first line of `path` starting with `prefix`."""
    with path.open(encoding="utf-8-sig") as handle:
        return next(number for number, text in enumerate(handle, 1) if text.startswith(prefix))


def by_key(values) -> dict:
    found = {}
    for value in values:
        key = (value.country_key, value.year, value.dimension)
        assert key not in found, f"{key} yielded twice"
        found[key] = value
    return found


def rejection(read, path: Path, *args) -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        list(read(path, *args))
    error = caught.value
    assert "\n" not in str(error)
    assert str(error).startswith(str(path))
    return error


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --- Our World in Data ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, indicator, unit, source, central_america_rows", [
    ("homicide-rate-unodc.csv", "homicide_rate", "per 100,000 people", "UNODC via Our World in Data", 212),
    ("gdp-per-capita-worldbank.csv", "gdp_per_capita_ppp", "constant international $ (PPP)",
     "World Bank via Our World in Data", 245),
    ("economic-inequality-gini-index.csv", "gini", "0–1", "World Bank via Our World in Data", 144),
])
def test_owid_series_are_named_by_their_header(shared_data, name, indicator, unit, source, central_america_rows):
    values = list(read_owid(shared_data / "owid-context" / name))
    assert {(v.indicator, v.unit, v.source, v.vintage, v.period, v.dimension) for v in values} == {
        (indicator, unit, source, None, "calendar", "")}
    # SOURCE.md's row counts for the seven countries.
    assert sum(v.country_key in CENTRAL_AMERICA for v in values) == central_america_rows


def test_owid_homicide_el_salvador_2015_is_exact(shared_data):
    path = shared_data / "owid-context" / "homicide-rate-unodc.csv"
    values = by_key(read_owid(path))
    value = values[("SV", 2015, "")]
    assert value.value == Decimal("107.63823")
    assert value.line == line_of(path, "El Salvador,SLV,2015,") == 1374


def test_owid_gdp_per_capita_and_gini_are_exact(shared_data):
    gdp_path = shared_data / "owid-context" / "gdp-per-capita-worldbank.csv"
    gdp = by_key(read_owid(gdp_path))[("GT", 2020, "")]
    assert (gdp.value, gdp.line) == (Decimal("11097.15"), line_of(gdp_path, "Guatemala,GTM,2020,"))
    gini_path = shared_data / "owid-context" / "economic-inequality-gini-index.csv"
    gini = by_key(read_owid(gini_path))[("HN", 2024, "")]
    assert (gini.value, gini.line) == (Decimal("0.4567611813545227"), line_of(gini_path, "Honduras,HND,2024,"))


def test_owid_aggregates_and_sub_national_rows_are_left_out(shared_data):
    homicide = list(read_owid(shared_data / "owid-context" / "homicide-rate-unodc.csv"))
    assert all(len(v.country_key) == 2 for v in homicide)
    gini_path = shared_data / "owid-context" / "economic-inequality-gini-index.csv"
    honduras = [v for v in read_owid(gini_path) if v.country_key == "HN"]
    national_lines = gini_path.read_text(encoding="utf-8").count("\nHonduras,HND,")
    # "Honduras (urban)" (no code) must not be mixed with the national series.
    assert len(honduras) == national_lines
    assert "Honduras (urban)" in gini_path.read_text(encoding="utf-8")


# --- World Bank WDI ---------------------------------------------------------------------------------

def test_wdi_remittances_el_salvador_2020_is_exact_with_vintage(shared_data):
    path = shared_data / "wdi-remittances" / "BX.TRF.PWKR.DT.GD.ZS.csv"
    value = by_key(read_wdi(path))[("SV", 2020, "")]
    assert value.value == Decimal("24.0928003375617")
    assert value.line == line_of(path, '"El Salvador","SLV",') == 217
    assert (value.indicator, value.unit, value.source, value.vintage, value.period) == (
        "remittances_gdp", "% of GDP", "World Bank WDI", "2022-05-25", "calendar")


def test_wdi_matches_source_md_and_drops_aggregates_and_empty_cells(shared_data):
    values = by_key(read_wdi(shared_data / "wdi-remittances" / "BX.TRF.PWKR.DT.GD.ZS.csv"))
    rounded = {country: values[(country, 2020, "")].value.quantize(Decimal("0.01"))
               for country in CENTRAL_AMERICA}
    assert rounded == {"SV": Decimal("24.09"), "HN": Decimal("23.62"), "GT": Decimal("14.70"),
                       "NI": Decimal("14.70"), "BZ": Decimal("7.38"), "CR": Decimal("0.85"),
                       "PA": Decimal("0.84")}
    assert not any((country, 2021, "") in values for country in CENTRAL_AMERICA)  # empty in this vintage
    assert {v.vintage for v in values.values()} == {"2022-05-25"}
    assert all(len(country) == 2 for country, _, _ in values)


def test_wdi_indicator_argument_overrides_the_catalogue(shared_data):
    values = list(read_wdi(shared_data / "wdi-remittances" / "BX.TRF.PWKR.DT.GD.ZS.csv", "remittances"))
    assert {(v.indicator, v.unit) for v in values} == {("remittances", "% of GDP")}


def test_wdi_unknown_code_keeps_its_code_and_the_unit_its_name_gives(tmp_path):
    path = write(tmp_path, "w.csv", '\ufeff"Data Source","World Development Indicators",\n\n'
                 '"Last Updated Date","2024-03-28",\n\n'
                 '"Country Name","Country Code","Indicator Name","Indicator Code","2019","2020",\n'
                 '"Guatemala","GTM","GDP (current US$)","NY.GDP.MKTP.CD","77172317258.6478","..",\n')
    [value] = read_wdi(path)
    assert (value.indicator, value.unit, value.source, value.vintage, value.year, value.line) == (
        "NY.GDP.MKTP.CD", "current US$", "World Bank WDI", "2024-03-28", 2019, 6)
    assert value.value == Decimal("77172317258.6478")


# --- datahub -------------------------------------------------------------------------------------------

def test_datahub_gdp_guatemala_2020_is_exact(shared_data):
    path = shared_data / "datahub-gdp" / "gdp.csv"
    values = by_key(read_datahub(path))
    value = values[("GT", 2020, "")]
    assert value.value == Decimal("77715183063.2054")
    assert value.line == line_of(path, "Guatemala,GTM,2020,")
    assert (value.indicator, value.unit, value.source, value.vintage) == (
        "gdp_usd", "current US$", "World Bank via datahub.io", None)
    assert sum(country in CENTRAL_AMERICA for country, _, _ in values) == 415  # SOURCE.md
    assert not any(country == "WL" for country, _, _ in values)


def test_datahub_population_guatemala_2020_is_exact(shared_data):
    path = shared_data / "datahub-population" / "population.csv"
    values = by_key(read_datahub(path))
    value = values[("GT", 2020, "")]
    assert (value.value, value.indicator, value.unit) == (Decimal("17357325"), "population", "people")
    assert value.line == line_of(path, "Guatemala,GTM,2020,")
    assert sum(country in CENTRAL_AMERICA for country, _, _ in values) == 455  # SOURCE.md


def test_datahub_unknown_file_takes_the_indicator_argument(tmp_path):
    path = write(tmp_path, "gdp-2024.csv", "Country Name,Country Code,Year,Value\nHonduras,HND,2020,1\n")
    [known] = read_datahub(path, "gdp_usd")
    assert (known.indicator, known.unit, known.source) == ("gdp_usd", "current US$", "World Bank via datahub.io")
    [unknown] = read_datahub(path, "life_expectancy")
    assert (unknown.indicator, unknown.unit, unknown.source) == ("life_expectancy", "", "datahub.io")


# --- CBP encounters ---------------------------------------------------------------------------------

def cbp_rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


@pytest.fixture(scope="module")
def cbp(shared_data):
    path = shared_data / LAYOUT_FILES["cbp"]
    sums = read_cbp(path)
    return path, by_key(sums), sums.skipped_citizenships


@pytest.mark.parametrize("country, fiscal_year, encounters", [
    ("GT", 2020, 49_436), ("GT", 2021, 284_291), ("GT", 2022, 233_061), ("GT", 2023, 221_849),
    ("HN", 2021, 321_149), ("SV", 2021, 99_463), ("NI", 2022, 164_600),
])
def test_cbp_sums_match_source_md(cbp, country, fiscal_year, encounters):
    _, values, _ = cbp
    value = values[(country, fiscal_year, "")]
    assert value.value == Decimal(encounters)
    assert (value.indicator, value.period, value.unit, value.source, value.vintage) == (
        "migration_encounters", "fiscal", "encounters",
        "U.S. Customs and Border Protection, Nationwide Encounters", None)


def test_cbp_line_is_the_first_contributing_row(cbp):
    path, values, _ = cbp
    first = next(line for line, row in cbp_rows(path)
                 if row["Fiscal Year"] == "2020" and row["Citizenship"] == "GUATEMALA")
    assert values[("GT", 2020, "")].line == first
    first_minor = next(line for line, row in cbp_rows(path) if row["Fiscal Year"] == "2021"
                       and row["Citizenship"] == "HONDURAS" and row["Demographic"] == "UC / Single Minors")
    assert values[("HN", 2021, "UC / Single Minors")].line == first_minor


def test_cbp_demographics_add_up_to_the_total(cbp):
    _, values, _ = cbp
    demographics = {d for _, _, d in values} - {""}
    assert demographics == {"Single Adults", "FMUA", "UC / Single Minors", "Accompanied Minors"}
    for (country, year, dimension), total in values.items():
        if dimension == "":
            parts = [v.value for (c, y, d), v in values.items() if (c, y) == (country, year) and d]
            assert sum(parts) == total.value


def test_cbp_every_encounter_is_counted_or_reported_skipped(cbp):
    path, values, skipped = cbp
    in_file = sum(int(row["Encounter Count"]) for _, row in cbp_rows(path))
    assert sum(v.value for (_, _, d), v in values.items() if d == "") + sum(skipped.values()) == in_file
    # Belize, Costa Rica and Panama are folded into OTHER by CBP; China's name is CBP's own.
    assert set(skipped) == {"OTHER"}  # every citizenship the file names as a country maps to one
    assert not {"BZ", "CR", "PA"} & {country for country, _, _ in values}


def test_cbp_counts_with_separators_and_missing_counts(tmp_path):
    path = write(tmp_path, "c.csv", "Fiscal Year,Demographic,Citizenship,Encounter Count\n"
                 '2021,FMUA,HONDURAS,"1,204"\n2021,FMUA,HONDURAS,\n2021,FMUA,OTHER,NULL\n')
    sums = read_cbp(path)
    assert [(v.dimension, v.value, v.line) for v in sums] == [("", Decimal(1204), 2), ("FMUA", Decimal(1204), 2)]
    assert sums.skipped_citizenships == {}


# --- values and dispatch ------------------------------------------------------------------------------

def test_missing_markers_are_not_yielded_and_separators_are_stripped(tmp_path):
    path = write(tmp_path, "population.csv", "\ufeffCountry Name,Country Code,Year,Value\n"
                 'Panama,PAN,2001,"3,030,000"\nPanama,PAN,2002,\nPanama,PAN,2003,NULL\n'
                 "Panama,PAN,2004,n/a\nPanama,PAN,2005,..\nPanama,PAN,2006,1e-05\n")
    assert [(v.year, v.value, v.line) for v in read_datahub(path)] == [
        (2001, Decimal("3030000"), 2), (2006, Decimal("0.00001"), 7)]


def test_read_context_dispatches_on_the_layout(shared_data):
    first = {fmt: next(iter(read_context(shared_data / name, fmt))) for fmt, name in LAYOUT_FILES.items()}
    assert {fmt: value.indicator for fmt, value in first.items()} == {
        "owid": "homicide_rate", "wdi": "remittances_gdp", "datahub": "gdp_usd", "cbp": "migration_encounters"}
    with pytest.raises(ValueError, match="unknown context layout"):
        read_context(shared_data / LAYOUT_FILES["owid"], "xlsx")


# --- bad input ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("actual, claimed", [(a, c) for a in LAYOUT_FILES for c in LAYOUT_FILES if a != c])
def test_a_file_of_another_layout_is_rejected_at_its_header(shared_data, actual, claimed):
    error = rejection(lambda p, *a: read_context(p, claimed, *a), shared_data / LAYOUT_FILES[actual])
    assert error.line == 1
    assert error.reason.startswith("missing column '")
    assert error.reason.endswith(f"(the file looks like the {actual} layout)")


@pytest.mark.parametrize("read, text, reason", [
    (read_owid, "Entity,Code,Yr,Gini coefficient\n", "missing column 'Year'"),
    (read_datahub, "Country Name,Country Code,Year,Amount\n", "missing column 'Value'"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Count\n", "missing column 'Encounter Count'"),
    (read_wdi, '"Country Name","Country Code","Indicator Name","1960",\n', "missing column 'Indicator Code'"),
    (read_owid, "Entity,Code,Year\n", "missing the value column after 'Year'"),
])
def test_missing_or_renamed_columns_are_named(tmp_path, read, text, reason):
    error = rejection(read, write(tmp_path, "gdp.csv", text))
    assert (error.line, error.reason) == (1, reason)


@pytest.mark.parametrize("read, text, line, reason", [
    (read_datahub, "Country Name,Country Code,Year,Value\nBelize,BLZ,2001,1\nBelize,BLZ,2002,abc\n",
     3, "column 'Value': 'abc' is not a number"),
    (read_owid, 'Entity,Code,Year,"Homicide rate per 100,000 population"\n\nBelize,BLZ,2001,12..5\n',
     3, "column 'Homicide rate per 100,000 population': '12..5' is not a number"),
    (read_wdi, '"Data Source","WDI",\n\n"Country Name","Country Code","Indicator Name","Indicator Code","2020",\n'
     '"Belize","BLZ","x","BX.TRF.PWKR.DT.GD.ZS","7,3%",\n', 4, "column '2020': '7,3%' is not a number (commas only between thousands)"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Encounter Count\n2020,FMUA,HONDURAS,many\n",
     2, "column 'Encounter Count': 'many' is not a number"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Encounter Count\n2020,FMUA,HONDURAS,12.5\n",
     2, "column 'Encounter Count': '12.5' is not a whole number of encounters"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Encounter Count\n2020,FMUA,OTHER,-3\n",
     2, "column 'Encounter Count': '-3' is not a whole number of encounters"),
    (read_datahub, "Country Name,Country Code,Year,Value\nBelize,BLZ,1e999,1\n",
     2, "column 'Year': '1e999' is not an integer year"),
    (read_datahub, "Country Name,Country Code,Year,Value\nBelize,BLZ,2001,1e99\n",
     2, "column 'Value': '1e99' has too many digits"),
    (read_owid, "Entity,Code,Year,GDP per capita\nBelize,BLZ,2015.5,1\n",
     2, "column 'Year': '2015.5' is not an integer year"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Encounter Count\nFY2020,FMUA,HONDURAS,1\n",
     2, "column 'Fiscal Year': 'FY2020' is not an integer year"),
    (read_cbp, "Fiscal Year,Demographic,Citizenship,Encounter Count\n2020,FMUA,,1\n",
     2, "column 'Citizenship' is empty"),
    (read_wdi, '"Country Name","Country Code","Indicator Name","Indicator Code","1990 [YR1990]"\n',
     1, "column '1990 [YR1990]' is not a year"),
    (read_wdi, '"Last Updated Date","25/05/2022",\n', 1, "'Last Updated Date' '25/05/2022' is not an ISO date"),
])
def test_bad_values_are_named_by_column_and_line(tmp_path, read, text, line, reason):
    error = rejection(read, write(tmp_path, "gdp.csv", text))
    assert (error.line, error.reason) == (line, reason)


def test_the_line_is_where_the_row_starts_after_blank_lines_and_multi_line_cells(tmp_path):
    text = ('Entity,Code,Year,GDP per capita,Note\n\nBelize,BLZ,2001,1,"two\nlines"\n\n'
            "Belize,BLZ,2002,x,\n")
    error = rejection(read_owid, write(tmp_path, "o.csv", text))
    assert (error.line, error.reason) == (6, "column 'GDP per capita': 'x' is not a number")


@pytest.mark.parametrize("row, reason", [
    ("Belize,BLZ,2001", "row ends before column 'Value'"),
    ("Belize,BLZ,2001,3,030,000", "row has 6 cells but the header has 4 (an unquoted comma in a value?)"),
])
def test_rows_of_the_wrong_width_are_rejected(tmp_path, row, reason):
    error = rejection(read_datahub, write(tmp_path, "gdp.csv", f"Country Name,Country Code,Year,Value\n{row}\n"))
    assert (error.line, error.reason) == (2, reason)


@pytest.mark.parametrize("read", [read_owid, read_wdi, read_datahub, read_cbp])
@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n", b",,,\n"])
def test_an_empty_file_is_rejected(tmp_path, read, content):
    error = rejection(read, write(tmp_path, "gdp.csv", content))
    assert (error.line, error.reason) == (None, "empty file: no header row")


def test_a_wdi_preamble_without_a_table_is_empty(tmp_path):
    path = write(tmp_path, "w.csv", '\ufeff"Data Source","World Development Indicators",\n\n'
                 '"Last Updated Date","2022-05-25",\n\n')
    assert rejection(read_wdi, path).reason == "empty file: no header row"


@pytest.mark.parametrize("read, header, row", [
    (read_owid, b"Entity,Code,Year,GDP per capita", b"Cura\xe7ao,CUW,2001,1"),
    (read_wdi, b'"Country Name","Country Code","Indicator Name","Indicator Code","2001"',
     b'"Cura\xe7ao","CUW","x","y","1"'),
    (read_datahub, b"Country Name,Country Code,Year,Value", b"Cura\xe7ao,CUW,2001,1"),
    (read_cbp, b"Fiscal Year,Demographic,Citizenship,Encounter Count", b"2001,FMUA,Cura\xe7ao,1"),
])
def test_text_that_is_not_utf8_is_rejected_at_its_line(tmp_path, read, header, row):
    path = write(tmp_path, "gdp.csv", header + b"\n\n" + row + b"\n")
    error = rejection(read, path)
    assert error.line == 3
    assert error.reason.startswith("not UTF-8 text: byte 0xe7 at position ")


def test_the_utf8_error_names_the_byte_position(tmp_path):
    path = write(tmp_path, "gdp.csv", b"Country Name,Country Code,Year,Value\nCura\xe7ao,CUW,2001,1\n")
    assert rejection(read_datahub, path).reason == "not UTF-8 text: byte 0xe7 at position 5 of the line"


def test_utf16_is_rejected_on_the_first_line(tmp_path):
    path = write(tmp_path, "gdp.csv", "Country Name,Country Code,Year,Value\n".encode("utf-16"))
    error = rejection(read_datahub, path)
    assert error.line == 1 and error.reason.startswith("not UTF-8 text: byte 0xff")


def test_files_over_512_mb_are_refused_before_reading(tmp_path):
    path = tmp_path / "gdp.csv"
    with path.open("wb") as handle:
        handle.truncate(512 * 1024 * 1024 + 1)  # sparse: nothing is written
    error = rejection(read_datahub, path)
    assert (error.line, error.reason) == (None, f"file is {512 * 1024 * 1024 + 1:,} bytes; the limit is 536,870,912")


def test_a_line_over_the_limit_is_refused(tmp_path):
    path = write(tmp_path, "gdp.csv", "Country Name,Country Code,Year,Value\n" + "x" * (csvsafe.MAX_LINE_BYTES + 1))
    error = rejection(read_datahub, path)
    assert (error.line, error.reason) == (2, f"line is longer than {csvsafe.MAX_LINE_BYTES:,} bytes")


def test_malformed_csv_is_rejected(tmp_path):
    path = write(tmp_path, "gdp.csv", b'Country Name,Country Code,Year,Value\nBelize,"BLZ"x,2001,1\n')
    error = rejection(read_datahub, path)
    assert error.line == 2 and error.reason.startswith("malformed CSV: ")


def test_a_nul_byte_is_rejected(tmp_path):
    path = write(tmp_path, "c.csv", b"Fiscal Year,Demographic,Citizenship,Encounter Count\n2020,FM\x00UA,OTHER,1\n")
    error = rejection(read_cbp, path)
    assert (error.line, error.reason) == (2, "not text: NUL byte at position 8 of the line")


def test_a_missing_file_is_rejected(tmp_path):
    error = rejection(read_owid, tmp_path / "absent.csv")
    assert (error.line, error.reason) == (None, "cannot read the file: No such file or directory")


def test_owid_unknown_header_needs_an_indicator(tmp_path):
    path = write(tmp_path, "o.csv", "Entity,Code,Year,Share in extreme poverty\nHonduras,HND,2019,12.7\n")
    error = rejection(read_owid, path)
    assert (error.line, error.reason) == (
        1, "unknown value column 'Share in extreme poverty': name its indicator (--indicator)")
    [value] = read_owid(path, "poverty_extreme")
    assert (value.indicator, value.unit, value.source, value.value) == (
        "poverty_extreme", "Share in extreme poverty", "Our World in Data", Decimal("12.7"))


def test_datahub_without_a_known_name_or_indicator_is_rejected(tmp_path):
    path = write(tmp_path, "life.csv", "Country Name,Country Code,Year,Value\nHonduras,HND,2019,75\n")
    error = rejection(read_datahub, path)
    assert (error.line, error.reason) == (None, "cannot tell which indicator 'life.csv' holds: name it (--indicator)")


# --- the layouts of the extra series (context-more): WDI long form, DataBank, OWID by name ----------------

FIXTURES = Path(__file__).parent / "fixtures" / "context"


def test_wdi_long_form_is_read_by_its_indicator_code_and_drops_aggregates():
    values = list(read_context(FIXTURES / "wdi_long.csv", "wdi"))
    assert [(v.indicator, v.country_key, v.year, v.value, v.line) for v in values] == [
        ("poverty_international", "GT", 2023, Decimal("9.7"), 2),
        ("poverty_international", "GT", 2014, Decimal("8.0"), 3), ("SI.POV.XYZ", "HN", 2019, Decimal("12.5"), 6)]
    known, unknown = values[0], values[-1]
    assert (known.unit, known.source, known.vintage) == (
        "% of population ($3.00 a day 2021 PPP)", "World Bank WDI", None)
    # A series the catalogue does not know keeps its code, and the unit its name gives.
    assert (unknown.unit, unknown.source) == ("share of people", "World Bank WDI")


def test_a_databank_export_takes_its_vintage_from_the_footer():
    values = list(read_wdi(FIXTURES / "wgi_databank.csv"))
    assert [(v.indicator, v.country_key, v.year, v.value, v.line) for v in values] == [
        ("wgi_control_of_corruption", "GT", 2014, Decimal("30.1"), 2),
        ("wgi_control_of_corruption", "GT", 2015, Decimal("29.5048675537109"), 2),
        ("wgi_rule_of_law", "HN", 2014, Decimal("20.25"), 4), ("wgi_rule_of_law", "HN", 2016, Decimal("21"), 4)]
    assert {(v.unit, v.source, v.vintage) for v in values} == {("score 0-100", "World Bank WGI", "2026-03-18")}


def test_a_databank_row_after_the_footer_is_rejected(tmp_path):
    text = (FIXTURES / "wgi_databank.csv").read_text(encoding="utf-8")
    row = "Panama,PAN,Rule of Law - Governance score (0-100),GOV_WGI_RL.SC,1,2,3\r\n"
    path = write(tmp_path, "wgi.csv", text + row)
    error = rejection(read_wdi, path)
    assert (error.line, error.reason) == (9, "a row of data after the footer that starts on line 7")


@pytest.mark.parametrize("header, reason", [
    ("Country Name,Country Code,Series Name,Series Code,2015 [YR2016]", "column '2015 [YR2016]' is not a year"),
    ("Country Name,Country Code,Series Name,Series Code", "no year columns after 'Series Code'"),
    ("Country Name,Country Code,Series Code,2015 [YR2015]", "missing column 'Series Name'"),
])
def test_a_databank_header_is_checked(tmp_path, header, reason):
    error = rejection(read_wdi, write(tmp_path, "wgi.csv", header + "\n"))
    assert (error.line, error.reason) == (1, reason)


def test_an_owid_file_without_codes_is_read_by_country_name():
    values = list(read_owid(FIXTURES / "owid_by_name.csv"))
    # The first value column only; "World" and the region are no country; a Spanish name is one.
    assert [(v.indicator, v.country_key, v.year, v.value, v.line) for v in values] == [
        ("tax_revenue_total_gdp", "GT", 2015, Decimal("10.815231"), 2),
        ("tax_revenue_total_gdp", "PA", 2017, Decimal("13.8"), 6)]
    assert {(v.unit, v.vintage) for v in values} == {("% of GDP", None)}


@pytest.mark.parametrize("name, fmt, indicators, vintage", [
    ("SI.POV.DDAY.csv", "wdi", {"poverty_international"}, None),
    ("SI.POV.NAHC.csv", "wdi", {"poverty_national"}, None),  # nothing for Belize (SOURCE.md)
    ("API_GC.TAX.TOTL.GD.ZS_DS2_en_csv_v2_1167.csv", "wdi", {"tax_revenue_gdp"}, "2026-04-08"),
    ("owid_Taxes_ICTD_GRD_2021.csv", "owid", {"tax_revenue_total_gdp"}, None),
    ("WGI_2025_governance_scores_3be8611c-a998-4ed7-ad29-16f485b87ebf_Data.csv", "wdi",
     {"wgi_control_of_corruption", "wgi_government_effectiveness", "wgi_rule_of_law", "wgi_political_stability"},
     "2026-03-18"),
    ("API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv", "wdi", {"homicide_rate"}, "2026-02-24"),
    ("API_SL.UEM.TOTL.ZS_DS2_en_csv_v2_115692.csv", "wdi", {"unemployment"}, "2026-04-08"),
    ("API_EG.ELC.ACCS.ZS_DS2_en_csv_v2_3606.csv", "wdi", {"electricity_access"}, "2026-07-01"),
])
def test_every_extra_series_is_read_under_its_catalogue_code(shared_data, name, fmt, indicators, vintage):
    path = shared_data / "context-more" / name
    values = list(read_context(path, fmt))
    assert {v.indicator for v in values} == indicators
    assert {v.vintage for v in values} == {vintage}
    expected = CENTRAL_AMERICA - {"BZ"} if name == "SI.POV.NAHC.csv" else CENTRAL_AMERICA
    assert {v.country_key for v in values} & CENTRAL_AMERICA == expected


@pytest.mark.parametrize("name, fmt, key, indicator, expected", [
    # Read off the files as printed (SOURCE.md rounds them): a wide WDI file in Spanish, a long one,
    # the DataBank export and the OWID dataset without codes.
    ("API_VC.IHR.PSRC.P5_DS2_es_csv_v2_8348.csv", "wdi", ("GT", 2014), "homicide_rate", "33.4975903480006"),
    ("SI.POV.DDAY.csv", "wdi", ("HN", 2023), "poverty_international", "17.0"),
    ("WGI_2025_governance_scores_3be8611c-a998-4ed7-ad29-16f485b87ebf_Data.csv", "wdi", ("CR", 2024),
     "wgi_control_of_corruption", "61.6036307"),
    ("owid_Taxes_ICTD_GRD_2021.csv", "owid", ("BZ", 2019), "tax_revenue_total_gdp", "28.221464"),
])
def test_extra_series_values_are_exact(shared_data, name, fmt, key, indicator, expected):
    values = {(v.country_key, v.year): v for v in read_context(shared_data / "context-more" / name, fmt)
              if v.indicator == indicator}
    assert values[key].value == Decimal(expected)
