"""The hostile input corpus (issue 8, point 3; DESIGN.md "Bad input policy"): every file of
`tests/hostile/` (and the few generated here, too large or too binary to keep) through every path that
accepts its kind of file — the `stratmon import` commands and the workspace upload form.

For each (file, path): a non-zero exit or a 4xx page with ONE line naming the file and, where the format
has places, the line; the database row for row as it was (the upload form also puts the refusal in the
audit log, as it does any refused form); nothing fetched from the network. An IATI activity whose
content cannot be read is skipped, as DESIGN.md says, unless `--strict`: then only the import ledger
records the file. `tests/hostile/README.md` lists the cases; a test keeps it and CASES in step.

Then what the files cannot show: names of uploads that try to reach the file system, uploads larger
than the limit (413 before the body is read), and text that spreadsheets would run as formulas in
every CSV and XLSX download. One SQLite database and one signed-in analyst serve the whole module;
a few cases run on PostgreSQL too.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import MetaData, create_engine, select

from conftest import FIXTURES, Cli, database_for
from stratmon.cli import app
from stratmon.web.workspace import upload as workspace_upload
from stratmon.web.workspace.documents import MAX_PDF_BYTES
from stratmon.web.workspace.upload import MAX_UPLOAD_BYTES
from test_bad_input import Listener
from webfixtures import PASSWORD, client_for, sign_in

CORPUS = Path(__file__).parent / "hostile"
LISTENER_MARK = b"@LISTENER@"
SECRET = Path("/etc/passwd").read_text().splitlines()[0]  # what an external entity would leak
OVER_TEN_MB = 11 * 1024 * 1024  # past libxml2's limits on one text node or attribute (huge_tree off)


# --- the paths a file can take -------------------------------------------------------------------------

CLI_PATHS = {
    "cli-iati": ("import", "iati"),
    "cli-iati-strict": ("import", "iati", "--strict"),
    "cli-fagov": ("import", "fagov"),
    "cli-budget": ("import", "budget"),
    "cli-context-owid": ("import", "context", "--format", "owid"),
    "cli-context-wdi": ("import", "context", "--format", "wdi"),
    "cli-context-datahub": ("import", "context", "--format", "datahub", "--indicator", "population"),
    "cli-context-cbp": ("import", "context", "--format", "cbp"),
    "cli-results": ("import", "results", "--user", "ana"),
}
UPLOAD_PATHS = {"upload-iati": "iati", "upload-fagov": "fagov", "upload-results": "results"}
XML_PATHS = ("cli-iati", "cli-iati-strict", "upload-iati")
CSV_PATHS = ("cli-fagov", "cli-budget", "cli-context-owid", "cli-context-wdi", "cli-context-datahub",
             "cli-context-cbp", "cli-results", "upload-fagov", "upload-results")
EVERY_PATH = XML_PATHS + CSV_PATHS
PATHS_BY_KIND = {"xml": XML_PATHS, "csv": CSV_PATHS, "xlsx": ("cli-results", "upload-results"), "any": EVERY_PATH}
FAGOV = ("cli-fagov", "upload-fagov")
RESULTS = ("cli-results", "upload-results")
# Tables a skipped activity may change (the ledger records the run), and that every request to the
# workspace may (its session) or that records a refused upload (the audit log).
LEDGER = ("import_run", "import_issue", "data_version")  # the data version moves with the ledger
WORKSPACE_BOOKKEEPING = ("audit_log", "web_session")

# Texts of tests/fixtures/iati/formula-text.xml that a spreadsheet would run.
FORMULA_FIXTURE = FIXTURES / "iati" / "formula-text.xml"
TITLE = '=HYPERLINK("http://127.0.0.1:9/x","click me")'
OTHER_TITLE = "-2+3"  # also a transaction's description, and a target published as words
ORGANISATION = "+cmd|' /C calc'!A0"
DESCRIPTION = "@SUM(1+1)*cmd|' /C calc'!A0"
INDICATOR = "=1+2"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- generated files ----------------------------------------------------------------------------------

def _iati(title: str = "Hostile input", title_attrs: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<iati-activities version="2.03" generated-datetime="2024-01-01T00:00:00Z">\n'
            ' <iati-activity last-updated-datetime="2024-01-01T00:00:00Z" default-currency="USD">\n'
            "  <iati-identifier>XM-HOSTILE-GENERATED</iati-identifier>\n"
            f"  <title{title_attrs}><narrative>{title}</narrative></title>\n"
            '  <recipient-country code="GT" percentage="100"/>\n'
            " </iati-activity>\n</iati-activities>\n").encode()


def deep_nesting() -> bytes:
    depth = 10_000
    return _iati(f"</narrative>{'<x>' * depth}deep{'</x>' * depth}<narrative>")


def huge_text_node() -> bytes:
    return _iati("a" * OVER_TEN_MB)


def huge_attribute() -> bytes:
    return _iati(title_attrs=f' note="{"a" * OVER_TEN_MB}"')


RESULTS_HEADER = "indicator,activity,country,period_start,period_end,value_type,value"


def huge_line() -> bytes:
    return (RESULTS_HEADER + "," + "x" * (1024 * 1024 + 10) + "\n").encode()


def row_bomb() -> bytes:
    # A quote opened on line 3 and never closed, then 200 KB of short lines: one value, past the csv
    # module's 128 KiB cap on a value, however short each line is.
    return (f"{RESULTS_HEADER}\nCS.1-1,,GT,2023-10-01,2024-09-30,target,500\n"
            'CS.1-1,,GT,2023-10-01,2024-09-30,actual,"' + ("x" * 99 + "\n") * 2000).encode()


def random_bytes() -> bytes:
    return random.Random(20240801).randbytes(4096)


def compressed_csv() -> bytes:
    return gzip.compress((CORPUS / "fagov-amount-40-digits.csv").read_bytes(), mtime=0)


def empty() -> bytes:
    return b""


SHEET = "xl/worksheets/sheet1.xml"
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "results"
    sheet.append(RESULTS_HEADER.split(","))
    sheet.append(["CS.1-1", None, "GT", "2023-10-01", "2024-09-30", "target", 500])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _with_part(workbook: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        assert part in source.namelist(), part
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, edit(content) if info.filename == part else content)
    return out.getvalue()


def _with_doctype(content: bytes, doctype: str) -> bytes:
    """`content` (an XML part) with `doctype` after its XML declaration."""
    if content.startswith(b"<?xml"):
        end = content.index(b"?>") + 2
        return content[:end] + doctype.encode() + content[end:]
    return doctype.encode() + content


def _inline_row(number: int, *cells: str) -> str:
    cells_xml = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{cell}</t></is></c>'
                        for i, cell in enumerate(cells))
    return f'<row r="{number}">{cells_xml}</row>'


def _sheet(*rows: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<worksheet xmlns="{SPREADSHEET_NS}"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>").encode()


def xlsx_entity_expansion() -> bytes:
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = _sheet(_inline_row(1, *RESULTS_HEADER.split(",")), _inline_row(2, "&lol9;"),
                   prolog=f'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">{laughs}]>\n')
    return _with_part(_workbook(), SHEET, lambda _old: sheet)


def xlsx_external_entity() -> bytes:
    sheet = _sheet(_inline_row(1, *RESULTS_HEADER.split(",")),
                   _inline_row(2, "CS.1-1", "", "GT", "2023-10-01", "2024-09-30", "target", "500"),
                   _inline_row(3, "&secret;", "", "GT", "2023-10-01", "2024-09-30", "target", "500"),
                   prolog='<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n')
    return _with_part(_workbook(), SHEET, lambda _old: sheet)


def xlsx_external_dtd() -> bytes:
    doctype = f'\n<!DOCTYPE workbook SYSTEM "http://{LISTENER_MARK.decode()}/workbook.dtd">\n'
    return _with_part(_workbook(), "xl/workbook.xml", lambda old: _with_doctype(old, doctype))


def xlsx_truncated() -> bytes:
    workbook = _workbook()
    return workbook[:len(workbook) // 2]


def xlsx_value_1e400() -> bytes:
    sheet = _sheet(_inline_row(1, *RESULTS_HEADER.split(",")),
                   _inline_row(2, "CS.1-1", "", "GT", "2023-10-01", "2024-09-30", "target", "500"),
                   _inline_row(3, "CS.1-1", "", "GT", "2023-10-01", "2024-09-30", "actual")
                   [:-len("</row>")] + '<c r="G3"><v>1E+400</v></c></row>')
    return _with_part(_workbook(), SHEET, lambda _old: sheet)


def xlsx_zip_bomb() -> bytes:
    """A workbook whose one sheet unpacks to 513 MiB from about 2 MB (deflate's best is ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        bundle.writestr("[Content_Types].xml", "<Types/>")
        bundle.writestr("xl/workbook.xml", "<workbook/>")
        with bundle.open(SHEET, "w", force_zip64=True) as part:
            spaces = b" " * (1 << 20)
            for _ in range(513):
                part.write(spaces)
    return out.getvalue()


# --- the cases ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One hostile file and what the paths it is written for must answer.

    `targets` are the paths whose reader the file attacks: their refusal names `line` (None: the file as
    a whole, no place in it) and says one of `reason`. Every other path of its kind refuses it too, for
    its own reason (a header it does not know, say), at a line unless `line` is None.
    """

    file: str
    kind: str  # xml, csv, xlsx, or any (every path)
    targets: tuple[str, ...]
    line: int | None
    reason: tuple[str, ...] = ()
    skipped: bool = False  # an IATI content error: without --strict, the activity is skipped, not the file
    build: Callable[[], bytes] | None = field(default=None, compare=False)

    @property
    def paths(self) -> tuple[str, ...]:
        return PATHS_BY_KIND[self.kind]


DOCTYPE = ("DOCTYPE declarations are not allowed",)
CASES = [
    # IATI XML: entities, DTDs, the network. The line is the DOCTYPE's own: the project's check finds it
    # before any XML library reads the file, whatever that library's version would say.
    Case("billion-laughs.xml", "xml", XML_PATHS, 3, DOCTYPE),
    Case("quadratic-blowup.xml", "xml", XML_PATHS, 3, DOCTYPE),
    Case("external-entity-file.xml", "xml", XML_PATHS, 3, DOCTYPE),
    Case("external-entity-network.xml", "xml", XML_PATHS, 3, DOCTYPE),
    Case("external-dtd.xml", "xml", XML_PATHS, 3, DOCTYPE),
    Case("external-parameter-entity.xml", "xml", XML_PATHS, 3, DOCTYPE),
    # IATI XML: sizes and depth (generated: 10,000 levels, 11 MiB).
    Case("deep-nesting.xml", "xml", XML_PATHS, 5, ("nested to a depth of more than 256",), build=deep_nesting),
    Case("huge-text-node.xml", "xml", XML_PATHS, 5, ("a text longer than the limit",), build=huge_text_node),
    # libxml2 stops reading past the value, at the end of the file (line 9): the message says so.
    Case("huge-attribute.xml", "xml", XML_PATHS, 9, ("starting at or before this line",), build=huge_attribute),
    # IATI XML: encodings, truncation, binary.
    Case("invalid-utf8.xml", "xml", XML_PATHS, 7, ("Invalid bytes in character encoding",)),
    Case("declared-utf16-is-utf8.xml", "xml", XML_PATHS, 1, ("the XML declaration says encoding UTF-16",)),
    Case("declared-utf8-is-latin1.xml", "xml", XML_PATHS, 7, ("Invalid bytes in character encoding",)),
    Case("unknown-encoding.xml", "xml", XML_PATHS, 1, ("Unsupported encoding: X-HOSTILE-7",)),
    Case("nul-byte.xml", "xml", XML_PATHS, 7, ("Char 0x0 out of allowed range",)),
    Case("truncated.xml", "xml", XML_PATHS, 9, ("not well-formed XML",)),
    # IATI XML: a number too large to store.
    Case("transaction-value-1e30.xml", "xml", XML_PATHS, 9, ("'1e30' is too large to store",), skipped=True),
    # CSV: numbers too large to store.
    Case("fagov-amount-40-digits.csv", "csv", FAGOV, 3, ("is too large to store",)),
    Case("fagov-amounts-sum-too-large.csv", "csv", FAGOV, 3, ("a figure too large to store",)),
    Case("budget-amount-too-large.csv", "csv", ("cli-budget",), 3, ("thousand is too large to store",)),
    Case("context-owid-value-1e400.csv", "csv", ("cli-context-owid",), 3, ("has too many digits",)),
    Case("context-cbp-count-41-digits.csv", "csv", ("cli-context-cbp",), 3, ("is too long to be a number",)),
    Case("results-value-400-digits.csv", "csv", RESULTS, 3, ("is too long to be a number",)),
    Case("results-value-1e400.csv", "csv", RESULTS, 3, ("has too many digits",)),
    # CSV: encodings, binary, structure, size.
    Case("fagov-invalid-utf8.csv", "csv", FAGOV, 3, ("not UTF-8: byte 0xff",)),
    Case("budget-mixed-encodings.csv", "csv", ("cli-budget",), 3, ("mixes UTF-8 with cp1252",)),
    Case("results-utf16.csv", "csv", CSV_PATHS, 1, ("NUL byte", "not UTF-8 text")),
    Case("results-nul-byte.csv", "csv", RESULTS, 2, ("NUL byte",)),
    Case("results-unclosed-quote.csv", "csv", RESULTS, 3, ("never closed",)),
    Case("csv-huge-line.csv", "csv", CSV_PATHS, 1, ("line is longer than",), build=huge_line),
    Case("csv-row-bomb.csv", "csv", RESULTS, 3, ("(an unclosed quote?)",), build=row_bomb),
    # XLSX results workbooks (generated: binary).
    Case("results-zip-bomb.xlsx", "xlsx", RESULTS, None, ("(a zip bomb?)",), build=xlsx_zip_bomb),
    Case("results-entity-expansion.xlsx", "xlsx", RESULTS, None, (f"part {SHEET}: DOCTYPE",),
         build=xlsx_entity_expansion),
    Case("results-external-entity.xlsx", "xlsx", RESULTS, None, (f"part {SHEET}: DOCTYPE",),
         build=xlsx_external_entity),
    Case("results-external-dtd.xlsx", "xlsx", RESULTS, None, ("part xl/workbook.xml: DOCTYPE",),
         build=xlsx_external_dtd),
    Case("results-truncated.xlsx", "xlsx", RESULTS, None, ("not an XLSX workbook",), build=xlsx_truncated),
    Case("results-value-1e400.xlsx", "xlsx", RESULTS, 3, ("column 'value': 'inf' is not a number",),
         build=xlsx_value_1e400),
    # Anything, through every path.
    Case("empty", "any", EVERY_PATH, None, ("empty", "no element found"), build=empty),
    Case("random-bytes.bin", "any", EVERY_PATH, 1, build=random_bytes),
    Case("compressed.csv.gz", "any", EVERY_PATH, 1, build=compressed_csv),
]
CASES_BY_FILE = {case.file: case for case in CASES}
PAIRS = [pytest.param(case, path, id=f"{case.file}-{path}") for case in CASES for path in case.paths]


class Corpus:
    """The cases as files in a temporary folder, written on first use (the listener's address put in)."""

    def __init__(self, folder: Path, listener_address: str) -> None:
        self.folder = folder
        self.address = listener_address.encode()
        self._written: dict[str, Path] = {}

    def path(self, case: Case) -> Path:
        if case.file not in self._written:
            content = case.build() if case.build else (CORPUS / case.file).read_bytes()
            path = self.folder / case.file
            path.write_bytes(content.replace(LISTENER_MARK, self.address))
            self._written[case.file] = path
        return self._written[case.file]


# --- the database: a small baseline, and row-for-row snapshots -------------------------------------------

BUDGET_TABLE = "Country,All Accounts,DA,ESF,INCLE,Fiscal Year\nGuatemala,700,-,400,300,2016\n"
OWID_TABLE = 'Entity,Code,Year,"Homicide rate per 100,000 population"\nGuatemala,GTM,2015,29.4\n'


def build_baseline(cli: Cli, folder: Path, *, with_password: bool) -> None:
    """Something of every kind in the database, so that "unchanged" means something: IATI activities
    (with formula-like texts and IATI results), ForeignAssistance.gov rows, a budget table, a context
    series, users, the indicator registry, entered results, and the alignment."""
    (folder / "budget.csv").write_text(BUDGET_TABLE, encoding="utf-8")
    (folder / "owid.csv").write_text(OWID_TABLE, encoding="utf-8")
    steps = [("init",), ("users", "add", "ada", "--role", "admin"),
             ("users", "add", "ana", "--role", "analyst", "--user", "ada"),
             ("indicators", "load", str(FIXTURES / "results" / "registry.yaml"), "--user", "ada"),
             ("import", "iati", str(FIXTURES / "results" / "activities.xml"), str(FORMULA_FIXTURE)),
             ("import", "fagov", str(FIXTURES / "fagov" / "complete-sample.csv")),
             ("import", "budget", str(folder / "budget.csv")),
             ("import", "context", str(folder / "owid.csv"), "--format", "owid"),
             ("import", "results", str(FIXTURES / "results" / "results-a.csv"), "--user", "ana"),
             ("align",)]
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, (step, result.output)
    if with_password:
        result = cli.runner.invoke(app, ["users", "password", "ana", "--password-stdin", "--db", cli.db_url],
                                   input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output


class Snapshots:
    """Every table's rows (reflected once), to compare a database before and after."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        self.metadata = MetaData()
        self.metadata.reflect(self.engine)

    def take(self, leave_out: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
        with self.engine.connect() as connection:
            return {name: sorted(tuple(map(repr, row)) for row in connection.execute(select(table)))
                    for name, table in sorted(self.metadata.tables.items()) if name not in leave_out}

    def rows(self, table: str) -> list[dict]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(select(self.metadata.tables[table]))]


def assert_unchanged(before: dict, after: dict) -> None:
    counts = ({name: len(rows) for name, rows in before.items()}, {name: len(rows) for name, rows in after.items()})
    assert counts[1] == counts[0], "row counts changed"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"rows changed in {changed}"


@dataclass
class Site:
    """The module's database, its CLI, and an analyst signed in to the workspace."""

    cli: Cli
    snapshots: Snapshots
    client: object
    token: str


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.server.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, listener) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("hostile"), f"127.0.0.1:{listener.port}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-db")
    cli = Cli(f"sqlite:///{folder / 'stratmon.db'}")
    build_baseline(cli, folder, with_password=True)
    snapshots = Snapshots(cli.db_url)
    with client_for(cli.db_url) as client:
        sign_in(client, "ana")
        page = client.get("/en/workspace/upload")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        yield Site(cli, snapshots, client, token)
    snapshots.engine.dispose()


@pytest.fixture(autouse=True)
def nothing_fetched(request, listener):
    """No test in this module may open a network connection (the corpus points its URLs here)."""
    yield
    assert not listener.was_contacted(), "something fetched a URL the hostile file named"


# --- one file through one path --------------------------------------------------------------------------

@dataclass
class Answer:
    """What a path said about a file: refused (with its one line), or an activity skipped."""

    refused: bool
    message: str  # after "rejected: " / "error: " / "skipped: ", or the page's one line


_MESSAGE_PREFIXES = ("rejected: ", "error: ", "skipped: ")
_PAGE_ERROR = re.compile(r'<p class="error" role="alert">Refused; nothing was changed\. (.*?)</p>', re.DOTALL)


def through_cli(cli: Cli, path: str, file: Path) -> Answer:
    result = cli(*CLI_PATHS[path], str(file))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith(_MESSAGE_PREFIXES), lines
    refused = not lines[0].startswith("skipped: ")
    assert (result.exit_code != 0) == refused, (result.exit_code, result.stderr)
    return Answer(refused, lines[0].split(": ", 1)[1])


def post_upload(site: Site, kind: str, name: str, content: bytes, *, content_type: str = "application/octet-stream"):
    """POST the upload form as a browser does, the file name exactly as given (quoted, not escaped)."""
    boundary = "hostile-corpus-boundary"
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
                   for key, value in (("csrf_token", site.token), ("kind", kind)))
    body = ((head + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
             f"Content-Type: {content_type}\r\n\r\n").encode("utf-8", "surrogateescape")
            + content + f"\r\n--{boundary}--\r\n".encode())
    return site.client.post("/en/workspace/upload", content=body,
                            headers={"content-type": f"multipart/form-data; boundary={boundary}"})


def through_upload(site: Site, path: str, file: Path, name: str) -> Answer:
    response = post_upload(site, UPLOAD_PATHS[path], name, file.read_bytes())
    page = response.text
    assert "Traceback" not in page
    assert "stratmon-upload" not in page and "/tmp/" not in page, "the page shows where the upload was kept"
    errors = _PAGE_ERROR.findall(page)
    if response.status_code == 200:  # imported, with the unreadable activity skipped
        assert not errors
        assert "nothing imported: no activity in the file could be read" in page
        [(line, identifier, message)] = re.findall(
            r'<tr><td>skipped</td><td class="num">(\d*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', page)
        return Answer(False, f"{name}:{line}: {html.unescape(identifier)}: {html.unescape(message)}")
    assert response.status_code == 400, (response.status_code, page[-1500:])
    assert len(errors) == 1, page[-3000:]
    return Answer(True, html.unescape(errors[0]))


def check_message(answer: Answer, shown: str, case: Case, path: str) -> None:
    """One line: the file as its user knows it, the line when the format has one there, the reason."""
    message = answer.message
    assert "\n" not in message and "Traceback" not in message, message
    assert SECRET not in message
    found = re.fullmatch(rf"{re.escape(shown)}(?::(\d+))?: (\S.*)", message)
    assert found, f"the message does not start with the file's name {shown!r}: {message}"
    line = int(found[1]) if found[1] else None
    if path in case.targets:
        assert line == case.line, message
        assert not case.reason or any(reason in found[2] for reason in case.reason), message
    elif case.line is not None:
        assert line is not None, f"the refusal names no place in the file: {message}"


@pytest.mark.parametrize(("case", "path"), PAIRS)
def test_a_hostile_file_is_refused_in_one_located_line_and_changes_nothing(case, path, corpus, site):
    file = corpus.path(case)
    skips = case.skipped and path != "cli-iati-strict"
    if path in CLI_PATHS:
        before = site.snapshots.take()
        answer = through_cli(site.cli, path, file)
        shown = str(file)
        after = site.snapshots.take()
        leave_out = LEDGER if skips else ()
        assert_unchanged({k: v for k, v in before.items() if k not in leave_out},
                         {k: v for k, v in after.items() if k not in leave_out})
    else:
        before = site.snapshots.take(WORKSPACE_BOOKKEEPING + (LEDGER if skips else ()))
        audited = len(site.snapshots.rows("audit_log"))
        answer = through_upload(site, path, file, case.file)
        shown = case.file
        assert_unchanged(before, site.snapshots.take(WORKSPACE_BOOKKEEPING + (LEDGER if skips else ())))
        new_entries = site.snapshots.rows("audit_log")[audited:]
        assert len(new_entries) == 1, new_entries
        if answer.refused:  # the refusal is on record, in the words the page used
            assert (new_entries[0]["action"], new_entries[0]["outcome"]) == ("upload", "refused")
            assert answer.message in new_entries[0]["reason"]
    assert answer.refused != skips, answer.message
    check_message(answer, shown, case, path)


# --- the corpus and its README agree ----------------------------------------------------------------------

def test_every_corpus_file_is_a_case_and_the_readme_lists_every_case():
    on_disk = {path.name for path in CORPUS.iterdir() if path.name != "README.md"}
    static = {case.file for case in CASES if case.build is None}
    assert on_disk == static
    listed = set(re.findall(r"^\| `([^`]+)` \|", (CORPUS / "README.md").read_text(encoding="utf-8"), re.MULTILINE))
    assert listed == set(CASES_BY_FILE)
    assert len(CASES) >= 30


# --- PostgreSQL: a few representative cases --------------------------------------------------------------

POSTGRES_PAIRS = [("billion-laughs.xml", "cli-iati"), ("truncated.xml", "cli-iati"),
                  ("transaction-value-1e30.xml", "cli-iati-strict"),
                  ("fagov-amounts-sum-too-large.csv", "cli-fagov"), ("budget-amount-too-large.csv", "cli-budget"),
                  ("context-owid-value-1e400.csv", "cli-context-owid"), ("results-value-1e400.csv", "cli-results"),
                  ("results-external-entity.xlsx", "cli-results")]


@pytest.fixture(scope="module")
def postgres_site(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-pg")
    cli = Cli(database_for("postgresql", request, folder))
    build_baseline(cli, folder, with_password=False)
    snapshots = Snapshots(cli.db_url)
    yield cli, snapshots
    snapshots.engine.dispose()


@pytest.mark.parametrize(("file", "path"), POSTGRES_PAIRS, ids=[f"{f}-{p}" for f, p in POSTGRES_PAIRS])
def test_on_postgresql_too(file, path, corpus, postgres_site):
    cli, snapshots = postgres_site
    case = CASES_BY_FILE[file]
    before = snapshots.take()
    answer = through_cli(cli, path, corpus.path(case))
    assert answer.refused
    check_message(answer, str(corpus.path(case)), case, path)
    assert_unchanged(before, snapshots.take())


# --- upload names that try to reach the file system ----------------------------------------------------------

CUNNING_NAMES = {  # id: (the name the browser sends, the name the page may show)
    "parent-folders": ("../../etc/passwd", "passwd"),
    "windows-parent-folders": ("..\\..\\..\\Windows\\win.ini", "win.ini"),
    "absolute": ("/etc/cron.d/stratmon", "stratmon"),
    "windows-absolute": ("C:\\Windows\\System32\\drivers\\etc\\hosts", "hosts"),
    "nul-byte": ("results.csv\x00.xml", "results.csv.xml"),
    # Longer still, and the multipart parser refuses the header line itself (400, "Invalid multipart data").
    "very-long": ("a" * 4000 + ".csv", "a" * 120),
    "markup": ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
}
REFUSED_RESULTS = CORPUS / "results-value-1e400.csv"


@pytest.mark.parametrize(("name", "shown"), CUNNING_NAMES.values(), ids=CUNNING_NAMES.keys())
def test_an_upload_name_reaches_no_file_and_is_shown_only_as_text(name, shown, site, monkeypatch, tmp_path):
    folders: list[Path] = []
    real_mkdtemp = workspace_upload.tempfile.mkdtemp

    def recorded_mkdtemp(**kwargs):
        folders.append(Path(real_mkdtemp(dir=tmp_path, **kwargs)))
        return str(folders[-1])

    monkeypatch.setattr(workspace_upload.tempfile, "mkdtemp", recorded_mkdtemp)
    passwd = Path("/etc/passwd").read_bytes()
    before = site.snapshots.take(WORKSPACE_BOOKKEEPING)
    audited = len(site.snapshots.rows("audit_log"))
    response = post_upload(site, "results", name, REFUSED_RESULTS.read_bytes())
    assert response.status_code == 400, response.text[-1500:]
    # The name as text only: its last part, without control characters, shortened, escaped in the page.
    refusal = f"{shown}:3: column 'value': '1e400' has too many digits"
    assert [html.unescape(e) for e in _PAGE_ERROR.findall(response.text)] == [refusal]
    assert "<img src=x" not in response.text
    [entry] = site.snapshots.rows("audit_log")[audited:]
    assert entry["reason"] == f"results {shown}: {refusal}"
    # Nothing written anywhere but the upload's own temporary folder, and that folder is gone.
    assert len(folders) == 1 and not folders[0].exists()
    assert list(tmp_path.iterdir()) == []
    assert Path("/etc/passwd").read_bytes() == passwd
    assert not Path("/etc/cron.d/stratmon").exists()
    assert_unchanged(before, site.snapshots.take(WORKSPACE_BOOKKEEPING))


# --- uploads over the limit: 413 before the body is read -------------------------------------------------------

def _asgi_post(site: Site, path: str, declared_length: int) -> tuple[int, int]:
    """POST `path` to the application itself, declaring `declared_length` bytes and offering them in
    64 KiB pieces; returns the status and how many bytes the application took before answering."""
    chunk = b"x" * 65536
    taken = 0
    status = 0
    cookies = "; ".join(f"{name}={value}" for name, value in site.client.cookies.items())

    async def receive():
        nonlocal taken
        if taken >= declared_length:
            return {"type": "http.disconnect"}
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": taken < declared_length}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "https",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "server": ("testserver", 443), "client": ("127.0.0.1", 50000),
             "headers": [(b"host", b"testserver"), (b"cookie", cookies.encode()),
                         (b"content-type", b"multipart/form-data; boundary=x"),
                         (b"content-length", str(declared_length).encode())]}
    site.client.portal.call(site.client.app, scope, receive, send)
    return status, taken


@pytest.mark.parametrize(("path", "limit"), [("/en/workspace/upload", MAX_UPLOAD_BYTES),
                                             ("/en/workspace/documents", MAX_PDF_BYTES)],
                         ids=["upload", "documents"])
def test_an_oversize_upload_is_refused_with_413_before_it_is_read(path, limit, site):
    before = site.snapshots.take(WORKSPACE_BOOKKEEPING)
    status, taken = _asgi_post(site, path, limit + 10 * 1024 * 1024)
    assert status == 413
    assert taken == 0, f"the application read {taken} bytes of a body it was going to refuse"
    assert_unchanged(before, site.snapshots.take(WORKSPACE_BOOKKEEPING))


def test_a_document_that_is_not_a_pdf_is_refused_whatever_its_name(site):
    before = site.snapshots.take(WORKSPACE_BOOKKEEPING)
    fields = {"csrf_token": site.token, "kind": "report", "lang": "en", "published_on": "2025-01-01",
              "title": "Hostile"}
    response = site.client.post("/en/workspace/documents", data=fields, files={
        "file": ("../../report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")})
    assert response.status_code == 415, response.text[-1500:]
    assert "not a PDF" in response.text
    assert_unchanged(before, site.snapshots.take(WORKSPACE_BOOKKEEPING))


# --- text that spreadsheets would run ---------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def assert_csv_is_safe(text: str, *, expected: set[str], negative_numbers: int = 0) -> None:
    """No cell starts as a formula: the formula-like texts carry a leading `'`, numbers are numbers
    (at least `negative_numbers` of them negative)."""
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    risky = [cell for cell in cells if cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell)]
    assert not risky, risky
    neutralised = {cell[1:] for cell in cells if cell.startswith("'")}
    assert expected <= neutralised, expected - neutralised
    assert sum(1 for cell in cells if cell.startswith("-") and _NUMBER.fullmatch(cell)) >= negative_numbers


def assert_xlsx_is_safe(content: bytes, *, expected: set[str], negative_numbers: int = 0) -> None:
    """The formula-like texts are string cells holding the text exactly; no cell is a formula."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    assert expected <= texts, expected - texts
    assert sum(1 for cell in cells if cell.data_type == "n" and cell.value < 0) >= negative_numbers


PORTAL_TABLES = [
    # (page, table, the texts it shows, how many negative numbers at least)
    ("/en/activities?q=XM-FORMULA", "activities", {TITLE, OTHER_TITLE}, 1),  # net disbursed -250.00
    ("/en/activities/XM-FORMULA-1", "transactions", {OTHER_TITLE, DESCRIPTION}, 1),  # the -650.00
    ("/en/activities/XM-FORMULA-1", "organisations", {ORGANISATION}, 0),
    ("/en/indicators", "tracking", {INDICATOR, TITLE}, 2),  # baseline -5, actual -4
]


@pytest.mark.parametrize(("page", "table", "texts", "negatives"), PORTAL_TABLES,
                         ids=[f"{t}" for _p, t, _x, _n in PORTAL_TABLES])
def test_portal_downloads_keep_formula_text_as_text(page, table, texts, negatives, site):
    joiner = "&" if "?" in page else "?"
    as_csv = site.client.get(f"{page}{joiner}download={table}&format=csv")
    assert as_csv.status_code == 200, as_csv.text[-1000:]
    assert_csv_is_safe(as_csv.content.decode("utf-8-sig"), expected=texts, negative_numbers=negatives)
    as_xlsx = site.client.get(f"{page}{joiner}download={table}&format=xlsx")
    assert as_xlsx.status_code == 200
    assert_xlsx_is_safe(as_xlsx.content, expected=texts, negative_numbers=negatives)


def test_the_iptt_keeps_formula_text_as_text(site, tmp_path):
    texts = {INDICATOR, TITLE, OTHER_TITLE}
    result = site.cli("iptt", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert_csv_is_safe(result.stdout, expected=texts, negative_numbers=2)  # the baseline -5, the actual -4
    out = tmp_path / "iptt.xlsx"
    assert site.cli("iptt", "--format", "xlsx", "--out", str(out)).exit_code == 0
    assert_xlsx_is_safe(out.read_bytes(), expected=texts, negative_numbers=2)


def test_command_line_csv_keeps_formula_text_as_text(site):
    result = site.cli("top", "--by", "country", "--limit", "10", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert_csv_is_safe(result.stdout, expected={TITLE, OTHER_TITLE}, negative_numbers=1)
