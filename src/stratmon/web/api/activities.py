"""API: finding activities, and everything about one of them (transactions, alignment, results)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from stratmon.analysis.activities import MAX_PER_PAGE, SORTS, ActivityDetail, ActivityFilter, activity_detail, \
    search_activities
from stratmon.analysis.activity_sectors import sectors_from_transactions
from stratmon.analysis.alignment import Explanation, explain
from stratmon.analysis.indicator_values import entered_values
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.analysis.funding import TRANSACTION_TYPES
from stratmon.analysis.funding_request import recipients_for
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import _, language
from stratmon.indicators.workflow import User
from stratmon.web.api import activity_models as m
from stratmon.web.api.auth import caller
from stratmon.web.api.common import AgencyParam, CountryParam, SortOrder, Db, FiscalYearsParam, LineParam, ObjectiveParam, \
    StatusParam, TextParam, audience_of, code_name, errors, labels, utc, \
    page_links, usd, value_out
from stratmon.web.context import site

router = APIRouter()

@router.get("/activities", summary="Find activities", response_model=m.ActivityList)
def activities(
    request: Request,
    db: Db,
    country: CountryParam = None,
    agency: AgencyParam = None,
    line: LineParam = None,
    objective: ObjectiveParam = None,
    fy: FiscalYearsParam = None,
    status: StatusParam = None,
    q: TextParam = None,
    sort: Annotated[SortOrder, Query(description="By " + ", ".join(SORTS) + "; prefix - for descending.")]
    = "-disbursed",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> m.ActivityList:
    """Activities matching every filter given, one page at a time. The money beside each is what
    it disbursed and obligated *within the filter*, so that a list filtered to a country adds up
    to the country's funding (`/funding?by=country`)."""
    current = site(request)
    _check_framework_ids(current.framework, line, objective)
    query = ActivityFilter(recipients=recipients_for(current.framework, country), agency=agency, line=line,
                           objective=objective, fiscal_years=parse_fiscal_years(fy), status=status, text=q,
                           sort=sort, page=page, per_page=per_page, crosswalk_digest=current.crosswalks.digest,
                           geography=current.framework.geography, lang=language())
    found = search_activities(db, query)
    names = labels(db, request)
    href = activity_href(request, "")  # the route's address, looked up once: each item adds its identifier
    # A handful of statuses name a whole page: each looked up once.
    status_names = {code: code_name("ActivityStatus", code) for code in {a.status_code for a in found.activities}}
    items = [m.ActivityItem(identifier=a.iati_identifier, title=a.title, title_lang=a.title_lang,
                            agency=a.reporting_org_ref,
                            agency_name=names.agency(a.reporting_org_ref) if a.reporting_org_ref else
                            a.reporting_org_name, status=a.status_code,
                            status_name=status_names[a.status_code], start=a.start, end=a.end,
                            disbursed_usd=usd(a.disbursed_usd), obligated_usd=usd(a.obligated_usd),
                            href=href + quote(a.iati_identifier, safe="/"))
             for a in found.activities]
    return m.ActivityList(items=items, total=found.total, page=found.page, per_page=found.per_page,
                          pages=found.pages, links=page_links(request, found.page, found.pages))


def _check_framework_ids(framework: Framework, line: str | None, objective: str | None) -> None:
    if line and not any(known.id == line for known in framework.lines_of_action):
        raise QueryError(_("{line} is not a line of action (one of: {choices})").format(
            line=line, choices=", ".join(known.id for known in framework.lines_of_action)))
    if objective and not any(known.id == objective for _line, known in framework.objectives()):
        raise QueryError(_("{objective} is not an objective of the framework (see /api/v1/framework)").format(
            objective=objective))


def activity_href(request: Request, identifier: str) -> str:
    """The API address of an activity, its identifier percent-encoded (spaces, `?`, `#`, `%`)."""
    return request.app.url_path_for("activity", identifier="") + quote(identifier, safe="/")


@router.get("/activities/{identifier:path}", name="activity", summary="One activity",
            response_model=m.ActivityOut, responses=errors(401, 404))
def activity(request: Request, db: Db, identifier: str,
             user: Annotated[User | None, Depends(caller)] = None) -> m.ActivityOut:
    """What the activity is, who runs it, where and when; its transactions; why its money sits
    under the objectives it does (`alignment`); the results it published in IATI and the results
    entered for it (approved ones, unless the token's user may see more). IATI identifiers may hold
    `/` and spaces: send them URL-encoded (a space as %20)."""
    try:
        detail = activity_detail(db, identifier)
    except QueryError as error:
        raise HTTPException(404, str(error)) from None
    names = labels(db, request)
    explanation = explain(db, identifier, site(request).crosswalks.digest, detail=detail)
    values, _total = entered_values(db, audience_of(user, approved_too=True), activity=identifier, limit=10_000)
    title = detail.title_for(language())
    # The asked-for language's descriptions first (a stable sort keeps the publisher's order within each).
    descriptions = sorted(detail.descriptions, key=lambda d: d.lang != language())
    return m.ActivityOut(
        identifier=detail.iati_identifier, title=title.text if title else None,
        title_lang=title.lang if title else None,
        titles=[m.Narrative(lang=t.lang, text=t.text) for t in detail.titles],
        descriptions=[m.Description(type=d.description_type, type_name=code_name("DescriptionType", d.description_type),
                                    lang=d.lang, text=d.text) for d in descriptions],
        agency=detail.reporting_org_ref, agency_name=names.agency(detail.reporting_org_ref)
        if detail.reporting_org_ref else detail.reporting_org_name,
        status=detail.status_code, status_name=code_name("ActivityStatus", detail.status_code),
        default_currency=detail.default_currency, last_updated=detail.last_updated,
        participants=[m.ParticipantOut(role=p.role_code, role_name=code_name("OrganisationRole", p.role_code),
                                       ref=p.ref, name=p.name, type=p.type_code) for p in detail.participants],
        dates=[m.DateOut(type=d.type_code, type_name=code_name("ActivityDateType", d.type_code), date=d.iso_date)
               for d in detail.dates],
        recipients=[_recipient(r.kind, r.code, r.percentage, names) for r in detail.recipients],
        sectors=[m.SectorOut(vocabulary=s.vocabulary, code=s.code, name=s.name, percentage=s.percentage)
                 for s in detail.sectors],
        transaction_sectors=[m.SectorMoneyOut(vocabulary=s.vocabulary, code=s.code, name=s.name,
                                              usd={kind: usd(amount) for kind, amount in s.usd.items()})
                             for s in sectors_from_transactions(db, identifier, detail.activity_id)],
        totals={kind: usd(detail.total_usd(code)) for kind, code in TRANSACTION_TYPES.items()},
        transactions=_transactions(detail),
        alignment=_alignment(explanation, names),
        results=[m.PublishedResult(
            title=r.title, type=r.type_code, type_name=code_name("ResultType", r.type_code),
            indicators=[m.ResultIndicatorOut(title=i.title, measure=i.measure_code, baseline=i.baseline,
                                             baseline_year=i.baseline_year,
                                             periods=[m.PeriodOut(start=p.start, end=p.end, target=p.target,
                                                                  actual=p.actual) for p in i.periods])
                        for i in r.indicators]) for r in detail.results],
        reported_values=[value_out(v, user) for v in values],
        documents=[m.LinkOut(title=title, url=url) for title, url in detail.documents])


def _recipient(kind: str, code: str, percentage: float | None, names: Labels) -> m.RecipientOut:
    key = code if kind == "country" else f"region-{code}"
    return m.RecipientOut(kind=kind, code=code, key=key, name=names.recipient(key), percentage=percentage)


def _transactions(detail: ActivityDetail) -> list[m.TransactionOut]:
    return [m.TransactionOut(id=t.transaction_id, type=t.type_code, type_name=code_name("TransactionType", t.type_code),
                             date=t.transaction_date, fy=t.fiscal_year, value=t.value_text, currency=t.currency,
                             usd=usd(t.usd) if t.currency == "USD" else None, description=t.description,
                             provider=t.provider, receiver=t.receiver, recipients=list(t.recipients))
            for t in detail.transactions]


def _alignment(explanation: Explanation, names: Labels) -> m.AlignmentOut:
    return m.AlignmentOut(
        is_current=explanation.is_current,
        overrides=[m.OverrideOut(id=o.id, target=o.target, reason=o.reason, created_at=utc(o.created_at),
                                 active=o.is_active) for o in explanation.overrides],
        transactions=[m.AlignedTransaction(
            transaction_id=t.transaction_id, type=t.type_code, date=t.transaction_date, fy=t.fiscal_year,
            parts=[m.AlignedPart(
                recipient=p.recipient_key, recipient_name=names.recipient(p.recipient_key), objective=p.objective_id,
                objective_name=names.objective(p.objective_id) if p.objective_id else None, line=p.line_id,
                line_name=names.line(p.line_id) if p.line_id else None, outside=p.outside_id, rule=p.rule,
                rule_name=names.rule(p.rule), confidence=p.confidence, evidence=p.evidence,
                evidence_text=names.evidence(p.evidence), contest=p.contest,
                contest_text=names.evidence(p.contest) if p.contest else None,
                usd=usd(p.usd)) for p in t.parts]) for t in explanation.transactions])

