"""Names for the codes in tables: framework first, then IATI codelists, CLDR, the data, the code."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import Connection, func, select

from stratmon.align.crosswalk import Crosswalks
from stratmon.analysis.funding_accounts import funding_accounts, published_account_titles
from stratmon.framework import Framework
from stratmon.i18n import _, language, territory_name
from stratmon.iati.codelists import SECTOR_CODELIST_BY_VOCABULARY, codelists
from stratmon.store import schema
from stratmon.store.data_version import PerDataVersion
from stratmon.store.splits import UNSPECIFIED


_AGENCY_NAMES = PerDataVersion(size=4)


def agency_names(connection: Connection) -> tuple[tuple[str, str | None], ...]:
    """Each reporting organisation with activities: its reference and the alphabetically first of the names
    it publishes, by name. Kept per data version: the activities list (every filter and page of it) and every
    label of an agency the framework does not name ask for it, and it reads every activity (a few dozen
    milliseconds with the whole U.S. publication loaded). Not for a transaction that has written activities
    and not committed them (the data version moves at the commit on PostgreSQL): no writer asks for it."""
    activity = schema.activity
    statement = (select(activity.c.reporting_org_ref, func.min(activity.c.reporting_org_name))
                 .where(activity.c.reporting_org_ref.is_not(None))
                 .group_by(activity.c.reporting_org_ref).order_by(func.min(activity.c.reporting_org_name)))
    return _AGENCY_NAMES.get(connection, "agency_names", lambda: tuple(map(tuple, connection.execute(statement))))


class Labels:
    """Resolves display names for recipient, agency and sector codes in one language."""

    def __init__(self, connection: Connection, framework: Framework, lang: str, sector_vocabulary: str = "1",
                 crosswalks: Crosswalks | None = None):
        self.framework = framework
        self.crosswalks = crosswalks
        self.lang = lang
        self.sector_vocabulary = sector_vocabulary
        self._connection = connection
        self._agency_names: dict[str, str] | None = None
        self._sector_names: dict[str, str] | None = None
        self._region_names: dict[str, str] | None = None
        self._account_titles: dict[str, str] | None = None
        self._line_and_objective_names: dict[tuple[str, str], str] | None = None
        self._evidence_words: dict[str, str] = {}

    def recipient(self, key: str) -> str:
        """A country or `region-<code>` key as a name."""
        if key == UNSPECIFIED:
            return _("Unspecified")
        if key.startswith("region-"):
            code = key.removeprefix("region-")
            region = next((r for r in self.framework.regions if r.code == code), None)
            if region:
                return region.name.get(self.lang)
            if code.isdigit():
                return codelists().name("Region", code, self.lang, fallback=_("Region {code}").format(code=code))
            return self._published_region_name(key) or _("Region {code}").format(code=code)
        country = self.framework.country(key)
        if country:
            return country.name.get(self.lang)
        return territory_name(key, self.lang) or codelists().name("Country", key, self.lang)

    def _published_region_name(self, key: str) -> str | None:
        """A region's name as ForeignAssistance.gov publishes it (its regions are not IATI's)."""
        if self._region_names is None:
            figure = schema.fagov_figure
            self._region_names = dict(self._connection.execute(
                select(figure.c.recipient_key, func.min(figure.c.recipient_name))
                .where(figure.c.recipient_key.like("region-%")).group_by(figure.c.recipient_key)).all())
        return self._region_names.get(key)

    def agency(self, ref: str | None) -> str:
        """A reporting organisation reference as the agency's name."""
        if not ref:
            return _("Unspecified")
        agency = self.framework.agency_by_ref(ref)
        if agency:
            return agency.name.get(self.lang)
        if self._agency_names is None:
            self._agency_names = dict(agency_names(self._connection))
        return self._agency_names.get(ref) or ref

    def agency_short(self, ref: str | None) -> str:
        """An agency's acronym or short name where the framework knows it (USAID, MCC; State, "Depto. de
        Estado" in Spanish), else its name."""
        agency = self.framework.agency_by_ref(ref) if ref else None
        return agency.short(self.lang) if agency else self.agency(ref)

    def sector(self, code: str) -> str:
        """A sector code of the chosen vocabulary as a name."""
        if code == UNSPECIFIED:
            return _("Unspecified")
        if self._sector_names is None:
            sector = schema.sector
            self._sector_names = dict(self._connection.execute(
                select(sector.c.code, func.min(sector.c.name))
                .where(sector.c.vocabulary == self.sector_vocabulary).group_by(sector.c.code)).all())
        codelist = SECTOR_CODELIST_BY_VOCABULARY.get(self.sector_vocabulary)
        fallback = self._sector_names.get(code)
        return codelists().name(codelist, code, self.lang, fallback=fallback) if codelist else (fallback or code)

    def account(self, value: str | None) -> str:
        """An `account` key value of a funding table: the budget tables' account by its full name, else
        the treasury account's title as its publisher gives it, else the symbol."""
        if not value or value == UNSPECIFIED:
            return _("Unspecified")
        accounts = funding_accounts()
        if value in accounts.accounts:
            return accounts.name(value, self.lang)
        if self._account_titles is None:
            self._account_titles = published_account_titles(self._connection)
        return self._account_titles.get(value) or value

    def line(self, line_id: str) -> str:
        """A line of action's name."""
        return self._framework_names().get(("line", line_id), line_id)

    def objective(self, objective_id: str) -> str:
        """An objective's name."""
        return self._framework_names().get(("objective", objective_id), objective_id)

    def _framework_names(self) -> dict[tuple[str, str], str]:
        # Named once per Labels: tables name a line or objective on each of hundreds of rows, and finding
        # one walks the framework's tree.
        if self._line_and_objective_names is None:
            self._line_and_objective_names = {
                **{("line", line.id): line.name.get(self.lang) for line in self.framework.lines_of_action},
                **{("objective", o.id): o.name.get(self.lang) for _line, o in self.framework.objectives()}}
        return self._line_and_objective_names

    def outside(self, category_id: str) -> str:
        """An outside-the-Strategy category's name."""
        category = self.crosswalks.outside.get(category_id) if self.crosswalks else None
        return category.name.get(self.lang) if category else category_id

    def aligned(self, key: str, value: str | None) -> str:
        """A `line` or `objective` key value of a funding table as a name."""
        if not value or value == "not_aligned":
            return _("Not aligned")
        if value.startswith("outside:"):
            return _("Outside the Strategy: {category}").format(category=self.outside(value.removeprefix("outside:")))
        return self.line(value) if key == "line" else self.objective(value)

    def group(self, key: str) -> str:
        """A `group` key value: a country group's name, else the recipient's."""
        group = self.framework.group(key)
        return group.name.get(self.lang) if group else self.recipient(key)

    def rule(self, rule: str) -> str:
        """The signal that decided an attribution, in words."""
        return _rule_names(language()).get(rule, rule)

    def confidence(self, level: str | None) -> str:
        """A confidence level in words."""
        names = _confidence_names(language())
        return names.get(level or "", names["none"])

    def strength(self, strength: str) -> str:
        """How strongly a signal voted, in words."""
        return _strength_names(language()).get(strength, strength)

    def evidence(self, chain: str) -> str:
        """Evidence in words: votes (`99:2002=G2/broad + kw:x@title=S2/strong`), each with what it proposed
        and how strongly; or, as alignments before weighing wrote it, a chain (`99:5004 > 1:23630`)."""
        # An activity's transactions mostly carry the same evidence: each chain is put in words once.
        words = self._evidence_words.get(chain)
        if words is None:
            words = self._evidence_words[chain] = self._evidence_in_words(chain)
        return words

    def _evidence_in_words(self, chain: str) -> str:
        if "=" not in chain:  # sectors that said nothing (`99:9000 + 1:99810`), or a chain before weighing
            return " → ".join(self._evidence_step(step) for step in re.split(r" [+>] ", chain) if step)
        return "; ".join(self.vote(token) for token in chain.split(" + ") if token)

    def vote(self, token: str) -> str:
        """One vote (`source=target/strength`) in words."""
        source, _sep, rest = token.partition("=")
        target, _slash, strength = rest.rpartition("/")
        return _("{signal} → {target} ({strength})").format(
            signal=self._evidence_step(source), target=self.target_short(target), strength=self.strength(strength))

    def target_short(self, target: str) -> str:
        """An objective id, `outside:<id>` or `line:<id>` as a short name."""
        if target.startswith("outside:"):
            return self.outside(target.removeprefix("outside:"))
        if target.startswith("line:"):
            return self.line(target.removeprefix("line:"))
        return f"{target} {self.objective(target)}" if target else _("Not aligned")

    def _evidence_step(self, step: str) -> str:
        kind, _sep, rest = step.partition(":")
        crosswalks = self.crosswalks
        if kind == "99":
            entry = crosswalks.areas_by_code.get(rest) if crosswalks else None
            name = entry.name.get(self.lang) if entry else self._published_sector("99", rest)
            return _("program area {code} {name}").format(code=rest, name=name or "?").strip()
        if kind == "us-sector":
            entry = crosswalks.program_area("", rest) if crosswalks else None
            name = entry.name.get(self.lang) if entry else rest
            return _("ForeignAssistance.gov U.S. sector {name}").format(name=name)
        if kind in ("1", "2"):
            found = crosswalks.dac(rest) if crosswalks else None
            name = found[1].name.get(self.lang) if found else codelists().name(
                "Sector" if kind == "1" else "SectorCategory", rest, self.lang, fallback="?")
            template = _("DAC code {code} {name}") if kind == "1" else _("DAC category {code} {name}")
            return template.format(code=rest, name=name)
        if kind == "kw":
            rule_id, _at, where = rest.partition("@")
            rule = crosswalks.keyword_rule(rule_id) if crosswalks else None
            name = rule.name.get(self.lang) if rule else rule_id
            if where == "purpose":
                return _("keywords “{rule}” in the opening sentence of a description").format(rule=name)
            place = _("title") if where == "title" else _("description")
            return _("keywords “{rule}” in the {place}").format(rule=name, place=place)
        if kind == "override":
            return _("manual override #{id}").format(id=rest)
        if kind == "org":
            entry = crosswalks.organisation(rest) if crosswalks else None
            return _("organisation {name}").format(name=entry.name.get(self.lang) if entry else rest)
        if kind == "acct":
            entry = crosswalks.account(rest) if crosswalks else None
            return _("account {code} {name}").format(code=rest, name=entry.name.get(self.lang) if entry else "").strip()
        if kind == "geo":
            if not rest:
                return _("money to a wider region whose texts name none of the Strategy's countries")
            return _("regional money naming only places outside the Strategy's countries ({places})").format(
                places=rest)
        return step

    def _published_sector(self, vocabulary: str, code: str) -> str | None:
        sector = schema.sector
        return self._connection.execute(select(func.min(sector.c.name)).where(
            sector.c.vocabulary == vocabulary, sector.c.code == code)).scalar_one()


# The words for rules, confidence levels and strengths, made once per language in use: an activity's
# alignment table names them on every row.
@lru_cache(maxsize=8)
def _rule_names(lang: str) -> dict[str, str]:
    return {"override": _("manual override"), "program_area": _("U.S. program area"),
            "dac": _("DAC purpose code"), "keyword": _("keywords"), "organisation": _("implementing organisation"),
            "account": _("appropriation account"), "geography": _("places named (geography)"),
            "none": _("no rule applies")}


@lru_cache(maxsize=8)
def _confidence_names(lang: str) -> dict[str, str]:
    return {"high": _("high"), "medium": _("medium"), "low": _("low"), "none": _("none")}


@lru_cache(maxsize=8)
def _strength_names(lang: str) -> dict[str, str]:
    return {"fallback": _("fallback"), "broad": _("broad"), "specific": _("specific"), "strong": _("strong"),
            "override": _("a person's decision")}
