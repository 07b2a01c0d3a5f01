"""Names of the IATI codes the portal shows, in the page's language.

The IATI codelists name their codes in English (and French) only; the few codelists an activity
page needs are named here through the message catalogue, so that Spanish pages read Spanish.
Codes these lists do not know fall back to the loaded codelist, then to the code itself.
"""

from __future__ import annotations

from functools import lru_cache

from stratmon.i18n import _, language
from stratmon.iati.codelists import codelists


@lru_cache(maxsize=64)
def _names(codelist: str, lang: str) -> dict[str, str]:
    """The names of `codelist`'s codes in `lang`, the language in use: made once per language, as a page
    names hundreds of codes (each transaction's type, each alignment row's)."""
    if codelist == "TransactionType":
        return {"1": _("Incoming funds"), "2": _("Obligation (outgoing commitment)"), "3": _("Disbursement"),
                "4": _("Expenditure"), "5": _("Interest payment"), "6": _("Loan repayment"),
                "7": _("Reimbursement"), "8": _("Purchase of equity"), "9": _("Sale of equity"),
                "10": _("Credit guarantee"), "11": _("Incoming commitment"), "12": _("Outgoing pledge"),
                "13": _("Incoming pledge")}
    if codelist == "ActivityStatus":
        return {"1": _("Pipeline or identification"), "2": _("Implementation"), "3": _("Finalisation"),
                "4": _("Closed"), "5": _("Cancelled"), "6": _("Suspended")}
    if codelist == "ActivityDateType":
        return {"1": _("Planned start"), "2": _("Actual start"), "3": _("Planned end"), "4": _("Actual end")}
    if codelist == "OrganisationRole":
        return {"1": _("Funding"), "2": _("Accountable"), "3": _("Extending"), "4": _("Implementing")}
    if codelist == "OrganisationType":
        return {"10": _("Government"), "11": _("Local government"), "15": _("Other public sector"),
                "21": _("International NGO"), "22": _("National NGO"), "23": _("Regional NGO"),
                "24": _("Partner-country-based NGO"), "30": _("Public-private partnership"), "40": _("Multilateral"),
                "60": _("Foundation"), "70": _("Private sector"), "71": _("Private sector in provider country"),
                "72": _("Private sector in aid-recipient country"), "73": _("Private sector in third country"),
                "80": _("Academic, training and research"), "90": _("Other")}
    if codelist == "DescriptionType":
        return {"1": _("General"), "2": _("Objectives"), "3": _("Target groups"), "4": _("Other")}
    if codelist == "ResultType":
        return {"1": _("Output"), "2": _("Outcome"), "3": _("Impact"), "9": _("Other")}
    if codelist == "IndicatorMeasure":
        return {"1": _("Unit"), "2": _("Percentage"), "3": _("Nominal"), "4": _("Ordinal"), "5": _("Qualitative")}
    return {}


def code_name(codelist: str, code: str | None) -> str:
    """The name of `code` in `codelist`, in the request's language ("–" when there is no code)."""
    if code is None or code == "":
        return "–"
    return _names(codelist, language()).get(code) or codelists().name(codelist, code, language())


def code_choices(codelist: str) -> list[tuple[str, str]]:
    """(code, name) pairs of a codelist named here, in code order (for a form's options)."""
    return sorted(_names(codelist, language()).items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0)
