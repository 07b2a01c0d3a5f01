"""API: the framework, countries, agencies, funding, context series, reconciliation, documents."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from stratmon.analysis.context import context_points
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.analysis.funding import KEYS, funding
from stratmon.analysis.funding_request import build_query, funding_records, query_labels, recipients_for
from stratmon.analysis.reconcile import reason_text, reconcile
from stratmon.framework.model import Objective, Text
from stratmon.i18n import _, language
from stratmon.store import web as web_store
from stratmon.web.api import models as m
from stratmon.web.api.common import CountryParam, Db, FiscalYearsParam, labels, usd
from stratmon.web.api.coverage import coverage_of, default_span
from stratmon.web.context import site
from stratmon.web.portal.span import coverage_data

router = APIRouter()

TypeParam = Literal["obligation", "disbursement", "expenditure", "incoming_funds"]


# ------------------------------------------------------------------------------------ framework

def _name(text: Text, lang: str | None) -> str | m.Bilingual:
    return text.get(lang) if lang else m.Bilingual(en=text.en, es=text.es)


def _objective(objective: Objective, lang: str | None) -> m.ObjectiveOut:
    return m.ObjectiveOut(id=objective.id, name=_name(objective.name, lang),
                          description=_name(objective.description, lang), status=objective.status,
                          source=objective.source, objectives=[_objective(o, lang) for o in objective.objectives])


@router.get("/framework", summary="The results framework", response_model=m.FrameworkOut)
def framework(request: Request) -> m.FrameworkOut:
    """Lines of action and their objectives, countries, country groups, regions, agencies,
    partner-government commitments and context indicators: names in both languages, or in the
    one `?lang=` asks for."""
    found = site(request).framework
    lang = request.query_params.get("lang")
    lang = lang if lang in ("en", "es") else None

    def name(text: Text):
        return _name(text, lang)

    return m.FrameworkOut(
        id=found.id, version=found.version, name=name(found.name), short_name=name(found.short_name),
        purpose=name(found.purpose), source=found.source,
        lines=[m.LineOut(id=line.id, code=line.code, name=name(line.name), description=name(line.description),
                         status=line.status, source=line.source,
                         objectives=[_objective(o, lang) for o in line.objectives]) for line in found.lines_of_action],
        countries=[m.CountryOut(code=c.code, iso3=c.iso3, name=name(c.name),
                                groups=[g.id for g in found.country_groups if c.code in g.countries])
                   for c in found.countries],
        groups=[m.GroupOut(id=g.id, name=name(g.name), countries=list(g.countries), source=g.source)
                for g in found.country_groups],
        regions=[m.RegionOut(key=r.key, code=r.code, vocabulary=r.vocabulary, name=name(r.name))
                 for r in found.regions],
        agencies=[m.AgencyOut(id=a.id, iati_ref=a.iati_ref, acronym=a.acronym, name=name(a.name))
                  for a in found.agencies],
        commitments=[m.CommitmentOut(id=c.id, name=name(c.name), description=name(c.description),
                                     countries=list(c.countries), amount_usd=usd(c.amount_usd), period=c.period,
                                     source=c.source) for c in found.commitments],
        context_indicators=[m.ContextIndicatorOut(id=i.id, name=name(i.name), unit=name(i.unit), line=i.line,
                                                  direction=i.direction, baseline_year=found.baseline_year(i),
                                                  source=i.source) for i in found.context_indicators])


# ------------------------------------------------------------------------------- money by keys

def _totals(db: Connection, request: Request, key: str, fy: str | None, country: str | None) -> dict:
    """{key value: {"obligation": usd, "disbursement": usd}} over the filters."""
    framework = site(request).framework
    totals: dict = {}
    for transaction_type in ("obligation", "disbursement"):
        query = build_query(framework, key, transaction_type, fy, "1", country)
        for row in funding(db, query).rows:
            totals.setdefault(row.keys[0], {})[transaction_type] = row.usd
    return totals


def _amount(totals: dict, key, transaction_type: str) -> str:
    return usd(totals.get(key, {}).get(transaction_type, Decimal("0.00")))


@router.get("/countries", summary="The Strategy's countries with their money", response_model=list[m.CountryTotals])
def countries(request: Request, db: Db, fy: FiscalYearsParam = None) -> list[m.CountryTotals]:
    """Each country of the framework, its groups, the USD obligated and disbursed to it (IATI) over
    the fiscal years asked (default: the Strategy's period; `all` for every year), and beside them
    ForeignAssistance.gov's figures and the share IATI covers."""
    framework, lang = site(request).framework, language()
    span = default_span(request, fy)
    totals = _totals(db, request, "country", span, None)
    data, names = coverage_data(db, framework.geography), labels(db, request)
    found = []
    for c in framework.countries:
        coverage = coverage_of(db, request, (c.code,), c.name.get(lang), span, data, names)
        found.append(m.CountryTotals(code=c.code, iso3=c.iso3, name=c.name.get(lang),
                                     groups=[g.id for g in framework.country_groups if c.code in g.countries],
                                     first_fy=coverage[0].first_fy, last_fy=coverage[0].last_fy,
                                     obligated_usd=_amount(totals, c.code, "obligation"),
                                     disbursed_usd=_amount(totals, c.code, "disbursement"), coverage=coverage))
    return found


@router.get("/agencies", summary="Agencies with the money they obligated and disbursed",
            response_model=list[m.AgencyTotals])
def agencies(request: Request, db: Db, fy: FiscalYearsParam = None,
             country: CountryParam = None) -> list[m.AgencyTotals]:
    """Every reporting organisation with money in the filter (default: the Strategy's period; `all`
    for every year), largest disbursement first."""
    framework = site(request).framework
    names = labels(db, request)
    totals = _totals(db, request, "agency", default_span(request, fy), country)
    found = []
    for ref in totals:
        agency = framework.agency_by_ref(ref) if ref else None
        found.append(m.AgencyTotals(ref=ref or None, id=agency.id if agency else None,
                                    acronym=agency.acronym if agency else None, name=names.agency(ref),
                                    obligated_usd=_amount(totals, ref, "obligation"),
                                    disbursed_usd=_amount(totals, ref, "disbursement")))
    return sorted(found, key=lambda a: (-Decimal(a.disbursed_usd), -Decimal(a.obligated_usd), a.name))


FUNDING_EXAMPLE = [{"country": "GT", "fy": 2019, "usd": 123.45}]


@router.get("/funding", summary="USD by the keys you choose (the CLI's `stratmon funding`)",
            response_model=None, responses={200: {"model": list[m.FundingRecord], "content": {
                "application/json": {"example": FUNDING_EXAMPLE}}}})
def funding_table(
    request: Request,
    db: Db,
    by: Annotated[str, Query(min_length=1, max_length=100, description="Comma-separated keys: country, group, "
                                                                       "fy, line, objective, agency, sector, "
                                                                       "account.")],
    transaction_type: Annotated[TypeParam, Query(alias="type", description="The transaction type.")] = "disbursement",
    fy: FiscalYearsParam = None,
    country: CountryParam = None,
    sector_vocabulary: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{1,10}$", description=(
        "IATI sector vocabulary for by=sector (1 = OECD DAC, 99 = U.S. program areas)."))] = "1",
    scope: Annotated[Literal["strategy", "outside", "all"], Query(description=(
        "Whose money: the Strategy's (its countries and regions, the default), the money outside its "
        "geography, or all."))] = "strategy",
) -> Response:
    """A JSON list, one object per group: `[{"country": "GT", "fy": 2019, "usd": 123.45}, ...]`,
    the same figures as `stratmon funding --by country,fy --fy 2016:2021 --format csv`: like every money
    figure of the API, over the Strategy's period unless `fy` asks for other years (`all` for every year). Line, objective, agency,
    group, sector and account keys carry `<key>_name` beside the code. An account is named as the
    State Department's budget tables name it (DA, ESF, INCLE, ...) where Strategy Monitor's mapping
    knows it, else by its treasury account symbol (11x0100), else `unspecified`."""
    framework = site(request).framework
    keys = [key.strip() for key in by.split(",") if key.strip()]
    if not keys or any(key not in KEYS for key in keys) or len(set(keys)) != len(keys):
        raise QueryError(_("by takes different keys from {keys}, separated by commas; got {got}").format(
            keys=", ".join(KEYS), got=by))
    query = build_query(framework, by, transaction_type, default_span(request, fy), sector_vocabulary, country,
                        scope)
    result = funding(db, query)
    records = funding_records(result, query_labels(db, framework, query))
    return Response(_json_with_money(records), media_type="application/json")


def _json_with_money(records) -> str:
    """JSON with `usd` written as a number with exactly two decimals (json.dumps would write a
    float: 123.4, or 1e+20), and fiscal years as integers."""
    parts = []
    for record in records:
        fields = [f"{json.dumps(key)}: {json.dumps(_key_value(key, value), ensure_ascii=False)}"
                  for key, value in record.items() if key != "usd"]
        fields.append(f'"usd": {record["usd"]}')
        parts.append("{" + ", ".join(fields) + "}")
    return "[" + ",\n".join(parts) + "]"


def _key_value(key: str, value):
    if value == "":
        return None
    return int(value) if key == "fy" else value


# ------------------------------------------------------------------------------------- context

@router.get("/context", summary="Context indicator series", response_model=list[m.ContextPointOut])
def context(
    request: Request,
    db: Db,
    indicator: Annotated[str | None, Query(max_length=100, description="A context indicator id (see /framework).")]
    = None,
    country: CountryParam = None,
) -> list[m.ContextPointOut]:
    """Country-year values of the context indicators (homicide rate, poverty, remittances,
    migration...), each as published, with its source and vintage."""
    framework = site(request).framework
    if indicator and framework.context_indicator(indicator) is None:
        raise QueryError(_("{indicator} is not a context indicator (one of: {choices})").format(
            indicator=indicator, choices=", ".join(i.id for i in framework.context_indicators)))
    names = labels(db, request)
    recipients = recipients_for(framework, country)
    lang = language()
    found = []
    for point in context_points(db, indicator=indicator):
        if recipients and point.country not in recipients:
            continue
        spec = framework.context_indicator(point.indicator)
        found.append(m.ContextPointOut(
            indicator=point.indicator, indicator_name=spec.name.get(lang) if spec else point.indicator,
            country=point.country, country_name=names.recipient(point.country), year=point.year,
            period=point.period, value=str(point.value), unit=point.unit, source=point.source, vintage=point.vintage))
    return found


# ------------------------------------------------------------------------------ reconciliation

@router.get("/reconciliation", summary="IATI against ForeignAssistance.gov",
            response_model=list[m.ReconciliationOut])
def reconciliation(request: Request, db: Db, fy: FiscalYearsParam = None,
                   country: CountryParam = None) -> list[m.ReconciliationOut]:
    """Per country, fiscal year and type (obligation, disbursement): both sums, the difference, the
    ratio and what the data can tell about why they differ; over the fiscal years asked (default: the
    Strategy's period; `all` for every year)."""
    framework = site(request).framework
    wanted = list(recipients_for(framework, country)) or None
    names = labels(db, request)
    rows = reconcile(db, framework, parse_fiscal_years(default_span(request, fy)), wanted)
    return [m.ReconciliationOut(country=row.country, country_name=names.recipient(row.country), fy=row.fy,
                                type=row.type, iati_usd=usd(row.iati_usd), fagov_usd=usd(row.fagov_usd),
                                difference_usd=usd(row.difference_usd),
                                ratio=None if row.ratio is None else str(row.ratio),
                                reasons=[m.ReasonOut(code=r.code, text=reason_text(r)) for r in row.reasons])
            for row in rows]


# ----------------------------------------------------------------------------------- documents

@router.get("/documents", summary="Remarks, fact sheets, releases and reports", response_model=list[m.DocumentOut])
def documents(
    db: Db,
    kind: Annotated[Literal["remarks", "fact_sheet", "release", "report"] | None,
                    Query(description="Only this kind.")] = None,
    written_in: Annotated[Literal["en", "es"] | None, Query(description="Only documents in this language.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[m.DocumentOut]:
    """Published documents, newest first: their metadata (the portal serves the text and files)."""
    return [m.DocumentOut(id=d.id, kind=d.kind, lang=d.lang, title=d.title, published_on=d.published_on,
                          summary=d.summary, file_name=d.file_name, media_type=d.media_type)
            for d in web_store.documents(db, lang=written_in, kind=kind, limit=limit)]

