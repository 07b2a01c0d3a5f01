"""Funding queries as people ask for them (`--by country,fy`, `?by=country,fy`), and their rows as
records with names: one place, so that the CLI, the API and the portal show the same figures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import Connection

from stratmon.align.crosswalk import load_crosswalks
from stratmon.analysis.errors import QueryError
from stratmon.analysis.fiscal import parse_fiscal_years
from stratmon.analysis.funding import FundingQuery, FundingResult
from stratmon.analysis.geography import STRATEGY, check_scope
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import _, format_fiscal_year, language
from stratmon.sources.countries import iso2_from_iso3, iso2_from_name, iso3_from_iso2

# Keys whose codes mean little to a reader get a name column in CSV and JSON.
NAMED_KEYS = ("group", "line", "objective", "agency", "sector", "account")


def key_headers() -> dict[str, str]:
    """Column headings of the keys."""
    return {"country": _("Country"), "group": _("Country or group"), "fy": _("Fiscal year"),
            "line": _("Line of action"), "objective": _("Objective"), "agency": _("Agency"), "sector": _("Sector"),
            "account": _("Appropriation account")}


def country_key(text: str | None) -> str | None:
    """A country as the user wrote it (GT, GTM, Guatemala) as its ISO alpha-2 code; `region-<code>`
    keys pass through."""
    if text is None:
        return None
    value = text.strip()
    if value.lower().startswith("region-"):
        return value.lower()
    code = (value.upper() if len(value) == 2 and value.isalpha() and iso3_from_iso2(value.upper()) else
            iso2_from_iso3(value) if len(value) == 3 else iso2_from_name(value))
    if code is None:
        raise QueryError(_("{country}: not a country code or name").format(country=value))
    return code


def recipients_for(framework: Framework, country: str | None) -> tuple[str, ...]:
    """The recipient keys a country or group name stands for: a group's members, or one country."""
    if country is None or not country.strip():
        return ()
    group = framework.group(country.strip().lower())
    return group.countries if group else (country_key(country),)


def build_query(framework: Framework, by: str, transaction_type: str, fy: str | None, sector_vocabulary: str,
                country: str | None, scope: str = STRATEGY) -> FundingQuery:
    """A funding query from the options a person gives, of the money in `scope` of the framework's
    geography (the Strategy's by default); one by line or objective must find the alignment made with
    the current crosswalks."""
    recipients = recipients_for(framework, country)
    candidates = framework.geography.candidates
    outside = [key for key in recipients if key not in candidates]
    if outside and check_scope(scope) == STRATEGY:
        raise QueryError(_("{recipient} is outside the Strategy's geography: add --scope outside or --scope all "
                           "to see its money").format(recipient=outside[0]))
    query = FundingQuery(tuple(k.strip() for k in by.split(",") if k.strip()), transaction_type,
                         parse_fiscal_years(fy), sector_vocabulary,
                         country_groups=tuple((member, group.id) for group in framework.country_groups
                                              for member in group.countries),
                         recipients=recipients, geography=framework.geography, scope=scope)
    if query.is_aligned:
        query = replace(query, crosswalk_digest=load_crosswalks().digest)
    return query


def query_labels(connection: Connection, framework: Framework, query: FundingQuery) -> Labels:
    """Labels for a query's keys (with the crosswalks' names when it is by line or objective)."""
    crosswalks = load_crosswalks() if query.is_aligned else None
    return Labels(connection, framework, language(), query.sector_vocabulary, crosswalks)


def key_name(labels: Labels, key: str, value) -> str:
    """A key value's display name."""
    if key == "fy":
        return format_fiscal_year(value)
    if key == "country":
        return labels.recipient(value)
    if key in ("line", "objective"):
        return labels.aligned(key, value)
    if key == "group":
        return labels.group(value)
    if key == "account":
        return labels.account(value)
    return labels.agency(value) if key == "agency" else labels.sector(value)


def record_columns(result: FundingResult) -> list[str]:
    """The columns of `funding_records`: each key, a name beside the coded ones, then `usd`."""
    columns = []
    for key in result.query.by:
        columns.append(key)
        if key in NAMED_KEYS:
            columns.append(f"{key}_name")
    return [*columns, "usd"]


def usd_text(value) -> str | None:
    """Dollars as machine-readable text with two decimals (None stays None)."""
    return None if value is None else f"{value:.2f}"


def funding_records(result: FundingResult, labels: Labels) -> Iterator[dict]:
    """One record per row: key values (names beside codes), `usd` as text with two decimals."""
    for row in result.rows:
        record = {}
        for key, value in zip(result.query.by, row.keys):
            record[key] = value if value is not None else ""
            if key in NAMED_KEYS:
                record[f"{key}_name"] = key_name(labels, key, value)
        record["usd"] = usd_text(row.usd)
        yield record
