"""API: the indicator registry with each indicator's status, context indicators against their
baseline, and an indicator's entered values."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from stratmon.analysis.context import against_baseline
from stratmon.analysis.indicator_values import entered_values, indicator_status_counts, registry
from stratmon.analysis.funding_request import country_key
from stratmon.analysis.iptt import iptt
from stratmon.i18n import _, language
from stratmon.indicators.workflow import User
from stratmon.web.api import models as m
from stratmon.web.api.auth import caller
from stratmon.web.api.common import Db, audience_of, errors, labels, value_out
from stratmon.web.context import site

router = APIRouter()


def _text(value) -> str | None:
    return None if value is None else str(value)


@router.get("/indicators", summary="Indicators and where they stand", response_model=m.IndicatorsOut)
def indicators(request: Request, db: Db) -> m.IndicatorsOut:
    """The performance indicators of the registry (reference sheet, and how many reporting
    activities are on track, need attention or are off track on their latest approved totals), and
    the framework's context indicators, each country's latest value against the baseline year."""
    framework, lang = site(request).framework, language()
    names = labels(db, request)
    performance = registry(db)
    counts = indicator_status_counts(iptt(db, framework, lang), [i.code for i in performance])
    context, rows_of = [], {}
    for row in against_baseline(db, framework):  # every indicator in one reading, each in the catalogue's order
        rows_of.setdefault(row.indicator, []).append(row)
    for spec in framework.context_indicators:
        rows = rows_of.get(spec.id, [])
        context.append(m.ContextIndicatorStatus(
            code=spec.id, name=spec.name.get(lang), unit=spec.unit.get(lang), line=spec.line,
            direction=spec.direction, baseline_year=framework.baseline_year(spec),
            baseline_tolerance_years=framework.context_baseline.tolerance_years, source=spec.source,
            countries=[m.AgainstBaselineOut(country=r.country, country_name=names.recipient(r.country),
                                            baseline_year=r.baseline_year, baseline=_text(r.baseline),
                                            latest_year=r.latest_year, latest=_text(r.latest),
                                            change=_text(r.change), improved=r.improved, source=r.source)
                       for r in rows]))
    return m.IndicatorsOut(
        performance=[m.PerformanceIndicatorOut(
            code=i.code, level=i.level, objective=i.objective_id,
            objective_name=names.objective(i.objective_id) if i.objective_id else None, name=i.name(lang),
            unit=i.unit, direction=i.direction, aggregation=i.aggregation, cumulative=i.cumulative,
            disaggregations=list(i.schemes), reference={k: _text(v) for k, v in i.reference.items()},
            status=counts[i.code], values_href=str(request.url_for("indicator_values", code=i.code).path))
            for i in performance],
        context=context)


@router.get("/indicators/{code}/values", name="indicator_values", summary="An indicator's entered values",
            response_model=m.ValueList, responses=errors(401, 404))
def indicator_values(
    request: Request,
    db: Db,
    code: str,
    user: Annotated[User | None, Depends(caller)] = None,
    activity: Annotated[str | None, Query(max_length=500, description="An activity's IATI identifier.")] = None,
    country: Annotated[str | None, Query(max_length=100, description="A country (GT) or region-CODE.")] = None,
    value_type: Literal["baseline", "target", "actual"] | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> m.ValueList:
    """Baselines, targets and actuals entered for the indicator: approved ones for everyone; with
    a token, a partner also sees its own organisation's drafts, and reviewers see everything."""
    if not registry(db, code):
        raise HTTPException(404, _("{code} is not in the registry").format(code=code))
    found, total = entered_values(db, audience_of(user), indicator=code, activity=activity,
                                  country=country_key(country) if country else None, value_type=value_type,
                                  limit=per_page, offset=(page - 1) * per_page)
    return m.ValueList(items=[value_out(v, user) for v in found], total=total, page=page,
                       per_page=per_page)
