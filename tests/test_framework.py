"""The results framework: the shipped default, validation errors, and `framework show`."""

from __future__ import annotations

import pytest
import yaml

from stratmon.framework import FrameworkError, load_framework
from stratmon.framework.loader import shipped_framework_path

from conftest import Cli


@pytest.fixture(scope="module")
def default():
    return load_framework()


def test_three_lines_of_action_under_their_official_names(default):
    assert [(line.name.en, line.name.es, line.status) for line in default.lines_of_action] == [
        ("Promoting Prosperity", "Promover la prosperidad", "official"),
        ("Enhancing Security", "Mejorar la seguridad", "official"),
        ("Improving Governance", "Mejorar la gobernabilidad", "official"),
    ]


def test_objectives_are_proposed_unless_sourced_as_official(default):
    objectives = [objective for _, objective in default.objectives()]
    assert len(objectives) >= 14
    for objective in objectives:
        assert objective.source.strip()
        if objective.status == "official":
            assert "2015" in objective.source or "state.gov" in objective.source
    assert all(o.status == "proposed" for line in default.lines_of_action for o in line.objectives)


def test_countries_groups_agencies_and_commitments(default):
    assert {c.code for c in default.countries} == {"GT", "HN", "SV", "BZ", "CR", "NI", "PA"}
    assert set(default.group("northern-triangle").countries) == {"GT", "HN", "SV"}
    assert default.country("PA").name.es == "Panamá" and default.country("BZ").name.es == "Belice"
    refs = {a.iati_ref: a.acronym for a in default.agencies}
    assert refs["US-GOV-1"] == "USAID" and "US-GOV-11" in refs and refs["US-GOV-18"] == "MCC"
    amounts = {c.amount_usd for c in default.commitments}
    assert 5_400_000_000 in amounts and all(c.source for c in default.commitments)


def test_every_text_has_english_and_spanish():
    raw = yaml.safe_load(shipped_framework_path("central_america").read_text(encoding="utf-8"))

    def walk(node, where="framework"):
        if isinstance(node, dict):
            if {"en", "es"} <= node.keys():
                assert node["en"].strip() and node["es"].strip(), where
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(raw)


def _broken(tmp_path, mutate) -> str:
    raw = yaml.safe_load(shipped_framework_path("central_america").read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_framework(str(path))
    return str(error.value)


def test_a_missing_translation_names_the_file_and_the_key(tmp_path):
    message = _broken(tmp_path, lambda raw: raw["lines_of_action"][1]["objectives"][0]["name"].pop("es"))
    assert "broken.yaml" in message and "lines_of_action[1].objectives[0].name.es" in message


def test_an_unknown_key_and_an_unknown_country_are_errors(tmp_path):
    assert "lines_of_action[0].colour" in _broken(tmp_path, lambda raw: raw["lines_of_action"][0].update(colour="red"))
    message = _broken(tmp_path, lambda raw: raw["country_groups"][0]["countries"].append("MX"))
    assert "unknown countries MX" in message


def test_yaml_syntax_errors_give_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"bad.yaml: line \d+, column \d+"):
        load_framework(str(path))


def test_framework_show_prints_the_tree_in_both_languages(tmp_path):
    cli = Cli(f"sqlite:///{tmp_path / 'unused.db'}")
    english = cli("framework", "show")
    spanish = cli("framework", "show", "--lang", "es")
    assert english.exit_code == spanish.exit_code == 0
    assert "Promoting Prosperity" in english.stdout and "Northern Triangle" in english.stdout
    assert "Promover la prosperidad" in spanish.stdout and "Triángulo Norte" in spanish.stdout
    assert "propuesto" in spanish.stdout and "Promoting Prosperity" not in spanish.stdout


def test_framework_show_reports_a_broken_file_in_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: 3\n", encoding="utf-8")
    result = Cli("sqlite://")("framework", "show", "--framework", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error:") and "bad.yaml" in result.stderr
    assert result.stderr.strip().count("\n") == 0
