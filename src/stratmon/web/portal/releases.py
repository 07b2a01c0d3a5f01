"""Remarks and releases: dated documents published from the workspace, in either language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from stratmon.analysis.errors import QueryError
from stratmon.i18n import _
from stratmon.store import web as web_store
from stratmon.store.web import DOCUMENT_KINDS, Document
from stratmon.web.tables import Column, DataTable
from stratmon.web.portal.common import link

_UNSAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# type/subtype as RFC 6838 allows; anything else is served as opaque bytes.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


def kind_names() -> dict[str, str]:
    return {"remarks": _("Remarks"), "fact_sheet": _("Fact sheet"), "release": _("Release"), "report": _("Report")}


def language_names() -> dict[str, str]:
    return {"en": _("English"), "es": _("Spanish")}


@dataclass
class ReleasesPage:
    kind: str
    documents: list[Document]
    tables: list[DataTable]


def releases_page(db: Connection, kind: str | None) -> ReleasesPage:
    """Every published document, newest first; only those of `kind` when given."""
    kind = (kind or "").strip()
    if kind and kind not in DOCUMENT_KINDS:
        raise QueryError(_("kind takes one of: {choices}").format(choices=", ".join(DOCUMENT_KINDS)))
    documents = web_store.documents(db, kind=kind or None)
    kinds, languages = kind_names(), language_names()
    table = DataTable("releases", _("Remarks and releases"), [
        Column("date", _("Date"), "date"), Column("title", _("Title")), Column("kind", _("Kind")),
        Column("language", _("Language")), Column("summary", _("Summary"))], [
        {"date": d.published_on, "title": d.title, "kind": kinds.get(d.kind, d.kind),
         "language": languages.get(d.lang, d.lang), "summary": d.summary} for d in documents])
    table.links = {(index, "title"): link("releases", str(d.id)) for index, d in enumerate(documents)}
    return ReleasesPage(kind, documents, [table])


def paragraphs(text: str | None) -> list[str]:
    """A document's body as paragraphs (separated by blank lines); shown as text, never markup."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def download_name(document: Document) -> str:
    """A file name safe in a Content-Disposition header and on any file system."""
    name = _UNSAFE_FILE_NAME.sub("-", document.file_name or "").strip("-.")[:100]
    return name or f"document-{document.id}"


def media_type(document: Document) -> str:
    """The stored media type when it is well formed, else opaque bytes."""
    value = (document.media_type or "").strip().lower()
    return value if _MEDIA_TYPE.match(value) else "application/octet-stream"
