"""The U.S. Government's extensions to IATI: the appropriation (treasury) account of a transaction.

U.S. agencies publish, per transaction, the treasury account the money was appropriated to, in a
namespaced element the IATI reader keeps as JSON (`sources.iati_common.to_json`). Two forms exist:

- State and most agencies: `<usg:treasury-account code="11x1022">International Narcotics ...`
  (agency identifier 11, "x" for no-year money, main account 1022);
- USAID: no code on the element, but children `<regular-account code="72.0"/>` (the agency
  identifier, as a spreadsheet number) and `<main-account code="1021.0">Development Assistance`.

`treasury_account` reads both into one symbol, `agency x main` ("72x1021"), the form State publishes,
so that the two agencies' money on the same account meets under one name.
"""

from __future__ import annotations

import re

TREASURY_ACCOUNT = "treasury-account"
# A symbol as published: agency identifier, "x" (no-year) and the main account (4 digits, or letters
# for a few Defense accounts such as 97xDEDA).
_SYMBOL = re.compile(r"^(\d{1,3})[xX]([0-9A-Za-z]{4})$")
_NUMBER = re.compile(r"^\d+(\.0*)?$")


def treasury_account(extensions: list | None) -> str | None:
    """The treasury account symbol a transaction publishes ("11x1022", "72x1021"), or None."""
    for element in extensions or ():
        if isinstance(element, dict) and element.get("tag") == TREASURY_ACCOUNT:
            code = _code(element)
            if code:
                return normalise_symbol(code)
            if symbol := _from_parts(element.get("children") or ()):
                return symbol
    return None


def treasury_account_title(extensions: list | None) -> str | None:
    """The account's title as published beside its symbol ("Development Assistance"), or None."""
    for element in extensions or ():
        if isinstance(element, dict) and element.get("tag") == TREASURY_ACCOUNT:
            main = [c for c in element.get("children") or () if isinstance(c, dict) and c.get("tag") == "main-account"]
            text = element.get("text") or (main[0].get("text") if main else None)
            return " ".join(text.split()) if isinstance(text, str) and text.strip() else None
    return None


def normalise_symbol(code: str) -> str:
    """One spelling of a published symbol: "011X1022" → "11x1022"; other forms are kept as published."""
    code = code.strip()
    match = _SYMBOL.fullmatch(code)
    if not match:
        return code
    return f"{int(match[1]):02d}x{match[2].upper()}"


def split_symbol(symbol: str) -> tuple[str, str] | None:
    """`(agency, main account)` of a normalised symbol ("72x1021" → ("72", "1021")), None if it has
    another form."""
    match = _SYMBOL.fullmatch(symbol)
    return (match[1], match[2]) if match else None


def _from_parts(children) -> str | None:
    """USAID's form: regular account (the agency) and main account as children, numbers as "72.0"."""
    parts = {child.get("tag"): _code(child) for child in children if isinstance(child, dict)}
    agency, main = parts.get("regular-account"), parts.get("main-account")
    if not (agency and main and _NUMBER.fullmatch(agency)):
        return None
    main = str(int(float(main))).zfill(4) if _NUMBER.fullmatch(main) else main.upper()
    return normalise_symbol(f"{int(float(agency))}x{main}")


def _code(element: dict) -> str | None:
    code = (element.get("attrs") or {}).get("code")
    return code.strip() if isinstance(code, str) and code.strip() else None
