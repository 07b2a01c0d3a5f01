"""Coverage: how much of what ForeignAssistance.gov reports the IATI data hold, and whose money
is missing.

For a set of places (the framework's countries), a span of fiscal years and a transaction type,
both sides are summed in USD alike: IATI from the roll-up of `transaction_split`; ForeignAssistance.gov
from its country summary (`fagov_figure`, whole years), else from its complete file. IATI money outside
the Strategy's geography (DESIGN.md rule 9) is summed apart (`CoverageData.outside`).

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

from sqlalchemy import Connection, func, not_, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import TRANSACTION_TYPES, USD, exact_sum, joined_sum, to_usd
from stratmon.analysis.funding_accounts import managing_agencies
from stratmon.analysis.geography import in_strategy
from stratmon.framework.model import Geography
from stratmon.store import schema

# Under this share of ForeignAssistance.gov's figure, the figure carries a warning (issue 16).
LOW_COVERAGE = Decimal("0.8")
# An agency is named missing only for at least this much money in the budget tables.
MATERIAL_USD = Decimal("1000000")
# ... and when it publishes less than this share of it.
MISSING_SHARE = Decimal("0.5")


def iati_by_agency(connection: Connection, transaction_types: tuple[str, ...],
                   geography: Geography) -> dict[tuple[str, int, str, str], int]:
    """(recipient key, fiscal year, reporting agency ref or '', type) → IATI millionths of USD of the
    Strategy's money (its geography, DESIGN.md rule 9), read from the funding roll-up (a few thousand
    groups whatever the number of transactions)."""
    total = schema.split_total
    names = {TRANSACTION_TYPES[t]: t for t in transaction_types}
    rows = connection.execute(
        select(total.c.recipient_key, total.c.fiscal_year, total.c.reporting_org_ref, total.c.type_code,
               func.sum(total.c.units), func.sum(total.c.remainder))
        .where(total.c.currency == USD, total.c.type_code.in_(list(names)), in_strategy(total, geography))
        .group_by(total.c.recipient_key, total.c.fiscal_year, total.c.reporting_org_ref, total.c.type_code))
    return {(key, fy, ref, names[code]): joined_sum(units, remainder) for key, fy, ref, code, units, remainder in rows}


@dataclass(frozen=True)
class Outside:
    """IATI money outside the Strategy's geography over some fiscal years: counted apart, never in its figures."""

    usd: Decimal
    recipients: int


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
    # IATI money in years ForeignAssistance.gov has no figure for: left out of `iati_usd` so that
    # both sides cover the same places and years.
    uncompared_iati_usd: Decimal = Decimal("0.00")

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
    """The sums coverage needs, read once and asked many times (a page asks for every country). Never
    changed once made, so that requests may share one (web/portal/span.coverage_data keeps one per data
    version)."""

    TYPES = ("obligation", "disbursement")

    def __init__(self, connection: Connection, geography: Geography):
        self.published = iati_by_agency(connection, self.TYPES, geography)
        # Money outside the geography by (recipient, fiscal year) and type: counted apart.
        self.outside_money: dict[str, dict[tuple[str, int], int]] = {t: {} for t in self.TYPES}
        total, names = schema.split_total, {TRANSACTION_TYPES[t]: t for t in self.TYPES}
        for key, fy, code, units, remainder in connection.execute(
                select(total.c.recipient_key, total.c.fiscal_year, total.c.type_code, func.sum(total.c.units),
                       func.sum(total.c.remainder))
                .where(total.c.currency == USD, total.c.type_code.in_(list(names)),
                       not_(in_strategy(total, geography)))
                .group_by(total.c.recipient_key, total.c.fiscal_year, total.c.type_code)):
            self.outside_money[names[code]][(key, fy)] = joined_sum(units, remainder)
        self.iati: dict[str, dict[tuple[str, int], int]] = {t: defaultdict(int) for t in self.TYPES}
        for (key, fy, _agency, kind), micros in self.published.items():
            self.iati[kind][(key, fy)] += micros
        self.fagov = {t: fagov_sums(connection, t) for t in self.TYPES}
        self.budget, covered = _budget_by_agency(connection)
        # Indexes for the questions asked per place and per row: the years each side has a figure
        # for, by type and place; the budget tables' years and agencies by place.
        self.years: dict[str, dict[str, set[int]]] = {t: defaultdict(set) for t in self.TYPES}
        for kind in self.TYPES:
            for key, fy in (*self.iati[kind], *self.fagov[kind]):
                self.years[kind][key].add(fy)
        # Every year the tables fund a place counts, even when no account there names one agency
        # (Costa Rica's FMF and IMET): the tables then say no agency is missing, not nothing.
        self.budget_years: dict[str, list[int]] = defaultdict(list)
        for place, fy in sorted(covered):
            self.budget_years[place].append(fy)
        self.budget_agencies: dict[tuple[str, int], list[str]] = defaultdict(list)
        for place, fy, agency in sorted(self.budget):
            self.budget_agencies[(place, fy)].append(agency)

    def outside(self, fiscal_years: FiscalYears, transaction_type: str) -> Outside:
        """The IATI money outside the Strategy's geography over `fiscal_years`, and to how many recipients."""
        sums: dict[str, int] = defaultdict(int)
        for (key, fy), micros in self.outside_money[transaction_type].items():
            if fy in fiscal_years:
                sums[key] += micros
        return Outside(to_usd(sum(sums.values())), sum(1 for micros in sums.values() if micros))

    def funded_years(self, places: tuple[str, ...]) -> list[int]:
        """The fiscal years with IATI money for any of `places`, oldest first."""
        return sorted({fy for sums in self.iati.values() for (key, fy) in sums if key in places})

    def data_years(self, transaction_type: str) -> tuple[int, int] | None:
        """The first and last fiscal year either side has a figure for."""
        years = [fy for sums in (self.iati[transaction_type], self.fagov[transaction_type]) for _key, fy in sums]
        return (min(years), max(years)) if years else None

    def coverage(self, places: tuple[str, ...], fiscal_years: FiscalYears, transaction_type: str) -> Coverage:
        """IATI against ForeignAssistance.gov for `places` over `fiscal_years` (an unbounded side
        runs to the IATI data's first or last year for the places). Only the (place, year) pairs
        ForeignAssistance.gov has a figure for are compared; IATI money in the others is counted
        apart (`uncompared_iati_usd`)."""
        funded = self.funded_years(places)
        first = fiscal_years.first if fiscal_years.first is not None else (funded[0] if funded else None)
        last = fiscal_years.last if fiscal_years.last is not None else (funded[-1] if funded else None)
        if first is None or last is None:
            return Coverage(places, transaction_type, first, last, to_usd(0), None, (), None)
        iati, fagov = self.iati[transaction_type], self.fagov[transaction_type]
        compared = uncompared = 0
        known = []
        for place in places:
            # Only years with data on either side: a range of centuries costs nothing.
            for fy in sorted(fy for fy in self.years[transaction_type].get(place, ()) if first <= fy <= last):
                if fagov.get((place, fy)) is None:
                    uncompared += iati.get((place, fy), 0)
                else:
                    known.append(fagov[(place, fy)])
                    compared += iati.get((place, fy), 0)
        budget_years = sorted({fy for place in places for fy in self.budget_years.get(place, ()) if first <= fy <= last})
        missing = self._missing(places, budget_years) if budget_years else ()
        span = (budget_years[0], budget_years[-1]) if budget_years else None
        return Coverage(places, transaction_type, first, last, to_usd(compared if known else compared + uncompared),
                        to_usd(sum(known)) if known else None, missing, span, to_usd(uncompared if known else 0))

    def _short(self, place: str, agency: str, years: list[int], evidence: list[int] | None = None) -> tuple:
        """An agency's budget (over `evidence`, by default `years`), accounts and IATI money (the larger
        of obligations and disbursements over `years`) for a place."""
        entries = [self.budget.get((place, fy, agency), (0, set())) for fy in (evidence or years)]
        budget = sum(amount for amount, _accounts in entries)
        accounts = set().union(*(accounts for _amount, accounts in entries))
        published = max(sum(self.published.get((place, fy, agency, kind), 0) for fy in years) for kind in self.TYPES)
        return budget, accounts, published

    def _missing(self, places: tuple[str, ...], years: list[int]) -> tuple[MissingPublisher, ...]:
        found: dict[str, list] = defaultdict(lambda: [[], set(), 0, 0])
        for place in places:
            for agency in sorted({a for fy in years for a in self.budget_agencies.get((place, fy), ())}):
                budget, accounts, published = self._short(place, agency, years)
                if is_missing(budget, published):
                    entry = found[agency]
                    entry[0].append(place)
                    entry[1] |= accounts
                    entry[2] += budget
                    entry[3] += published
        return tuple(MissingPublisher(agency, tuple(places_), tuple(sorted(accounts)), to_usd(budget),
                                      to_usd(published), years[0], years[-1])
                     for agency, (places_, accounts, budget, published) in
                     sorted(found.items(), key=lambda item: -item[1][2]))

    def absent_in(self, place: str, fy: int) -> tuple[int, list[str]] | None:
        """For one place and year: the budget tables' year that speaks for it (the year itself, or
        their latest for a later year) and the agencies missing by the same rule as `coverage`, a
        later year counting as missing only where the agency publishes nothing at all that year."""
        years = self.budget_years.get(place)
        if not years or fy < years[0] or (fy not in years and fy < years[-1]):
            return None
        evidence = fy if fy in years else years[-1]
        agencies = []
        for agency in self.budget_agencies.get((place, evidence), ()):
            budget, _accounts, published = self._short(place, agency, [fy], [evidence])
            if is_missing(budget, published) and (evidence == fy or published == 0):
                agencies.append(agency)
        return (evidence, agencies) if agencies else None


def is_missing(budget_micros: int, published_micros: int) -> bool:
    """The one rule for naming an agency missing: the budget tables allot at least `MATERIAL_USD`
    through accounts it alone manages, and it publishes less than `MISSING_SHARE` of that."""
    return to_usd(budget_micros) >= MATERIAL_USD and Decimal(published_micros) < MISSING_SHARE * budget_micros


def _budget_by_agency(connection: Connection) -> tuple[dict[tuple[str, int, str], tuple[int, set[str]]],
                                                      set[tuple[str, int]]]:
    """(country, fiscal year, agency ref) → the budget tables' millionths for the accounts that
    agency alone manages there, and those accounts; and every (country, fiscal year) the tables fund.
    Accounts several agencies manage (ESF) say nothing about which of them is missing, so they are
    left out of the first."""
    managers = managing_agencies()
    figure = schema.budget_figure
    found: dict[tuple[str, int, str], tuple[int, set[str]]] = {}
    covered: set[tuple[str, int]] = set()
    for key, fy, account, micros in connection.execute(
            select(figure.c.recipient_key, figure.c.fiscal_year, figure.c.account, figure.c.amount_micros)
            .where(figure.c.kind == "country", figure.c.recipient_key.is_not(None),
                   figure.c.amount_micros > 0)):
        covered.add((key, fy))
        # The tables' total columns have no manager, and an account several agencies manage (ESF,
        # FMF) says nothing about which of them is missing: both are left out.
        agencies = managers.get(account, ())
        if len(agencies) != 1:
            continue
        amount, accounts = found.get((key, fy, agencies[0]), (0, set()))
        found[(key, fy, agencies[0])] = (amount + int(micros), accounts | {account})
    return found, covered
