"""Checks on what agencies publish (issue 16, point 4): the problems a reader of the IATI files meets,
each naming the activity or file and the dollars it touches, counted per publisher.

- `negative_pipeline`: an activity has disbursed more than it has obligated, in all (USD): its pipeline is
  negative and its burn rate above 100% (one finding, both said: the two are the same condition).
- `disbursed_without_obligation`: disbursements, and no obligation at all, in the same activity.
- `replacement_characters`: a title or description holds U+FFFD or text decoded with the wrong encoding.
- `redacted`: a title or description says it was redacted.
- `placeholder`: an activity its publisher marks as a placeholder (MCC's `-NA-NA` accounting lines, titles
  such as "Not Applicable").
- `identical_files`: two imported files with the same bytes (the second adds nothing).
- `future_transaction`: a transaction dated after the day of the check.
- `no_sector`: an activity with no sector at all, at activity or transaction level.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, case, func, literal, or_, select, union_all

from stratmon.analysis.funding import TRANSACTION_TYPES, USD, to_usd
from stratmon.i18n import _
from stratmon.store import schema

CHECKS = ("negative_pipeline", "disbursed_without_obligation", "replacement_characters",
          "redacted", "placeholder", "identical_files", "future_transaction", "no_sector")
# Text decoded with the wrong encoding: UTF-8 read as Latin-1 or cp1252 ("Ã©" for "é", "â€™" for "’").
_MOJIBAKE = re.compile("\ufffd|Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")
_REDACTED = re.compile(r"\b(?:information\s+)?redacted\b", re.IGNORECASE)
# What every match of the two patterns above holds, for the database to find the few texts worth matching
# (reading every title and description into Python took two seconds with the whole U.S. publication loaded).
_MOJIBAKE_PARTS = ("\ufffd", "Ã", "â€", "Â")
_REDACTED_PART = "redacted"
_PLACEHOLDER_TITLE = re.compile(r"^\s*(?:not applicable|n/?a|placeholder|tbd|to be determined)\s*$", re.IGNORECASE)
_PLACEHOLDER_ID = re.compile(r"-NA-NA$")


def check_names() -> dict[str, str]:
    """Each check's name, in the current language."""
    return {"negative_pipeline": _("Disbursed more than obligated (negative pipeline, burn rate above 100%)"),
            "disbursed_without_obligation": _("Disbursements with no obligation"),
            "replacement_characters": _("Replacement or mis-decoded characters"),
            "redacted": _("Redacted title or description"), "placeholder": _("Placeholder activity"),
            "identical_files": _("File identical to another"),
            "future_transaction": _("Transaction dated in the future"),
            "no_sector": _("Activity with no sector")}


@dataclass(frozen=True)
class PublishedFinding:
    """One problem in the published data."""

    check: str
    publisher: str | None          # reporting organisation reference
    subject: str                   # the activity's IATI identifier, or the file
    usd: Decimal | None            # the dollars it touches (None: no money involved)
    detail: str = ""               # what was found, as published (a title, a ratio, a date, another file)


@dataclass(frozen=True)
class PublishedQuality:
    findings: list[PublishedFinding]
    by_publisher: dict[tuple[str | None, str], int] = field(default_factory=dict)  # (publisher, check) → count


@dataclass(frozen=True)
class CheckSummary:
    """One check over all findings: how often it fires, the dollars it touches, and where."""

    check: str
    name: str
    findings: int
    usd: Decimal | None            # None when no finding touches money
    publishers: Counter            # reporting organisation reference (None for files) → findings


def by_check(result: PublishedQuality) -> list[CheckSummary]:
    """Every check in order, with its count, dollars and publishers (the data page and the report)."""
    names = check_names()
    summaries = []
    for check in CHECKS:
        found = [f for f in result.findings if f.check == check]
        money = [abs(f.usd) for f in found if f.usd is not None]
        summaries.append(CheckSummary(check, names[check], len(found), sum(money, Decimal(0)) if money else None,
                                      Counter(f.publisher for f in found)))
    return summaries


def published_quality(connection: Connection, *, today: date | None = None) -> PublishedQuality:
    """Every check on every imported activity and file, largest dollars first within each check."""
    today = today or date.today()
    findings = [*_money_checks(connection), *_text_checks(connection), *_identical_files(connection),
                *_future_transactions(connection, today), *_without_sector(connection)]
    findings.sort(key=lambda f: (CHECKS.index(f.check), -(abs(f.usd) if f.usd is not None else Decimal(0)),
                                 f.subject))
    return PublishedQuality(findings, dict(Counter((f.publisher, f.check) for f in findings)))


def _money_checks(connection: Connection) -> list[PublishedFinding]:
    tx, activity = schema.transaction, schema.activity
    obligated = func.sum(case((tx.c.type_code == TRANSACTION_TYPES["obligation"], tx.c.value_micros), else_=0))
    disbursed = func.sum(case((tx.c.type_code == TRANSACTION_TYPES["disbursement"], tx.c.value_micros), else_=0))
    obligations = func.sum(case((tx.c.type_code == TRANSACTION_TYPES["obligation"], 1), else_=0))
    rows = connection.execute(
        select(activity.c.iati_identifier, activity.c.reporting_org_ref, obligated, disbursed, obligations)
        .join(activity, activity.c.id == tx.c.activity_id)
        .where(func.coalesce(tx.c.currency, activity.c.default_currency) == USD, tx.c.value_micros.is_not(None))
        # By the activity's key, which its transactions are stored in the order of (no sort of identifiers),
        # and only the activities both checks can find: those that disbursed more than they obligated, in
        # millionths (rounding to cents never turns a smaller sum into a larger one).
        .group_by(activity.c.id).having(disbursed > obligated))
    found = []
    for identifier, publisher, obligated_micros, disbursed_micros, obligation_count in rows:
        obligated_usd, disbursed_usd = to_usd(obligated_micros or 0), to_usd(disbursed_micros or 0)
        if disbursed_usd > 0 and not obligation_count:
            found.append(PublishedFinding("disbursed_without_obligation", publisher, identifier, disbursed_usd))
            continue
        if obligated_usd - disbursed_usd < 0:
            rate = f"{disbursed_usd / obligated_usd:.0%}" if obligated_usd > 0 else None
            burn = _("burn rate {rate}").format(rate=rate) if rate else ""
            found.append(PublishedFinding("negative_pipeline", publisher, identifier, obligated_usd - disbursed_usd,
                                          burn))
    return found


def _text_checks(connection: Connection) -> list[PublishedFinding]:
    activity, narrative = schema.activity, schema.activity_narrative
    found, seen = [], set()
    titles = select(activity.c.iati_identifier, activity.c.reporting_org_ref, literal("title"), activity.c.title) \
        .where(activity.c.title.is_not(None), _may_match(activity.c.title))
    narratives = select(activity.c.iati_identifier, activity.c.reporting_org_ref, narrative.c.element,
                        narrative.c.text).join(activity, activity.c.id == narrative.c.activity_id) \
        .where(narrative.c.element.in_(("title", "description")), _may_match(narrative.c.text))
    # Titles first, so that a finding quotes the title when both the title and a description have the problem.
    texts = sorted(connection.execute(union_all(titles, narratives)), key=lambda row: (row[0], row[2] != "title"))
    for identifier, publisher, element, text in texts:
        for check, pattern in (("replacement_characters", _MOJIBAKE), ("redacted", _REDACTED)):
            if (check, identifier) not in seen and (hit := pattern.search(text)):
                seen.add((check, identifier))
                start = max(hit.start() - 30, 0)
                found.append(PublishedFinding(check, publisher, identifier, None,
                                              f"{element}: …{text[start:hit.end() + 30]}…"))
    for identifier, publisher, title in connection.execute(
            select(activity.c.iati_identifier, activity.c.reporting_org_ref, activity.c.title)):
        if _PLACEHOLDER_ID.search(identifier) or (title and _PLACEHOLDER_TITLE.match(title)):
            found.append(PublishedFinding("placeholder", publisher, identifier, None, title or ""))
    return found


def _may_match(text):
    """True for every text `_MOJIBAKE` or `_REDACTED` matches, and for few others. Case is folded for the
    ASCII word only, as both engines' `lower` do."""
    return or_(*(text.contains(part, autoescape=True) for part in _MOJIBAKE_PARTS),
               func.lower(text).contains(_REDACTED_PART, autoescape=True))


def _identical_files(connection: Connection) -> list[PublishedFinding]:
    run = schema.import_run
    paths: dict[str, list[str]] = {}
    # The file imported first stands; each later one with the same bytes is the finding.
    for content_hash, path in connection.execute(
            select(run.c.content_hash, run.c.path).where(run.c.source_kind == "iati").order_by(run.c.id)):
        if path not in paths.setdefault(content_hash, []):
            paths[content_hash].append(path)
    return [PublishedFinding("identical_files", None, later, None, first)
            for first, *others in paths.values() for later in others]


def _future_transactions(connection: Connection, today: date) -> list[PublishedFinding]:
    tx, activity = schema.transaction, schema.activity
    rows = connection.execute(
        select(activity.c.iati_identifier, activity.c.reporting_org_ref, func.max(tx.c.transaction_date),
               func.sum(case((func.coalesce(tx.c.currency, activity.c.default_currency) == USD, tx.c.value_micros),
                             else_=0)))
        .join(activity, activity.c.id == tx.c.activity_id).where(tx.c.transaction_date > today)
        .group_by(activity.c.iati_identifier, activity.c.reporting_org_ref))
    return [PublishedFinding("future_transaction", publisher, identifier, to_usd(micros or 0), str(latest))
            for identifier, publisher, latest, micros in rows]


def _without_sector(connection: Connection) -> list[PublishedFinding]:
    activity, sector = schema.activity, schema.sector
    has_sector = select(sector.c.activity_id).distinct()
    return [PublishedFinding("no_sector", publisher, identifier, None)
            for identifier, publisher in connection.execute(
                select(activity.c.iati_identifier, activity.c.reporting_org_ref)
                .where(activity.c.id.not_in(has_sector)))]
