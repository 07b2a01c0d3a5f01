"""Edge cases found in review: nesting, bounded memory, canonical identity, number formats, limits."""

from __future__ import annotations

import csv
import io

from conftest import Cli, run_stratmon

HEAD = '<iati-activities version="2.03"{ns}>'
TAIL = "</iati-activities>"


def activity(identifier="XM-E-1", value="100.00", country="GT", extra="", tx_extra="", attrs="",
             currency_attr="", date="2020-01-15") -> str:
    return (f'<iati-activity last-updated-datetime="2024-01-01T00:00:00Z" default-currency="USD"{attrs}>'
            f"<iati-identifier>{identifier}</iati-identifier><reporting-org ref=\"US-GOV-1\"/>{extra}"
            f'<recipient-country code="{country}"/>'
            f'<transaction><transaction-type code="3"/><transaction-date iso-date="{date}"/>'
            f"<value{currency_attr}>{value}</value>{tx_extra}</transaction></iati-activity>")


def write(tmp_path, name, *activities, ns="") -> str:
    path = tmp_path / name
    path.write_text(HEAD.format(ns=ns) + "".join(activities) + TAIL, encoding="utf-8")
    return str(path)


def funding(cli: Cli, by="country") -> dict[str, str]:
    result = cli("funding", "--by", by, "--type", "disbursement", "--format", "csv", "--scope", "all")
    assert result.exit_code == 0, result.output
    return {row[by]: row["usd"] for row in csv.DictReader(io.StringIO(result.stdout))}


def test_a_nested_activity_skips_its_parent_instead_of_cutting_it(sqlite_cli, tmp_path):
    outer = ('<iati-activity><iati-identifier>XM-OUTER</iati-identifier><recipient-country code="GT"/>'
             + activity("XM-INNER") + "</iati-activity>")
    result = sqlite_cli("import", "iati", write(tmp_path, "nested.xml", outer, activity("XM-OK", country="HN")))
    assert result.exit_code == 0
    assert "XM-OUTER: activity contains another iati-activity" in result.stderr
    assert funding(sqlite_cli) == {"HN": "100.00"}


def test_content_outside_activities_cannot_grow_memory_without_bound(sqlite_cli, tmp_path):
    path = tmp_path / "junk.xml"
    with path.open("w") as out:
        out.write(HEAD.format(ns="") + activity())
        out.write('<x a="1"/>' * 2_000_000)
        out.write(TAIL)
    result = sqlite_cli("import", "iati", str(path))
    assert result.exit_code == 1
    assert "without the end of an iati-activity" in result.stderr
    assert funding(sqlite_cli) == {}


def test_identity_ignores_namespace_declarations_inherited_from_the_root(sqlite_cli, tmp_path):
    first = write(tmp_path, "a.xml", activity())
    second = write(tmp_path, "b.xml", activity(), ns=' xmlns:usg="https://foreignassistance.gov"')
    assert sqlite_cli("import", "iati", first).exit_code == 0
    result = sqlite_cli("import", "iati", second)
    assert result.exit_code == 0 and "conflict" not in result.stderr
    assert "unchanged" in result.stdout


def test_decimal_commas_are_refused_not_misread(sqlite_cli, tmp_path):
    result = sqlite_cli("import", "iati", write(tmp_path, "eu.xml", activity(value="1.234,56")))
    assert result.exit_code == 0 and "commas only between thousands" in result.stderr
    assert funding(sqlite_cli) == {}


def test_no_negative_zero(sqlite_cli, tmp_path):
    assert sqlite_cli("import", "iati", write(tmp_path, "z.xml", activity(value="-0.001"))).exit_code == 0
    assert funding(sqlite_cli) == {"GT": "0.00"}


def test_odd_attributes_are_located_content_errors(sqlite_cli, tmp_path):
    result = sqlite_cli("import", "iati", write(
        tmp_path, "odd.xml", activity("XM-H1", attrs=' hierarchy="²"'),
        activity("XM-H2", attrs=' hierarchy="99999999999999999999"'), activity("XM-OK")))
    assert result.exit_code == 0
    assert result.stderr.count("hierarchy") == 2 and "odd.xml:1: XM-H1" in result.stderr
    assert funding(sqlite_cli) == {"GT": "100.00"}


def test_long_codes_and_huge_totals_work_on_both_engines(cli, tmp_path):
    long_region = '<recipient-region code="' + "R" * 80 + '" vocabulary="99"/>'
    files = [write(tmp_path, "long.xml",
                   activity("XM-L1", currency_attr=' currency="ABCDEFGHIJKL"'),
                   activity("XM-L2", value="1e-100"),
                   activity("XM-L3", tx_extra=long_region)),
             write(tmp_path, "huge.xml", *(activity(f"XM-B{i}", value="1000000000000", country="SV")
                                           for i in range(12)))]
    for path in files:
        result = cli("import", "iati", path)
        assert result.exit_code == 0, result.output
    totals = funding(cli)
    assert totals["SV"] == "12000000000000.00"
    assert totals["GT"] == "0.00"  # 1e-100 rounds to nothing; the EUR-like code is not USD
    assert totals["region-99-" + "R" * 80] == "100.00"


def test_non_dac_regions_keep_their_vocabulary_in_the_key(sqlite_cli, tmp_path):
    regional = activity(tx_extra='<recipient-region code="389" vocabulary="99"/>')
    assert sqlite_cli("import", "iati", write(tmp_path, "r.xml", regional)).exit_code == 0
    assert funding(sqlite_cli) == {"region-99-389": "100.00"}


def test_a_command_on_a_database_that_does_not_exist_creates_nothing(tmp_path):
    missing = tmp_path / "missing.db"
    result = run_stratmon("funding", "--by", "country", "--db", f"sqlite:///{missing}")
    assert result.returncode == 2 and "no database at" in result.stderr and "stratmon init" in result.stderr
    assert not missing.exists()


def test_an_unknown_country_code_is_refused(sqlite_cli):
    assert sqlite_cli("init").exit_code == 0
    for code in ("XX", "ZZZ"):
        result = sqlite_cli("funding", "--by", "fy", "--country", code)
        assert result.exit_code == 2 and f"{code}: not a country code or name" in result.stderr


def test_a_database_url_that_cannot_be_used_is_one_line(tmp_path):
    for args in (["funding", "--by", "country", "--db", "notaurl"],
                 ["init", "--db", f"sqlite:///{tmp_path}/missing/dir/x.db"],
                 ["init", "--db", "postgresql://nobody@127.0.0.1:1/x"]):
        result = run_stratmon(*args)
        assert result.returncode in (1, 2), args
        assert result.stderr.startswith("error:") and result.stderr.strip().count("\n") == 0, result.stderr
