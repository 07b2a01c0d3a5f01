"""Who may use a workspace page, and how its forms are checked.

Every workspace route asks for a role through one of the dependencies here (`signed_in`,
`reviewer`, `administrator`): not signed in, a page (GET) sends the browser to the sign-in form
and a form (POST) is refused with 401; a signed-in person without the role gets 403, and a refused
POST is put in the audit log. Every form arrives through `posted_form`, which bounds its size
(413) before reading it and refuses it (403) unless it carries the CSRF token of the session (or,
for the sign-in form, of the browser's double-submit cookie, which must be one the server signed:
a cookie planted by someone else, with a field to match, is refused).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from stratmon.i18n import _, format_count, language
from stratmon.indicators.workflow import REVIEWERS, ROLES, User, status_name
from stratmon.sources.values import CONTROL_CHARACTERS, has_forbidden_characters
from stratmon.store.results import record_refusal
from stratmon.web.context import page_user, session_of, site
from stratmon.web.render import render
from stratmon.web.security import CSRF_COOKIE, CSRF_FIELD, is_form_token, same_secret

FORM_MAX_BYTES = 1024 * 1024  # any form without a file: a document's body text is the longest
MAX_FORM_FIELDS = 1000  # a queue page offers a checkbox per value
MAX_FORM_FILES = 1
MAX_TEXT_CHARS = 4000


def role_name(role: str) -> str:
    """A role in words."""
    return {"admin": _("administrator"), "analyst": _("analyst"), "partner": _("partner")}.get(role, role)


def workspace_url(path: str = "/", **params) -> str:
    """A workspace address in the request's language, with query parameters (None ones left out)."""
    query = urlencode({key: value for key, value in params.items() if value is not None}, doseq=True)
    return f"/{language()}/workspace{path}" + (f"?{query}" if query else "")


def redirect_to(path: str = "/", **params) -> RedirectResponse:
    """After a form: see the page (303), with a `notice` code saying what was done."""
    return RedirectResponse(workspace_url(path, **params), status_code=303)


def notice_text(code: str | None, count: str | None = None) -> str | None:
    """The sentence a `?notice=` code stands for (unknown codes say nothing)."""
    n = format_count(int(count)) if count and count.isdigit() and len(count) < 10 else ""
    notices = {
        "saved": _("Saved as a draft."), "saved_submitted": _("Saved and submitted for review."),
        "submit": _("Submitted for review: {n}.").format(n=n), "approve": _("Approved and locked: {n}.").format(n=n),
        "return": _("Returned to the partner: {n}.").format(n=n), "unlock": _("Unlocked: {n}.").format(n=n),
        "override_set": _("Override recorded."), "override_unset": _("Override revoked."),
        "user_added": _("User added."), "password_set": _("Password set; the user's open sessions ended."),
        "token_revoked": _("Token revoked."), "published": _("Document published."),
        "withdrawn": _("Document withdrawn."),
        "narrative_saved": _("Saved as a new version, a draft."),
        "narrative_unchanged": _("Nothing to save: the text is the same as the newest version's."),
        "narrative_submit": _("Submitted for approval."), "narrative_approve": _("Approved: the text is published."),
        "narrative_return": _("Returned to its author."),
    }
    return notices.get(code or "")


def workspace_page(request: Request, template: str, *, section: str, title: str, status: int = 200,
                   error: str | None = None, **context):
    """A workspace page: its section highlighted, and the notice its address carries."""
    notice = notice_text(request.query_params.get("notice"), request.query_params.get("n"))
    return render(request, f"workspace/{template}", status_code=status, section=section, page_title=title,
                  notice=notice, error=error, role_name=role_name, status_name=status_name, **context)


# ------------------------------------------------------------------------------------------- roles

def require(*roles: str) -> Callable[[Request], User]:
    """A dependency giving the signed-in user when their role is one of `roles`."""

    def signed_in_as(request: Request) -> User:
        user = page_user(request)
        if user is None:
            if request.method in ("GET", "HEAD"):
                back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise HTTPException(303, _("Sign in first."),
                                    headers={"location": workspace_url("/login", next=back)})
            raise HTTPException(401, _("Sign in first: you are not signed in, or your session has ended."))
        if user.role not in roles:
            reason = _("This page is for: {roles}.").format(roles=", ".join(role_name(r) for r in roles))
            if request.method not in ("GET", "HEAD"):
                record_refusal(site(request).engine, user.name, "request", "page", request.url.path, reason)
            raise HTTPException(403, reason)
        return user

    return signed_in_as


signed_in = require(*ROLES)
reviewer = require(*REVIEWERS)
administrator = require("admin")


def is_reviewer(user: User) -> bool:
    return user.role in REVIEWERS


def result_scope(user: User) -> str | None:
    """Whose entered values a user sees: None for everyone's (reviewers), else the organisation's
    (a partner without one sees none)."""
    return None if is_reviewer(user) else (user.org_ref or "")


# ------------------------------------------------------------------------------------------- forms

class FormProblem(HTTPException):
    """A form field that cannot be used as given (400, with one line saying why)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(status_code, message)

    def __str__(self) -> str:
        return str(self.detail)


def _check_csrf(request: Request, form: FormData, cookie_token_too: bool) -> None:
    submitted = form.get(CSRF_FIELD)
    session = session_of(request)
    expected = [session.csrf_token] if session else []
    cookie = request.cookies.get(CSRF_COOKIE)
    if (cookie_token_too or session is None) and is_form_token(cookie):
        expected.append(cookie)
    if not isinstance(submitted, str) or not any(same_secret(submitted, token) for token in expected):
        raise HTTPException(403, _("The form was refused: it has expired or did not come from this site. "
                                   "Reload the page and try again."))


def posted_form(max_bytes: int = FORM_MAX_BYTES, *, cookie_token_too: bool = False, file_limit: int | None = None):
    """A dependency giving a POSTed form once its size and CSRF token are checked (`file_limit`: the
    limit a refusal names, when the form carries a file and `max_bytes` allows for the other fields)."""
    shown_mb = format_count((file_limit or max_bytes) // (1024 * 1024))

    async def checked_form(request: Request) -> AsyncIterator[FormData]:
        length = request.headers.get("content-length", "")
        if not length.isdigit():
            raise HTTPException(411, _("The form was sent without its length; send it from the page."))
        if int(length) > max_bytes:
            raise HTTPException(413, _("The form is larger than the limit of {size} MB.").format(size=shown_mb))
        form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
        try:
            _check_csrf(request, form, cookie_token_too)
            yield form
        finally:
            await form.close()  # an uploaded file's spooled copy goes once the response is sent

    return checked_form


def text_field(form: FormData, name: str, label: str, *, required: bool = False,
               max_chars: int = MAX_TEXT_CHARS, multiline: bool = False) -> str | None:
    """A text field, stripped; None when empty (refused when `required`)."""
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise FormProblem(_("{field}: expected text, not a file").format(field=label))
    value = (value or "").strip()
    if not value:
        if required:
            raise FormProblem(_("{field} is required").format(field=label))
        return None
    if len(value) > max_chars:
        raise FormProblem(_("{field} is longer than {limit} characters").format(
            field=label, limit=format_count(max_chars)))
    if has_forbidden_characters(value, multiline=multiline):
        raise FormProblem(_("{field} contains characters that are not allowed").format(field=label))
    return value


def choice_field(form: FormData, name: str, label: str, choices, *, required: bool = True) -> str | None:
    """A field whose value must be one of `choices`."""
    value = text_field(form, name, label, required=required, max_chars=200)
    if value is not None and value not in choices:
        raise FormProblem(_("{field}: choose one of the options").format(field=label))
    return value


def id_list(form: FormData, name: str = "id") -> list[int]:
    """The positive whole numbers given under `name` (checkboxes), each once, in order."""
    ids: list[int] = []
    for value in form.getlist(name):
        if not isinstance(value, str) or not value.strip().isdigit() or len(value.strip()) > 18:
            raise FormProblem(_("ids are positive whole numbers"))
        number = int(value)
        if number < 1:
            raise FormProblem(_("ids are positive whole numbers"))
        if number not in ids:
            ids.append(number)
    return ids


def file_field(form: FormData, name: str) -> UploadFile | None:
    """An uploaded file, if one was chosen."""
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    if value not in (None, "") and not isinstance(value, UploadFile):
        raise FormProblem(_("no file was sent"))
    return None


def shown_file_name(upload: UploadFile) -> str:
    """The name the browser gave a file, as text to show only (never as a path): its last part,
    without control characters, shortened."""
    name = re.split(r"[\\/]", upload.filename or "")[-1]
    return CONTROL_CHARACTERS.sub("", name).strip()[:120] or _("(no name)")
