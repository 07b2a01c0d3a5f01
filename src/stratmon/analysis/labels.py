"""Names for the codes in tables: framework first, then IATI codelists, CLDR, the data, the code."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from stratmon.framework import Framework
from stratmon.i18n import _, territory_name
from stratmon.iati.codelists import SECTOR_CODELIST_BY_VOCABULARY, codelists
from stratmon.store import schema
from stratmon.store.splits import UNSPECIFIED


class Labels:
    """Resolves display names for recipient, agency and sector codes in one language."""

    def __init__(self, connection: Connection, framework: Framework, lang: str, sector_vocabulary: str = "1"):
        self.framework = framework
        self.lang = lang
        self.sector_vocabulary = sector_vocabulary
        self._connection = connection
        self._agency_names: dict[str, str] | None = None
        self._sector_names: dict[str, str] | None = None
        self._region_names: dict[str, str] | None = None

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
            activity = schema.activity
            self._agency_names = dict(self._connection.execute(
                select(activity.c.reporting_org_ref, func.min(activity.c.reporting_org_name))
                .group_by(activity.c.reporting_org_ref)).all())
        return self._agency_names.get(ref) or ref

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
