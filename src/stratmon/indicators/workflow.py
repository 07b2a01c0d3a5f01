"""Who may do what to a result, and what state it is in afterwards (pure rules, no database).

draft → submitted → approved (locked) or returned; a returned or draft value can be edited and
submitted again; an analyst unlocks an approved value, with a reason, back to draft. Partners act
only on their own organisation's activities; analysts and administrators on everything.

A value belongs to the organisation that entered it (`org_ref`; '' when none: a reviewer's entry
for an activity without a single implementing partner, or an objective's). Partners sharing an
activity each enter their own values, side by side: a partner writes, submits and reads the comment
of its own organisation's values only (`owns`, `check_owner`), wherever the value is reached from
(API, workspace, upload, CLI).
"""

from __future__ import annotations

from dataclasses import dataclass

from stratmon.i18n import _

ROLES = ("admin", "analyst", "partner")  # an admin also manages users; otherwise as an analyst
REVIEWERS = ("admin", "analyst")
STATUSES = ("draft", "submitted", "approved", "returned")


@dataclass(frozen=True)
class User:
    """A person known to Strategy Monitor."""

    name: str
    role: str
    org_ref: str | None


class Refused(Exception):
    """An action the workflow does not allow; the message says why, in the user's language."""


@dataclass(frozen=True)
class State:
    """A result value's workflow state."""

    status: str  # draft | submitted | approved | returned
    locked: bool


NEW = State("draft", False)


def check_scope(user: User, activity: str, activity_orgs: set[str]) -> None:
    """Refuse a partner acting outside its own activities (or on objective-level results)."""
    if user.role in REVIEWERS:
        return
    if not activity:
        raise Refused(_("a partner enters results for activities only, not for objectives"))
    if user.org_ref not in activity_orgs:
        raise Refused(_("{activity} is not an activity of {org}").format(activity=activity, org=user.org_ref))


def owns(user: User, owner: str | None) -> bool:
    """Whether a value entered for the organisation `owner` is the user's to write, submit and read
    the comment of: a reviewer's every value, a partner's its own organisation's."""
    return user.role in REVIEWERS or (bool(user.org_ref) and owner == user.org_ref)


def check_owner(user: User, owner: str | None) -> None:
    """Refuse a partner acting on a value another organisation entered (partners sharing an
    activity enter their own values)."""
    if not owns(user, owner):
        raise Refused(_("the value belongs to {owner}, not to {org}: a partner acts only on its own "
                        "organisation's values").format(owner=owner or _("no organisation"), org=user.org_ref))


def next_state(user: User, state: State, action: str, reason: str | None) -> State:
    """The state after `action`, or Refused."""
    if action == "edit":
        if state.locked:
            raise Refused(_("the value is approved and locked; an analyst must unlock it first"))
        if state.status == "submitted" and user.role not in REVIEWERS:
            raise Refused(_("the value is submitted for review; it can be edited once returned"))
        return State("draft", False)
    if action == "submit":
        if state.status not in ("draft", "returned"):
            raise Refused(_("only a draft or returned value can be submitted (this one is {status})").format(
                status=status_name(state.status)))
        return State("submitted", False)
    if user.role not in REVIEWERS:
        raise Refused(_("only an analyst or an administrator can {action} results").format(
            action=action_name(action)))
    if action in ("return", "unlock") and not (reason or "").strip():
        raise Refused(_("say why: a reason is required"))
    if action == "approve":
        if state.status != "submitted":
            raise Refused(_("only a submitted value can be approved (this one is {status})").format(
                status=status_name(state.status)))
        return State("approved", True)
    if action == "return":
        if state.status != "submitted":
            raise Refused(_("only a submitted value can be returned (this one is {status})").format(
                status=status_name(state.status)))
        return State("returned", False)
    if action == "unlock":
        if not state.locked:
            raise Refused(_("the value is not locked"))
        return State("draft", False)
    raise ValueError(action)


def status_name(status: str) -> str:
    """A workflow status in words (glossary: borrador / enviado / aprobado / devuelto)."""
    return {"draft": _("draft"), "submitted": _("submitted"), "approved": _("approved"),
            "returned": _("returned")}.get(status, status)


def action_name(action: str) -> str:
    return {"approve": _("approve"), "return": _("return"), "unlock": _("unlock")}.get(action, action)
