"""Hostile and broken input to `stratmon import iati` (DESIGN.md "Bad input policy").

A file that is not well-formed IATI is rejected: non-zero exit, exactly one `rejected: path:LINE: reason`
line on stderr, and the database byte-for-byte as it was. An activity whose content cannot be read is
skipped (`skipped: path:LINE: ...`) while the rest of its file imports; `--strict` rejects the file instead.

Every database starts with a small valid import so that "unchanged" means something. Cases marked
`both engines` use the `cli` fixture (SQLite and PostgreSQL); the rest run on SQLite only to stay fast.
"""

from __future__ import annotations

import csv
import io
import random
import re
import socket
from pathlib import Path

import pytest

from dbdump import dump

KNOWN_STDERR_PREFIXES = ("rejected: ", "skipped: ", "conflict: ", "warning: ", "error: ")
DEPTH_LIMIT_PROBE = 10_000
OVER_TEN_MB = 11 * 1024 * 1024
MANY = 450  # more than the loader's batch of 400, so rows are already written when the bad part is met


# --- building IATI files by hand ---------------------------------------------------------------------

def transaction(*, type_code: str | None = "3", date: str = "2019-01-15", value: str = "100.00") -> str:
    """One `transaction`, each child on a line of its own (a bad value is reported at its own line)."""
    kind = f'\n   <transaction-type code="{type_code}"/>' if type_code is not None else ""
    return (f'<transaction>{kind}\n   <transaction-date iso-date="{date}"/>'
            f'\n   <value value-date="2019-01-15">{value}</value>\n  </transaction>')


def activity(identifier: str | None = "XM-TEST-1", *, country: str = "GT", title: str = "Test",
             title_attrs: str = "", tx: str | None = None) -> str:
    """One `iati-activity`, its start tag on its own line (the line `skipped:` names when the activity itself
    is at fault)."""
    ident = f"  <iati-identifier>{identifier}</iati-identifier>\n" if identifier is not None else ""
    return (
        ' <iati-activity last-updated-datetime="2024-01-01T00:00:00Z" default-currency="USD" xml:lang="en">\n'
        f"{ident}"
        '  <reporting-org ref="US-GOV-1" type="10"><narrative>USAID</narrative></reporting-org>\n'
        f"  <title{title_attrs}><narrative>{title}</narrative></title>\n"
        f'  <recipient-country code="{country}" percentage="100"/>\n'
        f"  {tx if tx is not None else transaction()}\n"
        " </iati-activity>\n"
    )


def iati(*activities: str, version: str = "2.03", prolog: str = "",
         declaration: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return (f"{declaration}{prolog}"
            f'<iati-activities version="{version}" generated-datetime="2024-01-01T00:00:00Z">\n'
            f'{"".join(activities)}</iati-activities>\n')


def many_good(prefix: str = "XM-MANY", country: str = "BZ") -> list[str]:
    return [activity(f"{prefix}-{i}", country=country, tx=transaction(value="1.00")) for i in range(MANY)]


def line_of(document: str, fragment: str) -> int:
    """The 1-based line on which `fragment` starts in `document`."""
    return document[:document.index(fragment)].count("\n") + 1


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def billion_laughs_dtd() -> str:
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    return f'<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n{entities}]>\n'


# --- running the CLI and checking what it did -----------------------------------------------------------

def import_files(cli, *paths: Path, strict: bool = False):
    return cli("import", "iati", *map(str, paths), *(["--strict"] if strict else []))


def stderr_lines(result, prefix: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(prefix)]


def assert_every_stderr_line_is_a_message(result) -> None:
    """Each message is one line: a reason that runs on to a second line is a broken message."""
    strays = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(KNOWN_STDERR_PREFIXES)]
    assert not strays, f"stderr has lines that are not one-line messages: {strays!r}\n{result.stderr}"


def assert_rejected(cli, path: Path, *, line: int | None | bool = True, reason: str | None = None,
                    strict: bool = False) -> str:
    """Import `path`: non-zero exit, one `rejected:` line naming it (and `line`), database unchanged.

    `line` is the exact line the message must name, True for "some line", None for "no line known".
    Returns the rejection line.
    """
    before = dump(cli.db_url)
    result = import_files(cli, path, strict=strict)
    assert result.exit_code != 0, result.stdout + result.stderr
    rejected = stderr_lines(result, "rejected: ")
    assert len(rejected) == 1, result.stderr
    message = rejected[0]
    if line is True:
        assert re.match(rf"rejected: {re.escape(str(path))}:\d+: \S", message), message
    elif line is None:
        assert message.startswith(f"rejected: {path}: "), message
    else:
        assert message.startswith(f"rejected: {path}:{line}: "), message
    if reason is not None:
        assert reason in message, message
    assert_every_stderr_line_is_a_message(result)
    assert dump(cli.db_url) == before, "a rejected file changed the database"
    return message


def funding_by_country(cli) -> dict[str, str]:
    """Disbursements in USD by recipient country, as the CLI reports them."""
    result = cli("funding", "--by", "country", "--type", "disbursement", "--format", "csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    return {row["country"]: row["usd"] for row in csv.DictReader(io.StringIO(result.stdout))}


BASELINE = {"GT": "250.00"}


def with_baseline(cli, tmp_path: Path):
    """`cli` after importing one small valid file (XM-BASE-1, GT, 250 USD disbursed)."""
    path = write(tmp_path, "baseline.xml", iati(activity("XM-BASE-1", tx=transaction(value="250.00"))))
    result = import_files(cli, path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert funding_by_country(cli) == BASELINE
    return cli


@pytest.fixture
def db(cli, tmp_path):
    """Both engines, holding the baseline import."""
    return with_baseline(cli, tmp_path)


@pytest.fixture
def sqlite_db(sqlite_cli, tmp_path):
    """SQLite, holding the baseline import."""
    return with_baseline(sqlite_cli, tmp_path)


class Listener:
    """A TCP port on 127.0.0.1 that tells whether anything connected to it."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.server.setblocking(False)
        self.port = self.server.getsockname()[1]

    def was_contacted(self) -> bool:
        try:
            self.server.accept()[0].close()
            return True
        except BlockingIOError:
            return False


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.server.close()


# --- not XML, or not IATI ---------------------------------------------------------------------------------

def test_plain_text_is_rejected_and_database_unchanged(db, tmp_path):  # both engines
    path = write(tmp_path, "notes.xml", "This is not XML.\nJust some notes.\n")
    assert_rejected(db, path, line=1, reason="not well-formed XML")


def test_names_and_places_from_files_print_as_they_are(sqlite_db, tmp_path):
    # Rich would read "[bold]" as markup and ":100:" as an emoji; both must reach the user unchanged.
    body = b'<iati-activities version="2.03">\n' + b"<!-- filler -->\n" * 98 + b"<iati-activity><title></iati-activity>\n"
    message = assert_rejected(sqlite_db, write(tmp_path, "[bold]x.xml", body), line=100)
    assert "[bold]x.xml:100:" in message


def test_empty_file_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    assert_rejected(sqlite_db, write(tmp_path, "empty.xml", b""), line=None, reason="the file is empty")
    assert_rejected(sqlite_db, write(tmp_path, "blank.xml", b"\n  \n"), line=None, reason="the file is empty")


@pytest.mark.parametrize("content", [
    b"\x00" + random.Random(20240101).randbytes(4096),
    # libxml2 reports this one as "...range\n, line N, column M": the reason must still be one line.
    iati(activity()).encode()[:120] + b"\x00\x00\x00" + iati(activity()).encode()[120:],
], ids=["random-bytes", "nul-inside-valid-document"])
def test_binary_garbage_is_rejected_and_database_unchanged(sqlite_db, tmp_path, content):
    assert_rejected(sqlite_db, write(tmp_path, "garbage.xml", content))


def test_truncated_file_is_rejected_at_its_last_line_and_database_unchanged(db, tmp_path):  # both engines
    # Enough good activities before the cut that the loader has already written rows: they must roll back.
    document = iati(*many_good(), activity("XM-LAST"))
    cut = document[:document.index("XM-LAST") + 40]  # mid-element, inside the last activity
    assert_rejected(db, write(tmp_path, "truncated.xml", cut), line=cut.count("\n") + 1,
                    reason="not well-formed XML")
    assert funding_by_country(db) == BASELINE


@pytest.mark.parametrize(("content", "line", "root"), [
    # An organisation file is read (below); the same root name in another namespace is no IATI file.
    ('<?xml version="1.0" encoding="UTF-8"?>\n<iati-organisations xmlns="urn:x-not-iati" version="2.03">\n'
     ' <iati-organisation><organisation-identifier>XM-1</organisation-identifier></iati-organisation>\n'
     '</iati-organisations>\n', 2, "iati-organisations"),
    ("<html>\n<body><p>Not found</p></body>\n</html>\n", 1, "html"),
], ids=["iati-organisations-in-another-namespace", "html"])
def test_wrong_root_element_is_rejected_and_database_unchanged(sqlite_db, tmp_path, content, line, root):
    assert_rejected(sqlite_db, write(tmp_path, f"{root}.xml", content), line=line, reason=f"<{root}>")


# --- IATI organisation files: read whole or not at all ------------------------------------------------------

def organisation(identifier: str | None = "XM-ORG-1", *, budget: str | None = None) -> str:
    """One `iati-organisation`, its start tag on its own line, with one recipient-country-budget."""
    ident = f"  <organisation-identifier>{identifier}</organisation-identifier>\n" if identifier is not None else ""
    budget = budget if budget is not None else country_budget()
    return (' <iati-organisation last-updated-datetime="2024-01-01T00:00:00Z" default-currency="USD">\n'
            f"{ident}  <name><narrative>Test</narrative></name>\n"
            '  <reporting-org ref="XM-ORG-1" type="10"><narrative>Test</narrative></reporting-org>\n'
            f"  {budget}\n"
            " </iati-organisation>\n")


def country_budget(*, code: str = "GT", start: str = "2018-10-01", end: str = "2019-09-30",
                   value: str = "100") -> str:
    return (f'<recipient-country-budget status="1"><recipient-country code="{code}"/>'
            f'<period-start iso-date="{start}"/><period-end iso-date="{end}"/>'
            f'<value value-date="{start}">{value}</value></recipient-country-budget>')


def organisations(*records: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<iati-organisations version="2.03">\n'
            f'{"".join(records)}</iati-organisations>\n')


# (the bad records, the start of the line the rejection names within them, the reason's words)
BAD_ORGANISATIONS = {
    "no-identifier": (organisation(None), " <iati-organisation", "has no organisation-identifier"),
    "value-not-a-number": (organisation(budget=country_budget(value="lots")), "  <recipient-country-budget",
                           "is not a number"),
    "period-ends-before-it-starts": (organisation(budget=country_budget(start="2019-10-01", end="2019-09-30")),
                                     "  <recipient-country-budget", "is before period-start"),
    "impossible-date": (organisation(budget=country_budget(start="2019-02-30")), "  <recipient-country-budget",
                        "is not a valid date"),
    "country-without-code": (organisation(budget=country_budget(code="")), "  <recipient-country-budget",
                             "has no code"),
    # The second copy is the one refused.
    "same-identifier-twice": (organisation() + organisation(), "\n <iati-organisation", "appears twice"),
}


def line_within(document: str, part: str, fragment: str) -> int:
    """The line on which `fragment` starts inside `part` of `document` (a leading newline skipped)."""
    start = document.index(part) + part.index(fragment) + fragment.startswith("\n")
    return document[:start].count("\n") + 1


@pytest.mark.parametrize("bad", BAD_ORGANISATIONS.values(), ids=BAD_ORGANISATIONS.keys())
def test_malformed_organisation_file_is_rejected_with_its_line(sqlite_db, tmp_path, bad):
    records, fragment, reason = bad
    # A good organisation comes first: it is read, then rolled back with the rest of the file.
    document = organisations(organisation("XM-ORG-GOOD"), records)
    assert_rejected(sqlite_db, write(tmp_path, "org.xml", document), line=line_within(document, records, fragment),
                    reason=reason)


def test_organisation_file_refused_after_good_ones_leaves_the_database_as_it_was(db, tmp_path):  # both engines
    bad = organisation("XM-ORG-BAD", budget=country_budget(value="1e20"))
    document = organisations(*(organisation(f"XM-ORG-{i}") for i in range(20)), bad)
    assert_rejected(db, write(tmp_path, "late-bad-org.xml", document),
                    line=line_within(document, bad, "  <recipient-country-budget"), reason="too large to store")


# --- DTDs and entities ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["narrative", "root-attribute"])
def test_billion_laughs_is_rejected_and_database_unchanged(db, tmp_path, where):  # both engines
    if where == "narrative":
        document = iati(activity(title="&lol9;"), prolog=billion_laughs_dtd())
    else:
        document = iati(activity(), prolog=billion_laughs_dtd()).replace('version="2.03"', 'version="&lol9;"')
    assert_rejected(db, write(tmp_path, "lol.xml", document), line=line_of(document, "<!DOCTYPE"), reason="DOCTYPE")
    assert funding_by_country(db) == BASELINE


def test_external_entity_is_rejected_and_nothing_from_etc_passwd_is_stored(db, tmp_path):  # both engines
    secret = Path("/etc/passwd").read_text().splitlines()[0]
    prolog = '<!DOCTYPE iati-activities [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
    path = write(tmp_path, "xxe.xml", iati(activity("XM-XXE", title="&xxe;"), prolog=prolog))
    message = assert_rejected(db, path, reason="DOCTYPE")
    assert secret not in message
    assert secret not in repr(dump(db.db_url))


def test_external_dtd_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    prolog = '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">\n'
    assert_rejected(sqlite_db, write(tmp_path, "dtd.xml", iati(activity(), prolog=prolog)), reason="DOCTYPE")


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:{port}/x.dtd">\n',
    '<!DOCTYPE iati-activities [\n<!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/x.ent">\n%remote;\n]>\n',
    '<!DOCTYPE iati-activities [\n<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/x.txt">\n]>\n',
], ids=["external-dtd", "external-parameter-entity", "external-general-entity"])
def test_external_resources_are_never_fetched(sqlite_db, tmp_path, listener, declaration):
    prolog = declaration.format(port=listener.port)
    title = "&remote;" if "ENTITY remote" in prolog else "Test"
    assert_rejected(sqlite_db, write(tmp_path, "remote.xml", iati(activity(title=title), prolog=prolog)))
    assert not listener.was_contacted(), "the importer opened a network connection"


@pytest.mark.parametrize("prolog", [
    '<!DOCTYPE iati-activities [\n<!ENTITY % pe SYSTEM "file:///etc/passwd">\n%pe;\n]>\n',
    "<!DOCTYPE iati-activities [\n<!ENTITY % pe \"<!ENTITY inner 'from a parameter entity'>\">\n%pe;\n]>\n",
], ids=["external-parameter-entity", "internal-parameter-entity"])
def test_parameter_entities_are_rejected_and_database_unchanged(sqlite_db, tmp_path, prolog):
    title = "&inner;" if "inner" in prolog else "Test"
    path = write(tmp_path, "pe.xml", iati(activity("XM-PE", title=title), prolog=prolog))
    assert_rejected(sqlite_db, path, reason="DOCTYPE")


@pytest.mark.parametrize("prolog", ["<!DOCTYPE iati-activities>\n", "<!DOCTYPE iati-activities []>\n"],
                         ids=["bare", "empty-internal-subset"])
def test_doctype_without_entities_is_still_rejected(sqlite_db, tmp_path, prolog):
    assert_rejected(sqlite_db, write(tmp_path, "doctype.xml", iati(activity(), prolog=prolog)), reason="DOCTYPE")


# --- size and depth limits ------------------------------------------------------------------------------------

def test_deep_nesting_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    deep = "<x>" * DEPTH_LIMIT_PROBE + "deep" + "</x>" * DEPTH_LIMIT_PROBE
    document = iati(activity("XM-OK"), activity("XM-DEEP", title=f"</narrative>{deep}<narrative>"))
    assert_rejected(sqlite_db, write(tmp_path, "deep.xml", document),
                    line=line_of(document, "<x>"), reason="depth")


def test_huge_text_node_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    document = iati(activity("XM-OK"), activity("XM-HUGE", title="a" * OVER_TEN_MB))
    assert_rejected(sqlite_db, write(tmp_path, "huge-text.xml", document), line=line_of(document, "aaaa"))


def test_huge_attribute_value_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    # libxml2 reports "Buffer size limit exceeded...\n, line N, column M" at the end of what it buffered
    # (here the end of the file), so only "some line" is asserted; the reason must still be one line.
    document = iati(activity("XM-OK"), activity("XM-HUGE", title_attrs=f' note="{"a" * OVER_TEN_MB}"'))
    assert_rejected(sqlite_db, write(tmp_path, "huge-attr.xml", document), reason="limit")


# --- encodings ------------------------------------------------------------------------------------------------

def test_invalid_utf8_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    document = iati(activity("XM-OK"), activity("XM-BAD", title="BAD-BYTES")).encode()
    content = document.replace(b"BAD-BYTES", b"bad \xff\xfe\xc3 bytes")
    line = document[:document.index(b"BAD-BYTES")].count(b"\n") + 1
    assert_rejected(sqlite_db, write(tmp_path, "bad-utf8.xml", content), line=line, reason="encoding")


def test_declared_utf16_but_utf8_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    document = iati(activity(title="Café"), declaration='<?xml version="1.0" encoding="UTF-16"?>\n')
    assert_rejected(sqlite_db, write(tmp_path, "utf16-lie.xml", document.encode("utf-8")), line=1)


def test_declared_utf8_but_latin1_is_rejected_and_database_unchanged(sqlite_db, tmp_path):
    document = iati(activity("XM-OK"), activity("XM-LATIN", title="Café Résumé"))
    assert_rejected(sqlite_db, write(tmp_path, "latin1-lie.xml", document.encode("latin-1")),
                    line=line_of(document, "Café"), reason="encoding")


# --- unusual but valid files are accepted -----------------------------------------------------------------------

def test_utf8_bom_on_a_valid_file_is_accepted(sqlite_db, tmp_path):
    path = write(tmp_path, "bom.xml", b"\xef\xbb\xbf" + iati(activity("XM-BOM", country="HN")).encode())
    result = import_files(sqlite_db, path)
    assert result.exit_code == 0, result.stderr
    assert funding_by_country(sqlite_db) == {**BASELINE, "HN": "100.00"}


def test_root_without_activities_is_accepted_with_no_activities(sqlite_db, tmp_path):
    before = dump(sqlite_db.db_url)
    result = import_files(sqlite_db, write(tmp_path, "none.xml", iati()))
    assert result.exit_code == 0, result.stderr
    assert not stderr_lines(result, "rejected: ") and not stderr_lines(result, "skipped: ")
    assert dump(sqlite_db.db_url)["activity"] == before["activity"]


def test_iati_version_1_file_is_accepted(sqlite_db, tmp_path):
    document = (
        '<iati-activities version="1.03">\n'
        ' <iati-activity default-currency="USD">\n'
        "  <iati-identifier>XM-OLD-1</iati-identifier>\n"
        "  <title>Old style</title>\n"
        '  <recipient-country code="HN"/>\n'
        '  <transaction><transaction-type code="D"/><transaction-date iso-date="2012-03-01"/>'
        "<value>75</value></transaction>\n"
        " </iati-activity>\n"
        "</iati-activities>\n"
    )
    result = import_files(sqlite_db, write(tmp_path, "v1.xml", document))
    assert result.exit_code == 0, result.stderr
    assert funding_by_country(sqlite_db) == {**BASELINE, "HN": "75.00"}


# --- content errors inside one activity: skipped, or with --strict the file is rejected --------------------------

# Each bad activity, and where in it the element that cannot be read starts: the line `skipped:` names
# (the activity's own, for an activity without an identifier; the transaction's, for one without a type).
CONTENT_ERRORS = {
    "no-identifier": (activity(None, country="SV"), "<iati-activity"),
    "value-not-a-number": (activity("XM-BAD-VALUE", country="SV", tx=transaction(value="abc")), "<value"),
    "impossible-date": (activity("XM-BAD-DATE", country="SV", tx=transaction(date="2019-13-45")),
                        "<transaction-date"),
    "no-transaction-type": (activity("XM-BAD-TYPE", country="SV", tx=transaction(type_code=None)), "<transaction>"),
    "value-too-large": (activity("XM-BAD-BIG", country="SV", tx=transaction(value="1e20")), "<value"),
}
GOOD_AROUND = {"HN": "100.00", "NI": "100.00"}


def bad_line(document: str, bad: tuple[str, str]) -> int:
    """The line of the element of a bad activity that cannot be read."""
    text, element = bad
    return line_of(document, text) + text[:text.index(element)].count("\n")


def file_with_bad_activities(tmp_path: Path, *bad: tuple[str, str]) -> tuple[Path, list[int]]:
    """Good HN activity, the bad ones, good NI activity; returns the path and the line of each bad
    activity's bad element."""
    document = iati(activity("XM-GOOD-HN", country="HN"), *(text for text, _ in bad),
                    activity("XM-GOOD-NI", country="NI"))
    return write(tmp_path, "mixed.xml", document), [bad_line(document, b) for b in bad]


@pytest.mark.parametrize("bad", CONTENT_ERRORS.values(), ids=CONTENT_ERRORS.keys())
def test_bad_activity_is_skipped_with_its_line_and_good_ones_are_stored(sqlite_db, tmp_path, bad):
    path, [line] = file_with_bad_activities(tmp_path, bad)
    result = import_files(sqlite_db, path)
    assert result.exit_code == 0, result.stderr
    skipped = stderr_lines(result, "skipped: ")
    assert len(skipped) == 1 and skipped[0].startswith(f"skipped: {path}:{line}: "), result.stderr
    assert not stderr_lines(result, "rejected: ")
    assert_every_stderr_line_is_a_message(result)
    assert funding_by_country(sqlite_db) == {**BASELINE, **GOOD_AROUND}


@pytest.mark.parametrize("bad", CONTENT_ERRORS.values(), ids=CONTENT_ERRORS.keys())
def test_bad_activity_with_strict_rejects_the_whole_file(sqlite_db, tmp_path, bad):
    path, [line] = file_with_bad_activities(tmp_path, bad)
    assert_rejected(sqlite_db, path, line=line, strict=True)
    assert funding_by_country(sqlite_db) == BASELINE


def test_every_bad_activity_is_reported_and_the_rest_imported(db, tmp_path):  # both engines
    path, lines = file_with_bad_activities(tmp_path, *CONTENT_ERRORS.values())
    result = import_files(db, path)
    assert result.exit_code == 0, result.stderr
    skipped = stderr_lines(result, "skipped: ")
    assert [s.split(":", 3)[:3] for s in skipped] == [["skipped", f" {path}", str(n)] for n in lines], result.stderr
    assert funding_by_country(db) == {**BASELINE, **GOOD_AROUND}


def test_strict_rejects_a_file_whose_bad_activity_comes_after_many_good_ones(db, tmp_path):  # both engines
    bad = CONTENT_ERRORS["value-not-a-number"]
    document = iati(*many_good(), bad[0])
    assert_rejected(db, write(tmp_path, "late-bad.xml", document), line=bad_line(document, bad), strict=True)
    assert funding_by_country(db) == BASELINE


# --- paths and several files ---------------------------------------------------------------------------------------

def test_nonexistent_path_is_one_clear_error(db, tmp_path):  # both engines
    missing = tmp_path / "does-not-exist.xml"
    before = dump(db.db_url)
    result = import_files(db, missing)
    assert result.exit_code != 0
    assert [line for line in result.stderr.splitlines() if line.strip()] == stderr_lines(result, "error: ")
    [error] = stderr_lines(result, "error: ")
    assert str(missing) in error
    assert dump(db.db_url) == before


def test_one_bad_file_among_good_ones_is_rejected_alone(db, tmp_path):  # both engines
    first = write(tmp_path, "a-good.xml", iati(activity("XM-A", country="HN")))
    bad = write(tmp_path, "b-bad.xml", iati(activity("XM-B", country="SV"))[:-60])
    last = write(tmp_path, "c-good.xml", iati(activity("XM-C", country="NI")))
    result = import_files(db, first, bad, last)
    assert result.exit_code != 0
    rejected = stderr_lines(result, "rejected: ")
    assert len(rejected) == 1 and rejected[0].startswith(f"rejected: {bad}:"), result.stderr
    assert_every_stderr_line_is_a_message(result)
    assert funding_by_country(db) == {**BASELINE, **GOOD_AROUND}
