"""Writing the indicator registry, results and their workflow, with an audit record of every change.

Callers run these inside one write transaction. A refused action raises `Refused` and must roll
back; `record_refusal` then writes the audit line for it in a transaction of its own, so that the
attempt is on record while the data stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, insert, select, update

from stratmon.framework import Framework
from stratmon.i18n import _
from stratmon.indicators.registry import REFERENCE_FIELDS, RegistryFile, SchemeSpec
from stratmon.indicators.status import status_of
from stratmon.indicators.workflow import NEW, ROLES, Refused, State, User, check_owner, check_scope, next_state
from stratmon.sources.errors import ImportRejected
from stratmon.sources.result_records import NOT_AVAILABLE, ResultRecord
from stratmon.store import schema
from stratmon.store.runs import import_transaction, now


def add_user(connection: Connection, name: str, role: str, org_ref: str | None, by: str | None) -> None:
    """Register a person; a partner must name its organisation. Only an administrator adds users,
    except the very first, who must be an administrator."""
    first = connection.execute(select(schema.app_user.c.id).limit(1)).first() is None
    acting = find_user(connection, by) if by else None
    if first:
        if role != "admin":
            raise Refused(_("the first user must be an administrator (--role admin)"))
    elif acting is None or acting.role != "admin":
        raise Refused(_("only an administrator can add users (give --user)"))
    if role not in ROLES:
        raise Refused(_("--role takes one of: {choices}").format(choices=", ".join(ROLES)))
    if role == "partner" and not org_ref:
        raise Refused(_("a partner needs --org, its organisation's IATI reference"))
    if find_user(connection, name) is not None:
        raise Refused(_("{name} is already a user").format(name=name))
    connection.execute(insert(schema.app_user).values(name=name, role=role, org_ref=org_ref, created_at=now()))
    audit(connection, by or name, "create", "app_user", name, new=f"{role} {org_ref or ''}".strip())


def find_user(connection: Connection, name: str) -> User | None:
    """The user called `name`, if any."""
    row = connection.execute(select(schema.app_user).where(schema.app_user.c.name == name)).first()
    return User(row.name, row.role, row.org_ref) if row else None


def users(connection: Connection) -> list[User]:
    table = schema.app_user
    return [User(r.name, r.role, r.org_ref) for r in connection.execute(select(table).order_by(table.c.name))]


def audit(connection: Connection, user: str, action: str, entity: str, entity_id, *, field: str | None = None,
          old=None, new=None, reason: str | None = None, outcome: str = "done") -> None:
    """One line of the audit log."""
    connection.execute(insert(schema.audit_log).values(
        at=now(), user_name=user, action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
        field=field, old_value=None if old is None else str(old), new_value=None if new is None else str(new),
        reason=reason, outcome=outcome))


def record_refusal(engine: Engine, user: str, action: str, entity: str, entity_id, reason: str) -> None:
    """Put a refused attempt on record, after its own transaction was rolled back."""
    with import_transaction(engine) as connection:
        audit(connection, user, action, entity, entity_id, reason=reason, outcome="refused")


# IATI organisation roles of the partners who carry an activity out: accountable, extending,
# implementing (funders, role 1, do not report its results).
PARTNER_ROLES = ("2", "3", "4")


def activity_partners(connection: Connection, identifier: str) -> set[str] | None:
    """The partner organisations of an activity; None when the activity is not imported."""
    activity, org = schema.activity, schema.participating_org
    found = connection.execute(select(activity.c.id).where(activity.c.iati_identifier == identifier)).first()
    if found is None:
        return None
    return {ref for (ref,) in connection.execute(select(org.c.ref).where(
        org.c.activity_id == found.id, org.c.ref.is_not(None), org.c.role.in_(PARTNER_ROLES)))}


def check_access(connection: Connection, user: User, activity: str, owner: str | None = None) -> None:
    """The one rule of who may write or act on a value, wherever it is reached from: refuse a
    partner outside its organisation's activities (`check_scope`) or, for a stored value (`owner`:
    the organisation that entered it, '' for none), on another organisation's value (`check_owner`).
    Reviewers act on every value."""
    if user.role != "partner":
        return
    check_scope(user, activity, (activity_partners(connection, activity) or set()) if activity else set())
    if owner is not None:
        check_owner(user, owner)


def implementing_org(connection: Connection, identifier: str) -> str | None:
    """An activity's implementing partner, when it has exactly one."""
    activity, org = schema.activity, schema.participating_org
    refs = {ref for (ref,) in connection.execute(select(org.c.ref).join(
        activity, activity.c.id == org.c.activity_id).where(
        activity.c.iati_identifier == identifier, org.c.role == "4", org.c.ref.is_not(None)))}
    return refs.pop() if len(refs) == 1 else None


# ------------------------------------------------------------------------------ registry


@dataclass
class RegistryChange:
    """What loading a registry file did."""

    indicators_new: int = 0
    indicators_updated: int = 0
    indicators_unchanged: int = 0
    scheme_versions: int = 0


def load_registry(connection: Connection, registry: RegistryFile, user: User, path: str) -> RegistryChange:
    """Add or update indicators (changes go to the reference sheet's change log and the audit log) and
    add a scheme version where a scheme's categories changed."""
    change = RegistryChange()
    for spec in registry.schemes:
        if _add_scheme_version(connection, spec, user, path):
            change.scheme_versions += 1
    known_schemes = set(latest_schemes(connection))
    table = schema.indicator
    for spec in registry.indicators:
        missing = [code for code in spec.disaggregations if code not in known_schemes]
        if missing:
            raise Refused(_("{path}: indicator {code}: no disaggregation scheme {scheme}").format(
                path=path, code=spec.code, scheme=missing[0]))
        fields = {"level": spec.level, "objective_id": spec.objective, "name_en": spec.name.en,
                  "name_es": spec.name.es, "unit": spec.unit, "direction": spec.direction,
                  "aggregation": spec.aggregation, "cumulative": spec.cumulative,
                  "schemes": list(spec.disaggregations),
                  "reference": {key: getattr(spec.reference, key) for key in REFERENCE_FIELDS}}
        stored = connection.execute(select(table).where(table.c.code == spec.code)).first()
        if stored is None:
            connection.execute(insert(table).values(code=spec.code, change_log=[{
                "at": now().isoformat(timespec="seconds"), "by": user.name, "change": "created"}],
                created_at=now(), updated_at=now(), **fields))
            audit(connection, user.name, "create", "indicator", spec.code, reason=path)
            change.indicators_new += 1
            continue
        changed = {key: value for key, value in fields.items() if stored._mapping[key] != value}
        if not changed:
            change.indicators_unchanged += 1
            continue
        log = list(stored.change_log) + [{"at": now().isoformat(timespec="seconds"), "by": user.name,
                                          "change": "updated", "fields": sorted(changed)}]
        connection.execute(update(table).where(table.c.id == stored.id).values(
            change_log=log, updated_at=now(), **changed))
        for key, value in sorted(changed.items()):
            audit(connection, user.name, "update", "indicator", spec.code, field=key, old=stored._mapping[key],
                  new=value, reason=path)
        change.indicators_updated += 1
    return change


@dataclass(frozen=True)
class SchemeVersion:
    """A stored version of a disaggregation scheme."""

    code: str
    version: int
    categories: tuple[dict, ...]
    mapping: dict[str, str]

    def category_codes(self) -> list[str]:
        return [category["code"] for category in self.categories]


def scheme_versions(connection: Connection, code: str | None = None) -> list[SchemeVersion]:
    """Stored scheme versions, oldest first (of one scheme, or of all)."""
    table = schema.disaggregation_scheme
    statement = select(table).order_by(table.c.code, table.c.version)
    if code is not None:
        statement = statement.where(table.c.code == code)
    return [SchemeVersion(r.code, r.version, tuple(r.categories), dict(r.mapping)) for r in connection.execute(statement)]


def latest_schemes(connection: Connection) -> dict[str, SchemeVersion]:
    """The newest version of every scheme."""
    return {version.code: version for version in scheme_versions(connection)}


def _add_scheme_version(connection: Connection, spec: SchemeSpec, user: User, path: str) -> bool:
    latest = latest_schemes(connection).get(spec.code)
    categories = [category.model_dump() for category in spec.categories]
    if latest is not None and list(latest.categories) == categories:
        return False
    if latest is not None:
        # Every stored category must land somewhere, or values stored under it would be lost.
        unmapped = [code for code in latest.category_codes()
                    if code not in spec.mapping and code not in {c["code"] for c in categories}]
        if unmapped:
            raise Refused(_("{path}: scheme {code}: categories {categories} of version {version} are not "
                            "mapped to the new version").format(path=path, code=spec.code,
                                                                categories=", ".join(unmapped),
                                                                version=latest.version))
    version = 1 if latest is None else latest.version + 1
    connection.execute(insert(schema.disaggregation_scheme).values(
        code=spec.code, version=version, name_en=spec.name.en, name_es=spec.name.es, categories=categories,
        mapping=dict(spec.mapping), created_by=user.name, created_at=now()))
    audit(connection, user.name, "create", "disaggregation_scheme", f"{spec.code} v{version}", reason=path)
    return True


# ------------------------------------------------------------------------------ results


@dataclass
class ResultsChange:
    """What writing a results file did, and the ids of the values its rows wrote (in row order)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


def write_results(connection: Connection, records: Iterable[ResultRecord], user: User, path: str) -> ResultsChange:
    """Store results as drafts (new, or edits of draft and returned values); refuses the whole file
    at the first row that cannot be stored or that the user may not write, naming the row.

    A row writes its organisation's value (`value_owner`): a partner's rows its own, never another
    organisation's entry for the same cell, which stays as it was."""
    change = ResultsChange()
    indicators = {code: (id_, schemes) for id_, code, schemes in connection.execute(
        select(schema.indicator.c.id, schema.indicator.c.code, schema.indicator.c.schemes))}
    versions: dict[str, list[SchemeVersion]] = {}
    for version in scheme_versions(connection):
        versions.setdefault(version.code, []).append(version)
    orgs_cache: dict[str, tuple[set[str], str | None]] = {}
    table = schema.result_value
    for record in records:
        found = indicators.get(record.indicator)
        if found is None:
            raise ImportRejected(path, record.line, _("indicator {code} is not in the registry "
                                                      "(`stratmon indicators load`)").format(code=record.indicator))
        indicator_id, indicator_schemes = found
        activity = record.activity or ""
        if activity and activity not in orgs_cache:
            partners = activity_partners(connection, activity)
            if partners is None:
                raise ImportRejected(path, record.line, _("activity {activity} is not imported").format(
                    activity=activity))
            orgs_cache[activity] = (partners, implementing_org(connection, activity))
        cell = {"indicator_id": indicator_id, "activity": activity, "country_key": record.country or "",
                "period_start": record.period_start, "period_end": record.period_end,
                "value_type": record.value_type, "scheme_code": record.scheme or "", "category": record.category or ""}
        try:
            check_scope(user, activity, orgs_cache.get(activity, (set(), None))[0])
            key = {**cell, "org_ref": value_owner(connection, user, cell, orgs_cache.get(activity, (set(), None))[1])}
        except Refused as refused:
            raise Refused(_("{path}, row {line}").format(path=path, line=record.line) + f": {refused}") from None
        stored = connection.execute(select(table).where(*(table.c[k] == v for k, v in key.items()))).first()
        version = _disaggregate_version(connection, record, indicator_schemes, versions, stored, key, path)
        values = {"value_text": None if record.value is None else str(record.value),
                  "value": None if record.value is None else float(record.value),
                  "not_available": record.not_available,
                  "numerator_text": None if record.numerator is None else str(record.numerator),
                  "denominator_text": None if record.denominator is None else str(record.denominator),
                  "reason": record.reason, "comment": record.comment}
        # A file without a reason or comment keeps the one already stored (given on submit, say).
        for optional in ("reason", "comment"):
            if values[optional] is None:
                del values[optional]
        if stored is None:
            result = connection.execute(insert(table).values(
                **key, **values, scheme_version=version, status=NEW.status, locked=NEW.locked,
                source=f"{path}:{record.line}", created_by=user.name, created_at=now(), updated_by=user.name,
                updated_at=now()))
            audit(connection, user.name, "create", "result_value", result.inserted_primary_key[0],
                  new=values["value_text"] if not record.not_available else NOT_AVAILABLE, reason=path)
            change.new += 1
            change.ids.append(result.inserted_primary_key[0])
            continue
        change.ids.append(stored.id)
        changed = {k: v for k, v in values.items() if not _same(k, stored._mapping[k], v)}
        changed.pop("value", None)  # follows value_text
        if not changed:
            change.unchanged += 1
            continue
        if "value_text" in changed:
            changed["value"] = values["value"]
            if "reason" not in values and stored.reason:
                changed["reason"] = None  # a reason given for the old value does not explain the new one
        try:
            state = next_state(user, State(stored.status, stored.locked), "edit", None)
        except Refused as refused:
            raise Refused(_("{path}, row {line}").format(path=path, line=record.line) + f": {refused}") from None
        connection.execute(update(table).where(table.c.id == stored.id).values(
            **changed, status=state.status, locked=state.locked, source=f"{path}:{record.line}",
            updated_by=user.name, updated_at=now()))
        for field_name, value in sorted(changed.items()):
            if field_name != "value":  # the float copy of value_text, which is audited
                audit(connection, user.name, "update", "result_value", stored.id, field=field_name,
                      old=stored._mapping[field_name], new=value, reason=path)
        if state.status != stored.status:
            audit(connection, user.name, "edit", "result_value", stored.id, field="status", old=stored.status,
                  new=state.status, reason=path)
        change.updated += 1
    return change


def value_owner(connection: Connection, user: User, cell: dict, default_org: str | None) -> str:
    """The organisation whose value a row for `cell` writes ('' for none). A partner's: its own. A
    reviewer's: the one value stored for the cell, whoever entered it; where several partners entered
    one, the activity's implementing partner's; for a new value, the implementing partner's."""
    if user.role == "partner":
        return user.org_ref or ""
    table = schema.result_value
    owners = set(connection.execute(select(table.c.org_ref).where(*(table.c[k] == v for k, v in cell.items())))
                 .scalars())
    if len(owners) == 1:
        return owners.pop()
    if not owners or (default_org or "") in owners:
        return default_org or ""
    raise Refused(_("organisations {orgs} each entered this value; return it to the partner whose value needs "
                    "a correction").format(orgs=", ".join(sorted(owner or _("no organisation") for owner in owners))))


def _same(field_name: str, old, new) -> bool:
    """Whether a stored value equals a new one: numbers as numbers ("950" is "950.00")."""
    if field_name in ("value_text", "numerator_text", "denominator_text") and old is not None and new is not None:
        return Decimal(old) == Decimal(new)
    return old == new


def _disaggregate_version(connection: Connection, record: ResultRecord, indicator_schemes,
                          versions: dict[str, list[SchemeVersion]], stored, key: dict, path: str) -> int | None:
    """The scheme version a disaggregate is stored under: its own, for a value already stored; the
    newest for a new one, unless values of an older version already cover the same period."""
    if not record.scheme:
        return None
    if record.scheme not in (indicator_schemes or []):
        raise ImportRejected(path, record.line, _("indicator {code} is not disaggregated by {scheme}").format(
            code=record.indicator, scheme=record.scheme))
    if stored is not None:
        return stored.scheme_version
    latest = versions[record.scheme][-1]
    if record.category not in latest.category_codes():
        raise ImportRejected(path, record.line, _(
            "{category} is not a category of {scheme} (version {version}: {choices})").format(
            category=record.category, scheme=record.scheme, version=latest.version,
            choices=", ".join(latest.category_codes())))
    table = schema.result_value
    older = connection.execute(select(table.c.scheme_version).where(
        *(table.c[k] == v for k, v in key.items() if k != "category"),
        table.c.scheme_version != latest.version).limit(1)).scalar()
    if older is not None:
        raise ImportRejected(path, record.line, _(
            "this period already has {scheme} values under version {old}; correct those, or the "
            "categories would be counted twice").format(scheme=record.scheme, old=older))
    return latest.version


def act_on_results(connection: Connection, ids: list[int], action: str, user: User, reason: str | None,
                   framework: Framework) -> int:
    """Submit, approve, return or unlock results; all of them, or none (Refused names the first)."""
    table = schema.result_value
    for result_id in ids:
        # Locked until commit, so that two reviewers acting at once on PostgreSQL take turns and the
        # second sees the first's outcome (SQLite's write transaction already takes turns).
        stored = connection.execute(select(table).where(table.c.id == result_id).with_for_update()).first()
        if stored is None:
            raise Refused(_("no result with id {id}").format(id=result_id))
        where = _("result {id}").format(id=result_id)
        try:
            check_access(connection, user, stored.activity, stored.org_ref)
            state = next_state(user, State(stored.status, stored.locked), action, reason)
            if action == "submit":
                _require_reason_for_a_missed_target(connection, stored, reason, framework)
        except Refused as refused:
            raise Refused(f"{where}: {refused}") from None
        values = {"status": state.status, "locked": state.locked, "updated_by": user.name, "updated_at": now()}
        if action == "submit":
            if stored.submitted_at is None:  # timeliness counts the first submission
                values["submitted_at"] = now()
            if reason:
                values["reason"] = reason
        connection.execute(update(table).where(table.c.id == result_id).values(**values))
        audit(connection, user.name, action, "result_value", result_id, field="status", old=stored.status,
              new=state.status, reason=reason)
    return len(ids)


def _require_reason_for_a_missed_target(connection: Connection, stored, reason: str | None,
                                        framework: Framework) -> None:
    if stored.value_type != "actual" or stored.category or stored.value_text is None:
        return
    if (reason or stored.reason or "").strip():
        return
    table = schema.result_value
    target = connection.execute(select(table.c.value_text).where(
        table.c.indicator_id == stored.indicator_id, table.c.activity == stored.activity,
        table.c.country_key == stored.country_key, table.c.period_start == stored.period_start,
        table.c.period_end == stored.period_end, table.c.value_type == "target", table.c.scheme_code == "",
        table.c.category == "", table.c.org_ref == stored.org_ref)).scalar()
    if target is None:
        return
    direction = connection.execute(select(schema.indicator.c.direction).where(
        schema.indicator.c.id == stored.indicator_id)).scalar_one()
    thresholds = framework.indicator_status
    status = status_of(direction, Decimal(target), Decimal(stored.value_text), thresholds.on_track,
                       thresholds.needs_attention)
    if status in ("needs_attention", "off_track"):
        raise Refused(_("the actual misses its target; a reason is required"))


def add_assessment(connection: Connection, indicator_code: str, assessed_on: date, ratings: dict[str, str],
                   findings: str, mitigation: str | None, user: User) -> int:
    """Record a data-quality assessment of an indicator."""
    result = connection.execute(insert(schema.dq_assessment).values(
        indicator_code=indicator_code, assessed_on=assessed_on, findings=findings, mitigation=mitigation,
        assessor=user.name, created_at=now(), **ratings))
    audit(connection, user.name, "create", "dq_assessment", result.inserted_primary_key[0], reason=indicator_code)
    return result.inserted_primary_key[0]


def audit_entries(connection: Connection, entity: str | None = None, entity_id: str | None = None) -> list:
    """Audit lines, oldest first."""
    table = schema.audit_log
    statement = select(table).order_by(table.c.id)
    if entity:
        statement = statement.where(table.c.entity == entity)
    if entity_id:
        statement = statement.where(table.c.entity_id == entity_id)
    return list(connection.execute(statement))

