"""Self-checks for the independent IATI oracle (tests/oracle_iati.py) on hand-written XML."""

import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle_iati import oracle  # noqa: E402

D = Decimal


def _write(tmp_path, name, activities_xml):
    p = tmp_path / name
    p.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<iati-activities version="2.03" xmlns:usg="https://explorer.usaid.gov">\n'
        + activities_xml
        + "\n</iati-activities>\n",
        encoding="utf-8",
    )
    return p


def _tx(ttype, date, value, currency=None, recips=""):
    cur = f' currency="{currency}"' if currency else ""
    return (
        f'<transaction><transaction-type code="{ttype}"/>'
        f'<transaction-date iso-date="{date}"/>'
        f"<value{cur}>{value}</value>{recips}"
        "<usg:treasury-account>x</usg:treasury-account></transaction>"
    )


def _act(ident, body, updated="2024-01-01T00:00:00Z", currency="USD"):
    cur = f' default-currency="{currency}"' if currency else ""
    return (
        f'<iati-activity last-updated-datetime="{updated}"{cur}>'
        f"<iati-identifier> {ident} </iati-identifier>{body}</iati-activity>"
    )


def test_percent_split_and_rebase(tmp_path):
    f = _write(
        tmp_path,
        "a.xml",
        _act(
            "A-1",
            '<recipient-country code="gt" percentage="60"/>'
            '<recipient-region code="389" vocabulary="1" percentage="40"/>'
            + _tx(3, "2019-05-01", "1,000.00"),
        )
        + _act(
            "A-2",
            '<recipient-country code="HN" percentage="50"/>'
            '<recipient-country code="SV" percentage="30"/>'
            + _tx(3, "2019-05-01", "100")
            # transaction-level recipient overrides the activity's split
            + _tx(3, "2019-05-01", "7", recips='<recipient-country code="PA"/>'),
        )
        + _act("A-3", _tx(2, "2019-05-01", "10") + _tx(2, "2019-05-01", " NULL ")),
    )
    o = oracle([f])
    assert o.activities == 3 and o.transactions == 5
    assert o.funding[("3", "country")] == {
        ("GT", 2019): D("600.00"),
        ("region-389", 2019): D("400.00"),
        ("HN", 2019): D("62.50"),
        ("SV", 2019): D("37.50"),
        ("PA", 2019): D("7.00"),
    }
    assert o.funding[("2", "country")] == {("unspecified", 2019): D("10.00")}
    assert o.rebased == 1 and o.skipped_missing_value == 1


def test_fiscal_year_boundary_and_negative(tmp_path):
    f = _write(
        tmp_path,
        "b.xml",
        _act(
            "B-1",
            '<recipient-country code="NI"/>'
            + _tx(2, "2018-09-30", "500")
            + _tx(2, "2018-10-01", "250")
            + _tx(2, "2018-12-31", "-100.005")  # de-obligation, kept; half-up to cents
            + _tx("C", "2018-10-01", "1")  # IATI 1.0x letter code C = commitment
            + _tx(4, "2018-10-01", "999"),  # expenditure: counted, not summed
        ),
    )
    o = oracle([f])
    assert o.transactions == 5
    assert o.funding[("2", "country")] == {
        ("NI", 2018): D("500.00"),
        ("NI", 2019): D("151.00"),  # 250 - 100.005 + 1 = 150.995 -> ROUND_HALF_UP
    }
    assert o.funding[("3", "country")] == {}


def test_non_usd_excluded(tmp_path):
    f = _write(
        tmp_path,
        "c.xml",
        _act(
            "C-1",
            '<recipient-country code="CR"/>'
            + _tx(3, "2020-01-01", "100")
            + _tx(3, "2020-01-01", "40", currency="EUR")
            + _tx(2, "2020-01-01", "5", currency="GBP"),
        )
        + _act("C-2", _tx(3, "2020-01-01", "2.5"), currency=None),  # no currency at all
    )
    o = oracle([f])
    assert o.funding[("3", "country")] == {("CR", 2020): D("100.00")}
    assert o.excluded_non_usd == {"2": D("5"), "3": D("42.5")}


def test_duplicate_identifier_newer_wins(tmp_path):
    old = _act("D-1", _tx(3, "2021-01-01", "10"), updated="2024-01-01T00:00:00Z")
    new = _act(
        "D-1",
        _tx(3, "2021-01-01", "20") + _tx(3, "2021-01-01", "1"),
        updated="2024-01-01T01:00:00+00:30",  # 00:30Z, later than 00:00Z
    )
    same = _act("D-2", _tx(3, "2021-01-01", "3"))
    f1 = _write(tmp_path, "new.xml", new + same)
    f2 = _write(tmp_path, "old.xml", old + same)
    for order in ([f1, f2], [f2, f1]):
        o = oracle(order)
        assert o.activities == 2
        assert o.transactions == 3
        assert o.funding[("3", "country")] == {("unspecified", 2021): D("24.00")}
        assert o.identical_duplicates == 1 and o.conflicts == ["D-1"]
