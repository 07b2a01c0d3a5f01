"""Checks on what agencies publish (issue 16, point 4): `stratmon quality --published` on a hand-written
file with one problem per activity (both engines) and on the real U.S. files."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from conftest import FIXTURES, Cli
from stratmon.analysis.published_quality import CHECKS, published_quality

PROBLEMS = FIXTURES / "iati" / "published-problems.xml"


def findings(cli: Cli) -> list[dict]:
    result = cli("quality", "--published", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["findings"]


def test_every_check_finds_its_case_in_a_hand_written_file(cli, tmp_path):
    copy = tmp_path / "the-same-bytes.xml"
    shutil.copyfile(PROBLEMS, copy)
    assert cli("import", "iati", str(PROBLEMS), str(copy)).exit_code == 0
    found = {(f["check"], f["subject"]): f for f in findings(cli)}
    assert found[("negative_pipeline", "XM-QA-OVERSPENT")]["usd"] == "-150.00"
    assert found[("negative_pipeline", "XM-QA-OVERSPENT")]["detail"] == "burn rate 250%"
    assert found[("disbursed_without_obligation", "XM-QA-NO-OBLIGATION")]["usd"] == "75.00"
    assert "Econ\ufffdmico" in found[("replacement_characters", "XM-QA-GARBLED")]["detail"]
    assert "Redacted" in found[("redacted", "XM-QA-REDACTED")]["detail"]
    assert found[("placeholder", "XM-QA-COMPACT-NA-NA")]["detail"] == "Not Applicable"
    assert found[("no_sector", "XM-QA-COMPACT-NA-NA")]["publisher"] == "XM-QA-2"
    assert found[("future_transaction", "XM-QA-FUTURE")]["detail"] == "2099-01-01"
    assert found[("identical_files", str(copy))]["detail"] == str(PROBLEMS)
    assert {check for check, _subject in found} == set(CHECKS)
    # Nothing is found where nothing is wrong.
    assert not [key for key in found if key[1] == "XM-QA-NO-OBLIGATION" and key[0] != "disbursed_without_obligation"]
    counts = json.loads(cli("quality", "--published", "--format", "json").stdout)["by_publisher"]
    assert {"publisher": "XM-QA-1", "check": "future_transaction", "findings": 1} in counts
    table = cli("quality", "--published")
    assert table.exit_code == 0 and "XM-QA-OVERSPENT" in table.stdout


def test_mis_decoded_text_is_found_as_well_as_replacement_characters(sqlite_cli):
    assert sqlite_cli("import", "iati", str(PROBLEMS)).exit_code == 0
    garbled = [f for f in findings(sqlite_cli) if f["subject"] == "XM-QA-GARBLED"]
    assert [f["check"] for f in garbled] == ["replacement_characters"]  # one finding per activity and check
    engine = create_engine(sqlite_cli.db_url)
    with engine.connect() as connection:
        # With the title mended, the description's UTF-8 read as Latin-1 is what is found.
        connection.execute(text("UPDATE activity_narrative SET text = 'Desarrollo Economico' "
                                "WHERE element = 'title' AND text LIKE 'Desarrollo%'"))
        connection.execute(text("UPDATE activity SET title = 'Desarrollo Economico' WHERE title LIKE 'Desarrollo%'"))
        connection.commit()
        found = published_quality(connection)
    engine.dispose()
    details = [f.detail for f in found.findings if f.check == "replacement_characters"]
    assert details and "Educaci\u00c3\u00b3n" in details[0]


def test_a_pipeline_is_negative_only_by_a_cent_or_more(sqlite_cli):
    """Disbursed over obligated by less than half a cent rounds to nothing; by half a cent, to a cent."""
    assert sqlite_cli("import", "iati", str(PROBLEMS)).exit_code == 0
    engine = create_engine(sqlite_cli.db_url)
    overspent = "(SELECT id FROM activity WHERE iati_identifier = 'XM-QA-OVERSPENT')"
    with engine.connect() as connection:
        found = {}
        for over in (4, 4_999, 5_000):
            connection.execute(text(f"UPDATE iati_transaction SET value_micros = 100000000 + {over} "
                                    f"WHERE type_code = '3' AND activity_id = {overspent}"))
            found[over] = [(f.check, f.usd, f.detail) for f in published_quality(connection).findings
                           if f.subject == "XM-QA-OVERSPENT"]
        connection.rollback()
    engine.dispose()
    assert found == {4: [], 4_999: [], 5_000: [("negative_pipeline", Decimal("-0.01"), "burn rate 100%")]}


@pytest.fixture(scope="module")
def real(shared_portal_url):
    engine = create_engine(shared_portal_url)
    with engine.connect() as connection:
        yield published_quality(connection)
    engine.dispose()


def test_the_real_files_have_a_case_of_every_check_but_future_dates(real):
    by_check: dict[str, list] = {}
    for finding in real.findings:
        by_check.setdefault(finding.check, []).append(finding)
    assert set(by_check) == set(CHECKS) - {"future_transaction"}
    # As published: DoD's regional dataset is the USDA file, byte for byte.
    assert any("usda-northandcentralamericaregion" in f.subject + f.detail and
               "dod-northandcentralamericaregion" in f.subject + f.detail for f in by_check["identical_files"])
    assert any(f.subject.endswith("-NA-NA") for f in by_check["placeholder"])
    assert any("\ufffd" in f.detail for f in by_check["replacement_characters"])
    worst = by_check["negative_pipeline"][0]
    assert worst.usd < Decimal("-1_000_000") and worst.usd == min(f.usd for f in by_check["negative_pipeline"])
    assert any(f.detail.startswith("burn rate ") for f in by_check["negative_pipeline"])
    assert sum(real.by_publisher.values()) == len(real.findings)


# Texts the two text checks find something in, and texts they do not.
MATCHED = ["Econ\ufffdmico", "DesempeÃ±o", "Women’s rights, read as cp1252: Womenâ€™s", "Â¡Hola!", "Â\u00a0space",
           "Information Redacted", "REDACTED", "the name was redacted.", "redacted", "Information \n redacted"]
UNMATCHED = ["Económico", "Redactor", "Ãx", "Â", "plain title"]


def test_the_database_hands_over_every_text_the_text_checks_could_find_something_in(engine):
    # The text checks let the database pick the texts worth matching (published_quality._may_match): a text
    # a pattern matches must never be left behind, on either engine.
    from sqlalchemy import literal, select

    from stratmon.analysis import published_quality as checks

    with engine.connect() as connection:
        for sample in MATCHED + UNMATCHED:
            matched = bool(checks._MOJIBAKE.search(sample) or checks._REDACTED.search(sample))
            assert matched == (sample in MATCHED), sample
            picked = connection.execute(select(checks._may_match(literal(sample)))).scalar_one()
            assert picked or not matched, f"{sample!r} would be left behind"
