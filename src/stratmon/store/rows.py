"""Turning one IATI activity record into the rows of every table it fills.

This runs once per stored transaction, split and sector, so rows are written as dict literals
with every column named (no merging of shared dicts), and shares that only depend on the
activity are worked out once per activity rather than once per transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any

from stratmon.sources.iati_records import Activity, IndicatorValue, Org
from stratmon.sources.usg_extensions import treasury_account
from stratmon.sources.values import fiscal_year, optional_micros as _micros
from stratmon.store import schema
from stratmon.store.splits import ActivityShares, split_rows

Rows = dict[str, list[dict[str, Any]]]

# Stands in for an absent provider or receiver: its columns are all NULL.
_NO_ORG = Org()


def _utc_naive(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value is not None else None


def _number(value):
    return float(value) if value is not None else None


def activity_rows(activity: Activity, activity_id: int, run_id: int, next_id: Callable[[str], int], rows: Rows) -> None:
    """Append the rows for `activity` (stored under `activity_id`) to `rows`, keyed by table name."""
    org = activity.reporting_org
    rows["activity"].append({
        "id": activity_id, "iati_identifier": activity.identifier, "import_run_id": run_id,
        "source_line": activity.line, "content_hash": activity.content_hash,
        "iati_version": activity.iati_version, "last_updated_text": activity.last_updated_text,
        "last_updated_at": _utc_naive(activity.last_updated), "default_currency": activity.default_currency,
        "default_lang": activity.default_lang, "hierarchy": activity.hierarchy,
        "humanitarian": activity.humanitarian, "reporting_org_ref": org.ref, "reporting_org_type": org.type,
        "reporting_org_name": org.name, "secondary_reporter": activity.secondary_reporter,
        "title": activity.title("en"), "status_code": activity.status, "scope_code": activity.scope,
        "collaboration_type_code": activity.collaboration_type,
        "default_flow_type_code": activity.default_flow_type,
        "default_finance_type_code": activity.default_finance_type,
        "default_aid_type_code": activity.default_aid_type,
        "default_tied_status_code": activity.default_tied_status,
        "extensions": activity.extensions or None, "other_elements": activity.other_elements or None,
        "linked_data_uri": activity.linked_data_uri, "budget_not_provided": activity.budget_not_provided,
        "linked_data_default": activity.linked_data_default, "published_attributes": activity.published_attributes,
    })
    narratives = rows["activity_narrative"]
    for title in activity.titles:
        narratives.append({"activity_id": activity_id, "element": "title", "description_type": None,
                           "lang": title.lang, "text": title.text})
    for kind, text in activity.descriptions:
        narratives.append({"activity_id": activity_id, "element": "description", "description_type": kind,
                           "lang": text.lang, "text": text.text})
    rows["participating_org"].extend(
        {"activity_id": activity_id, "role": p.role, "ref": p.ref, "type": p.type, "name": p.name,
         "org_activity_id": p.activity_id, "crs_channel_code": p.crs_channel_code, "published": p.published}
        for p in activity.participating_orgs)
    rows["activity_date"].extend(
        {"activity_id": activity_id, "type": d.type, "iso_date": d.iso_date, "narrative": d.narrative,
         "published": d.published} for d in activity.dates)
    rows["related_activity"].extend(
        {"activity_id": activity_id, "type": r.type, "ref": r.ref, "published": r.published} for r in activity.related)
    _recipients_and_sectors(activity.recipients, activity.sectors, activity_id, None, rows)
    _transactions(activity, activity_id, next_id, rows)
    _plans(activity, activity_id, rows)
    _results(activity, {"activity_id": activity_id}, next_id, rows)


def _recipients_and_sectors(recipients, sectors, activity_id: int, transaction_id: int | None, rows: Rows) -> None:
    rows["recipient"].extend(
        {"activity_id": activity_id, "transaction_id": transaction_id, "kind": r.kind, "code": r.code,
         "vocabulary": r.vocabulary, "percentage": _number(r.percentage), "name": r.name,
         "vocabulary_uri": r.vocabulary_uri, "published": r.published} for r in recipients)
    rows["sector"].extend(
        {"activity_id": activity_id, "transaction_id": transaction_id, "vocabulary": s.vocabulary,
         "vocabulary_uri": s.vocabulary_uri, "code": s.code, "percentage": _number(s.percentage), "name": s.name,
         "published": s.published} for s in sectors)


def _transactions(activity: Activity, activity_id: int, next_id, rows: Rows) -> None:
    agency = activity.reporting_org.ref
    shares = ActivityShares(activity)
    transaction_rows, split_table_rows = rows["iati_transaction"], rows["transaction_split"]
    for tx in activity.transactions:
        transaction_id = next_id("iati_transaction")
        fy = fiscal_year(tx.transaction_date)
        micros = _micros(tx.value)
        recipients, rebased = shares.recipients(tx)
        provider, receiver = tx.provider or _NO_ORG, tx.receiver or _NO_ORG
        transaction_rows.append({
            "id": transaction_id, "activity_id": activity_id, "source_line": tx.line, "ref": tx.ref,
            "type_code": tx.type_code, "transaction_date": tx.transaction_date, "fiscal_year": fy,
            "value_text": _normalised(tx.value, tx.value_text), "value_micros": micros,
            "currency": tx.currency, "value_date": tx.value_date, "description": tx.description,
            "provider_org_ref": provider.ref, "provider_org_type": provider.type,
            "provider_org_name": provider.name, "provider_activity_id": provider.activity_id,
            "receiver_org_ref": receiver.ref, "receiver_org_type": receiver.type,
            "receiver_org_name": receiver.name, "receiver_activity_id": receiver.activity_id,
            "disbursement_channel_code": tx.disbursement_channel, "flow_type_code": tx.flow_type,
            "finance_type_code": tx.finance_type, "aid_type_code": tx.aid_type,
            "tied_status_code": tx.tied_status, "humanitarian": tx.humanitarian,
            "recipients_rebased": rebased, "extensions": tx.extensions or None, "published": tx.published,
            "treasury_account": treasury_account(tx.extensions),
        })
        _recipients_and_sectors(tx.recipients, tx.sectors, activity_id, transaction_id, rows)
        if micros is None:
            continue  # a missing value is not zero: it is left out of every sum
        type_code, currency = tx.type_code, tx.currency
        split_table_rows += [
            {"transaction_id": transaction_id, "activity_id": activity_id, "type_code": type_code,
             "fiscal_year": fy, "currency": currency, "reporting_org_ref": agency, "recipient_key": key,
             "sector_vocabulary": vocabulary, "sector_code": code, "geography": None, "amount_micros": amount}
            for key, vocabulary, code, amount in split_rows(micros, recipients, shares.sectors(tx))]


def _normalised(value, text):
    return format(value, "f") if value is not None else text


def _plans(activity: Activity, activity_id: int, rows: Rows) -> None:
    rows["budget"].extend(
        {"activity_id": activity_id, "type": b.type, "status": b.status, "period_start": b.period_start,
         "period_end": b.period_end, "value_text": _normalised(b.value, b.value_text),
         "value_micros": _micros(b.value), "currency": b.currency, "value_date": b.value_date,
         "published": b.published} for b in activity.budgets)
    for p in activity.planned_disbursements:
        provider, receiver = p.provider or _NO_ORG, p.receiver or _NO_ORG
        rows["planned_disbursement"].append({
            "activity_id": activity_id, "type": p.type, "period_start": p.period_start, "period_end": p.period_end,
            "value_text": _normalised(p.value, p.value_text), "value_micros": _micros(p.value),
            "currency": p.currency, "value_date": p.value_date,
            "provider_org_ref": provider.ref, "provider_org_name": provider.name, "provider_org_type": provider.type,
            "provider_activity_id": provider.activity_id, "receiver_org_ref": receiver.ref,
            "receiver_org_name": receiver.name, "receiver_org_type": receiver.type,
            "receiver_activity_id": receiver.activity_id, "published": p.published})
    rows["location"].extend(
        {"activity_id": activity_id, "ref": loc.ref, "reach_code": loc.reach, "name": loc.name,
         "description": loc.description, "activity_description": loc.activity_description,
         "srs_name": loc.srs_name, "latitude": loc.latitude, "longitude": loc.longitude,
         "exactness_code": loc.exactness, "class_code": loc.location_class,
         "feature_designation": loc.feature_designation,
         "location_ids": loc.location_ids or None, "administratives": loc.administratives or None,
         "published": loc.published} for loc in activity.locations)
    rows["document_link"].extend(
        {"activity_id": activity_id, "url": d.url, "format": d.format, "title": d.title,
         "description": d.description, "categories": d.categories or None, "languages": d.languages or None,
         "document_date": d.document_date, "published": d.published} for d in activity.documents)


def _value_columns(value: IndicatorValue) -> dict[str, Any]:
    return {"value_text": value.value_text, "value": _number(value.value), "comment": value.comment,
            "dimensions": value.dimensions or None, "location_refs": value.location_refs or None}


def _results(activity: Activity, base, next_id, rows: Rows) -> None:
    for result in activity.results:
        result_id = next_id("result")
        rows["result"].append({"id": result_id, **base, "type_code": result.type,
                               "aggregation_status": result.aggregation_status,
                               "title": result.title, "description": result.description,
                               "published": result.published})
        for indicator in result.indicators:
            indicator_id = next_id("result_indicator")
            rows["result_indicator"].append({
                "id": indicator_id, "result_id": result_id, **base, "measure_code": indicator.measure,
                "ascending": indicator.ascending, "aggregation_status": indicator.aggregation_status,
                "title": indicator.title, "description": indicator.description,
                "references": indicator.references or None, "extensions": indicator.extensions or None})
            rows["indicator_baseline"].extend(
                {"indicator_id": indicator_id, **base, "year": b.year, "iso_date": b.iso_date, **_value_columns(b)}
                for b in indicator.baselines)
            for period in indicator.periods:
                period_id = next_id("indicator_period")
                rows["indicator_period"].append({"id": period_id, "indicator_id": indicator_id, **base,
                                                 "period_start": period.period_start,
                                                 "period_end": period.period_end})
                values = rows["indicator_period_value"]
                for kind, items in (("target", period.targets), ("actual", period.actuals)):
                    values.extend({"period_id": period_id, **base, "kind": kind, **_value_columns(v)} for v in items)


def empty_rows() -> Rows:
    """A fresh row buffer with one list per activity-content table."""
    return {table.name: [] for table in (schema.activity, *schema.ACTIVITY_CONTENT)}
