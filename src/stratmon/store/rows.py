"""Turning one IATI activity record into the rows of every table it fills.

This runs once per stored transaction, split and sector (the real U.S. files: some 280,000 rows), so
each row is written straight as the tuple the driver takes (`bulk.driver_rows`' form: every column in
the table's order, JSON columns as their text), without a dict per row to turn into a tuple after: that
took a quarter of this module's time. The order of each tuple is the order of the names `_COLUMNS`
gives its table, which this module checks against the schema when it is imported: a column added,
removed or moved in store/schema.py stops the import until the tuple here follows. Shares that only
depend on the activity are worked out once per activity rather than once per transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone

from stratmon.sources.iati_records import Activity, IndicatorValue, Org
from stratmon.sources.usg_extensions import treasury_account
from stratmon.sources.values import fiscal_year, optional_micros as _micros
from stratmon.store import schema
from stratmon.store.bulk import encode_json
from stratmon.store.splits import ActivityShares, split_rows

# Table name → driver tuples, in the table's column order.
Rows = dict[str, list[tuple]]

# Stands in for an absent provider or receiver: its columns are all NULL.
_NO_ORG = Org()

# The columns of each table, in the order the tuples below write them.
_COLUMNS = {
    "activity": (
        "id", "iati_identifier", "import_run_id", "source_line", "content_hash", "iati_version", "last_updated_text",
        "last_updated_at", "default_currency", "default_lang", "hierarchy", "humanitarian", "reporting_org_ref",
        "reporting_org_type", "reporting_org_name", "secondary_reporter", "title", "status_code", "scope_code",
        "collaboration_type_code", "default_flow_type_code", "default_finance_type_code", "default_aid_type_code",
        "default_tied_status_code", "extensions", "other_elements", "linked_data_uri", "budget_not_provided",
        "linked_data_default", "published_attributes"),
    "activity_narrative": ("activity_id", "element", "description_type", "lang", "text"),
    "participating_org": ("activity_id", "role", "ref", "type", "name", "org_activity_id", "crs_channel_code",
                          "published"),
    "activity_date": ("activity_id", "type", "iso_date", "narrative", "published"),
    "related_activity": ("activity_id", "type", "ref", "published"),
    "iati_transaction": (
        "id", "activity_id", "source_line", "ref", "type_code", "transaction_date", "fiscal_year", "value_text",
        "value_micros", "currency", "value_date", "description", "provider_org_ref", "provider_org_type",
        "provider_org_name", "provider_activity_id", "receiver_org_ref", "receiver_org_type", "receiver_org_name",
        "receiver_activity_id", "disbursement_channel_code", "flow_type_code", "finance_type_code", "aid_type_code",
        "tied_status_code", "humanitarian", "recipients_rebased", "extensions", "treasury_account", "published"),
    "recipient": ("activity_id", "transaction_id", "kind", "code", "vocabulary", "percentage", "name",
                  "vocabulary_uri", "published"),
    "sector": ("activity_id", "transaction_id", "vocabulary", "vocabulary_uri", "code", "percentage", "name",
               "published"),
    "transaction_split": ("transaction_id", "activity_id", "type_code", "fiscal_year", "currency",
                          "reporting_org_ref", "recipient_key", "sector_vocabulary", "sector_code", "geography",
                          "amount_micros"),
    "budget": ("activity_id", "type", "status", "period_start", "period_end", "value_text", "value_micros",
               "currency", "value_date", "published"),
    "planned_disbursement": (
        "activity_id", "type", "period_start", "period_end", "value_text", "value_micros", "currency", "value_date",
        "provider_org_ref", "provider_org_name", "receiver_org_ref", "receiver_org_name", "provider_org_type",
        "provider_activity_id", "receiver_org_type", "receiver_activity_id", "published"),
    "location": ("activity_id", "ref", "reach_code", "name", "description", "activity_description", "srs_name",
                 "latitude", "longitude", "exactness_code", "class_code", "feature_designation", "location_ids",
                 "administratives", "published"),
    "document_link": ("activity_id", "url", "format", "title", "description", "categories", "languages",
                      "document_date", "published"),
    "result": ("id", "activity_id", "type_code", "aggregation_status", "title", "description", "published"),
    "result_indicator": ("id", "result_id", "activity_id", "measure_code", "ascending", "aggregation_status",
                         "title", "description", "references", "extensions"),
    "indicator_baseline": ("indicator_id", "activity_id", "year", "iso_date", "value_text", "value", "comment",
                           "dimensions", "location_refs"),
    "indicator_period": ("id", "indicator_id", "activity_id", "period_start", "period_end"),
    "indicator_period_value": ("period_id", "activity_id", "kind", "value_text", "value", "comment", "dimensions",
                               "location_refs"),
}
# The tables this module fills (alignment_split is `stratmon align`'s).
TABLES = (schema.activity, *(table for table in schema.ACTIVITY_CONTENT if table is not schema.alignment_split))


def _check_columns() -> None:
    for table in TABLES:
        names = tuple(column.name for column in table.columns)
        if _COLUMNS.get(table.name) != names:
            raise RuntimeError(f"store/rows.py writes {table.name} as {_COLUMNS.get(table.name)}, but the schema "
                               f"has {names}: make the tuple follow the schema")


_check_columns()


def _utc_naive(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value is not None else None


def _number(value):
    return float(value) if value is not None else None


def _json(value):
    """A JSON column's value: its text; None when there is nothing to keep (None or empty)."""
    return encode_json(value) if value else None


# What the rows hold of an element the reader shares (sources/iati_common.shared_json: the JSON of the elements
# it keeps whole), worked out once per element and found again by identity: its JSON text; for a transaction's
# one extension element (the U.S. treasury account), the `extensions` and `treasury_account` columns. Each
# entry holds its element, so no other object can take its id meanwhile.
_ENCODED: dict[int, tuple[object, str]] = {}
_EXTENSION_COLUMNS: dict[int, tuple[object, tuple[str, str | None]]] = {}
MAX_ELEMENTS_KNOWN = 4096


def _once_per_element(known: dict, element, work: Callable):
    """`work(element)`, remembered in `known` by the element's identity."""
    found = known.get(id(element))
    if found is None or found[0] is not element:
        if len(known) >= MAX_ELEMENTS_KNOWN:
            known.clear()
        found = known[id(element)] = (element, work(element))
    return found[1]


def _encoded(element) -> str:
    return _once_per_element(_ENCODED, element, encode_json)


def _extension_columns(extensions: list) -> tuple[str, str | None]:
    """The `extensions` and `treasury_account` columns of a transaction with extensions."""
    if len(extensions) != 1:
        return encode_json(extensions), treasury_account(extensions)
    return _once_per_element(_EXTENSION_COLUMNS, extensions[0], _one_extension_columns)


def _one_extension_columns(element) -> tuple[str, str | None]:
    return encode_json([element]), treasury_account([element])


def _shared_json(value):
    """`_json` of an element the reader shares, or of a list of them (encoded as the list's encoder would)."""
    if not value:
        return None
    if isinstance(value, list):
        return "[" + ",".join(map(_encoded, value)) + "]"
    return _encoded(value)


def activity_rows(activity: Activity, activity_id: int, run_id: int, next_id: Callable[[str], int], rows: Rows) -> None:
    """Append the rows for `activity` (stored under `activity_id`) to `rows`, keyed by table name."""
    org = activity.reporting_org
    rows["activity"].append((
        activity_id, activity.identifier, run_id, activity.line, activity.content_hash, activity.iati_version,
        activity.last_updated_text, _utc_naive(activity.last_updated), activity.default_currency,
        activity.default_lang, activity.hierarchy, activity.humanitarian, org.ref, org.type, org.name,
        activity.secondary_reporter, activity.title("en"), activity.status, activity.scope,
        activity.collaboration_type, activity.default_flow_type, activity.default_finance_type,
        activity.default_aid_type, activity.default_tied_status, _shared_json(activity.extensions),
        _shared_json(activity.other_elements), activity.linked_data_uri, activity.budget_not_provided,
        activity.linked_data_default, _json(activity.published_attributes),
    ))
    narratives = rows["activity_narrative"]
    for title in activity.titles:
        narratives.append((activity_id, "title", None, title.lang, title.text))
    for kind, text in activity.descriptions:
        narratives.append((activity_id, "description", kind, text.lang, text.text))
    rows["participating_org"].extend(
        (activity_id, p.role, p.ref, p.type, p.name, p.activity_id, p.crs_channel_code, _shared_json(p.published))
        for p in activity.participating_orgs)
    rows["activity_date"].extend(
        (activity_id, d.type, d.iso_date, d.narrative, _shared_json(d.published)) for d in activity.dates)
    rows["related_activity"].extend(
        (activity_id, r.type, r.ref, _shared_json(r.published)) for r in activity.related)
    _recipients_and_sectors(activity.recipients, activity.sectors, activity_id, None, rows)
    _transactions(activity, activity_id, next_id, rows)
    _plans(activity, activity_id, rows)
    _results(activity, activity_id, next_id, rows)


def _recipients_and_sectors(recipients, sectors, activity_id: int, transaction_id: int | None, rows: Rows) -> None:
    if recipients:
        rows["recipient"].extend(
            (activity_id, transaction_id, r.kind, r.code, r.vocabulary, _number(r.percentage), r.name,
             r.vocabulary_uri, _shared_json(r.published)) for r in recipients)
    if sectors:
        rows["sector"].extend(
            (activity_id, transaction_id, s.vocabulary, s.vocabulary_uri, s.code, _number(s.percentage), s.name,
             _shared_json(s.published)) for s in sectors)


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
        extensions, account = _extension_columns(tx.extensions) if tx.extensions else (None, None)
        transaction_rows.append((
            transaction_id, activity_id, tx.line, tx.ref, tx.type_code, tx.transaction_date, fy,
            _normalised(tx.value, tx.value_text), micros, tx.currency, tx.value_date, tx.description,
            provider.ref, provider.type, provider.name, provider.activity_id,
            receiver.ref, receiver.type, receiver.name, receiver.activity_id,
            tx.disbursement_channel, tx.flow_type, tx.finance_type, tx.aid_type, tx.tied_status, tx.humanitarian,
            rebased, extensions, account, _json(tx.published),
        ))
        _recipients_and_sectors(tx.recipients, tx.sectors, activity_id, transaction_id, rows)
        if micros is None:
            continue  # a missing value is not zero: it is left out of every sum
        type_code, currency = tx.type_code, tx.currency
        split_table_rows += [
            (transaction_id, activity_id, type_code, fy, currency, agency, key, vocabulary, code, None, amount)
            for key, vocabulary, code, amount in split_rows(micros, recipients, shares.sectors(tx))]


def _normalised(value, text):
    return format(value, "f") if value is not None else text


def _plans(activity: Activity, activity_id: int, rows: Rows) -> None:
    if activity.budgets:
        rows["budget"].extend(
            (activity_id, b.type, b.status, b.period_start, b.period_end, _normalised(b.value, b.value_text),
             _micros(b.value), b.currency, b.value_date, _shared_json(b.published)) for b in activity.budgets)
    for p in activity.planned_disbursements:
        provider, receiver = p.provider or _NO_ORG, p.receiver or _NO_ORG
        rows["planned_disbursement"].append((
            activity_id, p.type, p.period_start, p.period_end, _normalised(p.value, p.value_text), _micros(p.value),
            p.currency, p.value_date, provider.ref, provider.name, receiver.ref, receiver.name, provider.type,
            provider.activity_id, receiver.type, receiver.activity_id, _shared_json(p.published)))
    if activity.locations:
        rows["location"].extend(
            (activity_id, loc.ref, loc.reach, loc.name, loc.description, loc.activity_description, loc.srs_name,
             loc.latitude, loc.longitude, loc.exactness, loc.location_class, loc.feature_designation,
             _json(loc.location_ids), _json(loc.administratives), _shared_json(loc.published))
            for loc in activity.locations)
    if activity.documents:
        rows["document_link"].extend(
            (activity_id, d.url, d.format, d.title, d.description, _json(d.categories), _json(d.languages),
             d.document_date, _shared_json(d.published)) for d in activity.documents)


def _value_columns(value: IndicatorValue) -> tuple:
    """value_text, value, comment, dimensions, location_refs: the columns baselines, targets and actuals share."""
    return (value.value_text, _number(value.value), value.comment, _json(value.dimensions),
            _json(value.location_refs))


def _results(activity: Activity, activity_id: int, next_id, rows: Rows) -> None:
    for result in activity.results:
        result_id = next_id("result")
        rows["result"].append((result_id, activity_id, result.type, result.aggregation_status, result.title,
                               result.description, _shared_json(result.published)))
        for indicator in result.indicators:
            indicator_id = next_id("result_indicator")
            rows["result_indicator"].append((
                indicator_id, result_id, activity_id, indicator.measure, indicator.ascending,
                indicator.aggregation_status, indicator.title, indicator.description, _json(indicator.references),
                _json(indicator.extensions)))
            rows["indicator_baseline"].extend(
                (indicator_id, activity_id, b.year, b.iso_date, *_value_columns(b)) for b in indicator.baselines)
            for period in indicator.periods:
                period_id = next_id("indicator_period")
                rows["indicator_period"].append((period_id, indicator_id, activity_id, period.period_start,
                                                 period.period_end))
                values = rows["indicator_period_value"]
                for kind, items in (("target", period.targets), ("actual", period.actuals)):
                    values.extend((period_id, activity_id, kind, *_value_columns(v)) for v in items)


def empty_rows() -> Rows:
    """A fresh row buffer with one list per activity-content table."""
    return {table.name: [] for table in (schema.activity, *schema.ACTIVITY_CONTENT)}
