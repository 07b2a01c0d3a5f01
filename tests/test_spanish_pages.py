"""The Spanish a reader meets (issue 21): the rendered Spanish portal pages of the real data and the Spanish
report hold no English outside the data and proper names, and no term the style sheet avoids.

What the data holds (titles, descriptions, names, codes, citations as their authors wrote them) is marked
where it is shown — `class="as-published"`, or `lang` when its language is another — and the scan reads past
it; commands (`<code>`) too. Everything else is the portal's own words, and must be Spanish. A word is
English when the portal's English (the catalogue's msgids) uses it and its Spanish never does: the
catalogue's translations (words they do not copy from their msgid), CLDR's Spanish names of places,
languages and months, and the framework's Spanish texts. Charts count: their Vega specifications (axis and
legend titles, tooltips, descriptions), the map's labels and every screen-reader text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from urllib.parse import quote

import lxml.html
import pytest
from babel import Locale
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from conftest import Cli
from stratmon.store import schema
from stratmon.store.db import get_engine
from stratmon.store.results import audit
from test_spanish_style import CATALOGUE, avoided_terms, spanish_texts
from test_web_spanish import _spanish_titled
from webfixtures import PARTNER_ORG, sign_in

WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
PLACEHOLDER = re.compile(r"\{[^}]*\}|%\(\w+\)[sd]")
# What a translation keeps in English on purpose: commands, quoted names, options, attribute and file names,
# acronyms, addresses ("`stratmon align`", "'Indicator Code'", "--format", "iso-date", "CSV").
KEPT_AS_IS = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|--[\w-]+|\S*\w[-_./:=|<>@#]\w\S*|\b[A-Z]{2,}\b|https?://\S+")
# English words too common to be left to the catalogue's msgids.
FUNCTION_WORDS = set("the a an and of to for with from by in on at is are was were this that these those it its be "
                     "been has have or as all any each which who what when where how not no".split())
# Words Spanish writes as English does, which the catalogue happens to take from its msgids; and "token",
# the loanword the region's technical Spanish uses.
SHARED_WORDS = set("regional central per sector total general error local multilateral nominal ordinal portal "
                   "control token tokens".split())
PROPER_NAMES = ("Strategy Monitor", "ForeignAssistance.gov", "OpenAPI")
FILE_NAMES = re.compile(r"[\w.-]+\.[a-z]{2,4}\b|https?://\S+")  # usaid-guatemala.xml, state.gov
DATA = ('//script | //style | //code | //*[@lang and not(starts-with(@lang, "es"))]'
        ' | //*[contains(concat(" ", normalize-space(@class), " "), " as-published ")]')
READ_ALOUD = ("aria-label", "aria-roledescription", "aria-description", "title", "alt", "placeholder", "data-alt")
SPEC_TEXTS = {"title", "description", "desc", "date"}

PAGES = {"home": "/es/", "countries": "/es/countries", "country": "/es/countries/GT", "lines": "/es/lines",
         "line": "/es/lines/security", "objective": "/es/objectives/P1", "finder": "/es/activities",
         "finder-mcc": "/es/activities?agency=US-GOV-18", "indicators": "/es/indicators", "data": "/es/data",
         "login": "/es/workspace/login", "releases": "/es/releases"}
ACTIVITIES = ("activity-titled-in-spanish", "activity-with-results", "activity-with-most-transactions")


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Words of the portal's English that its Spanish never uses."""
    english, spanish = set(FUNCTION_WORDS), set(SHARED_WORDS)
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        from_id = set().union(*map(_words, ids))
        english |= from_id
        for string in strings:
            spanish |= _words(KEPT_AS_IS.sub(" ", string)) - from_id  # a word copied from the msgid proves nothing
    locale = Locale("es")
    for names in (locale.territories, locale.languages, locale.months["format"]["wide"],
                  locale.months["format"]["abbreviated"], locale.days["format"]["wide"]):
        for name in names.values():
            spanish |= _words(name)
    for where, text in spanish_texts():
        if not where.startswith("catalogue:"):  # the framework's and its crosswalks' Spanish
            spanish |= _words(text)
    return frozenset(english - spanish)


def _spec_texts(node) -> list[str]:
    """The words a Vega-Lite specification shows or reads out: titles, descriptions, event dates."""
    if isinstance(node, dict):
        return [text for key, value in node.items()
                for text in ([value] if key in SPEC_TEXTS and isinstance(value, str) else _spec_texts(value))]
    if isinstance(node, list):
        return [text for value in node for text in _spec_texts(value)]
    return []


def portal_words(html: str) -> str:
    """What a Spanish reader (or a screen reader) meets of the portal's own words on a page: the text and
    the texts read aloud, the charts' and the map's words; not the data, commands or proper names."""
    document = lxml.html.fromstring(html)
    charts = [text for script in document.xpath('//script[contains(@class, "vega-spec")]')
              for text in _spec_texts(json.loads(script.text))]
    maps = [entry.get("label", "") for element in document.xpath("//*[@data-countries]")
            for entry in json.loads(element.get("data-countries")).values()]
    published = [" ".join(element.itertext()) for element in document.xpath(DATA)
                 if element.tag not in ("script", "style")]
    for element in document.xpath(DATA):
        element.drop_tree()
    title = document.findtext(".//title") or ""
    for text in sorted(published, key=len, reverse=True):  # a page's <title> repeats its data's title
        if text.strip():
            title = title.replace(" ".join(text.split()), " ")
    for element in document.xpath("//title"):
        element.drop_tree()
    read_aloud = [element.get(name) for element in document.iter() if isinstance(element.tag, str)
                  for name in READ_ALOUD if element.get(name)]
    text = " ".join([title, *document.itertext(), *read_aloud, *charts, *maps])
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    return " ".join(FILE_NAMES.sub(" ", text).split())


def english_in(text: str) -> dict[str, str]:
    """Each English word in `text` (acronyms and codes aside), with where it was found."""
    found = {}
    for match in WORD.finditer(text):
        word = match.group(0)
        if not word.isupper() and word.lower() in english_words():
            found.setdefault(word, text[max(0, match.start() - 60):match.end() + 30])
    return found


def avoided_in(text: str) -> list[str]:
    """The style sheet's avoided terms in `text`, each with the term to use instead."""
    return [f"{term!r} (use {chosen}): …{text[max(0, m.start() - 60):m.end() + 30]}…"
            for term, chosen in avoided_terms()
            if (m := re.search(r"(?<![\wÀ-ÿ])" + re.escape(term) + r"(?![\wÀ-ÿ])", text, re.IGNORECASE))]


def assert_spanish(where: str, html: str) -> None:
    text = portal_words(html)
    assert len(text.split()) > 40, f"{where}: the scan read almost nothing: {text[:300]}"
    english = english_in(text)
    assert not english, f"{where}: English outside the data:\n" + "\n".join(
        f"  {word!r}: …{context}…" for word, context in sorted(english.items()))
    avoided = avoided_in(text)
    assert not avoided, f"{where}: terms the style sheet avoids:\n  " + "\n  ".join(avoided)


# --------------------------------------------------------------------------------------- the scanner

def test_the_scan_finds_english_and_avoided_terms_and_reads_past_the_data():
    page = ('<html lang="es"><head><title>Actividades · Strategy Monitor</title></head><body>'
            '<h1 class="as-published">Strengthening the Education System</h1>'
            '<p>Fondos disbursed por país; la financiación del <code>stratmon align</code></p>'
            '<p><span lang="en">Road Project</span> (en)</p>'
            '<figure data-alt="Gráfico de barras"><script class="vega-spec" type="application/json">'
            '{"encoding": {"x": {"title": "Fiscal year"}}}</script></figure></body></html>')
    text = portal_words(page)
    assert "Strengthening" not in text and "Road" not in text and "stratmon" not in text
    assert set(english_in(text)) == {"disbursed", "year"}  # "fiscal" is Spanish too
    assert [line.split()[0] for line in avoided_in(text)] == ["'financiación'"]
    assert not english_in(portal_words('<html lang="es"><body><p>Desembolsos de 4 may 2006 en Belice, '
                                       'total regional, per cápita (USD, IATI)</p></body></html>'))


# --------------------------------------------------------------------------------------- the portal

@pytest.fixture(scope="module")
def activity_paths(shared_portal_url) -> dict[str, str]:
    """Three activities of the real data: a USAID one titled in Spanish, the MCC one with the most
    indicators published in IATI (names, disaggregates, texts for figures), the one with most transactions."""
    activity, indicator, transaction = schema.activity, schema.result_indicator, schema.transaction

    def most(table, *where) -> str:
        with get_engine(shared_portal_url).connect() as connection:
            return connection.execute(
                select(activity.c.iati_identifier).join(table, table.c.activity_id == activity.c.id).where(*where)
                .group_by(activity.c.iati_identifier)
                .order_by(func.count().desc(), activity.c.iati_identifier).limit(1)).scalar_one()

    identifiers = (_spanish_titled(shared_portal_url)[0], most(indicator, activity.c.reporting_org_ref == "US-GOV-18"),
                   most(transaction))
    return {name: "/es/activities/" + quote(identifier, safe="") for name, identifier in zip(ACTIVITIES, identifiers)}


@pytest.mark.parametrize("name", [*PAGES, *ACTIVITIES])
def test_spanish_pages_hold_no_english_outside_the_data(reader, activity_paths, name):
    path = PAGES.get(name) or activity_paths[name]
    response = reader.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    assert_spanish(path, response.text)


def test_the_data_is_marked_where_pages_show_it(reader, activity_paths):
    """The scan reads past the data because pages say which words are the data's: titles, descriptions,
    published indicator names and their disaggregates, codes, files."""
    activity = lxml.html.fromstring(reader.get(activity_paths["activity-with-results"]).text)
    assert activity.xpath('//h1/*[contains(@class, "as-published")]')
    assert activity.xpath('//p[contains(@class, "description")][contains(@class, "as-published")]')
    assert activity.xpath('//*[@id="table-results"]//td[contains(@class, "as-published")]')
    indicators = lxml.html.fromstring(reader.get("/es/indicators").text)
    assert indicators.xpath('//*[@id="table-tracking"]//th[@scope="row"]/*[contains(@class, "as-published")]')
    data = lxml.html.fromstring(reader.get("/es/data").text)
    assert data.xpath('//*[@id="table-imports"]//td[contains(@class, "as-published")]')
    assert data.xpath("//p/code")  # commands read as commands


# --------------------------------------------------------------------------------------- the report

def test_the_spanish_report_holds_no_english_outside_the_data(portal_url):
    result = Cli(portal_url)("report", "--lang", "es", "--fy", "2016:2020", "--as-of", "2026-11-29")
    assert result.exit_code == 0, result.output
    assert_spanish("the Spanish report", result.stdout)


# --------------------------------------------------------------------------------------- the audit log

def test_the_audit_log_names_fields_and_values_not_codes(client, portal_url):
    """Old and new values read as names: a status, a role, where an override sends money, the kind of file
    uploaded, an indicator's direction, yes and no; not `submitted`, `partner US-EIN-…`, `S2`, `True`."""
    assert Cli(portal_url)("users", "add", "rosa", "--role", "partner", "--org", PARTNER_ORG,
                           "--user", "ada").exit_code == 0
    with get_engine(portal_url).begin() as connection:  # lines as the workspace's forms write them
        audit(connection, "ana", "set_override", "alignment_override", "US-GOV-1-TEST", new="S2", reason="INL")
        audit(connection, "ana", "upload", "import_run", 7, new="iati usaid-guatemala.xml")
        audit(connection, "ada", "update", "indicator", "EG.3.2-24", field="direction", old="higher", new="lower",
              reason="registry.yaml")
        audit(connection, "ada", "update", "indicator", "EG.3.2-24", field="cumulative", old="False", new="True",
              reason="registry.yaml")
        audit(connection, "pablo", "submit", "result_value", 1, field="status", old="draft", new="submitted")
    sign_in(client, "ada", lang="es")
    html = client.get("/es/workspace/audit").text
    rows = [[cell.text_content().strip() for cell in row.xpath("./td")]
            for row in lxml.html.fromstring(html).xpath("//table/tbody/tr")]
    changes = {(row[4], row[5], row[6]) for row in rows}
    assert {("Estado", "borrador", "enviado"), ("Sentido", "mayor es mejor", "menor es mejor")} <= changes, changes
    assert any((old, new) == ("no", "sí") for _field, old, new in changes)
    news = {new for _field, _old, new in changes}
    assert {f"socio implementador ({PARTNER_ORG})", "XML de actividades IATI: usaid-guatemala.xml"} <= news, news
    assert any(new.startswith("S2 ") and len(new) > 4 for new in news)  # the objective's name follows its code
    whats = {row[3] for row in rows}  # a scheme by its name, not its code ("sex v1")
    assert "esquema de desagregación Sexo, versión 1" in whats and "esquema de desagregación sex v1" not in whats
    codes = {"draft", "submitted", "higher", "lower", "True", "False", "S2", "status", "direction", "cumulative"}
    assert not codes & {cell for row in rows for cell in row[4:7]}
    assert_spanish("/es/workspace/audit", html)
