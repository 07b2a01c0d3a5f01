"""Who may do what to a narrative, and what state it is in afterwards (pure rules, no database).

A narrative is the text analysts write beside the figures of one *cell* — a line of action, a country,
a span of fiscal years (FY2019, or FY2016–FY2021 as a report covers) — in three parts (progress,
challenges, next steps), once in English and once in Spanish: each language is a narrative of its own,
approved on its own. Every save is a new version, kept; the newest version moves through the workflow:

    draft → submitted → approved
                      → returned (with a reason), then corrected as a new version, a draft again

Administrators and analysts write, submit, approve and return; partners do none of it (they enter the
results of their own activities). Four eyes: an analyst approves or returns only a version someone
else wrote; an administrator, the officer accountable for what is published, may also approve their
own (texts cleared outside Strategy Monitor and loaded in bulk, `stratmon narratives import --approve`).
The audit log names who did each step, so a self-approval is always visible.

An approved version stays the published text of its cell until a newer version is approved: saving a
new draft never takes a text off the report or the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stratmon.i18n import SUPPORTED, _, format_count
from stratmon.indicators.workflow import REVIEWERS, Refused, User

if TYPE_CHECKING:
    from stratmon.framework import Framework

PARTS = ("progress", "challenges", "next_steps")
ACTIONS = ("submit", "approve", "return")
MAX_PART_CHARS = 4000  # a short narrative: a few paragraphs per part


@dataclass(frozen=True, order=True)
class Cell:
    """What a narrative is about: a line of action, a country, a span of fiscal years."""

    line: str  # the framework's line-of-action id
    country: str  # ISO 3166-1 alpha-2, one of the framework's countries
    first_fy: int
    last_fy: int

    def audit_id(self, lang: str, version: int | None = None) -> str:
        """How the audit log names a narrative (and one of its versions): `security/HN/2016-2021/es v3`."""
        name = f"{self.line}/{self.country}/{self.first_fy}-{self.last_fy}/{lang}"
        return name if version is None else f"{name} v{version}"


@dataclass(frozen=True)
class Parts:
    """The three parts of a narrative's text."""

    progress: str
    challenges: str
    next_steps: str

    def as_dict(self) -> dict[str, str]:
        return {part: getattr(self, part) for part in PARTS}

    def cleaned(self) -> Parts:
        """The parts without surrounding space, line breaks as `\\n` (a browser sends `\\r\\n`)."""
        return Parts(*(getattr(self, part).replace("\r\n", "\n").replace("\r", "\n").strip() for part in PARTS))


def cell_problem(framework: Framework, cell: Cell, lang: str) -> str | None:
    """Why `cell` in `lang` cannot have a narrative (None when it can): the line of action and the
    country must be the framework's, the span a range of fiscal years, the language one offered."""
    if cell.line not in {line.id for line in framework.lines_of_action}:
        return _("{line} is not a line of action of the framework").format(line=cell.line)
    if framework.country(cell.country) is None:
        return _("{country} is not one of the Strategy's countries").format(country=cell.country)
    if cell.first_fy > cell.last_fy:
        return _("fiscal-year range {first}:{last} ends before it starts").format(first=cell.first_fy,
                                                                                 last=cell.last_fy)
    if lang not in SUPPORTED:
        return _("choose one of: {choices}").format(choices=", ".join(SUPPORTED))
    return None


def parts_problem(parts: Parts) -> str | None:
    """Why a text cannot be saved (None when it can): each part is written, and short."""
    names = part_names()
    for part, text in parts.as_dict().items():
        if not text.strip():
            return _("{field} is required").format(field=names[part])
        if len(text) > MAX_PART_CHARS:
            return _("{field} is longer than {limit} characters").format(field=names[part],
                                                                      limit=format_count(MAX_PART_CHARS))
    return None


def check_writer(user: User) -> None:
    """Refuse anyone but an analyst or an administrator."""
    if user.role not in REVIEWERS:
        raise Refused(_("only an analyst or an administrator writes narratives"))


def may_review(user: User, author: str) -> bool:
    """Whether `user` may approve or return a version `author` wrote (the four-eyes rule)."""
    return user.role == "admin" or (user.role in REVIEWERS and user.name != author)


def next_status(user: User, author: str, status: str, action: str, reason: str | None) -> str:
    """The status of a narrative's newest version after `action`, or Refused."""
    check_writer(user)
    if action == "submit":
        if status not in ("draft", "returned"):
            raise Refused(_("only a draft or returned narrative can be submitted (this one is {status})").format(
                status=status_name(status)))
        return "submitted"
    if action not in ("approve", "return"):
        raise ValueError(action)
    if status != "submitted":
        raise Refused(_("only a submitted narrative can be approved or returned (this one is {status})").format(
            status=status_name(status)))
    if not may_review(user, author):
        raise Refused(_("{author} wrote this version: another analyst, or an administrator, approves or "
                        "returns it").format(author=author))
    if action == "return":
        if not (reason or "").strip():
            raise Refused(_("say why: a reason is required"))
        return "returned"
    return "approved"


def status_name(status: str) -> str:
    """A status in words (glossary: borrador / enviado / aprobado / devuelto)."""
    return {"draft": _("draft"), "submitted": _("submitted"), "approved": _("approved"),
            "returned": _("returned")}.get(status, status)


def part_names() -> dict[str, str]:
    """The parts' headings."""
    return {"progress": _("Progress"), "challenges": _("Challenges"), "next_steps": _("Next steps")}
