"""`stratmon import iati --repair-invalid-characters` (issue 23, point 3).

XML 1.0 forbids the C0 control characters other than tab, LF and CR, and U+FFFE and U+FFFF; two MCC
files of the U.S. publication hold U+0002. Without the option such a file is refused whole, as before,
and the refusal names the character and the option. With it, the characters are removed as the file
streams to the parser and the import goes on; each repaired file is reported (file, lines, count) and
kept in the ledger, whose content hash stays that of the file as published.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from dbdump import dump
from stratmon.sources.xmlchars import ForbiddenCharacterFilter
from stratmon.store import schema
from stratmon.store.db import get_engine

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# What lxml asks of a file-like object at a time: a character across it reaches the filter in two reads.
PARSER_READ = 32768
MCC_FILES = ("millenniumchallenge-sl.xml", "millenniumchallenge-xk.xml")


# --- building IATI files by hand ---------------------------------------------------------------------

def iati_file(*titles: str, declaration: str = DECLARATION, root_attributes: str = "",
              encoding: str = "utf-8") -> bytes:
    """An IATI file with one activity per title (XM-REPAIR-1, -2, ...), each title on a line of its own."""
    activities = "".join(
        ' <iati-activity last-updated-datetime="2024-01-01T00:00:00Z" default-currency="USD" xml:lang="en">\n'
        f"  <iati-identifier>XM-REPAIR-{number}</iati-identifier>\n"
        '  <reporting-org ref="XM-REPAIR" type="10"><narrative>Publisher</narrative></reporting-org>\n'
        f"  <title><narrative>{title}</narrative></title>\n"
        '  <recipient-country code="GT" percentage="100"/>\n'
        " </iati-activity>\n" for number, title in enumerate(titles, 1))
    return (f'{declaration}<iati-activities version="2.03"{root_attributes}>\n{activities}'
            "</iati-activities>\n").encode(encoding)


def line_of(document: bytes, fragment: bytes) -> int:
    return document[:document.index(fragment)].count(b"\n") + 1


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


class Pieces(io.RawIOBase):
    """A file that hands out its bytes in the pieces given, one a read, whatever the size asked."""

    def __init__(self, pieces: list[bytes]) -> None:
        self._pieces = [piece for piece in pieces if piece]

    def read(self, size: int = -1) -> bytes:
        return self._pieces.pop(0) if self._pieces else b""


def filtered(raw, size: int = PARSER_READ) -> tuple[bytes, ForbiddenCharacterFilter]:
    """Everything the filter gives from `raw`, read `size` bytes at a time."""
    reader = ForbiddenCharacterFilter(raw)
    out = b""
    while chunk := reader.read(size):
        assert len(chunk) <= size
        out += chunk
    return out, reader


# --- the filter ----------------------------------------------------------------------------------------

def test_a_control_character_in_a_narrative_is_removed_and_located():
    document = iati_file("Sub\x02activities")
    out, reader = filtered(io.BytesIO(document))
    assert out == iati_file("Subactivities")
    removed = reader.removed
    assert (removed.count, removed.code_points, removed.lines) == (1, ((2, 1),), (line_of(document, b"Sub"),))
    assert removed.describe() == "removed 1 character that XML 1.0 forbids (U+0002) on line 6"


# U+FFFE and U+FFFF are three bytes in UTF-8; U+FFFD, one code point below, is allowed and shares two of them.
SPLIT = "a\ufffeb\uffff\ufffdc\x02é€😀"


def test_a_character_split_across_reads_is_removed_whole():
    # Past the first 512 bytes, which the filter reads whole to learn the encoding.
    document = iati_file("p" * 600 + SPLIT)
    expected = iati_file("p" * 600 + "ab\ufffdcé€😀")
    for cut in range(len(document)):  # every place a read can end, the characters' bytes included
        out, reader = filtered(Pieces([document[:cut], document[cut:]]))
        assert out == expected, cut
        assert reader.removed.code_points == ((2, 1), (0xFFFE, 1), (0xFFFF, 1)), cut
    for size in range(1, 9):  # and every small read size, read after read
        out, reader = filtered(io.BytesIO(document), size)
        assert (out, reader.removed.count) == (expected, 3), size


def test_multibyte_characters_next_to_removed_ones_are_kept():
    out, reader = filtered(io.BytesIO(iati_file("é\x01€\x1f😀\x0bñ")))
    assert out == iati_file("é€😀ñ")
    assert reader.removed.code_points == ((0x01, 1), (0x0B, 1), (0x1F, 1))
    # Tab, LF and CR are allowed.
    assert filtered(io.BytesIO(iati_file("a\tb\r\nc")))[1].removed is None


def test_several_characters_in_one_file_are_counted_with_their_lines():
    document = iati_file("one\x02", "two\x02\x02", "clean", "\x08four")
    out, reader = filtered(io.BytesIO(document))
    assert out == iati_file("one", "two", "clean", "four")
    lines = (line_of(document, b"one"), line_of(document, b"two"), line_of(document, b"\x08four"))
    assert (reader.removed.count, reader.removed.lines, reader.removed.line_count) == (4, lines, 3)
    assert reader.removed.describe() == (
        f"removed 4 characters that XML 1.0 forbids (U+0002 ×3, U+0008 ×1) on lines {', '.join(map(str, lines))}")


def test_more_lines_than_shown_are_summed_up():
    document = iati_file(*(f"t\x02{n}" for n in range(12)))
    removed = filtered(io.BytesIO(document))[1].removed
    assert removed.count == 12 and removed.line_count == 12
    assert removed.describe().endswith(", 60 and 2 more")


def test_a_one_byte_encoding_loses_only_control_characters():
    # In ISO-8859-1 the bytes EF BF BE are "ï¿¾", three allowed characters.
    declaration = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    document = iati_file("ï¿¾\x02é", declaration=declaration, encoding="latin-1")
    out, reader = filtered(io.BytesIO(document))
    assert out == iati_file("ï¿¾é", declaration=declaration, encoding="latin-1")
    assert (reader.encoding, reader.removed.code_points) == ("ISO-8859-1", ((2, 1),))


def test_an_encoding_the_filter_cannot_read_passes_unchanged():
    document = iati_file("a\x02b", declaration='<?xml version="1.0" encoding="UTF-16"?>\n', encoding="utf-16")
    out, reader = filtered(io.BytesIO(document))
    assert out == document
    assert (reader.encoding, reader.is_repairing, reader.removed) == ("UTF-16", False, None)


# --- the import ----------------------------------------------------------------------------------------

def import_iati(cli, *paths: Path, repair: bool = True, workers: str | None = None):
    options = (["--repair-invalid-characters"] if repair else []) + (["--workers", workers] if workers else [])
    return cli("import", "iati", *map(str, paths), *options)


def titles(cli) -> dict[str, str]:
    engine = get_engine(cli.db_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(schema.activity.c.iati_identifier, schema.activity.c.title)).all())
    finally:
        engine.dispose()


def ledger(cli) -> list[dict]:
    result = cli("imports", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def lines_starting(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_without_the_option_the_file_is_refused_as_before_and_the_option_named(sqlite_cli, tmp_path):
    document = iati_file("clean", "Sub\x02activities")
    path = write(tmp_path, "control.xml", document)
    before = dump(sqlite_cli.db_url)
    result = import_iati(sqlite_cli, path, repair=False)
    assert result.exit_code == 1
    line = line_of(document, b"Sub")
    assert lines_starting(result.stderr, "rejected: ") == [
        f"rejected: {path}:{line}: not well-formed XML: PCDATA invalid Char value 2; the file holds U+0002 on "
        f"line {line}, a character XML 1.0 forbids: --repair-invalid-characters removes such characters"]
    assert dump(sqlite_cli.db_url) == before


@pytest.mark.parametrize("workers", ["0", "2"])
def test_with_the_option_the_file_imports_and_the_repair_is_reported_and_kept(sqlite_cli, tmp_path, workers):
    document = iati_file("clean", "Sub\x02activities", "U+FFFF\uffff and U+0001\x01")
    path = write(tmp_path, "control.xml", document)
    result = import_iati(sqlite_cli, path, workers=workers)
    assert result.exit_code == 0, result.output
    assert titles(sqlite_cli) == {"XM-REPAIR-1": "clean", "XM-REPAIR-2": "Subactivities",
                                  "XM-REPAIR-3": "U+FFFF and U+0001"}
    first, last = line_of(document, b"Sub"), line_of(document, b"U+FFFF")
    repaired = (f"{path}:{first}: removed 3 characters that XML 1.0 forbids (U+0001 ×1, U+0002 ×1, U+FFFF ×1) "
                f"on lines {first}, {last}")
    assert lines_starting(result.stderr, "repaired: ") == [f"repaired: {repaired}"]
    assert "Characters" in result.stdout  # the column of the count (its header may wrap)

    (run,) = ledger(sqlite_cli)
    assert run["content_hash"] == hashlib.sha256(document).hexdigest()  # the file as published
    assert run["repairs"] == [{"kind": "repaired", "line": first, "iati_identifier": None,
                               "message": repaired.split(": ", 1)[1]}]
    shown = sqlite_cli("imports")
    assert lines_starting(shown.stderr, "repaired: ") == [f"repaired: {repaired}"]
    # The repair is a note about the file, not an issue of an activity.
    assert ledger_issues(sqlite_cli) == []


def ledger_issues(cli) -> list[dict]:
    result = cli("imports", "--format", "json", "--issues")
    return [issue for run in json.loads(result.stdout) for issue in run["issues"]]


def test_a_character_across_the_parsers_reads_is_removed(sqlite_cli, tmp_path):
    # U+FFFF's three bytes cut by the parser's first read: the first of them is its last byte.
    start = iati_file("")
    padding = PARSER_READ - 1 - start.index(b"</narrative></title>")
    document = iati_file("x" * padding + "\uffff" + "y")
    assert document[PARSER_READ - 1:PARSER_READ + 2] == "\uffff".encode()
    path = write(tmp_path, "boundary.xml", document)
    result = import_iati(sqlite_cli, path, workers="0")
    assert result.exit_code == 0, result.output
    assert titles(sqlite_cli) == {"XM-REPAIR-1": "x" * padding + "y"}
    assert lines_starting(result.stderr, "repaired: ") == [
        f"repaired: {path}:6: removed 1 character that XML 1.0 forbids (U+FFFF) on line 6"]


def test_a_character_before_the_first_activity_is_removed_too(sqlite_cli, tmp_path):
    # The root's own start tag is read apart from the activities (xmlsafe.inspect_root): repaired there too.
    document = iati_file("clean", declaration=DECLARATION + "<!-- a comment\x07 -->\n",
                         root_attributes=' generated-datetime="2024-01-01T00:00:00Z\x1b"')
    path = write(tmp_path, "prolog.xml", document)
    assert import_iati(sqlite_cli, path, repair=False).exit_code == 1
    result = import_iati(sqlite_cli, path)
    assert result.exit_code == 0, result.output
    assert titles(sqlite_cli) == {"XM-REPAIR-1": "clean"}
    assert lines_starting(result.stderr, "repaired: ") == [
        f"repaired: {path}:2: removed 2 characters that XML 1.0 forbids (U+0007 ×1, U+001B ×1) on lines 2, 3"]


def test_a_file_with_nothing_to_repair_is_imported_as_without_the_option(sqlite_cli, tmp_path):
    path = write(tmp_path, "clean.xml", iati_file("clean\té"))
    result = import_iati(sqlite_cli, path)
    assert result.exit_code == 0, result.output
    assert "repaired" not in result.stderr and "Characters" not in result.stdout
    assert ledger(sqlite_cli)[0]["repairs"] == []


def test_a_character_reference_to_a_forbidden_character_is_still_refused(sqlite_cli, tmp_path):
    # A reference is markup, and "&#2;" is plain text inside CDATA: the byte filter leaves both alone.
    path = write(tmp_path, "reference.xml", iati_file("a&#2;b"))
    before = dump(sqlite_cli.db_url)
    result = import_iati(sqlite_cli, path)
    assert result.exit_code == 1
    (rejected,) = lines_starting(result.stderr, "rejected: ")
    assert rejected == f"rejected: {path}:6: not well-formed XML: xmlParseCharRef: invalid xmlChar value 2"
    assert dump(sqlite_cli.db_url) == before
    # Inside CDATA it is text, and it is kept.
    path = write(tmp_path, "cdata.xml", iati_file("<![CDATA[a&#2;b]]>\x02"))
    assert import_iati(sqlite_cli, path).exit_code == 0
    assert titles(sqlite_cli) == {"XM-REPAIR-1": "a&#2;b"}


def test_a_file_in_an_encoding_the_repair_cannot_read_is_refused_and_says_so(sqlite_cli, tmp_path):
    document = iati_file("a\x02b", declaration='<?xml version="1.0" encoding="UTF-16"?>\n', encoding="utf-16")
    path = write(tmp_path, "wide.xml", document)
    before = dump(sqlite_cli.db_url)
    result = import_iati(sqlite_cli, path)
    assert result.exit_code == 1
    (rejected,) = lines_starting(result.stderr, "rejected: ")
    assert rejected.startswith(f"rejected: {path}:6: not well-formed XML: PCDATA invalid Char value 2; ")
    assert rejected.endswith("--repair-invalid-characters left this file as it is: it repairs files in UTF-8 "
                             "or a one-byte encoding, and this one is in UTF-16")
    assert dump(sqlite_cli.db_url) == before


def test_an_unrelated_refusal_does_not_name_the_option(sqlite_cli, tmp_path):
    # The forbidden character comes after the place the parser stops: the option would not help.
    document = iati_file("a</b>", "c\x02d")
    path = write(tmp_path, "mismatch.xml", document)
    (rejected,) = lines_starting(import_iati(sqlite_cli, path, repair=False).stderr, "rejected: ")
    assert rejected.startswith(f"rejected: {path}:6: not well-formed XML: ")
    assert "--repair-invalid-characters" not in rejected


# --- the real files ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mcc_files(shared_data, tmp_path_factory) -> list[Path]:
    """The two MCC files of the whole U.S. publication that hold U+0002, read from the archive in place."""
    archive = shared_data / "usg-iati-world" / "usg-iati-world.tar.xz"
    if not archive.is_file():
        pytest.fail(f"the whole U.S. IATI publication is not at {archive}", pytrace=False)
    folder = tmp_path_factory.mktemp("mcc")
    with tarfile.open(archive) as tar:
        for name in MCC_FILES:
            member = tar.getmember(f"data/millenniumchallenge/{name}")
            (folder / name).write_bytes(tar.extractfile(member).read())
    return [folder / name for name in MCC_FILES]


def test_the_two_mcc_files_of_the_whole_publication_import_repaired(sqlite_cli, mcc_files):
    sierra_leone, kosovo = mcc_files
    refused = import_iati(sqlite_cli, *mcc_files, repair=False)
    assert refused.exit_code == 1
    assert lines_starting(refused.stderr, "rejected: ") == [
        f"rejected: {sierra_leone}:100: not well-formed XML: PCDATA invalid Char value 2; the file holds U+0002 "
        "on line 100, a character XML 1.0 forbids: --repair-invalid-characters removes such characters",
        f"rejected: {kosovo}:8: not well-formed XML: PCDATA invalid Char value 2; the file holds U+0002 on "
        "line 8, a character XML 1.0 forbids: --repair-invalid-characters removes such characters"]

    result = import_iati(sqlite_cli, *mcc_files)
    assert result.exit_code == 0, result.output
    assert lines_starting(result.stderr, "repaired: ") == [
        f"repaired: {sierra_leone}:100: removed 6 characters that XML 1.0 forbids (U+0002) on lines 100, 104, "
        "108, 149, 162",
        f"repaired: {kosovo}:8: removed 2 characters that XML 1.0 forbids (U+0002) on lines 8, 10"]
    runs = ledger(sqlite_cli)
    assert [(Path(run["path"]).name, run["records_new"], run["content_hash"]) for run in runs] == [
        (path.name, count, hashlib.sha256(path.read_bytes()).hexdigest())
        for path, count in zip(mcc_files, (108, 96))]
    assert [len(run["repairs"]) for run in runs] == [1, 1]
    imported = titles(sqlite_cli)
    assert len(imported) == 108 + 96
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", title or "") for title in imported.values())
