"""The State Department's budget tables against what agencies publish, by place, account and fiscal year.

Places are the framework's countries (the tables' country rows) and the Strategy's regional programmes
(`regional`: the table rows the framework lists under `budget_programs`, set together against IATI money
to the framework's regions). Accounts are the tables' own (DA, ESF, INCLE, ...; older spellings folded,
analysis/funding_accounts.py); IATI money is read on the same accounts through the treasury accounts its
transactions publish, and ForeignAssistance.gov's where its stored transactions name the account. Only
the years the tables have are compared. The gap is the budget less IATI obligations: what the tables
allot that the published data does not show obligated (negative where IATI shows more); rows come
largest gap first, in dollars either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import FundingQuery, exact_sum, funding_by_type, joined_sum, to_usd
from stratmon.analysis.funding_accounts import AccountMap, funding_accounts
from stratmon.analysis.funding_request import recipients_for, usd_text
from stratmon.analysis.labels import Labels
from stratmon.framework import Framework
from stratmon.i18n import _
from stratmon.store import schema

REGIONAL = "regional"
COMPARED_TYPES = ("obligation", "disbursement")
ZERO = Decimal("0.00")

Key = tuple[str, str, int]  # place, account, fiscal year


@dataclass(frozen=True)
class BudgetGap:
    """One place, account and fiscal year: the budget tables' figure against the published money."""

    place: str
    account: str
    fiscal_year: int
    budget_usd: Decimal
    iati_obligated_usd: Decimal
    iati_disbursed_usd: Decimal
    # None where ForeignAssistance.gov's stored transactions do not name the account.
    fagov_obligated_usd: Decimal | None

    @property
    def gap_usd(self) -> Decimal:
        """The budget less IATI obligations."""
        return self.budget_usd - self.iati_obligated_usd


@dataclass(frozen=True)
class BudgetComparison:
    """The compared rows, largest gap first, and what the comparison could not set against anything."""

    rows: list[BudgetGap]
    fiscal_years: tuple[int, ...]
    # Budget in the places and years compared under columns that name no account the mapping knows
    # ("Other"), by column.
    uncompared_budget_usd: dict[str, Decimal] = field(default_factory=dict)


def budget_comparison(connection: Connection, framework: Framework, *, fiscal_years: FiscalYears = FiscalYears(),
                      places: tuple[str, ...] = ()) -> BudgetComparison:
    """The comparison for the framework's countries and regional programmes (or only `places`: ISO
    codes and/or `regional`), over the budget tables' years within `fiscal_years`."""
    accounts = funding_accounts()
    countries = tuple(c.code for c in framework.countries if not places or c.code in places)
    with_regional = not places or REGIONAL in places
    budget, uncompared = _budget(connection, framework, accounts, fiscal_years, countries, with_regional)
    years = _budget_years(connection, fiscal_years)
    iati = _iati(connection, framework, fiscal_years, countries, with_regional, years)
    fagov = {key: usd for key, usd in _fagov(connection, accounts, fiscal_years, countries).items() if key[2] in years}
    rows = []
    for key in set(budget) | set(fagov) | {key for sums in iati.values() for key in sums}:
        row = BudgetGap(*key, budget_usd=to_usd(budget.get(key, 0)), iati_obligated_usd=iati["obligation"].get(key, ZERO),
                        iati_disbursed_usd=iati["disbursement"].get(key, ZERO), fagov_obligated_usd=fagov.get(key))
        # A budget cell of "-" against nothing published says nothing.
        if row.budget_usd or row.iati_obligated_usd or row.iati_disbursed_usd or row.fagov_obligated_usd:
            rows.append(row)
    rows.sort(key=lambda r: (-abs(r.gap_usd), r.place, r.account, r.fiscal_year))
    return BudgetComparison(rows, tuple(sorted(years)), {column: to_usd(micros) for column, micros in sorted(uncompared.items())})


def _budget(connection: Connection, framework: Framework, accounts: AccountMap, fiscal_years: FiscalYears,
            countries: tuple[str, ...], with_regional: bool) -> tuple[dict[Key, int], dict[str, int]]:
    """Budget micros by place, account (spellings folded) and year; and those of unknown columns."""
    figure = schema.budget_figure
    programme_labels = {label for programme in framework.budget_programs for label in programme.labels}
    query = select(figure.c.fiscal_year, figure.c.kind, figure.c.label, figure.c.recipient_key, figure.c.account,
                   figure.c.amount_micros).where(figure.c.kind.in_(("country", "program")),
                                                  figure.c.amount_micros.is_not(None),
                                                  *fiscal_years.conditions(figure.c.fiscal_year))
    budget: dict[Key, int] = defaultdict(int)
    uncompared: dict[str, int] = defaultdict(int)
    for year, kind, label, recipient, column, micros in connection.execute(query):
        if kind == "country" and recipient in countries:
            place = recipient
        elif kind == "program" and with_regional and label in programme_labels:
            place = REGIONAL
        else:
            continue
        if column in accounts.totals:
            continue
        if account := accounts.canonical(column):
            budget[(place, account, year)] += micros
        else:
            uncompared[column] += micros
    return budget, uncompared


def _budget_years(connection: Connection, fiscal_years: FiscalYears) -> set[int]:
    figure = schema.budget_figure
    return set(connection.execute(select(figure.c.fiscal_year).distinct().where(
        *fiscal_years.conditions(figure.c.fiscal_year))).scalars())


def _iati(connection: Connection, framework: Framework, fiscal_years: FiscalYears, countries: tuple[str, ...],
          with_regional: bool, years: set[int]) -> dict[str, dict[Key, Decimal]]:
    """IATI dollars by place, budget account and year, over the budget tables' years only, for each of
    COMPARED_TYPES."""
    known = funding_accounts().accounts
    found: dict[str, dict[Key, Decimal]] = {kind: {} for kind in COMPARED_TYPES}
    # Regions are summed by the database, not row by row here: one exact sum per account and year.
    parts = [(("country", "account", "fy"), countries)] if countries else []
    regions = tuple(sorted(framework.geography.regions))  # their money inside the geography only
    if with_regional and regions:
        parts.append((("account", "fy"), regions))
    for by, recipients in parts:
        query = FundingQuery(by, fiscal_years=fiscal_years, recipients=recipients, geography=framework.geography)
        for kind, rows in funding_by_type(connection, query, COMPARED_TYPES).items():
            for row in rows:
                place, account, year = row.keys if len(row.keys) == 3 else (REGIONAL, *row.keys)
                if account in known and year in years:
                    found[kind][(place, account, year)] = row.usd
    return found


def _fagov(connection: Connection, accounts: AccountMap, fiscal_years: FiscalYears,
           countries: tuple[str, ...]) -> dict[Key, Decimal]:
    """ForeignAssistance.gov obligations (current dollars) by country, account and year, where its
    stored transactions name an account the mapping knows."""
    tx = schema.fagov_transaction
    query = select(tx.c.recipient_key, tx.c.funding_account, tx.c.fiscal_year, *exact_sum(tx.c.current_micros)).where(
        tx.c.transaction_type == "obligation", tx.c.funding_account.is_not(None), tx.c.recipient_key.in_(countries),
        *fiscal_years.conditions(tx.c.fiscal_year)).group_by(tx.c.recipient_key, tx.c.funding_account,
                                                             tx.c.fiscal_year)
    found: dict[Key, int] = defaultdict(int)
    for recipient, name, year, units, remainder in connection.execute(query):
        if account := accounts.fagov_account(name):
            found[(recipient, account, year)] += joined_sum(units, remainder)
    return {key: to_usd(micros) for key, micros in found.items()}


RECORD_COLUMNS = ("place", "place_name", "account", "account_name", "fy", "budget_usd", "iati_obligated_usd",
                  "iati_disbursed_usd", "fagov_obligated_usd", "gap_usd")


def places_for(framework: Framework, text: str | None) -> tuple[str, ...]:
    """The places a person names: `regional`, a country group's members, or one country (all when empty)."""
    if text is None or not text.strip():
        return ()
    if text.strip().casefold() == REGIONAL:
        return (REGIONAL,)
    return recipients_for(framework, text)


def place_name(labels: Labels, place: str) -> str:
    """A place of the comparison as a name."""
    return _("Regional programmes") if place == REGIONAL else labels.recipient(place)


def programme_notes(framework: Framework, lang: str) -> str:
    """What the framework says of its regional budget programmes, as sentences to follow a table."""
    return "".join(" " + _("{programme}: {note}").format(programme=p.name.get(lang), note=p.note.get(lang))
                   for p in framework.budget_programs if p.note)


def comparison_records(comparison: BudgetComparison, labels: Labels) -> Iterator[dict]:
    """One record per row, in RECORD_COLUMNS, dollars as text with two decimals (FA.gov empty where it
    does not name the account): the CLI and the API give the same figures."""
    accounts = funding_accounts()
    for row in comparison.rows:
        yield {"place": row.place, "place_name": place_name(labels, row.place), "account": row.account,
               "account_name": accounts.name(row.account, labels.lang), "fy": row.fiscal_year,
               "budget_usd": usd_text(row.budget_usd), "iati_obligated_usd": usd_text(row.iati_obligated_usd),
               "iati_disbursed_usd": usd_text(row.iati_disbursed_usd),
               "fagov_obligated_usd": usd_text(row.fagov_obligated_usd), "gap_usd": usd_text(row.gap_usd)}
