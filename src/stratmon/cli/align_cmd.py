"""`stratmon align` and `stratmon alignment explain|set|unset|coverage` (review and evaluate: align_review_cmd)."""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.cli.common import DbOption, FiscalYearsOption, FrameworkOption, TableJsonOption, \
    TransactionTypeOption, UserError, check_format, console, errors, handles_errors, ready_engine
from stratmon.i18n import N_, _, format_count, format_fiscal_year, format_money, format_percent, language

# Heavy modules are imported when a command runs, so that `stratmon` starts fast.
if TYPE_CHECKING:
    from sqlalchemy import Connection

    from stratmon.align.crosswalk import Crosswalks, Target
    from stratmon.analysis.alignment import Coverage, CoverageRow
    from stratmon.analysis.labels import Labels

app = typer.Typer(help=N_("Why money sits where it does; manual overrides; coverage."), no_args_is_help=True)

UserOption = Annotated[
    str | None, typer.Option("--user", metavar=N_("NAME"), show_default=False,
                             help=N_("Who decides (default: $STRATMON_USER, else the login name)."))]
ActivityArgument = Annotated[str, typer.Argument(metavar=N_("ACTIVITY"), help=N_("The activity's IATI identifier."))]


def _user(user: str | None) -> str:
    return user or os.environ.get("STRATMON_USER") or getpass.getuser()


@handles_errors
def align_command(framework: FrameworkOption = None, db: DbOption = None) -> None:
    """(Re)compute the alignment of every transaction to the Strategy's objectives."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.align.run import align
    from stratmon.analysis.alignment import coverage

    crosswalks = load_crosswalks(framework)
    engine = ready_engine(db)
    started = time.perf_counter()
    summary = align(engine, crosswalks)
    seconds = time.perf_counter() - started
    console.print(_("Aligned {transactions} transactions of {activities} activities ({rows} rows) in {seconds} s.")
                  .format(transactions=format_count(summary.transactions), activities=format_count(summary.activities),
                          rows=format_count(summary.rows), seconds=f"{seconds:.1f}"))
    if summary.regional_in or summary.regional_out:
        console.print(_("Regional money: {inside} activities inside the Strategy's geography, {outside} outside it "
                        "(kept out of its figures; the portal's data page gives each reason). Money to other "
                        "recipients is not aligned.").format(inside=format_count(summary.regional_in),
                                                              outside=format_count(summary.regional_out)))
    with engine.connect() as connection:
        console.print(_coverage_sentence(coverage(connection, crosswalk_digest=crosswalks.digest).overall))
        if summary.fagov_transactions:
            console.print(_("ForeignAssistance.gov: {n} transactions attributed.").format(
                n=format_count(summary.fagov_transactions)))
            console.print(_coverage_sentence(coverage(connection, source="fagov",
                                                      crosswalk_digest=crosswalks.digest).overall))


def _coverage_sentence(row: CoverageRow) -> str:
    return _("Disbursements: {aligned} aligned to an objective, {outside} outside the Strategy, "
             "{not_aligned} not aligned.").format(
        aligned=format_percent(row.share(row.aligned_usd)), outside=format_percent(row.share(row.outside_usd)),
        not_aligned=format_percent(row.share(row.not_aligned_usd)))


@contextmanager
def alignment_session(framework: str | None, db: str | None) -> Iterator[tuple[Crosswalks, Connection, Labels]]:
    """The framework's crosswalks, a connection to the database and names in the user's language: what every
    alignment command that reads starts from."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.analysis.labels import Labels

    crosswalks = load_crosswalks(framework)
    with ready_engine(db).connect() as connection:
        yield crosswalks, connection, Labels(connection, crosswalks.framework, language(), crosswalks=crosswalks)


def _target(crosswalks: Crosswalks, text: str) -> Target:
    """An objective id or `outside:<category>` that the framework knows."""
    from stratmon.align.crosswalk import Target

    target = Target.parse(text.strip())
    if target.objective_id is not None and target.objective_id not in crosswalks.line_by_objective:
        raise UserError(_("{objective}: no such objective (see `stratmon framework show`)").format(objective=text))
    if target.outside_id is not None and target.outside_id not in crosswalks.outside:
        raise UserError(_("{category}: no such outside-the-Strategy category; choose from {choices}").format(
            category=text, choices=", ".join(f"outside:{c}" for c in crosswalks.outside)))
    return target


@app.command("set", help=N_("Attribute all of an activity's money to an objective (or outside:<category>)."))
@handles_errors
def set_override(
    activity: ActivityArgument,
    objective: Annotated[str, typer.Argument(metavar=N_("TARGET"),
                                             help=N_("An objective id, e.g. S1, or outside:<category>."))],
    reason: Annotated[str, typer.Option("--reason", metavar=N_("REASON"), help=N_("Why: kept with the decision."))],
    user: UserOption = None,
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Record a manual override and re-align the activity."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.align.run import realign_activity
    from stratmon.store.alignment import add_override
    from stratmon.store.runs import import_transaction

    if not reason.strip():
        raise UserError(_("--reason must say why"))
    crosswalks = load_crosswalks(framework)
    target = _target(crosswalks, objective)
    engine = ready_engine(db)
    with import_transaction(engine) as connection:
        if not _activity_exists(connection, activity):
            raise UserError(_("no activity with IATI identifier {identifier}").format(identifier=activity))
        override_id = add_override(connection, activity, str(target), reason.strip(), _user(user))
        realigned = realign_activity(connection, crosswalks, activity)
    console.print(_("Override #{id}: {activity} → {target}. Undo with `stratmon alignment unset {activity}`.")
                  .format(id=override_id, activity=escape(activity), target=escape(str(target))))
    if not realigned:
        errors.print(_("note: the rest of the alignment is out of date, so only the override was recorded; "
                       "run `stratmon align`"), markup=False)


@app.command("unset", help=N_("Revoke an activity's manual override (it stays in the history)."))
@handles_errors
def unset_override(
    activity: ActivityArgument,
    user: UserOption = None,
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Revoke the active override of an activity and re-align it by the rules."""
    from stratmon.align.crosswalk import load_crosswalks
    from stratmon.align.run import realign_activity
    from stratmon.store.alignment import revoke_override
    from stratmon.store.runs import import_transaction

    crosswalks = load_crosswalks(framework)
    engine = ready_engine(db)
    with import_transaction(engine) as connection:
        if not revoke_override(connection, activity, _user(user)):
            raise UserError(_("{activity} has no active override").format(activity=activity))
        realigned = realign_activity(connection, crosswalks, activity)
    console.print(_("Override of {activity} revoked; its money follows the rules again.").format(
        activity=escape(activity)))
    if not realigned:
        errors.print(_("note: the rest of the alignment is out of date, so only the override was recorded; "
                       "run `stratmon align`"), markup=False)


def _activity_exists(connection, identifier: str) -> bool:
    from sqlalchemy import select

    from stratmon.store import schema

    activity = schema.activity
    return connection.execute(select(activity.c.id).where(activity.c.iati_identifier == identifier)).first() \
        is not None


@app.command("explain", help=N_("Per transaction: what was attributed where, and why."))
@handles_errors
def explain_command(
    activity: ActivityArgument,
    output_format: TableJsonOption = "table",
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """Why an activity's money sits where it does."""
    from stratmon.analysis.alignment import explain

    check_format(output_format, ("table", "json"))
    with alignment_session(framework, db) as (crosswalks, connection, labels):
        found = explain(connection, activity, crosswalks.digest)
        if output_format == "json":
            typer.echo(json.dumps(_explanation_document(found, labels), ensure_ascii=False, indent=2))
        else:
            console.print(_explanation_tree(found, labels))
    if not found.is_current:
        errors.print(_("note: the alignment is out of date; run `stratmon align`"), markup=False)


def _target_name(labels: Labels, objective_id, line_id, outside_id) -> str:
    if objective_id:
        return f"{objective_id} {labels.objective(objective_id)} ({labels.line(line_id)})"
    if outside_id:
        return _("Outside the Strategy: {category}").format(category=labels.outside(outside_id))
    return _("Not aligned")


def _explanation_tree(found, labels: Labels) -> Tree:
    from stratmon.analysis.regional_scope import reason_text

    tree = Tree(f"[bold]{escape(found.iati_identifier)}[/bold] {escape(found.title or '')}")
    tree.add(_("Reported by {agency}").format(agency=escape(labels.agency(found.reporting_org_ref))))
    if found.regional or found.outside_recipients:
        geography = tree.add(_("The Strategy's geography"))
        for key, decision, reason, places in found.regional:
            counted = _("counted as the Strategy's") if decision == "in" else _("not counted")
            geography.add(escape(f"{labels.recipient(key)}: {counted} ({reason_text(reason)}{': ' + places if places else ''})"))
        if found.outside_recipients:
            geography.add(escape(_("Outside it, never aligned: {recipients}").format(
                recipients=", ".join(labels.recipient(key) for key in found.outside_recipients))))
    if found.sectors:
        sectors = tree.add(_("Sectors"))
        for vocabulary, code, name, percentage in found.sectors:
            share = "" if percentage is None else f" {percentage:g}%"
            sectors.add(escape(f"{vocabulary}:{code} {name or ''}{share}"))
    if found.overrides:
        history = tree.add(_("Manual overrides"))
        for override in found.overrides:
            line = _("#{id} → {target} by {user} on {when}: {reason}").format(
                id=override.id, target=override.target, user=override.created_by,
                when=f"{override.created_at:%Y-%m-%d %H:%M}", reason=override.reason)
            if not override.is_active:
                line += " " + _("(revoked by {user} on {when})").format(
                    user=override.revoked_by, when=f"{override.revoked_at:%Y-%m-%d %H:%M}")
            history.add(escape(line))
    types = _transaction_type_names()
    transactions = tree.add(_("Transactions"))
    for tx in found.transactions:
        value = _("no value") if tx.value_usd is None else f"{format_money(tx.value_usd)} {tx.currency or ''}"
        node = transactions.add(escape(f"{tx.transaction_date} {format_fiscal_year(tx.fiscal_year)} "
                                       f"{types.get(tx.type_code, tx.type_code)} {value}"))
        for part in tx.parts:
            leaf = node.add(escape(f"{format_money(part.usd)} → {labels.recipient(part.recipient_key)}: "
                                   f"{_target_name(labels, part.objective_id, part.line_id, part.outside_id)}"))
            for line in _why(labels, part):
                leaf.add(escape(line))
    return tree


def _why(labels: Labels, part) -> list[str]:
    """Why a part sits where it does: the deciding signal and the confidence, the votes that won and
    the votes that lost (or, where nothing voted, the sectors that said nothing)."""
    if part.rule == "none":
        said = labels.evidence(part.evidence) if part.evidence else ""
        return [_("No signal proposed a target: {sectors}").format(sectors=said) if said else labels.rule("none")]
    lines = [_("Decided by {signal}; confidence {confidence}").format(
        signal=labels.rule(part.rule), confidence=labels.confidence(part.confidence))]
    if part.evidence:
        lines.append(_("For: {votes}").format(votes=labels.evidence(part.evidence)))
    if part.contest:
        lines.append(_("Against: {votes}").format(votes=labels.evidence(part.contest)))
    return lines


def _transaction_type_names() -> dict[str, str]:
    return {"1": _("Incoming funds"), "2": _("Obligation"), "3": _("Disbursement"), "4": _("Expenditure")}


def _explanation_document(found, labels: Labels) -> dict:
    from stratmon.analysis.funding_request import usd_text
    from stratmon.analysis.regional_scope import reason_text

    return {
        "iati_identifier": found.iati_identifier,
        "title": found.title,
        "reporting_org_ref": found.reporting_org_ref,
        "alignment_is_current": found.is_current,
        "sectors": [{"vocabulary": vocabulary, "code": code, "name": name, "percentage": percentage}
                    for vocabulary, code, name, percentage in found.sectors],
        "geography": {"regions": [{"recipient": key, "counted": decision == "in", "reason": reason, "places": places,
                                   "explanation": reason_text(reason)}
                                  for key, decision, reason, places in found.regional],
                      "outside_recipients": found.outside_recipients},
        "overrides": [{"id": o.id, "target": o.target, "reason": o.reason, "created_by": o.created_by,
                       "created_at": o.created_at.isoformat(), "active": o.is_active,
                       "revoked_by": o.revoked_by,
                       "revoked_at": o.revoked_at.isoformat() if o.revoked_at else None}
                      for o in found.overrides],
        "transactions": [{
            "type": tx.type_code, "date": str(tx.transaction_date), "fy": tx.fiscal_year,
            "value_usd": usd_text(tx.value_usd), "currency": tx.currency,
            "parts": [{"recipient": p.recipient_key, "line": p.line_id, "objective": p.objective_id,
                       "outside": p.outside_id, "rule": p.rule, "confidence": p.confidence, "evidence": p.evidence,
                       "explanation": labels.evidence(p.evidence), "contest": p.contest,
                       "contest_explanation": labels.evidence(p.contest) if p.contest else None,
                       "usd": usd_text(p.usd)} for p in tx.parts],
        } for tx in found.transactions],
    }


@app.command("coverage", help=N_("Dollars and shares aligned, outside the Strategy and not aligned."))
@handles_errors
def coverage_command(
    by: Annotated[str | None, typer.Option("--by", metavar="agency|country|fy", help=N_("agency, country or fy"),
                                           show_default=False)] = None,
    transaction_type: TransactionTypeOption = "disbursement",
    fy: FiscalYearsOption = None,
    output_format: TableJsonOption = "table",
    largest: Annotated[int, typer.Option("--largest", metavar="N", min=0, max=1000,
                                         help=N_("How many of the largest unaligned activities to list."))] = 10,
    source: Annotated[str, typer.Option("--source", metavar="iati|fagov", help=N_(
        "iati, or fagov for ForeignAssistance.gov transactions"))] = "iati",
    framework: FrameworkOption = None,
    db: DbOption = None,
) -> None:
    """How much money the alignment explains."""
    from stratmon.analysis.alignment import coverage

    check_format(output_format, ("table", "json"))
    with alignment_session(framework, db) as (crosswalks, connection, labels):
        result = coverage(connection, by, transaction_type, parse_fiscal_years(fy), largest, source,
                          crosswalks.digest)
        if output_format == "json":
            typer.echo(json.dumps(_coverage_document(result, labels), ensure_ascii=False, indent=2))
        else:
            _print_coverage(result, labels)


def _row_document(row: CoverageRow) -> dict:
    from stratmon.analysis.funding_request import usd_text

    def share(amount):
        value = row.share(amount)
        return None if value is None else float(round(value, 6))

    return {"total_usd": usd_text(row.total_usd), "aligned_usd": usd_text(row.aligned_usd),
            "outside_usd": usd_text(row.outside_usd), "not_aligned_usd": usd_text(row.not_aligned_usd),
            "aligned_share": share(row.aligned_usd), "outside_share": share(row.outside_usd),
            "not_aligned_share": share(row.not_aligned_usd)}


def _coverage_document(result: Coverage, labels: Labels) -> dict:
    from stratmon.analysis.funding_request import usd_text

    id_key = "iati_identifier" if result.source == "iati" else "activity_id"
    largest = [{id_key: a.identifier, "title": a.title, "agency": a.reporting_org_ref,
                "not_aligned_usd": usd_text(a.not_aligned_usd)} for a in result.largest_not_aligned]
    confidence = {key: usd_text(amount) for key, amount in result.by_confidence.items()}
    if result.by is None:
        return {**_row_document(result.overall), "type": result.transaction_type, "source": result.source,
                "placed_usd_by_confidence": confidence, "largest_not_aligned": largest}
    return {"by": result.by, "type": result.transaction_type, "source": result.source,
            "rows": [{result.by: row.key, **_row_document(row)} for row in result.rows],
            "total": _row_document(result.overall), "placed_usd_by_confidence": confidence,
            "largest_not_aligned": largest}


def _print_coverage(result: Coverage, labels: Labels) -> None:
    headers = {"agency": _("Agency"), "country": _("Country"), "fy": _("Fiscal year")}
    table = Table(title=_("Alignment coverage, {type} (USD)").format(type=_type_name(result.transaction_type)),
                  show_footer=result.by is not None)
    if result.by:
        table.add_column(headers[result.by], footer=_("Total"))
    for column in (_("Total"), _("Aligned"), _("Outside the Strategy"), _("Not aligned")):
        table.add_column(column, justify="right", no_wrap=True)
    rows = result.rows if result.by else [result.overall]
    for row in rows:
        cells = [_cell(row, row.total_usd, is_total=True),
                 *(_cell(row, amount) for amount in (row.aligned_usd, row.outside_usd, row.not_aligned_usd))]
        table.add_row(*([escape(_key_name(labels, result, row.key))] if result.by else []), *cells)
    if result.by:
        overall = result.overall
        for index, (column, amount) in enumerate(zip(table.columns[1:], (
                overall.total_usd, overall.aligned_usd, overall.outside_usd, overall.not_aligned_usd))):
            column.footer = _cell(overall, amount, is_total=index == 0)
    console.print(table)
    if result.by_confidence:
        placed = sum(result.by_confidence.values(), Decimal(0))
        surely = Table(title=_("Money placed (aligned or outside the Strategy), by confidence (USD)"))
        for column in (_("Manual override"), _("High"), _("Medium"), _("Low")):
            surely.add_column(column, justify="right", no_wrap=True)
        surely.add_row(*(f"{format_money(amount)} ({format_percent(amount / placed)})" if placed > 0
                         else format_money(amount) for amount in result.by_confidence.values()))
        console.print(surely)
    if result.largest_not_aligned:
        largest = Table(title=_("Largest activities not aligned"))
        largest.add_column(_("Activity"), no_wrap=True)
        largest.add_column(_("Title"))
        largest.add_column(_("Agency"))
        largest.add_column("USD", justify="right", no_wrap=True)
        for item in result.largest_not_aligned:
            agency = labels.agency(item.reporting_org_ref) if result.source == "iati" else item.reporting_org_ref
            largest.add_row(escape(item.identifier), escape(item.title or ""), escape(agency or ""),
                            format_money(item.not_aligned_usd))
        console.print(largest)


def _cell(row: CoverageRow, amount: Decimal, is_total: bool = False) -> str:
    share = row.share(amount)
    if is_total or share is None:
        return format_money(amount)
    return f"{format_money(amount)} ({format_percent(share)})"


def _key_name(labels: Labels, result: Coverage, key) -> str:
    if result.by == "fy":
        return format_fiscal_year(key)
    if result.by == "country":
        return f"{key} {labels.recipient(key)}"
    # ForeignAssistance.gov names its managing agencies itself.
    return labels.agency(key) if result.source == "iati" else (key or _("Unspecified"))


def _type_name(transaction_type: str) -> str:
    return {"obligation": _("obligations"), "disbursement": _("disbursements"),
            "expenditure": _("expenditures"), "incoming_funds": _("incoming funds")}.get(transaction_type,
                                                                                         transaction_type)
