"""Coverage: how much of what ForeignAssistance.gov reports the IATI data hold, and whose money
is missing.

For a set of places (the framework's countries), a span of fiscal years and a transaction type,
both sides are summed in USD alike: IATI from the roll-up of `transaction_split`; ForeignAssistance.gov
from its country summary (`fagov_figure`, whole years), else from its complete file.

Which publishers are missing is inferred from the data, never guessed: the State Department's
budget tables say which accounts fund a country in a year, and `funding_accounts` which agencies
manage each account. An agency is named only where, over the years both the span and the budget
tables cover, the accounts it alone manages allot the country at least `MATERIAL_USD` and the agency
publishes in IATI (obligations or disbursements, the larger) less than half of that. An agency the
budget tables do not carry (MCC, DFC, ...) is never named: nothing shows it funds the country.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, func, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.analysis.funding_accounts import managing_agencies
from stratmon.store import schema

# Under this share of ForeignAssistance.gov's figure, the figure carries a warning (issue 16).
LOW_COVERAGE = Decimal("0.8")
# An agency is named missing only for at least this much money in the budget tables.
MATERIAL_USD = Decimal("1000000")
# ... and when it publishes less than this share of it.
MISSING_SHARE = Decimal("0.5")
# Budget-table columns that add other columns up.
BUDGET_TOTALS = frozenset({"All Accounts", "Total without GHCS-State"})


def iati_sums(connection: Connection, transaction_type: str) -> dict[tuple[str, int], int]:
    """(recipient key, fiscal year) → IATI millionths of USD of one transaction type."""
    sums: dict[tuple[str, int], int] = defaultdict(int)
    for (key, fy, _agency, _type), micros in iati_by_agency(connection, (transaction_type,)).items():
        sums[(key, fy)] += micros
    return dict(sums)


def iati_by_agency(connection: Connection, transaction_types: tuple[str, ...]) -> dict[tuple[str, int, str, str], int]:
    """(recipient key, fiscal year, reporting agency ref or '', type) → IATI millionths of USD, read
    from the funding roll-up (a few thousand groups whatever the number of transactions)."""
    total = schema.split_total
    names = {TRANSACTION_TYPES[t]: t for t in transaction_types}
    rows = connection.execute(
        select(total.c.recipient_key, total.c.fiscal_year, total.c.reporting_org_ref, total.c.type_code,
               func.sum(total.c.units), func.sum(total.c.remainder))
        .where(total.c.currency == USD, total.c.type_code.in_(list(names)))
        .group_by(total.c.recipient_key, total.c.fiscal_year, total.c.reporting_org_ref, total.c.type_code))
    return {(key, fy, ref, names[code]): joined_sum(units, remainder) for key, fy, ref, code, units, remainder in rows}


def fagov_sums(connection: Connection, transaction_type: str) -> dict[tuple[str, int], int | None]:
    """(recipient key, fiscal year) → ForeignAssistance.gov millionths of USD: the country summary
    where loaded, else the complete file's rows. A published figure with no amount stays None,
    never zero (DESIGN.md rule 4)."""
    figure = schema.fagov_figure
    sums = {(key, fy): (int(total) if total is not None else None) for key, fy, total in connection.execute(
        select(figure.c.recipient_key, figure.c.fiscal_year, figure.c.current_micros)
        .where(figure.c.transaction_type == transaction_type, figure.c.fiscal_period == ""))}
    detail = schema.fagov_transaction
    for key, fy, units, remainder in connection.execute(
            select(detail.c.recipient_key, detail.c.fiscal_year, *exact_sum(detail.c.current_micros))
            .where(detail.c.transaction_type == transaction_type)
            .group_by(detail.c.recipient_key, detail.c.fiscal_year)):
        sums.setdefault((key, fy), joined_sum(units, remainder))
    return sums


@dataclass(frozen=True)
class MissingPublisher:
    """An agency whose money the budget tables show for some places and the IATI data lack."""

    agency_ref: str
    places: tuple[str, ...]
    accounts: tuple[str, ...]
    budget_usd: Decimal
    iati_usd: Decimal
    first_fy: int
    last_fy: int


@dataclass(frozen=True)
class Coverage:
    """IATI against ForeignAssistance.gov for some places, a span of fiscal years and one type."""

    places: tuple[str, ...]
    transaction_type: str
    first_fy: int | None
    last_fy: int | None
    iati_usd: Decimal
    fagov_usd: Decimal | None
    missing: tuple[MissingPublisher, ...]
    # The fiscal years the budget tables could speak for (None: none within the span).
    budget_years: tuple[int, int] | None

    @property
    def share(self) -> Decimal | None:
        """IATI ÷ ForeignAssistance.gov, to four places (None without a positive FA.gov figure)."""
        if not self.fagov_usd or self.fagov_usd <= 0:
            return None
        return (self.iati_usd / self.fagov_usd).quantize(Decimal("0.0001"))

    @property
    def is_low(self) -> bool:
        """Whether IATI holds less than `LOW_COVERAGE` of ForeignAssistance.gov's figure."""
        return self.share is not None and self.share < LOW_COVERAGE


class CoverageData:
    """The sums coverage needs, read once and asked many times (a page asks for every country)."""

    def __init__(self, connection: Connection, transaction_types: tuple[str, ...] = ("obligation", "disbursement")):
        self.connection = connection
        self.published = iati_by_agency(connection, ("obligation", "disbursement"))
        self.iati: dict[str, dict[tuple[str, int], int]] = {t: defaultdict(int) for t in transaction_types}
        for (key, fy, _agency, kind), micros in self.published.items():
            if kind in self.iati:
                self.iati[kind][(key, fy)] += micros
        self.fagov = {t: fagov_sums(connection, t) for t in transaction_types}
        self.budget = _budget_by_agency(connection)

    def funded_years(self, places: tuple[str, ...]) -> list[int]:
        """The fiscal years with IATI money for any of `places`, oldest first."""
        return sorted({fy for sums in self.iati.values() for (key, fy) in sums if key in places})

    def coverage(self, places: tuple[str, ...], fiscal_years: FiscalYears, transaction_type: str) -> Coverage:
        """IATI against ForeignAssistance.gov for `places` over `fiscal_years` (an unbounded side
        runs to the IATI data's first or last year for the places)."""
        funded = self.funded_years(places)
        first = fiscal_years.first if fiscal_years.first is not None else (funded[0] if funded else None)
        last = fiscal_years.last if fiscal_years.last is not None else (funded[-1] if funded else None)
        if first is None or last is None:
            return Coverage(places, transaction_type, first, last, to_usd(0), None, (), None)
        years = range(first, last + 1)
        iati = sum(self.iati[transaction_type].get((place, fy), 0) for place in places for fy in years)
        fagov_parts = [self.fagov[transaction_type].get((place, fy)) for place in places for fy in years]
        known = [part for part in fagov_parts if part is not None]
        fagov = to_usd(sum(known)) if known else None
        budget_years = sorted({fy for (place, fy, _agency) in self.budget if place in places and fy in years})
        missing = self._missing(places, budget_years) if budget_years else ()
        span = (budget_years[0], budget_years[-1]) if budget_years else None
        return Coverage(places, transaction_type, first, last, to_usd(iati), fagov, missing, span)

    def _missing(self, places: tuple[str, ...], years: list[int]) -> tuple[MissingPublisher, ...]:
        found: dict[str, list] = defaultdict(lambda: [[], set(), 0, 0])
        for place in places:
            for agency in sorted({a for (p, fy, a) in self.budget if p == place and fy in years}):
                budget = sum(self.budget.get((place, fy, agency), (0, set()))[0] for fy in years)
                accounts = set().union(*(self.budget.get((place, fy, agency), (0, set()))[1] for fy in years))
                published = max(sum(self.published.get((place, fy, agency, t), 0) for fy in years)
                                for t in ("obligation", "disbursement"))
                if to_usd(budget) >= MATERIAL_USD and Decimal(published) < MISSING_SHARE * budget:
                    entry = found[agency]
                    entry[0].append(place)
                    entry[1] |= accounts
                    entry[2] += budget
                    entry[3] += published
        return tuple(MissingPublisher(agency, tuple(places_), tuple(sorted(accounts)), to_usd(budget),
                                      to_usd(published), years[0], years[-1])
                     for agency, (places_, accounts, budget, published) in
                     sorted(found.items(), key=lambda item: -item[1][2]))


def _budget_by_agency(connection: Connection) -> dict[tuple[str, int, str], tuple[int, set[str]]]:
    """(country, fiscal year, agency ref) → the budget tables' millionths for the accounts that
    agency alone manages there, and those accounts. Accounts several agencies manage (ESF) say
    nothing about which of them is missing, so they are left out."""
    managers = managing_agencies()
    figure = schema.budget_figure
    found: dict[tuple[str, int, str], tuple[int, set[str]]] = {}
    for key, fy, account, micros in connection.execute(
            select(figure.c.recipient_key, figure.c.fiscal_year, figure.c.account, figure.c.amount_micros)
            .where(figure.c.kind == "country", figure.c.recipient_key.is_not(None),
                   figure.c.amount_micros > 0)):
        agencies = managers.get(account, ())
        if account in BUDGET_TOTALS or len(agencies) != 1:
            continue
        amount, accounts = found.get((key, fy, agencies[0]), (0, set()))
        found[(key, fy, agencies[0])] = (amount + int(micros), accounts | {account})
    return found
