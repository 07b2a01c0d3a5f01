"""Results by objective: each indicator under its objective, its disaggregates under it, how many
indicators stand at each status, and the targets missed with the reasons given.

Reads the indicator tracking table (results agencies publish in IATI and approved entered results)
and the indicator registry. A disaggregate is never an indicator: a publisher's "Students (Female)"
sits under "Students" and is in no count. A registered indicator with no result yet is listed under
its objective with no data, so the Strategy's own indicators show beside those agencies publish.
Every indicator is in exactly one objective's list (or in the list of those under none), so the
status counts of an objective add up to its indicators and the objectives' to all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from stratmon.analysis.indicator_registry import RegisteredIndicator
from stratmon.analysis.indicator_values import STATUS_CODES as STATUSES
from stratmon.analysis.iptt_types import IpttCell, IpttRow, IpttTable
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import _
from stratmon.store import schema

MISSED = ("needs_attention", "off_track")
ORIGINS = ("published", "entered", "registered")


@dataclass(frozen=True)
class Disaggregate:
    """One category of an indicator (a sex, a place, a grade) and where it stands."""

    category: str
    latest: IpttCell | None


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator (in one activity and place, as the tracking table has it) and its latest total."""

    code: str
    name: str
    origin: str                     # one of ORIGINS: published in IATI, entered, or registered only
    objective_id: str | None
    unit: str | None
    activity: str | None            # IATI identifier
    activity_title: str | None
    country: str | None             # names, as the tracking table gives them
    latest: IpttCell | None
    disaggregates: tuple[Disaggregate, ...] = ()
    data_source: str | None = None  # a registered indicator's source

    @property
    def status(self) -> str:
        return self.latest.status if self.latest is not None else "no_data"

    @property
    def missed_target(self) -> bool:
        return self.status in MISSED


@dataclass(frozen=True)
class ObjectiveResults:
    """The indicators under one objective (None: under no objective of the framework)."""

    objective_id: str | None
    indicators: tuple[IndicatorResult, ...]

    def counts(self) -> dict[str, int]:
        """How many of its indicators stand at each status; they add up to len(indicators)."""
        counts = dict.fromkeys(STATUSES, 0)
        for indicator in self.indicators:
            counts[indicator.status] += 1
        return counts

    def missed(self) -> list[IndicatorResult]:
        """Its indicators whose latest total missed the target, the furthest from it first."""
        return sorted((i for i in self.indicators if i.missed_target),
                      key=lambda i: (i.latest.percent_achieved is None, i.latest.percent_achieved or 0, i.name))


def results_by_objective(table: IpttTable, registered: list[RegisteredIndicator], framework: Framework,
                         lang: str, objectives: set[str] | None = None) -> list[ObjectiveResults]:
    """Objectives in the framework's order, each with its indicators (and, last, those under no
    objective); only objectives with an indicator, and only those in `objectives` when given."""
    order = [objective.id for _line, objective in framework.objectives()]
    entered_codes = {indicator.code for indicator in registered}
    parts = table.disaggregates()
    found = [_tracked(row, "entered" if row.indicator_code in entered_codes else "published", parts)
             for row in table.indicators()]
    tracked_codes = {indicator.code for indicator in found}
    found += [_registered_only(indicator, lang) for indicator in registered if indicator.code not in tracked_codes]
    by_objective: dict[str | None, list[IndicatorResult]] = {}
    for indicator in found:
        key = indicator.objective_id if indicator.objective_id in order else None
        by_objective.setdefault(key, []).append(indicator)
    return [ObjectiveResults(key, tuple(by_objective[key])) for key in [*order, None]
            if key in by_objective and (objectives is None or key in objectives)]


def _tracked(row: IpttRow, origin: str, parts: dict[str, list[IpttRow]]) -> IndicatorResult:
    disaggregates = [Disaggregate(part.category or part.indicator_name, part.latest_total())
                     for part in parts.get(row.indicator_code, [])]
    latest = row.latest_total()
    if latest is not None:
        # Entered disaggregates, and IATI <dimension>s, are categories of the same period's cells.
        disaggregates += [Disaggregate(cell.category, cell) for cell in row.cells
                          if cell.category is not None and (cell.period_start, cell.period_end) ==
                          (latest.period_start, latest.period_end)]
    return IndicatorResult(row.indicator_code, row.indicator_name, origin, row.objective_id, row.unit, row.activity,
                           row.activity_title, row.country, latest, tuple(disaggregates))


def _registered_only(indicator: RegisteredIndicator, lang: str) -> IndicatorResult:
    return IndicatorResult(indicator.code, indicator.name(lang), "registered", indicator.objective_id, indicator.unit,
                           None, None, None, None, data_source=indicator.data_source)


def indicator_total(results: list[ObjectiveResults]) -> int:
    """How many indicators the objectives hold together."""
    return sum(len(objective.indicators) for objective in results)


def reporting_organisations(connection: Connection, results: list[ObjectiveResults]) -> dict[str, str]:
    """The reporting organisation (IATI reference) of each activity with indicators in `results`."""
    identifiers = sorted({i.activity for objective in results for i in objective.indicators if i.activity})
    activity = schema.activity
    found = {}
    for start in range(0, len(identifiers), 500):
        found.update(connection.execute(select(activity.c.iati_identifier, activity.c.reporting_org_ref).where(
            activity.c.iati_identifier.in_(identifiers[start:start + 500]))).all())
    return found


def summed_counts(results: list[ObjectiveResults]) -> dict[str, int]:
    """How many indicators of all the objectives stand at each status."""
    counts = dict.fromkeys(STATUSES, 0)
    for objective in results:
        for status, count in objective.counts().items():
            counts[status] += count
    return counts


def reported_by(names: Labels, indicator: IndicatorResult, organisations: dict[str, str]) -> str:
    """Who reports an indicator, in words: "MCC · Education Project", "Entered: …", "Registry: source"."""
    if indicator.origin == "registered":
        return _("Registry: {source}").format(source=indicator.data_source or _("no source given"))
    title = indicator.activity_title or indicator.activity
    if indicator.origin == "entered":
        return _("Entered: {activity}").format(activity=title) if title else _("Entered in Strategy Monitor")
    return f"{names.agency_short(organisations.get(indicator.activity))} · {title}"
