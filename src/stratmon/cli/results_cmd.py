"""`stratmon users`, `stratmon indicators` and `stratmon results`: who may enter what, the
indicator registry, and results through their workflow (every change audited)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stratmon.cli.common import DbOption, FormatOption, TableJsonOption, UserError, check_format, console, \
    handles_errors, ready_engine, write_csv
from stratmon.i18n import N_, _, language
from stratmon.indicators.workflow import STATUSES, Refused, User, status_name

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.

users_app = typer.Typer(help=N_("People who enter, review and approve results."), no_args_is_help=True)
indicators_app = typer.Typer(help=N_("The indicator registry: reference sheets, disaggregations, assessments."),
                             no_args_is_help=True)
results_app = typer.Typer(help=N_("Results: template, import, review workflow, audit."), no_args_is_help=True)

UserOption = Annotated[str, typer.Option("--user", metavar=N_("NAME"),
                                         help=N_("Who acts (a name given to `stratmon users add`)."))]
ReasonOption = Annotated[str | None, typer.Option("--reason", metavar=N_("REASON"), show_default=False,
                                                  help=N_("Why (required to return or unlock)."))]


def _rating_option(standard: str):
    """A data-quality standard's rating in an assessment."""
    return typer.Option(f"--{standard}", metavar=N_("RATING"), help=N_("met, partly met or not met"))


def _acting_user(connection, name: str) -> User:
    from stratmon.store.results import find_user

    user = find_user(connection, name)
    if user is None:
        raise UserError(_("{name} is not a user (see `stratmon users add`)").format(name=name))
    return user


@contextmanager
def _refusals_audited(engine, user: str, action: str, entity: str, entity_id=None):
    """Turn a refused action into one error line, after rolling it back and auditing the attempt."""
    from stratmon.store.results import record_refusal

    try:
        yield
    except Refused as refused:
        record_refusal(engine, user, action, entity, entity_id, str(refused))
        raise UserError(str(refused)) from None


@users_app.command("add", help=N_("Add a user with a role: admin, analyst or partner (with --org)."))
@handles_errors
def users_add(
    name: Annotated[str, typer.Argument(metavar=N_("NAME"), help=N_("The user's name."))],
    role: Annotated[str, typer.Option("--role", metavar="admin|analyst|partner", help=N_("admin, analyst or partner"))],
    org: Annotated[str | None, typer.Option("--org", metavar=N_("ORG_REF"), show_default=False,
                                            help=N_("A partner's organisation (IATI reference)."))] = None,
    user: Annotated[str | None, typer.Option("--user", metavar=N_("NAME"), show_default=False, help=N_(
        "The administrator adding the user (not needed for the first, who must be an administrator)."))] = None,
    db: DbOption = None,
) -> None:
    from stratmon.store.results import add_user
    from stratmon.store.runs import import_transaction

    engine = ready_engine(db)
    with _refusals_audited(engine, user or name, "create", "app_user", name), \
            import_transaction(engine) as connection:
        add_user(connection, name, role, org, user)
    console.print(_("User {name} added ({role}).").format(name=escape(name), role=role))


@users_app.command("list", help=N_("The users and their roles."))
@handles_errors
def users_list(db: DbOption = None) -> None:
    from stratmon.store.results import users

    engine = ready_engine(db)
    with engine.connect() as connection:
        table = Table(title=_("Users"))
        for heading in (_("Name"), _("Role"), _("Organisation")):
            table.add_column(heading)
        for user in users(connection):
            table.add_row(escape(user.name), user.role, escape(user.org_ref or ""))
    console.print(table)


@indicators_app.command("load", help=N_("Add or update indicators and disaggregation schemes from a YAML file."))
@handles_errors
def indicators_load(
    path: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("A registry YAML file."))],
    user: UserOption,
    db: DbOption = None,
) -> None:
    from stratmon.framework import load_framework
    from stratmon.indicators.registry import load_registry_file
    from stratmon.store.results import load_registry
    from stratmon.store.runs import import_transaction

    registry = load_registry_file(path, load_framework())
    engine = ready_engine(db)
    with engine.connect() as connection:
        acting = _acting_user(connection, user)
    with _refusals_audited(engine, user, "load", "indicator", str(path)), import_transaction(engine) as connection:
        if acting.role == "partner":
            raise Refused(_("only an analyst or an administrator can change the registry"))
        change = load_registry(connection, registry, acting, str(path))
    console.print(_("Indicators: {new} new, {updated} updated, {unchanged} unchanged; {versions} new scheme "
                    "versions.").format(new=change.indicators_new, updated=change.indicators_updated,
                                        unchanged=change.indicators_unchanged, versions=change.scheme_versions))


@indicators_app.command("list", help=N_("Performance indicators in the registry, and the framework's context "
                                       "indicators."))
@handles_errors
def indicators_list(output_format: TableJsonOption = "table",
                    db: DbOption = None) -> None:
    from stratmon.framework import load_framework
    from stratmon.store import schema

    check_format(output_format, ("table", "json"))
    framework = load_framework()
    engine = ready_engine(db)
    lang = language()
    with engine.connect() as connection:
        table = schema.indicator
        records = [{"code": r.code, "kind": "performance", "level": r.level, "objective": r.objective_id,
                    "name": r.name_es if lang == "es" else r.name_en, "unit": r.unit, "direction": r.direction,
                    "aggregation": r.aggregation, "disaggregations": list(r.schemes)}
                   for r in connection.execute(table.select().order_by(table.c.code))]
    records += [{"code": c.id, "kind": "context", "level": "country", "objective": None, "name": c.name.get(lang),
                 "unit": c.unit.get(lang), "direction": c.direction, "aggregation": "last", "disaggregations": []}
                for c in framework.context_indicators]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    view = Table(title=_("Indicators"))
    for heading in (_("Code"), _("Kind"), _("Name"), _("Unit"), _("Objective")):
        view.add_column(heading)
    kinds = {"performance": _("performance"), "context": _("context")}
    for record in records:
        view.add_row(escape(record["code"]), kinds[record["kind"]], escape(record["name"]),
                     escape(record["unit"] or ""), record["objective"] or "")
    console.print(view)


@indicators_app.command("show", help=N_("An indicator's reference sheet, change log, disaggregations and "
                                       "data-quality assessments."))
@handles_errors
def indicators_show(
    code: Annotated[str, typer.Argument(metavar=N_("CODE"), help=N_("The indicator's code."))],
    output_format: TableJsonOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.store import schema

    check_format(output_format, ("table", "json"))
    engine = ready_engine(db)
    lang = language()
    with engine.connect() as connection:
        found = connection.execute(schema.indicator.select().where(schema.indicator.c.code == code)).first()
        if found is None:
            raise UserError(_("{code} is not in the registry").format(code=code))
        assessments = list(connection.execute(schema.dq_assessment.select().where(
            schema.dq_assessment.c.indicator_code == code).order_by(schema.dq_assessment.c.assessed_on)))
    document = {
        "code": found.code, "name": {"en": found.name_en, "es": found.name_es}, "level": found.level,
        "objective": found.objective_id, "unit": found.unit, "direction": found.direction,
        "aggregation": found.aggregation, "cumulative": found.cumulative, "disaggregations": list(found.schemes),
        "reference": dict(found.reference), "change_log": list(found.change_log),
        "assessments": [{"date": a.assessed_on.isoformat(), "validity": a.validity, "integrity": a.integrity,
                         "precision": a.precision, "reliability": a.reliability, "timeliness": a.timeliness,
                         "findings": a.findings, "mitigation": a.mitigation, "assessor": a.assessor}
                        for a in assessments]}
    if output_format == "json":
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    labels = {"definition": _("Definition"), "rationale": _("Rationale"), "data_source": _("Data source"),
              "collection_method": _("Collection method"), "frequency": _("Frequency"),
              "responsible_office": _("Responsible office"), "limitations": _("Known limitations")}
    sheet = Table(title=f"{found.code} — {found.name_es if lang == 'es' else found.name_en}", show_header=False)
    sheet.add_column(style="bold")
    sheet.add_column()
    for key, label in labels.items():
        if document["reference"].get(key):
            sheet.add_row(label, escape(document["reference"][key]))
    sheet.add_row(_("Unit"), escape(found.unit or ""))
    sheet.add_row(_("Objective"), found.objective_id or "")
    sheet.add_row(_("Disaggregations"), ", ".join(found.schemes) or "–")
    for entry in document["change_log"]:
        sheet.add_row(_("Change"), escape(f"{entry['at']} {entry['by']}: {entry['change']} "
                                          f"{', '.join(entry.get('fields', []))}".strip()))
    console.print(sheet)
    if assessments:
        view = Table(title=_("Data-quality assessments"))
        for heading in (_("Date"), _("Validity"), _("Integrity"), _("Precision"), _("Reliability"),
                        _("Timeliness"), _("Findings"), _("Assessor")):
            view.add_column(heading)
        for a in document["assessments"]:
            view.add_row(a["date"], a["validity"], a["integrity"], a["precision"], a["reliability"],
                         a["timeliness"], escape(a["findings"]), escape(a["assessor"]))
        console.print(view)


@indicators_app.command("assess", help=N_("Record a data-quality assessment (DQA) of an indicator."))
@handles_errors
def indicators_assess(
    code: Annotated[str, typer.Argument(metavar=N_("CODE"), help=N_("The indicator's code."))],
    findings: Annotated[str, typer.Option("--findings", metavar=N_("FINDINGS"), help=N_("What the assessment found."))],
    user: UserOption,
    validity: Annotated[str, _rating_option("validity")] = "met",
    integrity: Annotated[str, _rating_option("integrity")] = "met",
    precision: Annotated[str, _rating_option("precision")] = "met",
    reliability: Annotated[str, _rating_option("reliability")] = "met",
    timeliness: Annotated[str, _rating_option("timeliness")] = "met",
    mitigation: Annotated[str | None, typer.Option("--mitigation", metavar=N_("MITIGATION"), show_default=False,
                                                   help=N_("What will be done about the findings."))] = None,
    assessed_on: Annotated[str | None, typer.Option("--date", metavar=N_("DATE"), show_default=False,
                                                    help=N_("YYYY-MM-DD (default: today)."))] = None,
    db: DbOption = None,
) -> None:
    from stratmon.store import schema
    from stratmon.store.results import add_assessment
    from stratmon.store.runs import import_transaction

    ratings = {"validity": validity, "integrity": integrity, "precision": precision, "reliability": reliability,
               "timeliness": timeliness}
    allowed = ("met", "partly met", "not met")
    for standard, rating in ratings.items():
        if rating not in allowed:
            raise UserError(_("--{standard} takes one of: {choices}").format(standard=standard,
                                                                             choices=", ".join(allowed)))
    try:
        when = date.fromisoformat(assessed_on) if assessed_on else date.today()
    except ValueError:
        raise UserError(_("--date: write YYYY-MM-DD")) from None
    engine = ready_engine(db)
    with engine.connect() as connection:
        acting = _acting_user(connection, user)
    with _refusals_audited(engine, user, "create", "dq_assessment", code), import_transaction(engine) as connection:
        if acting.role == "partner":
            raise Refused(_("only an analyst or an administrator can record an assessment"))
        known = connection.execute(schema.indicator.select().where(schema.indicator.c.code == code)).first()
        if known is None:
            raise UserError(_("{code} is not in the registry").format(code=code))
        assessment_id = add_assessment(connection, code, when, ratings, findings, mitigation, acting)
    console.print(_("Assessment #{id} of {code} recorded.").format(id=assessment_id, code=escape(code)))


@results_app.command("template", help=N_("Write an empty results file to fill in (XLSX or CSV)."))
@handles_errors
def results_template(
    out: Annotated[Path, typer.Option("--out", metavar=N_("FILE"),
                                      help=N_("Where to write it."))] = Path("results-template.xlsx"),
    file_format: Annotated[str | None, typer.Option("--format", metavar="xlsx|csv", show_default=False,
                                                    help=N_("xlsx or csv (default: from --out)"))] = None,
) -> None:
    from stratmon.sources.results_template import write_template

    chosen = file_format or out.suffix.lstrip(".").lower() or "xlsx"
    check_format(chosen, ("xlsx", "csv"))
    write_template(out, chosen, language())
    console.print(_("Template written to {path}.").format(path=escape(str(out))))


@results_app.command("import", help=N_("Import results (CSV or XLSX) as drafts; the whole file or nothing."))
@handles_errors
def results_import(
    path: Annotated[Path, typer.Argument(metavar=N_("FILE"), help=N_("A results file."))],
    user: UserOption,
    db: DbOption = None,
) -> None:
    from stratmon.sources.results import read_results
    from stratmon.store.results import write_results
    from stratmon.store.runs import import_transaction

    engine = ready_engine(db)
    with engine.connect() as connection:
        acting = _acting_user(connection, user)
    with _refusals_audited(engine, user, "import", "result_value", str(path)):
        # The whole file is read and checked before the transaction opens: a slow or hostile file
        # never holds the database's write lock.
        records = list(read_results(path))
        with import_transaction(engine) as connection:
            change = write_results(connection, records, acting, str(path))
    console.print(_("{path}: {new} new, {updated} updated (drafts until submitted), {unchanged} unchanged.").format(
        path=escape(str(path)), new=change.new, updated=change.updated, unchanged=change.unchanged))


MAX_ID = 2**63 - 1


def _act(action: str, ids: list[int], user: str, reason: str | None, db: str | None) -> None:
    from stratmon.framework import load_framework
    from stratmon.store.results import act_on_results, record_refusal
    from stratmon.store.runs import import_transaction

    ids = list(dict.fromkeys(ids))  # each once, in the order given
    if any(not 0 < result_id <= MAX_ID for result_id in ids):
        raise UserError(_("result ids are positive whole numbers"))
    engine = ready_engine(db)
    with engine.connect() as connection:
        acting = _acting_user(connection, user)
    try:
        with import_transaction(engine) as connection:
            count = act_on_results(connection, ids, action, acting, reason, load_framework())
    except Refused as refused:
        # Nothing of the batch was done; every result it named records the attempt.
        for result_id in ids:
            record_refusal(engine, user, action, "result_value", result_id, str(refused))
        raise UserError(str(refused)) from None
    done = {"submit": _("Submitted: {count} results."), "approve": _("Approved and locked: {count} results."),
            "return": _("Returned: {count} results."), "unlock": _("Unlocked: {count} results.")}
    console.print(done[action].format(count=count))


IdsArgument = Annotated[list[int], typer.Argument(metavar="ID", help=N_("Result ids (see `stratmon results list`)."))]


@results_app.command("submit", help=N_("Submit draft or returned results for review."))
@handles_errors
def results_submit(ids: IdsArgument, user: UserOption, reason: ReasonOption = None, db: DbOption = None) -> None:
    _act("submit", ids, user, reason, db)


@results_app.command("approve", help=N_("Approve submitted results (they are locked)."))
@handles_errors
def results_approve(ids: IdsArgument, user: UserOption, db: DbOption = None) -> None:
    _act("approve", ids, user, None, db)


@results_app.command("return", help=N_("Return submitted results to their partner, saying why."))
@handles_errors
def results_return(ids: IdsArgument, user: UserOption, reason: ReasonOption = None, db: DbOption = None) -> None:
    _act("return", ids, user, reason, db)


@results_app.command("unlock", help=N_("Unlock approved results so they can be corrected, saying why."))
@handles_errors
def results_unlock(ids: IdsArgument, user: UserOption, reason: ReasonOption = None, db: DbOption = None) -> None:
    _act("unlock", ids, user, reason, db)


@results_app.command("list", help=N_("Entered results with their workflow status."))
@handles_errors
def results_list(
    status: Annotated[str | None, typer.Option("--status", metavar="draft|submitted|approved|returned",
                                               help=N_("draft, submitted, approved or returned"),
                                               show_default=False)] = None,
    output_format: FormatOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.store import schema

    check_format(output_format)
    if status is not None and status not in STATUSES:
        raise UserError(_("--status takes one of: {choices}").format(choices=", ".join(STATUSES)))
    engine = ready_engine(db)
    value, ind = schema.result_value, schema.indicator
    with engine.connect() as connection:
        statement = (value.select().with_only_columns(value, ind.c.code).join_from(value, ind)
                     .order_by(value.c.id))
        if status:
            statement = statement.where(value.c.status == status)
        records = [{"id": r.id, "indicator": r.code, "activity": r.activity, "country": r.country_key,
                    "period_start": r.period_start.isoformat(), "period_end": r.period_end.isoformat(),
                    "value_type": r.value_type, "scheme": r.scheme_code, "category": r.category,
                    "value": "DNA" if r.not_available else r.value_text, "status": r.status, "locked": r.locked,
                    "org": r.org_ref or None, "reason": r.reason} for r in connection.execute(statement)]
    if output_format == "csv":
        write_csv(records, list(records[0]) if records else ["id"])
    elif output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        value_types = {"baseline": _("baseline"), "target": _("target"), "actual": _("actual")}
        table = Table(title=_("Results"))
        for heading in ("#", _("Indicator"), _("Activity"), _("Period"), _("Type"), _("Disaggregate"), _("Value"),
                        _("Status")):
            table.add_column(heading)
        for r in records:
            table.add_row(str(r["id"]), escape(r["indicator"]), escape(r["activity"]),
                          f"{r['period_start']} – {r['period_end']}", value_types[r["value_type"]],
                          escape(f"{r['scheme']}:{r['category']}" if r["scheme"] else ""), escape(r["value"] or ""),
                          status_name(r["status"]) + (" 🔒" if r["locked"] else ""))
        console.print(table)


@results_app.command("audit", help=N_("The audit log: every change and refused attempt."))
@handles_errors
def results_audit(
    result_id: Annotated[int | None, typer.Option("--id", metavar="ID", help=N_("Only this result."),
                                                  show_default=False)] = None,
    output_format: TableJsonOption = "table",
    db: DbOption = None,
) -> None:
    from stratmon.store.results import audit_entries

    check_format(output_format, ("table", "json"))
    engine = ready_engine(db)
    with engine.connect() as connection:
        entries = audit_entries(connection, "result_value" if result_id is not None else None,
                                str(result_id) if result_id is not None else None)
    records = [{"at": e.at.isoformat(timespec="seconds"), "user": e.user_name, "action": e.action,
                "entity": e.entity, "id": e.entity_id, "field": e.field, "old": e.old_value, "new": e.new_value,
                "reason": e.reason, "outcome": e.outcome} for e in entries]
    if output_format == "json":
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    table = Table(title=_("Audit log"))
    for heading in (_("When"), _("Who"), _("Action"), _("What"), _("Field"), _("Old"), _("New"), _("Why"),
                    _("Outcome")):
        table.add_column(heading)
    outcomes = {"done": _("done"), "refused": _("refused")}
    for r in records:
        table.add_row(r["at"], escape(r["user"]), r["action"], escape(f"{r['entity']} {r['id'] or ''}"),
                      r["field"] or "", escape(r["old"] or ""), escape(r["new"] or ""), escape(r["reason"] or ""),
                      outcomes[r["outcome"]])
    console.print(table)

