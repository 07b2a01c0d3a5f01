"""Each agency's own budget per Strategy country and U.S. fiscal year, from its IATI organisation file,
beside what the same agency disbursed there in IATI.

Reads `iati_organisation` and its `organisation_budget` rows of kind `recipient-country` (the framework's
countries) and `recipient-region` (the framework's own regions, each its own row: DESIGN.md rule 8; wider
regions are outside the Strategy's geography, rule 9). An organisation is a framework agency when its
organisation identifier, else its reporting-org/@ref, is an agency's `iati_ref`; other organisations' budgets
are left out and their identifiers listed.

Fiscal year: a budget's period is counted in the U.S. fiscal year (October–September) holding most of
its days, the earlier one on a tie. The standard keeps periods to a year at most, so an agency's
budget for FY2023 (2022-10-01 to 2023-09-30) counts in FY2023, a calendar-year budget in the fiscal year
its January falls in, and a quarter in the fiscal year it belongs to.

Status: where an organisation publishes both a committed and an indicative budget for the same recipient
and period, the committed one is the budget and the indicative one (its forecast) is left out; otherwise
every budget of the recipient and period counts (some publishers split one recipient's budget over
several elements). Money is summed in USD; budgets in other currencies are reported apart, not converted
(rule 5). Disbursements are `funding` by agency, country and fiscal year (transaction type 3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from stratmon.analysis.fiscal import FiscalYears
from stratmon.analysis.funding import USD, FundingQuery, funding, to_usd
from stratmon.framework import Framework
from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources.values import fiscal_year
from stratmon.store import schema

ZERO = Decimal("0.00")
PLACE_KINDS = ("recipient-country", "recipient-region")


@dataclass(frozen=True)
class AgencyBudget:
    """One agency, place (ISO code or `region-<code>`) and fiscal year: its own budget and its IATI
    disbursements."""

    agency_id: str
    agency_ref: str
    place: str
    fiscal_year: int
    budget_usd: Decimal
    committed_usd: Decimal  # the part of the budget the agency published as committed (BudgetStatus 2)
    iati_disbursed_usd: Decimal
    budgets: int  # the budget elements counted

    @property
    def status(self) -> str:
        """committed | indicative | mixed: how binding the agency says the budget is."""
        if self.committed_usd == self.budget_usd and self.budget_usd:
            return "committed"
        return "indicative" if not self.committed_usd else "mixed"


@dataclass(frozen=True)
class OrganisationBudgets:
    """The rows (agency, place, year), and what could not be counted."""

    rows: list[AgencyBudget]
    fiscal_years: tuple[int, ...]  # the years the organisation files budget for the Strategy's places, any span
    excluded_by_currency: dict[str, Decimal] = field(default_factory=dict)
    other_organisations: tuple[str, ...] = ()  # identifiers of organisations that are no framework agency


def status_name(status: str) -> str:
    """How binding the agency says its budget is (`AgencyBudget.status`), in words."""
    return {"committed": _("committed"), "indicative": _("indicative"),
            "mixed": _("committed and indicative")}.get(status, status)


def budget_fiscal_year(start: date, end: date) -> int:
    """The U.S. fiscal year holding most of the days from `start` to `end` (the earlier on a tie)."""
    days: dict[int, int] = defaultdict(int)
    day = start
    while day <= end:
        year = fiscal_year(day)
        year_end = date(year, 9, 30)
        last = min(end, year_end)
        days[year] += (last - day).days + 1
        day = last + timedelta(days=1)
    return max(sorted(days), key=lambda year: days[year])


def _places(framework: Framework) -> tuple[str, ...]:
    own = sorted(framework.geography.own_regions)
    return (*(country.code for country in framework.countries), *own)


def organisation_budgets(connection: Connection, framework: Framework, *,
                         fiscal_years: FiscalYears = FiscalYears(),
                         places: tuple[str, ...] = ()) -> OrganisationBudgets:
    """The framework agencies' budgets for the Strategy's countries and own regions (or only `places`),
    by fiscal year within `fiscal_years`, largest first within each place and year."""
    places = places or _places(framework)
    budgets, excluded, others, years = _budgets(connection, framework, places, fiscal_years)
    refs = tuple(sorted({key[1] for key in budgets}))
    disbursed = _disbursed(connection, refs, places, fiscal_years) if budgets else {}
    ids = {agency.iati_ref: agency.id for agency in framework.agencies}
    rows = [AgencyBudget(ids[ref], ref, place, year, to_usd(total), to_usd(committed),
                         disbursed.get((ref, place, year), ZERO), count)
            for (place, ref, year), (total, committed, count) in budgets.items()]
    order = {place: index for index, place in enumerate(places)}
    rows.sort(key=lambda r: (order.get(r.place, len(order)), r.fiscal_year, -r.budget_usd, r.agency_id))
    return OrganisationBudgets(rows, tuple(sorted(years)),
                               {currency: to_usd(micros) for currency, micros in sorted(excluded.items())},
                               tuple(sorted(others)))


def _budgets(connection: Connection, framework: Framework, places: tuple[str, ...], fiscal_years: FiscalYears):
    """USD micros (total, committed, elements) by (place, agency ref, fiscal year); non-USD micros by
    currency; identifiers of organisations that are no agency; every year budgeted, whatever the span."""
    organisation, budget = schema.iati_organisation, schema.organisation_budget
    query = (select(organisation.c.organisation_identifier, organisation.c.reporting_org_ref, budget.c.recipient_key,
                    budget.c.status, budget.c.period_start, budget.c.period_end, budget.c.value_micros,
                    budget.c.currency)
             .join(organisation, organisation.c.id == budget.c.organisation_id)
             .where(budget.c.kind.in_(PLACE_KINDS), budget.c.recipient_key.in_(places),
                    budget.c.value_micros.is_not(None)))
    by_period: dict[tuple, list] = defaultdict(list)
    others: set[str] = set()
    for identifier, reporting_ref, place, status, start, end, micros, currency in connection.execute(query):
        agency = framework.agency_by_ref(identifier) or (framework.agency_by_ref(reporting_ref) if reporting_ref
                                                         else None)
        if agency is None:
            others.add(identifier)
            continue
        committed = (status or "").strip() == standard.BUDGET_STATUS_COMMITTED
        by_period[(place, agency.iati_ref, start, end)].append((committed, micros, currency))
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    excluded: dict[str, int] = defaultdict(int)
    years: set[int] = set()
    for (place, ref, start, end), found in by_period.items():
        year = budget_fiscal_year(start, end)
        years.add(year)
        if year not in fiscal_years:
            continue
        if any(committed for committed, _micros, _currency in found):
            found = [item for item in found if item[0]]  # the committed budget supersedes its forecast
        for committed, micros, currency in found:
            if currency != USD:
                excluded[currency or "unknown"] += micros
                continue
            total = sums[(place, ref, year)]
            total[0] += micros
            total[1] += micros if committed else 0
            total[2] += 1
    return dict(sums), dict(excluded), others, years


def _disbursed(connection: Connection, refs: tuple[str, ...], places: tuple[str, ...],
               fiscal_years: FiscalYears) -> dict[tuple[str, str, int], Decimal]:
    """IATI disbursements in USD by (agency ref, place, fiscal year)."""
    result = funding(connection, FundingQuery(("agency", "country", "fy"), "disbursement", fiscal_years,
                                              recipients=places))
    return {(ref, place, year): row.usd for row in result.rows for ref, place, year in (row.keys,) if ref in refs}
