"""Progress status of an indicator in a period: on track, needs attention, off track, no target,
no data — from target and actual, the indicator's direction, and the framework's thresholds."""

from __future__ import annotations

from decimal import Decimal

from stratmon.i18n import _, format_count, ngettext

def percent_achieved(direction: str, target: Decimal | None, actual: Decimal | None,
                     baseline: Decimal | None = None) -> Decimal | None:
    """Achievement as a fraction (1 = target met). Higher is better: actual ÷ target. Lower is
    better: the share of the planned reduction achieved, (baseline − actual) ÷ (baseline − target),
    when a baseline above the target is known, else target ÷ actual. None when a figure is missing,
    for neutral indicators, and where the division means nothing."""
    if target is None or actual is None or direction == "neutral":
        return None
    if direction == "lower":
        if baseline is not None and baseline > target:
            return (baseline - actual) / (baseline - target)
        if actual <= 0 or target <= 0:
            return None
        return target / actual
    if target <= 0:
        return None
    return actual / target


def status_of(direction: str, target: Decimal | None, actual: Decimal | None, on_track: Decimal,
              needs_attention: Decimal, baseline: Decimal | None = None) -> str:
    """The status code of one target/actual pair."""
    if actual is None:
        return "no_data"
    if target is None or direction == "neutral":
        return "no_target"
    achieved = percent_achieved(direction, target, actual, baseline)
    if achieved is None:
        # A target of zero (or below) is met or not; there is no share of it to judge.
        met = actual >= target if direction == "higher" else actual <= target
        return "on_track" if met else "off_track"
    if achieved >= on_track:
        return "on_track"
    if achieved >= needs_attention:
        return "needs_attention"
    return "off_track"


def status_label(status: str) -> str:
    """A status in words (glossary: en curso / requiere atención / desviado / sin meta / sin datos)."""
    return {"on_track": _("on track"), "needs_attention": _("needs attention"), "off_track": _("off track"),
            "no_target": _("no target"), "no_data": _("no data")}[status]


def status_count(status: str, count: int) -> str:
    """How many indicators stand at a status, the words agreeing with the number ("1 needs attention",
    "12 need attention"; "12 requieren atención")."""
    forms = {"on_track": ngettext("{n} on track", "{n} on track", count),
             "needs_attention": ngettext("{n} needs attention", "{n} need attention", count),
             "off_track": ngettext("{n} off track", "{n} off track", count),
             "no_target": ngettext("{n} without a target", "{n} without a target", count),
             "no_data": ngettext("{n} without data", "{n} without data", count)}
    return forms[status].format(n=format_count(count))
