"""Streaming reader for IATI organisation files (`<iati-organisations>`, versions 2.01–2.03).

Yields one `Organisation` per `iati-organisation`: its identifier, names, reporting-org, default
currency, and its total-budget, recipient-org-budget, recipient-country-budget,
recipient-region-budget and total-expenditure elements (with their budget and expense lines), and its
document-links. Element names are those of the organisation standard's schema
(IATI-Schemas `iati-organisations-schema.xsd`).

An organisation file states an agency's budgets as a whole, so it is read whole or not at all: any
content it cannot read (an organisation without an identifier, the same identifier twice, a budget
without a period or a value, a value that is not a number, a period that ends before it starts, a
recipient without a code) raises `ImportRejected` naming the file and the line. It is opened as
activity files are (sources/xmlsafe.py: no DTD, no entities, no network, libxml2's depth and text
limits), capped at MAX_FILE_BYTES, and each organisation's subtree is dropped once read. Elements in
other namespaces inside an organisation are kept as JSON; those beside it, under the root (the U.S.
`usg:usg-organisation` appropriations), are not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.errors import ContentError, ImportRejected
from stratmon.sources.iati import content_hash
from stratmon.sources.iati_common import code_of, first_text, narratives, to_json
from stratmon.sources.iati_elements import document_link
from stratmon.sources.iati_org_records import (
    BudgetLine,
    Organisation,
    OrganisationDocumentLink,
    PeriodValue,
    RecipientCountryBudget,
    RecipientOrgBudget,
    RecipientRegionBudget,
    TotalBudget,
    TotalExpenditure,
)
from stratmon.sources.iati_records import Org
from stratmon.sources.values import parse_amount, parse_date, parse_datetime
from stratmon.sources.xmlsafe import CountingReader, inspect_root, parser_options, syntax_error

# The largest real organisation file (the U.S. Department of Energy's) is about 115 KB; a file many
# times that is not an organisation file, and reading it whole would only cost memory.
MAX_FILE_BYTES = 64 * 1024 * 1024

_BUDGETS: dict[str, type[PeriodValue]] = {cls.element: cls for cls in (
    TotalBudget, RecipientOrgBudget, RecipientCountryBudget, RecipientRegionBudget, TotalExpenditure)}


def is_organisation_file(path: Path) -> bool:
    """Whether `path` is an XML file whose root is `<iati-organisations>` (reading only its start).

    A file that cannot be opened as XML is not one; the activity reader then says what is wrong with it.
    """
    try:
        return inspect_root(Path(path)).tag == standard.ORGANISATIONS_ROOT
    except (ImportRejected, OSError):
        return False


class OrganisationFile:
    """An IATI organisation file, read lazily: iterate it to get its organisations."""

    def __init__(self, path: Path | str, *, on_chunk: Callable[[bytes], None] | None = None) -> None:
        self.path = Path(path)
        self.on_chunk = on_chunk
        root = inspect_root(self.path)
        if root.tag != standard.ORGANISATIONS_ROOT:
            raise ImportRejected(self.path, root.sourceline, _(
                "not an IATI organisation file: root element is <{element}>, expected <{expected}> with no "
                "namespace").format(element=etree.QName(root).localname, expected=standard.ORGANISATIONS_ROOT))
        self.version: str | None = root.get("version")
        self.generated: str | None = root.get("generated-datetime")

    def __iter__(self) -> Iterator[Organisation]:
        seen: dict[str, int] = {}
        try:
            with self.path.open("rb") as raw:
                source = CountingReader(raw, self.path, max_bytes=MAX_FILE_BYTES, on_chunk=self.on_chunk)
                context = etree.iterparse(source, events=("end",), tag=standard.ORGANISATION, **parser_options())
                for _event, element in context:
                    parent = element.getparent()
                    if parent is None or parent.getparent() is not None:
                        continue  # nested deeper: not an organisation record of this file
                    organisation = self._read(element)
                    if organisation.identifier in seen:
                        raise ImportRejected(self.path, organisation.line, _(
                            "organisation {identifier} appears twice in this file (first at line {line})").format(
                            identifier=organisation.identifier, line=seen[organisation.identifier]))
                    seen[organisation.identifier] = organisation.line
                    yield organisation
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            raise syntax_error(self.path, exc) from None

    def _read(self, element: etree._Element) -> Organisation:
        """The organisation; a rejection names the line of the element that cannot be read."""
        line = element.sourceline or 0
        identifier = _identifier(element)
        if identifier is None:
            raise ImportRejected(self.path, line, _("iati-organisation has no organisation-identifier"))
        last_updated_text = element.get("last-updated-datetime")
        try:
            last_updated = parse_datetime(last_updated_text, what="last-updated-datetime")
        except ContentError as exc:
            raise ImportRejected(self.path, line, str(exc)) from None
        organisation = Organisation(
            identifier=identifier, line=line, content_hash=content_hash(element), iati_version=self.version,
            last_updated=last_updated, last_updated_text=last_updated_text,
            default_currency=(element.get("default-currency") or "").strip().upper() or None,
            default_lang=element.get(standard.XML_LANG))
        for child in element:
            try:
                _fill(organisation, child)
            except ContentError as exc:
                raise ImportRejected(self.path, child.sourceline or line, str(exc)) from None
        return organisation


def _fill(organisation: Organisation, child: etree._Element) -> None:
    """Read one child of an `iati-organisation` into `organisation`."""
    tag = child.tag
    if tag in _BUDGETS:
        organisation.budgets.append(_budget(child, _BUDGETS[tag], organisation.default_currency))
    elif tag == "name":
        organisation.names.extend(narratives(child))
    elif tag == "reporting-org":
        organisation.reporting_org = Org(ref=(child.get("ref") or "").strip() or None, type=child.get("type"),
                                         name=first_text(child))
        organisation.secondary_reporter = standard.flag(child.get("secondary-reporter"))
    elif tag == "document-link":
        organisation.documents.append(_document(child))
    elif isinstance(tag, str) and tag[0] == "{":
        organisation.extensions.append(to_json(child))


def _identifier(element: etree._Element) -> str | None:
    """The `organisation-identifier` (2.0x), else the `iati-identifier` of 1.0x files; stripped."""
    for tag in ("organisation-identifier", "iati-identifier"):
        node = element.find(tag)
        if node is not None and node.text and node.text.strip():
            return node.text.strip()
    return None


def _budget(element: etree._Element, cls: type[PeriodValue], default_currency: str | None) -> PeriodValue:
    """One budget or expenditure element, of the class its tag names."""
    line = element.sourceline or 0
    what = cls.element
    start = end = value_element = recipient = None
    lines = []
    for child in element:
        tag = child.tag
        if tag == "period-start":
            start = _period_date(child, what, line)
        elif tag == "period-end":
            end = _period_date(child, what, line)
        elif tag == "value":
            value_element = child
        elif tag in ("budget-line", "expense-line"):
            lines.append(_budget_line(child, what, default_currency))
        elif tag in ("recipient-org", "recipient-country", "recipient-region"):
            recipient = child
    for name, found in (("period-start", start), ("period-end", end), ("value", value_element)):
        if found is None:
            raise ContentError(_("{element} at line {line} has no {part}").format(element=what, line=line, part=name))
    if end < start:
        raise ContentError(_("{element} at line {line}: period-end {end} is before period-start {start}").format(
            element=what, line=line, end=end.isoformat(), start=start.isoformat()))
    value, text, currency, value_date = _value(value_element, what, default_currency)
    common = dict(line=line, period_start=start, period_end=end, value=value, value_text=text, currency=currency,
                  value_date=value_date, lines=lines, status=(element.get("status") or "").strip() or None)
    if cls is TotalBudget or cls is TotalExpenditure:
        return cls(**common)
    if recipient is None:
        raise ContentError(_("{element} at line {line} has no {part}").format(
            element=what, line=line, part=what.removesuffix("-budget")))
    return _with_recipient(cls, recipient, what, common)


def _with_recipient(cls: type[PeriodValue], recipient: etree._Element, what: str, common: dict) -> PeriodValue:
    line = recipient.sourceline
    if cls is RecipientOrgBudget:
        org = Org(ref=(recipient.get("ref") or "").strip() or None, type=recipient.get("type"),
                  name=first_text(recipient))
        if org.ref is None and org.name is None:
            raise ContentError(_("recipient-org at line {line} has neither a ref nor a name").format(line=line))
        return RecipientOrgBudget(**common, recipient_org=org)
    code = code_of(recipient)
    if code is None:
        raise ContentError(_("{element} at line {line} has no code").format(element=recipient.tag, line=line))
    if cls is RecipientCountryBudget:
        return RecipientCountryBudget(**common, code=code.upper(), name=first_text(recipient))
    vocabulary = (recipient.get("vocabulary") or "").strip() or standard.DEFAULT_REGION_VOCABULARY
    return RecipientRegionBudget(**common, code=code, vocabulary=vocabulary,
                                 vocabulary_uri=recipient.get("vocabulary-uri"), name=first_text(recipient))


def _period_date(element: etree._Element, what: str, line: int):
    day = parse_date(element.get("iso-date"), what=lambda: _("{element} at line {line} {part}").format(
        element=what, line=line, part=element.tag))
    if day is None:
        raise ContentError(_("{element} at line {line} has no {part}").format(
            element=what, line=line, part=f"{element.tag}/@iso-date"))
    return day


def _value(element: etree._Element, what: str, default_currency: str | None):
    """(amount, text as published, currency, value-date) of a `value`; a missing amount stays missing."""
    line = element.sourceline
    text = element.text
    return (
        parse_amount(text, what=lambda: _("{element} value at line {line}").format(element=what, line=line)),
        text.strip() if text else None,
        (element.get("currency") or "").strip().upper() or default_currency,
        parse_date(element.get("value-date"), what=lambda: _("{element} value at line {line} value-date").format(
            element=what, line=line)),
    )


def _budget_line(element: etree._Element, parent: str, default_currency: str | None) -> BudgetLine:
    line = element.sourceline or 0
    value_element = element.find("value")
    if value_element is None:
        raise ContentError(_("{element} at line {line} has no {part}").format(
            element=f"{parent}/{element.tag}", line=line, part="value"))
    value, text, currency, value_date = _value(value_element, f"{parent}/{element.tag}", default_currency)
    return BudgetLine(line=line, ref=(element.get("ref") or "").strip() or None, value=value, value_text=text,
                      currency=currency, value_date=value_date, narratives=narratives(element))


def _document(element: etree._Element) -> OrganisationDocumentLink:
    """A `document-link`: read as the activity standard's, plus its recipient countries."""
    base = document_link(element)
    countries = [code.upper() for child in element if child.tag == "recipient-country" and (code := code_of(child))]
    return OrganisationDocumentLink(base.url, base.format, base.title, base.description, base.categories,
                                    base.languages, base.document_date, line=element.sourceline or 0,
                                    recipient_countries=countries)
