"""Upload a file and import it (analysts and administrators): IATI activity XML, a
ForeignAssistance.gov CSV, or a results file (CSV or XLSX), through the same store functions as
`stratmon import iati|fagov` and `stratmon results import`; the page shows the import's report, or
its one-line reason for refusing the file (which then changes nothing).

The uploaded file is never trusted: it is bounded in size (413 beyond), copied into a fresh
temporary folder under a generated name (the browser's name is kept only as text for the report,
so it cannot lead anywhere on disk), and deleted afterwards. An IATI or ForeignAssistance.gov
import is followed by a full alignment, as `stratmon align`, so that the portal stays current.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData, UploadFile

from stratmon.align.run import align
from stratmon.framework import FrameworkError
from stratmon.i18n import _, format_count
from stratmon.indicators.workflow import Refused, User
from stratmon.sources.errors import ImportRejected
from stratmon.store.load import import_iati_file
from stratmon.store.load_tabular import import_tabular_file
from stratmon.store.results import audit, record_refusal, write_results
from stratmon.store.runs import ImportReport
from stratmon.web.context import site, write_transaction
from stratmon.web.workspace.access import (
    FormProblem,
    choice_field,
    file_field,
    posted_form,
    reviewer,
    shown_file_name,
    workspace_page,
)

router = APIRouter()

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart envelope and the other fields
KINDS = ("iati", "fagov", "results")
_SUFFIXES = {"iati": ".xml", "fagov": ".csv", "results": ""}  # the results reader tells XLSX by its content
MAX_ISSUES_SHOWN = 50
_CHUNK = 1024 * 1024


def kind_names() -> dict[str, str]:
    return {"iati": _("IATI activity XML"), "fagov": _("ForeignAssistance.gov CSV"),
            "results": _("Indicator results (CSV or XLSX)")}


@dataclass
class UploadOutcome:
    """What the page says about one upload: the import's counts and issues, or why it was refused."""

    kind: str
    file_name: str
    size: int
    error: str | None = None
    report: ImportReport | None = None
    results_new: int = 0
    results_updated: int = 0
    results_unchanged: int = 0
    aligned: bool = False
    alignment_error: str | None = None  # imported, but the alignment could not be recomputed
    issues: list = field(default_factory=list)


@router.get("/upload")
def upload_page(request: Request, user: User = Depends(reviewer)):
    return _page(request)


def _page(request: Request, outcome: UploadOutcome | None = None, *, error: str | None = None, code: int = 200):
    return workspace_page(request, "upload.html", section="upload", title=_("Upload and import a file"),
                          status=code, error=error, outcome=outcome, kinds=kind_names(),
                          limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))


checked_upload = posted_form(MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES, file_limit=MAX_UPLOAD_BYTES)


@router.post("/upload")
def upload(request: Request, user: User = Depends(reviewer), form: FormData = Depends(checked_upload)):
    try:
        kind = choice_field(form, "kind", _("Kind of file"), KINDS)
        upload_file = file_field(form, "file")
        if upload_file is None:
            raise FormProblem(_("Choose a file to upload."))
    except FormProblem as problem:
        return _page(request, error=str(problem), code=problem.status_code)
    folder = Path(tempfile.mkdtemp(prefix="stratmon-upload-"))
    try:
        path = folder / f"upload{_SUFFIXES[kind]}"
        size = _save(upload_file, path)
        outcome = _import(request, user, kind, path, UploadOutcome(kind, shown_file_name(upload_file), size))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _page(request, outcome, code=400 if outcome.error else 200)


def _save(upload_file: UploadFile, path: Path) -> int:
    """Copy the upload to `path`, refusing it (413) past the size limit; returns its size."""
    size = 0
    with path.open("xb") as target:
        upload_file.file.seek(0)
        while chunk := upload_file.file.read(_CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise HTTPException(413, _("The file is larger than the limit of {size} MB.").format(
                    size=format_count(MAX_UPLOAD_BYTES // (1024 * 1024))))
            target.write(chunk)
    return size


def _import(request: Request, user: User, kind: str, path: Path, outcome: UploadOutcome) -> UploadOutcome:
    engine = site(request).engine
    try:
        if kind == "results":
            _import_results(engine, user, path, outcome)
        else:
            outcome.report = _import_data(engine, kind, path)
            outcome.issues = outcome.report.issues[:MAX_ISSUES_SHOWN]
            if outcome.report.status == "imported":
                _align(engine, site(request).crosswalks, outcome)
    except ImportRejected as rejected:
        # The reader names the temporary file; the person uploading knows it by its own name.
        where = f"{outcome.file_name}:{rejected.line}" if rejected.line else outcome.file_name
        outcome.error = f"{where}: {rejected.reason}"
    except Refused as refused:
        outcome.error = str(refused)
    if outcome.error:
        record_refusal(engine, user.name, "upload", "import_run", None,
                       f"{kind} {outcome.file_name}: {outcome.error}")
    else:
        with write_transaction(engine) as db:
            audit(db, user.name, "upload", "import_run", outcome.report.run_id if outcome.report else None,
                  new=f"{kind} {outcome.file_name}")
    return outcome


def _align(engine, crosswalks, outcome: UploadOutcome) -> None:
    """Recompute the alignment as `stratmon align` does; a refusal (an override naming an objective
    the framework no longer has) leaves the import done and the old alignment, marked out of date."""
    try:
        align(engine, crosswalks)
        outcome.aligned = True
    except FrameworkError as error:
        outcome.alignment_error = str(error)


def _import_data(engine, kind: str, path: Path) -> ImportReport:
    if kind == "iati":
        return import_iati_file(engine, path)
    from stratmon.sources.fagov import read_fagov

    return import_tabular_file(engine, path, "fagov", read_fagov, record_kind="row", skip_if_loaded=True)


def _import_results(engine, user: User, path: Path, outcome: UploadOutcome) -> None:
    """Results as drafts, the whole file or nothing (as `stratmon results import`)."""
    from stratmon.sources.results import read_results

    # Read and checked whole before the transaction opens, so a slow or hostile file never holds
    # the write lock that sign-ins and other writers wait for.
    records = list(read_results(path))
    with write_transaction(engine) as db:
        change = write_results(db, records, user, outcome.file_name)
    outcome.results_new, outcome.results_updated, outcome.results_unchanged = (
        change.new, change.updated, change.unchanged)

