"""Appropriation accounts as the budget tables name them, read from the treasury accounts IATI carries.

The mapping is data (`data/funding_accounts.yaml`, with its sources): for each account of the State
Department's budget tables (DA, ESF, INCLE, ...), its full name in English and Spanish, the tables'
older spellings of it, the treasury account symbols money drawn on it is published under, and the
agencies that manage it. Several symbols may fold into one account; a symbol the mapping does not know
keeps its published form.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import Field, model_validator
from sqlalchemy import Connection, and_, case, func, literal, or_, select

from stratmon.framework.loader import read_yaml_mapping, validated
from stratmon.framework.model import Strict, Text
from stratmon.sources.usg_extensions import split_symbol, treasury_account_title
from stratmon.store import schema
from stratmon.store.splits import UNSPECIFIED


class SymbolEntry(Strict):
    """A treasury account symbol ("72x1021") or main account ("1005"), maybe only for some publishers."""

    symbol: str = Field(pattern=r"^(\d{2,3}x)?[0-9A-Z]{4}$")
    reported_by: tuple[str, ...] = ()


class FundingAccount(Strict):
    """One account of the budget tables."""

    account: str = Field(min_length=1)
    name: Text
    spellings: tuple[str, ...] = ()
    managed_by: tuple[str, ...] = Field(min_length=1)
    symbols: tuple[SymbolEntry | str, ...] = ()
    fagov_names: tuple[str, ...] = ()

    def entries(self) -> list[SymbolEntry]:
        return [SymbolEntry(symbol=s) if isinstance(s, str) else s for s in self.symbols]


class FundingAccountFile(Strict):
    totals: tuple[str, ...] = ()
    accounts: tuple[FundingAccount, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_symbol_once(self) -> FundingAccountFile:
        # A symbol (for a publisher) read as two accounts would make the tables depend on file order.
        seen: set[tuple[str, str | None]] = set()
        spellings: set[str] = set()
        for account in self.accounts:
            for entry in account.entries():
                for key in ((entry.symbol, publisher) for publisher in entry.reported_by or (None,)):
                    if key in seen:
                        raise ValueError(f"symbol {key[0]} is listed twice")
                    seen.add(key)
            for spelling in (account.account, *account.spellings):
                if spelling in spellings:
                    raise ValueError(f"account {spelling} is listed twice")
                spellings.add(spelling)
        return self


class AccountMap:
    """The mapping, indexed: symbol (and publisher) → account, spelling → account, account → name."""

    def __init__(self, accounts: tuple[FundingAccount, ...], totals: tuple[str, ...] = ()) -> None:
        self.accounts = {a.account: a for a in accounts}
        self.totals = frozenset(totals)
        self._spelling = {spelling: a.account for a in accounts for spelling in (a.account, *a.spellings)}
        self._fagov = {name.casefold(): a.account for a in accounts
                       for name in (a.account, a.name.en, *a.spellings, *a.fagov_names)}
        # (symbol, publisher or None) → account; a publisher-specific entry wins over a general one.
        self._symbol: dict[tuple[str, str | None], str] = {}
        for account in accounts:
            for entry in account.entries():
                for publisher in entry.reported_by or (None,):
                    self._symbol[(entry.symbol, publisher)] = account.account

    def account_of(self, symbol: str | None, reporting_org: str | None = None) -> str:
        """The budget-table account of a published symbol; the symbol itself when the mapping does not
        know it; `unspecified` when the transaction publishes none."""
        if not symbol:
            return UNSPECIFIED
        keys = [(symbol, reporting_org), (symbol, None)]
        if parts := split_symbol(symbol):
            keys += [(parts[1], reporting_org), (parts[1], None)]
        for key in keys:
            if key in self._symbol:
                return self._symbol[key]
        return symbol

    def expression(self, symbol, reporting_org):
        """SQL for `account_of` over a treasury-account column and a reporting-organisation column, so
        that funding tables group by account in the database, on either engine."""
        # The same precedence as `account_of`: symbol and publisher, symbol, main account and publisher,
        # main account ("x1005" ends every symbol on main account 1005).
        ranked = sorted(self._symbol.items(), key=lambda item: (len(item[0][0]) == 4, item[0][1] is None))
        cases = []
        for (code, publisher), account in ranked:
            matches = or_(symbol.like(f"%x{code}"), symbol == code) if len(code) == 4 else symbol == code
            cases.append((and_(matches, reporting_org == publisher) if publisher else matches, account))
        fallback = func.coalesce(symbol, literal(UNSPECIFIED))
        return case(*cases, else_=fallback) if cases else fallback

    def canonical(self, spelling: str) -> str | None:
        """The account a budget-table column names ("GHCS-USAID" → "GHP-USAID"); None for totals and
        columns the mapping does not know ("All Accounts", "Other")."""
        return self._spelling.get(spelling)

    def fagov_account(self, name: str | None) -> str | None:
        """The account a ForeignAssistance.gov "Funding Account Name" names, None when unknown."""
        return self._fagov.get(" ".join(name.split()).casefold()) if name else None

    def name(self, account: str, lang: str = "en") -> str:
        """The account's full name in `lang`; a symbol the mapping does not know is its own name."""
        known = self.accounts.get(account)
        return known.name.get(lang) if known else account



def data_path() -> Path:
    """The shipped mapping's file."""
    return Path(str(resources.files("stratmon.analysis") / "data" / "funding_accounts.yaml"))


@lru_cache(maxsize=1)
def funding_accounts() -> AccountMap:
    """The shipped mapping, validated once."""
    path = data_path()
    found = validated(FundingAccountFile, read_yaml_mapping(path), path)
    return AccountMap(found.accounts, found.totals)


def managing_agencies() -> dict[str, tuple[str, ...]]:
    """Budget-table account name (as stored in budget_figure.account, older spellings included) → IATI
    reporting-org refs of the agencies that manage it."""
    return {spelling: account.managed_by
            for account in funding_accounts().accounts.values()
            for spelling in (account.account, *account.spellings)}


def published_account_titles(connection: Connection) -> dict[str, str]:
    """Each stored treasury account symbol → its title as one of the transactions that publish it gives
    it (publishers word a title differently, but name the same account)."""
    tx = schema.transaction
    first = select(func.min(tx.c.id)).where(tx.c.treasury_account.is_not(None)).group_by(tx.c.treasury_account)
    titles = {}
    for symbol, extensions in connection.execute(
            select(tx.c.treasury_account, tx.c.extensions).where(tx.c.id.in_(first.scalar_subquery()))):
        if title := treasury_account_title(extensions):
            titles[symbol] = title
    return titles
