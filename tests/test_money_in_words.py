"""Amounts in sentences are rounded to what a reader takes in, in the reader's language (issue 16, point 6);
tables keep the exact figures."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from stratmon.i18n import format_money, format_usd_words, set_language


@pytest.fixture
def lang(request):
    yield set_language(request.param)
    set_language(None)


@pytest.mark.parametrize("lang, amounts", [
    ("en", ["US$871.0 million", "US$3.25 billion", "US$45,600", "-US$24.1 million", "US$0"]),
    ("es", ["US$ 871,0 millones", "US$ 3,25 mil millones", "US$ 45.600", "-US$ 24,1 millones", "US$ 0"]),
], indirect=["lang"])
def test_amounts_in_sentences_are_rounded_in_the_readers_language(lang, amounts):
    values = ["871012345.67", "3249000000", "45600.4", "-24100000", "0"]
    assert [format_usd_words(Decimal(value)) for value in values] == amounts


def test_the_report_summary_speaks_in_millions_and_the_tables_stay_exact(cli, tmp_path):
    from conftest import FIXTURES

    assert cli("import", "iati", str(FIXTURES / "align" / "activities.xml")).exit_code == 0
    assert cli("align").exit_code == 0
    out = tmp_path / "informe.md"
    result = cli("--lang", "es", "report", "--format", "md", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "desembolsaron US$ 1,2 millones en el período" in text, text[:2000]
    total = json.loads(cli("funding", "--by", "country", "--type", "disbursement", "--format", "json").stdout)
    assert format_money(Decimal(total["total_usd"]), "es") in text  # the exact sum, in a table
