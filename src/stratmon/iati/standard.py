"""Knowledge of the IATI standard the reader needs, kept in one place.

Version 1.0x used letters and words where 2.0x uses numeric codes; these tables map
the old spellings to the 2.0x codes so that everything downstream sees one vocabulary.
"""

from __future__ import annotations

# IATI 1.0x TransactionType codes → 2.0x codes.
TRANSACTION_TYPE_V1 = {
    "IF": "1", "C": "2", "D": "3", "E": "4", "IR": "5", "LR": "6",
    "R": "7", "QP": "8", "QS": "9", "CG": "10",
}
# IATI 1.0x OrganisationRole names → 2.0x codes.
ORGANISATION_ROLE_V1 = {"funding": "1", "accountable": "2", "extending": "3", "implementing": "4"}
# IATI 1.0x ActivityDateType names → 2.0x codes.
ACTIVITY_DATE_TYPE_V1 = {"start-planned": "1", "start-actual": "2", "end-planned": "3", "end-actual": "4"}
# IATI 1.0x Vocabulary names, as sector vocabularies → 2.0x SectorVocabulary codes. The 2.01 changelog's
# own table misnumbers them; these follow the SectorVocabulary codelist's names (1 and 2 the DAC 5- and 3-digit
# codes, 3 COFOG, 4 NACE, 5 NTEE, 6 AidData, 98 and 99 the reporting organisation's). 1.0x ISO and WB have no
# 2.0x vocabulary: they become the reporting organisation's (99), their name kept in a vocabulary-uri.
SECTOR_VOCABULARY_V1 = {"DAC": "1", "DAC-3": "2", "COFOG": "3", "NACE": "4", "NTEE": "5", "ADT": "6",
                        "RO": "99", "RO2": "98"}
# IATI 1.0x Vocabulary names, as policy-marker vocabularies → 2.0x PolicyMarkerVocabulary codes.
POLICY_MARKER_VOCABULARY_V1 = {"DAC": "1", "RO": "99"}
# IATI 1.0x GazetteerAgency codes → 2.0x (location-id vocabularies G1 GeoNames, G2 OpenStreetMap; the
# NGA gazetteer has no 2.0x vocabulary of its own).
GAZETTEER_V1 = {"GEO": "G1", "OSM": "G2"}

# Defaults the standard sets when an attribute is absent.
DEFAULT_SECTOR_VOCABULARY = "1"
DEFAULT_REGION_VOCABULARY = "1"
DEFAULT_AID_TYPE_VOCABULARY = "1"

# Root element of an IATI activity file and its records; of an organisation file and its records.
ACTIVITIES_ROOT = "iati-activities"
ACTIVITY = "iati-activity"
ORGANISATIONS_ROOT = "iati-organisations"
ORGANISATION = "iati-organisation"
# BudgetStatus codelist: a budget without @status is indicative (organisation standard, total-budget/@status).
BUDGET_STATUS_INDICATIVE = "1"
BUDGET_STATUS_COMMITTED = "2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TRUTHY = frozenset({"1", "true"})


# The Version codelist (iatistandard.org, codelists/Version): the versions of the activity standard.
VERSIONS = ("1.01", "1.02", "1.03", "1.04", "1.05", "2.01", "2.02", "2.03")


def version_problem(version: str | None) -> str | None:
    """What is wrong with a file's declared `version`: "missing", "unknown", or None when it is a
    version of the standard (the Version codelist)."""
    if version is None or not version.strip():
        return "missing"
    return None if version.strip() in VERSIONS else "unknown"


def is_version_1(version: str | None) -> bool:
    """Whether a file declares an IATI 1.0x version."""
    return bool(version) and version.startswith("1.")


def role_code(raw: str | None) -> str | None:
    """A participating-org role as 2.0x codes it (1.0x names, any case, mapped)."""
    role = (raw or "").strip() or None
    if role and not role.isdigit():
        return ORGANISATION_ROLE_V1.get(role.lower(), role)
    return role


def activity_date_type(raw: str | None) -> str:
    """An activity-date type as 2.0x codes it (1.0x names mapped)."""
    kind = (raw or "").strip()
    return ACTIVITY_DATE_TYPE_V1.get(kind, kind)


def transaction_type_code(raw: str) -> str:
    """A transaction-type code as 2.0x spells it (1.0x letters, any case, mapped)."""
    code = raw.strip()
    return code if code.isdigit() else TRANSACTION_TYPE_V1.get(code.upper(), code)


def sector_vocabulary(raw: str | None) -> str:
    """A sector vocabulary code as 2.0x spells it (absent means DAC 5-digit)."""
    if raw is None or not raw.strip():
        return DEFAULT_SECTOR_VOCABULARY
    value = raw.strip()
    return SECTOR_VOCABULARY_V1.get(value.upper(), value)


def flag(raw: str | None) -> bool | None:
    """An IATI boolean attribute (`1`/`true`, `0`/`false`), None when absent."""
    if raw is None or not raw.strip():
        return None
    return raw.strip().lower() in TRUTHY
