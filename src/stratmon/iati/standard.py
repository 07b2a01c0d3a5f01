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
# IATI 1.0x SectorVocabulary names → 2.0x codes (DAC 5-digit, DAC 3-digit, reporting org).
SECTOR_VOCABULARY_V1 = {"DAC": "1", "DAC-3": "2", "COFOG": "3", "NACE": "5", "NTEE": "6", "RO": "99", "RO2": "98"}

# Defaults the standard sets when an attribute is absent.
DEFAULT_SECTOR_VOCABULARY = "1"
DEFAULT_REGION_VOCABULARY = "1"

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


def is_version_1(version: str | None) -> bool:
    """Whether a file declares an IATI 1.0x version."""
    return bool(version) and version.startswith("1.")


def transaction_type_code(raw: str, version_1: bool) -> str:
    """A transaction-type code as 2.0x spells it."""
    code = raw.strip()
    return TRANSACTION_TYPE_V1.get(code.upper(), code) if version_1 or not code.isdigit() else code


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
