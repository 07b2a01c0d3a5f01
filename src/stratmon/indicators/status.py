"""Progress status of an indicator in a period: on track, needs attention, off track, no target,
no data — from target and actual, the indicator's direction, and the framework's thresholds."""

from __future__ import annotations

from decimal import Decimal

from stratmon.i18n import _

STATUSES = ("on_track", "needs_attention", "off_track", "no_target", "no_data")


def percent_achieved(direction: str, target: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Achievement as a fraction (1 = target met): actual ÷ target, or target ÷ actual when lower
    is better. None when either is missing or the division means nothing."""
    if target is None or actual is None:
        return None
    if direction == "lower":
        if actual == 0:
            return Decimal(1)  # nothing left of what should shrink: the target is met
        if actual < 0 or target < 0:
            return None
        return target / actual
    if target == 0:
        return None
    return actual / target


def status_of(direction: str, target: Decimal | None, actual: Decimal | None, on_track: Decimal,
              needs_attention: Decimal) -> str:
    """The status code of one target/actual pair."""
    if actual is None:
        return "no_data"
    achieved = percent_achieved(direction, target, actual)
    if target is None or achieved is None:
        return "no_target"
    if achieved >= on_track:
        return "on_track"
    if achieved >= needs_attention:
        return "needs_attention"
    return "off_track"


def status_label(status: str) -> str:
    """A status in words (glossary: en curso / requiere atención / desviado / sin meta / sin datos)."""
    return {"on_track": _("on track"), "needs_attention": _("needs attention"), "off_track": _("off track"),
            "no_target": _("no target"), "no_data": _("no data")}[status]
