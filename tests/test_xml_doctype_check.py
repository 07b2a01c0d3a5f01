"""The project's own DOCTYPE check (issue 22, point 2): made on the bytes before lxml, libxml2 or expat
reads anything, so a hostile file's refusal and its line are the same on every library version."""

from __future__ import annotations

import io
import zipfile

import pytest

from stratmon.sources import results, xmlsafe
from stratmon.sources.errors import ImportRejected
from stratmon.sources.iati import IatiFile

ROOT = '<iati-activities version="2.03"><iati-activity/></iati-activities>\n'
LAUGHS = '<!DOCTYPE iati-activities [\n<!ENTITY lol "lol">\n<!ENTITY lol1 "&lol;&lol;&lol;">\n]>\n'


def line_of_doctype(text: str, encoding: str = "utf-8") -> int | None:
    return xmlsafe.doctype_line(io.BytesIO(text.encode(encoding)))


@pytest.mark.parametrize(("document", "line"), [
    (ROOT, None),
    ('<?xml version="1.0"?>\n' + ROOT, None),
    ('<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment> -->\n<?pi <!DOCTYPE x>?>\n' + ROOT, None),
    ('<?xml version="1.0"?>\n' + LAUGHS + ROOT, 2),
    ('<?xml version="1.0"?>\n<!-- a\ncomment\n-->\n\n' + LAUGHS + ROOT, 6),
    ('<?xml version="1.0"?><!DOCTYPE iati-activities SYSTEM "http://127.0.0.1:9/x.dtd">' + ROOT, 1),
    ("\ufeff\r\n\t <!DOCTYPE x>" + ROOT, 2),
    (ROOT.replace("<iati-activity/>", "<!DOCTYPE x>"), None),  # not in the prolog: the parser refuses it
    ("not xml at all", None),
    ("", None),
    ("<!DOC", None),
    ("<!--> --><!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>", 1),  # "<!-->" opens a comment, it closes none
])
def test_the_line_of_a_doctype_in_the_prolog(document, line):
    assert line_of_doctype(document) == line


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_documents_in_wide_encodings_are_read_as_characters(encoding):
    document = '<?xml version="1.0" encoding="UTF-16"?>\n<!-- x -->\n' + LAUGHS + ROOT
    assert line_of_doctype(document, encoding) == 3
    assert line_of_doctype('<?xml version="1.0"?>\n' + ROOT, encoding) is None


def test_a_huge_comment_before_the_doctype_is_scanned_in_chunks():
    comment = "<!--" + ("x" * 1000 + "\n") * 300 + "-->"  # about 300 KB: many chunks, closing split anywhere
    assert line_of_doctype(f"<?xml version='1.0'?>\n{comment}\n{LAUGHS}{ROOT}") == 303
    for cut in range(1, 4):  # the closing "-->" split across two reads
        padded = "<!--" + "y" * (xmlsafe._PROLOG_CHUNK - 4 - cut) + "-->\n<!DOCTYPE x>" + ROOT
        assert line_of_doctype(padded) == 2, cut


def test_an_unclosed_comment_is_left_to_the_parser():
    assert line_of_doctype("<!-- never closed " + "z" * 200_000) is None


def test_an_iati_file_with_a_doctype_is_refused_before_lxml_reads_it(tmp_path, monkeypatch):
    def lxml_must_not_parse(*args, **kwargs):
        raise AssertionError("lxml was asked to parse a file with a DOCTYPE")

    monkeypatch.setattr(xmlsafe.etree, "iterparse", lxml_must_not_parse)
    path = tmp_path / "laughs.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!-- hostile -->\n' + LAUGHS + ROOT)
    with pytest.raises(ImportRejected) as refused:
        IatiFile(path)
    assert str(refused.value) == f"{path}:3: DOCTYPE declarations are not allowed"


def test_a_workbook_part_with_a_doctype_is_refused_before_lxml_reads_it(tmp_path, monkeypatch):
    monkeypatch.setattr(results.etree, "iterparse", lambda *a, **k: pytest.fail("lxml parsed a part"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?>\n' + LAUGHS + "<worksheet/>")
    with zipfile.ZipFile(buffer) as bundle, pytest.raises(ImportRejected) as refused:
        results._refuse_doctype(tmp_path / "r.xlsx", bundle, bundle.getinfo("xl/worksheets/sheet1.xml"))
    assert str(refused.value) == f"{tmp_path / 'r.xlsx'}: part xl/worksheets/sheet1.xml: DOCTYPE declarations are not allowed"


def test_a_part_in_an_encoding_the_scan_cannot_read_is_still_refused(tmp_path):
    # UTF-7 hides "<!DOCTYPE" from a byte scan; lxml's reading of the root's start tag is the second check.
    part = ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY e +ACI-x+ACI-+AD4-+AF0-+AD4-'
            "+ADw-r+AD4-+ADw-/r+AD4-")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("xl/workbook.xml", part)
    with zipfile.ZipFile(buffer) as bundle, pytest.raises(ImportRejected) as refused:
        results._refuse_doctype(tmp_path / "r.xlsx", bundle, bundle.getinfo("xl/workbook.xml"))
    assert "part xl/workbook.xml: DOCTYPE declarations are not allowed" in str(refused.value)
