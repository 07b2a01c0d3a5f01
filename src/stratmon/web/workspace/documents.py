"""Documents (analysts and administrators): publish remarks, fact sheets, releases and reports on the
portal, each in English or Spanish, with an optional PDF; withdraw them. A file is accepted only when
its content is a PDF (it starts with `%PDF-`), whatever its name says, and within the size limit."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData, UploadFile

from stratmon.i18n import SUPPORTED, _, format_count
from stratmon.indicators.workflow import User
from stratmon.store import web as web_store
from stratmon.store.results import audit
from stratmon.web.context import connection, site, write_transaction
from stratmon.web.workspace.access import (
    FORM_MAX_BYTES,
    FormProblem,
    choice_field,
    file_field,
    id_list,
    posted_form,
    redirect_to,
    reviewer,
    shown_file_name,
    text_field,
    workspace_page,
)

router = APIRouter()

MAX_PDF_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
PDF_MEDIA_TYPE = "application/pdf"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def kind_names() -> dict[str, str]:
    return {"remarks": _("Remarks"), "fact_sheet": _("Fact sheet"), "release": _("Release"), "report": _("Report")}


@router.get("/documents")
def documents_page(request: Request, user: User = Depends(reviewer), db: Connection = Depends(connection)):
    return _page(request, db)


def _page(request: Request, db: Connection, *, error: str | None = None, code: int = 200, values=None):
    return workspace_page(request, "documents.html", section="documents", title=_("Documents"), status=code,
                          error=error, documents=web_store.documents(db), kinds=kind_names(),
                          document_languages=SUPPORTED, values=values or {},
                          limit_mb=MAX_PDF_BYTES // (1024 * 1024), today=date.today())


checked_document = posted_form(MAX_PDF_BYTES + FORM_MAX_BYTES, file_limit=MAX_PDF_BYTES)


@router.post("/documents")
def publish(request: Request, user: User = Depends(reviewer), form: FormData = Depends(checked_document)):
    engine = site(request).engine
    values = {key: form.get(key) if isinstance(form.get(key), str) else ""
              for key in ("kind", "lang", "published_on", "title", "summary", "body")}
    try:
        fields = _document_fields(form)
        content, file_name = _pdf(file_field(form, "file"))
        with write_transaction(engine) as db:
            document_id = web_store.add_document(
                db, **fields, file_name=file_name, media_type=PDF_MEDIA_TYPE if content else None,
                content=content, created_by=user.name)
            audit(db, user.name, "publish", "document", document_id, new=fields["title"])
    except FormProblem as problem:
        with engine.connect() as db:
            return _page(request, db, error=str(problem), code=problem.status_code, values=values)
    return redirect_to("/documents", notice="published")


def _document_fields(form: FormData) -> dict:
    published_on = text_field(form, "published_on", _("Date"), required=True, max_chars=10)
    try:
        when = date.fromisoformat(published_on)
    except ValueError:
        raise FormProblem(_("Date: write it as YYYY-MM-DD")) from None
    return {"kind": choice_field(form, "kind", _("Kind"), tuple(kind_names())),
            "lang": choice_field(form, "lang", _("Language"), SUPPORTED),
            "title": text_field(form, "title", _("Title"), required=True, max_chars=300),
            "published_on": when,
            "summary": text_field(form, "summary", _("Summary"), max_chars=2000, multiline=True),
            "body": text_field(form, "body", _("Text"), max_chars=200_000, multiline=True)}


def _pdf(upload: UploadFile | None) -> tuple[bytes | None, str | None]:
    """The attached file's bytes and a safe name for it; refused unless it is a PDF within the limit."""
    if upload is None:
        return None, None
    upload.file.seek(0)
    content = upload.file.read(MAX_PDF_BYTES + 1)
    if len(content) > MAX_PDF_BYTES:
        raise HTTPException(413, _("The file is larger than the limit of {size} MB.").format(
            size=format_count(MAX_PDF_BYTES // (1024 * 1024))))
    if not content.startswith(PDF_MAGIC):
        raise FormProblem(_("The file is not a PDF (its content does not start as a PDF does)."), 415)
    stem = _UNSAFE_NAME.sub("-", shown_file_name(upload).rsplit(".", 1)[0]).strip("-.")[:80] or "document"
    return content, f"{stem}.pdf"


@router.post("/documents/withdraw")
def withdraw(request: Request, user: User = Depends(reviewer), form: FormData = Depends(posted_form())):
    ids = id_list(form)
    if len(ids) != 1:
        raise FormProblem(_("Choose one document."))
    with write_transaction(site(request).engine) as db:
        if not web_store.withdraw_document(db, ids[0]):
            raise HTTPException(404, _("There is no published document {id}.").format(id=ids[0]))
        audit(db, user.name, "withdraw", "document", ids[0])
    return redirect_to("/documents", notice="withdrawn")
