"""Database schema (SQLAlchemy 2 Core). Names follow IATI and U.S. foreign assistance.

Timestamps are UTC without a zone (the same on both engines). Money is stored twice: `value_text` exactly as published (normalised decimal) and
`value_micros`, the amount in millionths as a 64-bit integer, so that sums are exact
on every engine (SQLite has no decimal type).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Codes come from publishers: unbounded text, so that no engine refuses what another accepts.
CODE = Text


def _activity_fk() -> Column:
    return Column("activity_id", Integer, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False, index=True)


def _published() -> Column:
    """The element a row was read from, whole, as JSON (sources/iati_common.to_json), when the row's
    columns cannot give all of it back (a second narrative, an attribute they have no place for...:
    sources/iati_shapes.py); NULL when they can. The export writes it instead of the columns."""
    return Column("published", JSON)


import_run = Table(
    "import_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("source_kind", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("content_hash", Text, nullable=False, index=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("format_version", Text),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", Text, nullable=False),
    # What the counts count: IATI activities, or rows of a tabular source.
    Column("record_kind", Text, nullable=False, default="activity"),
    Column("records_total", Integer, nullable=False, default=0),
    Column("records_new", Integer, nullable=False, default=0),
    Column("records_updated", Integer, nullable=False, default=0),
    Column("records_unchanged", Integer, nullable=False, default=0),
    Column("records_skipped", Integer, nullable=False, default=0),
    Column("conflicts", Integer, nullable=False, default=0),
    Column("transactions", Integer, nullable=False, default=0),
)

import_issue = Table(
    "import_issue", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_run_id", Integer, ForeignKey("import_run.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", Text, nullable=False),
    Column("line", Integer),
    Column("iati_identifier", Text),
    Column("message", Text, nullable=False),
)

activity = Table(
    "activity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("iati_identifier", Text, nullable=False, unique=True),
    Column("import_run_id", Integer, ForeignKey("import_run.id"), nullable=False, index=True),
    Column("source_line", Integer),
    Column("content_hash", Text, nullable=False),
    Column("iati_version", Text),
    Column("last_updated_text", Text),
    Column("last_updated_at", DateTime),
    Column("default_currency", Text),
    Column("default_lang", Text),
    Column("hierarchy", Integer),
    Column("humanitarian", Boolean),
    Column("reporting_org_ref", Text, index=True),
    Column("reporting_org_type", CODE),
    Column("reporting_org_name", Text),
    Column("secondary_reporter", Boolean),
    Column("title", Text),
    Column("status_code", CODE),
    Column("scope_code", CODE),
    Column("collaboration_type_code", CODE),
    Column("default_flow_type_code", CODE),
    Column("default_finance_type_code", CODE),
    Column("default_aid_type_code", CODE),
    Column("default_tied_status_code", CODE),
    Column("extensions", JSON),
    # Standard elements kept whole, as JSON (sources/iati_common.to_json): those without columns
    # (contact-info, conditions, country-budget-items...), and the reporting-org, title, descriptions and
    # coded elements (every one of the tag) when the columns cannot give them back as published
    # (sources/iati_shapes.py); the export writes these instead of the columns.
    Column("other_elements", JSON),
    Column("linked_data_uri", Text),
    Column("budget_not_provided", CODE),
    # The @linked-data-default of the file the activity came from (its root's).
    Column("linked_data_default", Text),
    # Attributes of iati-activity as published where the columns cannot give them back (namespaced
    # ones, values the columns normalise), by name.
    Column("published_attributes", JSON),
)

activity_narrative = Table(
    "activity_narrative", metadata,
    _activity_fk(),
    Column("element", Text, nullable=False),
    Column("description_type", CODE),
    Column("lang", Text),
    Column("text", Text, nullable=False),
)

participating_org = Table(
    "participating_org", metadata,
    _activity_fk(),
    Column("role", CODE),
    Column("ref", Text),
    Column("type", CODE),
    Column("name", Text),
    Column("org_activity_id", Text),
    Column("crs_channel_code", CODE),
    _published(),
)

activity_date = Table(
    "activity_date", metadata,
    _activity_fk(),
    Column("type", CODE, nullable=False),
    Column("iso_date", Date),
    Column("narrative", Text),
    _published(),
)

related_activity = Table(
    "related_activity", metadata,
    _activity_fk(),
    Column("type", CODE),
    Column("ref", Text, nullable=False),  # '' where the element gives none (it is then `published`)
    _published(),
)

transaction = Table(
    "iati_transaction", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    _activity_fk(),
    Column("source_line", Integer),
    Column("ref", Text),
    Column("type_code", CODE, nullable=False),
    Column("transaction_date", Date, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("value_text", Text),
    Column("value_micros", BigInteger),
    Column("currency", Text),
    Column("value_date", Date),
    Column("description", Text),
    Column("provider_org_ref", Text),
    Column("provider_org_type", CODE),
    Column("provider_org_name", Text),
    Column("provider_activity_id", Text),
    Column("receiver_org_ref", Text),
    Column("receiver_org_type", CODE),
    Column("receiver_org_name", Text),
    Column("receiver_activity_id", Text),
    Column("disbursement_channel_code", CODE),
    Column("flow_type_code", CODE),
    Column("finance_type_code", CODE),
    Column("aid_type_code", CODE),
    Column("tied_status_code", CODE),
    Column("humanitarian", Boolean),
    Column("recipients_rebased", Boolean, nullable=False, default=False),
    Column("extensions", JSON),
    # The appropriation account the extensions publish, normalised ("11x1022", "72x1021"), for
    # funding by account and alignment (sources/usg_extensions.py).
    Column("treasury_account", Text),
    _published(),
)

# Funding tables count the transactions of a type that carry no value: few, so indexed apart.
Index("ix_iati_transaction_without_value", transaction.c.type_code, transaction.c.fiscal_year,
      sqlite_where=transaction.c.value_micros.is_(None), postgresql_where=transaction.c.value_micros.is_(None))

# Recipients and sectors as published, at activity level (transaction_id NULL) or transaction level.
recipient = Table(
    "recipient", metadata,
    _activity_fk(),
    Column("transaction_id", Integer, ForeignKey("iati_transaction.id", ondelete="CASCADE"), index=True),
    Column("kind", Text, nullable=False),
    Column("code", CODE, nullable=False),
    Column("vocabulary", CODE),
    Column("percentage", Float),
    Column("name", Text),
    Column("vocabulary_uri", Text),
    _published(),  # of an activity's recipient; a transaction's is in the transaction's
)

sector = Table(
    "sector", metadata,
    _activity_fk(),
    Column("transaction_id", Integer, ForeignKey("iati_transaction.id", ondelete="CASCADE"), index=True),
    Column("vocabulary", CODE, nullable=False),
    Column("vocabulary_uri", Text),
    Column("code", CODE, nullable=False),
    Column("percentage", Float),
    Column("name", Text),
    _published(),  # of an activity's sector; a transaction's is in the transaction's
)

# Each transaction's value split over its recipients (DESIGN.md rules 2 and 8) and, per sector
# vocabulary, over its sectors (rule 6). `sector_vocabulary` '' holds the split by recipient alone.
# The parts of one (transaction, sector_vocabulary) add up exactly to the transaction's value.
def _split_columns() -> list[Column]:
    """What identifies a part of a transaction: the columns `transaction_split` and
    `alignment_split` share, so that funding queries read either table alike."""
    return [
        Column("transaction_id", Integer, ForeignKey("iati_transaction.id", ondelete="CASCADE"), nullable=False,
               index=True),
        _activity_fk(),
        Column("type_code", CODE, nullable=False),
        Column("fiscal_year", Integer, nullable=False),
        Column("currency", Text),
        Column("reporting_org_ref", Text),
        Column("recipient_key", CODE, nullable=False),
        Column("sector_vocabulary", CODE, nullable=False),
        Column("sector_code", CODE, nullable=False),
        # Whether `stratmon align` found regional money inside the Strategy's geography ('in' or 'out',
        # with its reason in `regional_scope`); NULL until it looks, and always for countries (their
        # key alone decides). See analysis/geography.py.
        Column("geography", CODE),
    ]


def _split_query_index(table: Table) -> Index:
    """The index funding queries use: vocabulary, transaction type, fiscal year."""
    return Index(f"ix_{table.name}_query", table.c.sector_vocabulary, table.c.type_code, table.c.fiscal_year)


transaction_split = Table(
    "transaction_split", metadata,
    *_split_columns(),
    Column("amount_micros", BigInteger, nullable=False),
)
_split_query_index(transaction_split)
# Money to some recipients (a country's page, the Strategy's geography among the whole world's). SQLite, which
# keeps no statistics here, uses it only where the query index matches no more of the conditions: a reader of
# some recipients' rows that names the transaction types and years too got every recipient's rows of those
# years (the whole world's, with the whole U.S. publication loaded). Such readers group by type and keep the
# types they want in Python (breakdown.largest_activities, funding.funding_by_type, regional_decisions). An
# index with the types and years after the recipient was tried (2026-12-07): chosen then, it made the readers
# that need every type of a recipient a fifth slower at 10× the real data, as their rows no longer came in
# table order.
Index("ix_transaction_split_recipient", transaction_split.c.recipient_key, transaction_split.c.sector_vocabulary)

budget = Table(
    "budget", metadata,
    _activity_fk(),
    Column("type", CODE),
    Column("status", CODE),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("value_text", Text),
    Column("value_micros", BigInteger),
    Column("currency", Text),
    Column("value_date", Date),
    _published(),
)

planned_disbursement = Table(
    "planned_disbursement", metadata,
    _activity_fk(),
    Column("type", CODE),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("value_text", Text),
    Column("value_micros", BigInteger),
    Column("currency", Text),
    Column("value_date", Date),
    Column("provider_org_ref", Text),
    Column("provider_org_name", Text),
    Column("receiver_org_ref", Text),
    Column("receiver_org_name", Text),
    Column("provider_org_type", CODE),
    Column("provider_activity_id", Text),
    Column("receiver_org_type", CODE),
    Column("receiver_activity_id", Text),
    _published(),
)

location = Table(
    "location", metadata,
    _activity_fk(),
    Column("ref", Text),
    Column("reach_code", CODE),
    Column("name", Text),
    Column("description", Text),
    Column("activity_description", Text),
    Column("srs_name", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("exactness_code", CODE),
    Column("class_code", CODE),
    Column("feature_designation", CODE),
    Column("location_ids", JSON),
    Column("administratives", JSON),
    _published(),
)

document_link = Table(
    "document_link", metadata,
    _activity_fk(),
    Column("url", Text),
    Column("format", Text),
    Column("title", Text),
    Column("description", Text),
    Column("categories", JSON),
    Column("languages", JSON),
    Column("document_date", Date),
    _published(),
)

result = Table(
    "result", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    _activity_fk(),
    Column("type_code", CODE),
    Column("aggregation_status", Boolean),
    Column("title", Text),
    Column("description", Text),
    _published(),  # with its indicators: they are written from it too
)

result_indicator = Table(
    "result_indicator", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("result_id", Integer, ForeignKey("result.id", ondelete="CASCADE"), nullable=False, index=True),
    _activity_fk(),
    Column("measure_code", CODE),
    Column("ascending", Boolean),
    Column("aggregation_status", Boolean),
    Column("title", Text),
    Column("description", Text),
    Column("references", JSON),
    Column("extensions", JSON),
)

# Baselines, targets and actuals: `value_text` as published ("NULL", "307,000,000.00", "No Target"),
# `value` the number when there is one.
indicator_baseline = Table(
    "indicator_baseline", metadata,
    Column("indicator_id", Integer, ForeignKey("result_indicator.id", ondelete="CASCADE"), nullable=False, index=True),
    _activity_fk(),
    Column("year", Integer),
    Column("iso_date", Date),
    Column("value_text", Text),
    Column("value", Float),
    Column("comment", Text),
    Column("dimensions", JSON),
    Column("location_refs", JSON),
)

indicator_period = Table(
    "indicator_period", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("indicator_id", Integer, ForeignKey("result_indicator.id", ondelete="CASCADE"), nullable=False, index=True),
    _activity_fk(),
    Column("period_start", Date),
    Column("period_end", Date),
)

indicator_period_value = Table(
    "indicator_period_value", metadata,
    Column("period_id", Integer, ForeignKey("indicator_period.id", ondelete="CASCADE"), nullable=False, index=True),
    _activity_fk(),
    Column("kind", Text, nullable=False),
    Column("value_text", Text),
    Column("value", Float),
    Column("comment", Text),
    Column("dimensions", JSON),
    Column("location_refs", JSON),
)

# Alignment (DESIGN.md rule 7): every transaction_split row refined by the objective, or the
# outside-the-Strategy category, its money is attributed to, with the rule and evidence. The
# parts of one split row add up exactly to it. Rebuilt by `stratmon align`; `objective_id`,
# `line_id` and `outside_id` are all NULL for money that is not aligned.
alignment_split = Table(
    "alignment_split", metadata,
    *_split_columns(),
    Column("line_id", Text),
    Column("objective_id", Text),
    Column("outside_id", Text),
    # override | program_area | dac | keyword | organisation | account | geography | none: the signal that decided
    Column("rule", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # the votes for the winner (align/rules.py)
    Column("confidence", Text),  # high | medium | low; NULL where no signal voted
    Column("contest", Text),  # the votes for other targets, when there were any
    Column("amount_micros", BigInteger, nullable=False),
)
_split_query_index(alignment_split)
# A line's rows alone (its page ranks its largest activities from them), rather than every row of the years
# read through the query index and most thrown away.
Index("ix_alignment_split_line", alignment_split.c.line_id, alignment_split.c.sector_vocabulary,
      alignment_split.c.type_code, alignment_split.c.fiscal_year)
# An objective's rows alone, likewise: the activities list and API filtered by an objective.
Index("ix_alignment_split_objective", alignment_split.c.objective_id, alignment_split.c.sector_vocabulary,
      alignment_split.c.type_code, alignment_split.c.fiscal_year)

# Funding roll-ups: the split rows of no sector vocabulary (one per transaction part by recipient)
# summed by every key a funding table can group or filter by except the sector, so that funding
# tables read a few thousand groups whatever the number of transactions. Kept equal to the sums of
# their split tables by `store/rollups.py`, in the same transaction as every change to those.
# Absent keys are stored as '' (primary key columns cannot be NULL). A sum is kept in two parts that
# cannot overflow, whole units and a remainder of 0 to 999,999 millionths (units may be negative),
# so that equal sums are stored alike however they were reached.
ROLLUP_KEYS = ("type_code", "fiscal_year", "currency", "reporting_org_ref", "recipient_key", "geography")
ALIGNED_ROLLUP_KEYS = (*ROLLUP_KEYS, "line_id", "objective_id", "outside_id")


def _rollup(name: str, keys: tuple[str, ...]) -> Table:
    return Table(
        name, metadata,
        *(Column(key, Integer if key == "fiscal_year" else CODE, primary_key=True, autoincrement=False)
          for key in keys),
        Column("units", BigInteger, nullable=False),
        Column("remainder", BigInteger, nullable=False),
        Column("split_rows", Integer, nullable=False),
    )


split_total = _rollup("split_total", ROLLUP_KEYS)
alignment_total = _rollup("alignment_total", ALIGNED_ROLLUP_KEYS)

# Why `stratmon align` put an activity's money to a region inside the Strategy's geography or outside it
# (DESIGN.md rule 9): one row per activity and region of the framework, rebuilt with the alignment.
regional_scope = Table(
    "regional_scope", metadata,
    _activity_fk(),
    Column("recipient_key", CODE, nullable=False),
    Column("geography", CODE, nullable=False),  # in | out
    Column("reason", Text, nullable=False),  # own-region | names-country | names-outside | context-region | override
    Column("places", Text),  # the places its texts name, when they decided
)

# A person's decision to attribute an activity's money, whatever its sectors say. Keyed by the
# IATI identifier, not the row id, so that it outlives re-imports; revoked, never deleted.
alignment_override = Table(
    "alignment_override", metadata,
    Column("id", Integer, primary_key=True),
    Column("iati_identifier", Text, nullable=False, index=True),
    Column("target", Text, nullable=False),  # an objective id, or "outside:<category id>"
    Column("reason", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_by", Text),
    Column("revoked_at", DateTime),
)

# One run of `stratmon align`: what it was computed from, so that later imports or crosswalk
# edits show it to be out of date.
alignment_run = Table(
    "alignment_run", metadata,
    Column("id", Integer, primary_key=True),
    Column("finished_at", DateTime, nullable=False),
    Column("framework_id", Text, nullable=False),
    Column("crosswalk_digest", Text, nullable=False),
    Column("last_import_run_id", Integer),
    Column("transactions", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
)

# Tables holding one activity's content, children first: the order to delete them in.
ACTIVITY_CONTENT = (
    alignment_split, transaction_split, recipient, sector, indicator_period_value, indicator_period, indicator_baseline,
    result_indicator, result, document_link, location, planned_disbursement, budget,
    transaction, related_activity, activity_date, participating_org, activity_narrative,
)


def _run_fk() -> Column:
    return Column("import_run_id", Integer, ForeignKey("import_run.id"), nullable=False, index=True)


# ForeignAssistance.gov country summary: one figure per recipient, fiscal year (or transition
# quarter) and transaction type; a newer file replaces the figures it repeats.
fagov_figure = Table(
    "fagov_figure", metadata,
    _run_fk(),
    Column("source_line", Integer),
    Column("recipient_key", CODE, nullable=False),
    Column("recipient_name", Text),
    Column("fiscal_year", Integer, nullable=False),
    Column("fiscal_period", Text, nullable=False),
    Column("transaction_type", Text, nullable=False),
    Column("current_micros", BigInteger),
    Column("constant_micros", BigInteger),
    UniqueConstraint("recipient_key", "fiscal_year", "fiscal_period", "transaction_type",
                     name="uq_fagov_figure_key"),
)

# ForeignAssistance.gov complete file: activity-level transactions, as published.
fagov_transaction = Table(
    "fagov_transaction", metadata,
    _run_fk(),
    Column("source_line", BigInteger),
    Column("activity_id", Text, index=True),
    Column("activity_name", Text),
    Column("recipient_key", CODE, nullable=False),
    Column("recipient_name", Text),
    Column("managing_agency", Text),
    Column("managing_sub_agency", Text),
    Column("implementing_partner", Text),
    Column("implementing_partner_category", Text),
    Column("us_category", Text),
    Column("us_sector", Text),
    Column("dac_sector", Text),
    Column("dac_purpose", Text),
    Column("funding_account", Text),
    Column("funding_agency", Text),
    Column("aid_type", Text),
    Column("transaction_type", Text, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("transaction_date", Date),
    Column("current_micros", BigInteger),
    Column("constant_micros", BigInteger),
    Column("submission_id", Text),
    # Written by `stratmon align` (DESIGN.md rule 7: the "US Sector" is the program area).
    Column("line_id", Text),
    Column("objective_id", Text),
    Column("outside_id", Text),
    Column("alignment_rule", Text),
    Column("alignment_evidence", Text),
)
Index("ix_fagov_transaction_query", fagov_transaction.c.recipient_key, fagov_transaction.c.fiscal_year,
      fagov_transaction.c.transaction_type)

# State Department budget tables by country and account ($, converted from $ thousands).
budget_figure = Table(
    "budget_figure", metadata,
    _run_fk(),
    Column("source_line", Integer),
    Column("fiscal_year", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("recipient_key", CODE),
    Column("kind", Text, nullable=False),
    Column("account", Text, nullable=False),
    Column("amount_micros", BigInteger),
    UniqueConstraint("fiscal_year", "label", "account", name="uq_budget_figure_key"),
)

# Context indicators: one value per indicator, country, year (calendar or fiscal) and dimension,
# with its source, unit and vintage; `value_text` is the number exactly as published.
context_value = Table(
    "context_value", metadata,
    _run_fk(),
    Column("source_line", Integer),
    Column("indicator", Text, nullable=False),
    Column("country_key", CODE, nullable=False),
    Column("year", Integer, nullable=False),
    Column("period", Text, nullable=False),
    Column("dimension", Text, nullable=False),
    Column("value_text", Text, nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", Text),
    Column("source", Text, nullable=False),
    Column("vintage", Text),
    UniqueConstraint("indicator", "country_key", "year", "period", "dimension", "source",
                     name="uq_context_value_key"),
)


# --------------------------------------------------------------------------- indicators and results
# People who enter, review and approve results. A partner is tied to its organisation's IATI reference.
app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),  # admin | analyst | partner
    Column("org_ref", Text),
    Column("created_at", DateTime, nullable=False),
    Column("password_hash", Text),  # argon2; users without one cannot sign in to the workspace
)

# The indicator registry: performance indicators with their reference sheets (PIRS). IATI result
# indicators are read where the importer stored them; context indicators live in the framework.
indicator = Table(
    "indicator", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False, unique=True),
    Column("level", Text, nullable=False),  # objective | activity
    Column("objective_id", Text),
    Column("name_en", Text, nullable=False),
    Column("name_es", Text, nullable=False),
    Column("unit", Text),
    Column("direction", Text, nullable=False),  # higher | lower | neutral
    Column("aggregation", Text, nullable=False),  # sum | last | percentage
    Column("cumulative", Boolean, nullable=False),
    Column("schemes", JSON, nullable=False),  # disaggregation scheme codes
    Column("reference", JSON, nullable=False),  # the reference sheet's fields
    Column("change_log", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Versioned disaggregation schemes: a new version lists its categories and how each category of
# the version before maps onto them, so values stored under any version stay reachable.
disaggregation_scheme = Table(
    "disaggregation_scheme", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("name_es", Text, nullable=False),
    Column("categories", JSON, nullable=False),  # [{code, en, es}]
    Column("mapping", JSON, nullable=False),  # {category of version-1: category of this version}
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("code", "version", name="uq_disaggregation_scheme_version"),
)

# Entered results (baselines, targets, actuals), totals and disaggregates, with their workflow state.
# Empty text, not NULL, stands for "none" in the key columns, so that the key is unique on both engines.
result_value = Table(
    "result_value", metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_id", Integer, ForeignKey("indicator.id"), nullable=False, index=True),
    Column("activity", Text, nullable=False),  # IATI identifier, or ''
    Column("country_key", Text, nullable=False),  # ISO code, region-<code>, or ''
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value_type", Text, nullable=False),  # baseline | target | actual
    Column("scheme_code", Text, nullable=False),  # '' for the total
    Column("scheme_version", Integer),
    Column("category", Text, nullable=False),  # '' for the total
    Column("value_text", Text),
    Column("value", Float),
    Column("not_available", Boolean, nullable=False),
    Column("numerator_text", Text),
    Column("denominator_text", Text),
    # The organisation that entered the value, which alone of the partners may change it; '' when
    # none (a reviewer's entry for an objective, or an activity without one implementing partner).
    Column("org_ref", Text, nullable=False),
    Column("status", Text, nullable=False),  # draft | submitted | approved | returned
    Column("locked", Boolean, nullable=False),
    Column("reason", Text),
    Column("comment", Text),
    Column("source", Text),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("submitted_at", DateTime),
    # Partners sharing an activity each enter their own value for the same cell.
    UniqueConstraint("indicator_id", "activity", "country_key", "period_start", "period_end", "value_type",
                     "scheme_code", "category", "org_ref", name="uq_result_value_key"),
)

# Every change to results and the registry, and every refused attempt: who, when, what, why.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text),
    Column("field", Text),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("reason", Text),
    Column("outcome", Text, nullable=False),  # done | refused
)

# Data-quality assessments (USAID DQA standards), attached to an indicator.
dq_assessment = Table(
    "dq_assessment", metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_code", Text, nullable=False, index=True),
    Column("assessed_on", Date, nullable=False),
    Column("validity", Text, nullable=False),
    Column("integrity", Text, nullable=False),
    Column("precision", Text, nullable=False),
    Column("reliability", Text, nullable=False),
    Column("timeliness", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("mitigation", Text),
    Column("assessor", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# The figures of each report generated, by the data snapshot they came from, so that a later report
# can say what changed since (`stratmon report --since SNAPSHOT`).
report_snapshot = Table(
    "report_snapshot", metadata,
    Column("snapshot", Text, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("figures", JSON, nullable=False),
)


# --------------------------------------------------------------------------- the web workspace
# Signed-in sessions. Only a hash of the cookie's token is stored, so a copy of the database
# cannot be used to sign in; the CSRF token is bound to the session.
web_session = Table(
    "web_session", metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# Tokens for scripts using the API (`Authorization: Bearer ...`); stored hashed, revoked not deleted.
api_token = Table(
    "api_token", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)

# Failed sign-ins, for throttling by account name and by client address.
login_failure = Table(
    "login_failure", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", Text, nullable=False, index=True),
    Column("client", Text, nullable=False, index=True),
    Column("at", DateTime, nullable=False, index=True),
)

# Remarks, fact sheets, releases and reports published on the portal, in one language each.
document = Table(
    "document", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Text, nullable=False),  # remarks | fact_sheet | release | report
    Column("lang", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("published_on", Date, nullable=False, index=True),
    Column("summary", Text),
    Column("body", Text),
    Column("file_name", Text),
    Column("media_type", Text),
    Column("content", LargeBinary),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("withdrawn_at", DateTime),
)


# --------------------------------------------------------------------------- narratives
# What analysts write beside the figures (narratives/workflow.py): one row per saved version of the
# narrative of a line of action, a country and a span of fiscal years, in one language. Versions are
# never changed but for their workflow state; the newest is the one acted on, the one approved last the
# one published (`reviewed_at` says when, so a report as of a date picks the text it would have had).
narrative_version = Table(
    "narrative_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("line_id", Text, nullable=False),  # the framework's line of action
    Column("country", Text, nullable=False),  # ISO 3166-1 alpha-2
    Column("first_fy", Integer, nullable=False),
    Column("last_fy", Integer, nullable=False),
    Column("lang", Text, nullable=False),  # en | es
    Column("version", Integer, nullable=False),  # 1, 2, ... per narrative
    Column("progress", Text, nullable=False),
    Column("challenges", Text, nullable=False),
    Column("next_steps", Text, nullable=False),
    Column("status", Text, nullable=False),  # draft | submitted | approved | returned
    Column("source", Text, nullable=False),  # "workspace", or the file and line it was imported from
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("submitted_by", Text),
    Column("submitted_at", DateTime),
    Column("reviewed_by", Text),  # who approved or returned it
    Column("reviewed_at", DateTime),
    Column("review_reason", Text),
    UniqueConstraint("line_id", "country", "first_fy", "last_fy", "lang", "version",
                     name="uq_narrative_version_key"),
)


# --------------------------------------------------------------------------- IATI organisation files
# What an import run counted besides its records, by name (an organisation file's "total-budget",
# "recipient-country-budget", ... "document-link"): the import ledger lists them.
import_count = Table(
    "import_count", metadata,
    Column("import_run_id", Integer, ForeignKey("import_run.id", ondelete="CASCADE"), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("count", Integer, nullable=False),
)

# An organisation as its IATI organisation file describes it: one row per organisation identifier,
# from the import run that stored the version kept (the newer last-updated-datetime wins, as for
# activities, DESIGN.md rule 1). `names` holds every name narrative as {lang, text}.
iati_organisation = Table(
    "iati_organisation", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("organisation_identifier", Text, nullable=False, unique=True),
    Column("import_run_id", Integer, ForeignKey("import_run.id"), nullable=False, index=True),
    Column("source_line", Integer),
    Column("content_hash", Text, nullable=False),
    Column("iati_version", Text),
    Column("last_updated_text", Text),
    Column("last_updated_at", DateTime),
    Column("default_currency", Text),
    Column("default_lang", Text),
    Column("name", Text),
    Column("names", JSON),
    Column("reporting_org_ref", Text, index=True),
    Column("reporting_org_type", CODE),
    Column("reporting_org_name", Text),
    Column("secondary_reporter", Boolean),
    Column("extensions", JSON),
)


def _organisation_fk() -> Column:
    return Column("organisation_id", Integer, ForeignKey("iati_organisation.id", ondelete="CASCADE"), nullable=False,
                  index=True)


# An organisation's budgets and expenditure. `kind`: total | recipient-org | recipient-country |
# recipient-region | expenditure (total-budget, recipient-*-budget, total-expenditure). Recipients as
# published: a country's ISO code or a region's code and vocabulary, with `recipient_key` as funding
# tables key them (GT, region-389); an organisation's ref and name. `status` is the BudgetStatus code as
# published (absent: indicative). Money as elsewhere: `value_text` as published, `value_micros` exact.
organisation_budget = Table(
    "organisation_budget", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    _organisation_fk(),
    Column("source_line", Integer),
    Column("kind", Text, nullable=False),
    Column("status", CODE),
    Column("recipient_code", CODE),
    Column("recipient_vocabulary", CODE),
    Column("recipient_key", CODE, index=True),
    Column("recipient_org_ref", Text),
    Column("recipient_name", Text),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value_text", Text),
    Column("value_micros", BigInteger),
    Column("currency", Text),
    Column("value_date", Date),
)

# A budget's `budget-line`s, or an expenditure's `expense-line`s: sub-totals the publisher names.
organisation_budget_line = Table(
    "organisation_budget_line", metadata,
    Column("budget_id", Integer, ForeignKey("organisation_budget.id", ondelete="CASCADE"), nullable=False, index=True),
    _organisation_fk(),
    Column("source_line", Integer),
    Column("ref", Text),
    Column("value_text", Text),
    Column("value_micros", BigInteger),
    Column("currency", Text),
    Column("value_date", Date),
    Column("narrative", Text),
)

organisation_document = Table(
    "organisation_document", metadata,
    _organisation_fk(),
    Column("source_line", Integer),
    Column("url", Text),
    Column("format", Text),
    Column("title", Text),
    Column("description", Text),
    Column("categories", JSON),
    Column("languages", JSON),
    Column("document_date", Date),
    Column("recipient_countries", JSON),
)

# Tables holding one organisation's content, children first: the order to delete them in.
ORGANISATION_CONTENT = (organisation_budget_line, organisation_budget, organisation_document)


# --------------------------------------------------------------------------- the data version
# One row that moves with every committed change public answers can show (store/data_version.py): the
# portal's page cache and its download cache key what they keep by it. Moved by database triggers that
# migration 0016 puts on the tables `data_version.TRACKED` names, never written by the application.
# `epoch` is drawn at random when the row is made, so that a database made again never repeats a version
# an earlier one had; `changed_in` is the PostgreSQL transaction that last moved it (one move per
# transaction there). Not in backups: a restored database keeps its own row, moved by the restore.
data_version = Table(
    "data_version", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("epoch", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("changed_in", BigInteger),
)
