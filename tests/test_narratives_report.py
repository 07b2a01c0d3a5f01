"""Issue 18, item 1, its acceptance: on the real data, with one narrative per line of action entered in
the workspace by a signed-in analyst and approved by another person, the English and the Spanish report
(HTML, PDF, Markdown) carry them beside their figures (the same as `stratmon funding`), a text approved in
one language only marked as such; every missing country narrative is listed as a gap, none filled in;
the same data and `--as-of` give the same bytes, and a report as of a day before the approval has none.
Then `stratmon narratives list` and `stratmon narratives import`."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import lxml.html
import pytest

from conftest import Cli
from webfixtures import client_for, sign_in
from workspace_helpers import form_token, query

FY = "2016:2021"
# One narrative per line of action, each in a country of its own; Governance in both languages.
ENTERED = (
    ("prosperity", "GT", "en", {"progress": "Coffee cooperatives in Huehuetenango doubled their exports.",
                                "challenges": "Rust and drought cut the 2019 harvest.",
                                "next_steps": "Extend irrigation credit to the western highlands."}),
    ("security", "HN", "es", {"progress": "Los homicidios bajaron en los municipios con prevención.",
                              "challenges": "Los procesos judiciales siguen lentos.",
                              "next_steps": "Extender la policía comunitaria a San Pedro Sula."}),
    ("governance", "SV", "en", {"progress": "The attorney general's office opened regional units.",
                                "challenges": "Turnover of prosecutors.", "next_steps": "Train new prosecutors."}),
    ("governance", "SV", "es", {"progress": "La fiscalía abrió unidades regionales.",
                                "challenges": "La rotación de fiscales.", "next_steps": "Formar nuevos fiscales."}),
)
TODAY = datetime.now(timezone.utc).date()


@pytest.fixture(scope="module")
def entered(portal_master, tmp_path_factory) -> Cli:
    """A copy of the real-data portal database with the narratives above written by Ana (analyst) and
    approved by Ada (administrator), all through the workspace's forms."""
    copy = tmp_path_factory.mktemp("narratives") / "portal.db"
    shutil.copyfile(portal_master, copy)
    url = f"sqlite:///{copy}"
    with client_for(url) as ana, client_for(url) as ada:
        sign_in(ana, "ana")
        sign_in(ada, "ada")
        for line, country, lang, parts in ENTERED:
            page = f"/en/workspace/narratives/{line}/{country}?fy={FY}"
            saved = ana.post(f"/en/workspace/narratives/{line}/{country}", data={
                "csrf_token": form_token(ana, page), "fy": FY, "lang": lang, "then": "submit", **parts},
                follow_redirects=False)
            assert saved.status_code == 303, saved.text[-800:]
            approved = ada.post(f"/en/workspace/narratives/{line}/{country}/act", data={
                "csrf_token": form_token(ada, page), "fy": FY, "lang": lang, "version": "1", "action": "approve"},
                follow_redirects=False)
            assert approved.status_code == 303, approved.text[-800:]
    return Cli(url)


def _shown(lang: str) -> dict[str, tuple[str, dict]]:
    """What a reader in `lang` is shown for each line of action: the text in `lang` if approved, else the other."""
    shown: dict[str, tuple[str, dict]] = {}
    for line, _country, text_lang, parts in ENTERED:
        if line not in shown or text_lang == lang:
            shown[line] = (text_lang, parts)
    return shown


def _report(cli: Cli, lang: str, *extra: str, as_of=TODAY) -> str:
    result = cli("report", "--lang", lang, "--fy", FY, "--as-of", as_of.isoformat(), *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def _section(html: str):
    return lxml.html.fromstring(html.encode()).xpath('//section[@data-key="narratives"]')[0]


def _disbursed(cli: Cli) -> dict[tuple[str, str], str]:
    result = cli("funding", "--by", "line,country", "--type", "disbursement", "--fy", FY, "--format", "csv")
    assert result.exit_code == 0, result.output
    return {(row["line"], row["country"]): row["usd"] for row in csv.DictReader(io.StringIO(result.stdout))}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_both_reports_carry_one_narrative_per_line_of_action_beside_its_figure(entered, lang):
    section = _section(_report(entered, lang))
    disbursed = _disbursed(entered)
    countries = {line: country for line, country, _lang, _parts in ENTERED}
    for line, (text_lang, parts) in _shown(lang).items():
        group = section.xpath(f'.//div[@data-line="{line}"]')[0]
        assert [parts[part] for part in ("progress", "challenges", "next_steps")] == [
            dd.text_content() for dd in group.xpath(f'.//dd[@lang="{text_lang}"]')]
        article = group.xpath(".//article")[0]
        figure = article.xpath('.//span[@class="money"]')[0].get("data-value")
        assert figure == disbursed[(line, countries[line])]
        # A text approved only in the other language is shown, and says so.
        assert bool(article.xpath('.//p[@class="language-note"]')) == (text_lang != lang)
    assert len(section.xpath(".//article")) == 3  # one per line of action, none invented


def test_a_missing_country_narrative_is_listed_as_a_gap(entered):
    gaps = [item.text_content() for item in _section(_report(entered, "en")).xpath('.//ul[@class="narrative-gaps"]/li')]
    assert len(gaps) == 21 - 3
    assert "No approved narrative for Enhancing Security, Guatemala, FY2016–FY2021." in gaps
    assert "No approved narrative for Enhancing Security, Honduras, FY2016–FY2021." not in gaps
    assert len(_section(_report(entered, "es")).xpath('.//ul[@class="narrative-gaps"]/li')) == 18


def test_the_same_data_and_date_give_the_same_bytes_and_a_report_before_the_approval_has_none(entered):
    for lang in ("en", "es"):
        assert _report(entered, lang) == _report(entered, lang)
    before = _section(_report(entered, "en", as_of=TODAY - timedelta(days=1)))
    assert before.xpath(".//article") == [] and len(before.xpath('.//ul[@class="narrative-gaps"]/li')) == 21
    # One country's report has that country's narratives and gaps only.
    honduras = _section(_report(entered, "en", "--country", "HN"))
    assert len(honduras.xpath(".//article")) == 1 and len(honduras.xpath('.//ul[@class="narrative-gaps"]/li')) == 2


def test_the_pdfs_and_the_markdown_carry_the_narratives(entered, tmp_path):
    for lang in ("en", "es"):
        pdf = tmp_path / f"report-{lang}.pdf"
        _report(entered, lang, "--format", "pdf", "--out", str(pdf))
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        for _text_lang, parts in _shown(lang).values():
            assert parts["next_steps"] in text, lang
        assert "Improving Governance, Belize" in text or "Mejorar la gobernabilidad, Belice" in text
    markdown = _report(entered, "en", "--format", "md")
    assert "Coffee cooperatives in Huehuetenango doubled their exports." in markdown
    assert "- No approved narrative for Enhancing Security, Guatemala, FY2016–FY2021." in markdown


def test_narratives_list_gives_each_narrative_and_the_gaps(entered):
    result = entered("narratives", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["fy"] == FY and len(listing["gaps"]) == 18
    assert {(n["line"], n["country"], n["lang"], n["status"], n["approved_by"]) for n in listing["narratives"]} == {
        (line, country, lang, "approved", "ada") for line, country, lang, _parts in ENTERED}
    table = entered("narratives", "list")
    assert "approved v1" in table.stdout and "No approved narrative for Improving Governance, Panama" in table.stdout
    assert entered("narratives", "list", "--fy", "all").exit_code == 2


# ------------------------------------------------------------------------------------------- import

HEADER = "line,country,fy,lang,progress,challenges,next_steps\n"
ROWS = ('security,HN,2016:2021,en,"Homicides fell.\nVetting went on.",Slow courts.,Community policing.\n'
        "P,Guatemala,FY2019,es,Más empleo rural.,Sequía.,Riego.\n")


def _narratives_audit(db_url: str) -> list[tuple]:
    return query(db_url, "SELECT user_name, action, entity_id, field, outcome FROM audit_log WHERE entity = "
                         "'narrative' ORDER BY id")


def test_narratives_import_writes_drafts_or_approves_them_all_or_nothing(cli, tmp_path):
    """On SQLite and on PostgreSQL."""
    assert cli("users", "add", "ada", "--role", "admin").exit_code == 0
    assert cli("users", "add", "ana", "--role", "analyst", "--user", "ada").exit_code == 0
    assert cli("users", "add", "pat", "--role", "partner", "--org", "XM-DAC-1", "--user", "ada").exit_code == 0
    path = tmp_path / "narratives.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    # A partner writes none; an analyst cannot approve their own; each refusal is on record.
    assert cli("narratives", "import", str(path), "--user", "pat").exit_code == 2
    refused = cli("narratives", "import", str(path), "--user", "ana", "--approve")
    assert refused.exit_code == 2 and "ana wrote this version" in refused.stderr
    assert query(cli.db_url, "SELECT count(*) FROM narrative_version") == [(0,)]
    assert [line[4] for line in _narratives_audit(cli.db_url)] == ["refused", "refused"]
    drafts = cli("narratives", "import", str(path), "--user", "ana")
    assert drafts.exit_code == 0 and "2 new versions" in drafts.stdout
    assert query(cli.db_url, "SELECT line_id, country, first_fy, last_fy, lang, status, progress FROM "
                             "narrative_version ORDER BY id") == [
        ("security", "HN", 2016, 2021, "en", "draft", "Homicides fell.\nVetting went on."),
        ("prosperity", "GT", 2019, 2019, "es", "draft", "Más empleo rural.")]
    # An administrator approves them (as they stand: nothing new is written).
    approved = cli("narratives", "import", str(path), "--user", "ada", "--approve")
    assert approved.exit_code == 0 and "0 new versions, 2 unchanged" in approved.stdout
    assert query(cli.db_url, "SELECT status, reviewed_by, source FROM narrative_version ORDER BY id") == [
        ("approved", "ada", f"{path}:2"), ("approved", "ada", f"{path}:4")]
    again = cli("narratives", "import", str(path), "--user", "ada", "--approve")
    assert again.exit_code == 0 and query(cli.db_url, "SELECT count(*) FROM narrative_version") == [(2,)]
    assert ("ada", "approve", "prosperity/GT/2019-2019/es v1", "status", "done") in _narratives_audit(cli.db_url)


@pytest.mark.parametrize("row, reason", [
    ("security,HN,2016:2021,fr,a,b,c", "column 'lang': 'fr' is not one of: en, es"),
    ("peace,HN,2016:2021,en,a,b,c", "peace is not a line of action of the framework"),
    ("security,MX,2016:2021,en,a,b,c", "MX is not one of the Strategy's countries"),
    ("security,HN,all,en,a,b,c", "column 'fy': give a first and a last fiscal year"),
    ("security,HN,2016:2021,en,a,,c", "column 'challenges' is empty"),
])
def test_a_bad_narratives_file_is_refused_whole_naming_its_row(sqlite_cli, tmp_path, row, reason):
    assert sqlite_cli("users", "add", "ada", "--role", "admin").exit_code == 0
    path = tmp_path / "narratives.csv"
    path.write_text(HEADER + "governance,SV,2019,en,a,b,c\n" + row + "\n", encoding="utf-8")
    result = sqlite_cli("narratives", "import", str(path), "--user", "ada")
    assert result.exit_code == 1 and f"{path}:3: {reason}" in result.stderr, result.stderr
    assert query(sqlite_cli.db_url, "SELECT count(*) FROM narrative_version") == [(0,)]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(HEADER.replace("next_steps", "next_step"), encoding="utf-8")
    assert "unknown column 'next_step'" in sqlite_cli("narratives", "import", str(unknown), "--user", "ada").stderr
