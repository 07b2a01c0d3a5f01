"""Independent oracle for IATI funding roll-ups.

Written from DESIGN.md ("Data semantics (normative)", rules 1-5 and 8) only, without
reading or importing the ``stratmon`` package.  Tests compare the product's output
against :func:`oracle`.

Semantics implemented here (the judgment calls are marked "choice"):

* Activity identity: stripped ``iati-identifier`` text.  Activities with an empty or
  missing identifier are ignored entirely (neither counted nor summed).
* Duplicates: identical canonical content (``etree.tostring(el, method="c14n")``) is one
  activity.  Differing content: later ``last-updated-datetime`` wins (aware datetimes;
  ``Z`` and naive timestamps are UTC; a missing or unparseable timestamp sorts before any
  present one); equal timestamps: the copy whose c14n bytes have the greater SHA-256 hex
  digest wins.  The result does not depend on file order.
* Transaction type: ``transaction-type/@code``; IATI 1.0x letter codes are mapped.
* Value: ``value`` text with whitespace and commas removed; "", "NULL", "n/a" (any case)
  are missing and the transaction is skipped.  Unparseable/non-finite text is treated as
  missing too (choice; counted in ``skipped_bad_value``).  Negative values are kept.
* Currency: ``value/@currency`` else the activity's ``@default-currency`` (compared
  case-insensitively after stripping; choice).  Only USD is summed; anything else,
  including a currency missing on both, is added (in its own currency) to
  ``excluded_non_usd[type]``.
* Fiscal year: from the first 10 characters of ``transaction-date/@iso-date``; Oct-Dec
  belong to the next FY.  A transaction without a usable date is skipped from the USD
  sums (counted in ``skipped_no_date``).
* Recipients: the transaction's own ``recipient-country``/``recipient-region`` children
  when it has any (non-empty ``@code``), else the activity's.  Countries keyed by the
  upper-cased code, regions by ``region-<code>``; none -> ``"unspecified"``.
  Split by ``@percentage``: none given -> equal split (a lone recipient is 100%);
  some given -> recipients without one get 0 (choice); percentages that do not sum to
  100 are rebased (share = pct / sum).  If the declared percentages sum to 0 the whole
  value goes to ``"unspecified"`` (choice: money is never silently dropped).
  Unparseable or negative percentages count as "not given" (choice).
* A value in whole cents is split in whole cents: each recipient gets the floor of its
  share, and the cents left over go one each to the largest remainders (the recipient
  listed first wins a tie), so that the parts add up to the value.  Other values split
  exactly.
* Arithmetic in ``decimal`` with precision 50; every final (key, fy) cell is quantized
  to cents with ROUND_HALF_UP.  ``excluded_non_usd`` is left unquantized.
* Only types "2" and "3" appear in ``funding`` and ``excluded_non_usd``.
"""

from __future__ import annotations

import hashlib
import re
import pathlib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from lxml import etree

__all__ = ["Oracle", "oracle", "fiscal_year", "SUMMED_TYPES"]

SUMMED_TYPES = ("2", "3")
PREC = 50
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MISSING_VALUES = {"", "null", "n/a"}
LETTER_TYPES = {
    "C": "2",
    "D": "3",
    "E": "4",
    "IF": "1",
    "IR": "5",
    "LR": "6",
    "R": "7",
    "QP": "8",
    "QS": "9",
    "CG": "10",
}


@dataclass
class Oracle:
    activities: int
    transactions: int
    funding: dict[tuple[str, str], dict[tuple[str, int], Decimal]]
    excluded_non_usd: dict[str, Decimal]
    # Diagnostics (not part of the required contract).
    identical_duplicates: int = 0
    conflicts: list[str] = field(default_factory=list)  # identifiers resolved by rule 1
    rebased: int = 0  # summed transactions whose recipient percentages were rebased
    skipped_missing_value: int = 0
    skipped_bad_value: int = 0
    skipped_no_date: int = 0
    c14n_fallbacks: int = 0


def fiscal_year(d: date) -> int:
    return d.year + 1 if d.month >= 10 else d.year


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def _children(el, tag: str):
    # Only un-namespaced IATI elements; comments/PIs have non-str tags.
    return [c for c in el if isinstance(c.tag, str) and c.tag == tag]


def _child(el, tag: str):
    for c in el:
        if isinstance(c.tag, str) and c.tag == tag:
            return c
    return None


def _text(el) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()) if len(el) else (el.text or "")


def _parse_timestamp(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    s = raw.strip()
    if not s:
        return None
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


def _parse_value(raw: str) -> Decimal | None | str:
    """Decimal, or None for a 'missing' token, or the string 'bad' if unparseable."""
    s = "".join(raw.split()).replace(",", "")
    if s.lower() in MISSING_VALUES:
        return None
    try:
        v = Decimal(s)
    except InvalidOperation:
        return "bad"
    if not v.is_finite():
        return "bad"
    return v


def _parse_pct(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    s = raw.strip()
    if not s:
        return None
    try:
        p = Decimal(s)
    except InvalidOperation:
        return None
    if not p.is_finite() or p < 0:
        return None
    return p


def _recipients(el) -> list[tuple[str, Decimal | None]]:
    out: list[tuple[str, Decimal | None]] = []
    for c in el:
        if not isinstance(c.tag, str):
            continue
        if c.tag == "recipient-country":
            code = (c.get("code") or "").strip()
            if code:
                out.append((code.upper(), _parse_pct(c.get("percentage"))))
        elif c.tag == "recipient-region":
            code = (c.get("code") or "").strip()
            if code:
                out.append(("region-" + code, _parse_pct(c.get("percentage"))))
    return out


def _shares(recips: list[tuple[str, Decimal | None]]) -> tuple[list[tuple[str, Decimal]], bool]:
    """[(key, fraction)], rebased_flag.  Must be called inside the precision context."""
    if not recips:
        return [("unspecified", Decimal(1))], False
    if all(p is None for _, p in recips):
        n = Decimal(len(recips))
        return [(k, Decimal(1) / n) for k, _ in recips], False
    pcts = [(k, p if p is not None else Decimal(0)) for k, p in recips]
    total = sum((p for _, p in pcts), Decimal(0))
    if total == 0:
        return [("unspecified", Decimal(1))], True
    rebased = total != HUNDRED
    return [(k, p / total) for k, p in pcts if p != 0], rebased


def _split(value: Decimal, shares: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """A value split by shares: in whole cents when the value is whole cents (each share's floor,
    then one more cent to the largest remainders, earlier recipients first on ties), else exactly."""
    merged: dict[str, Decimal] = {}
    for key, frac in shares:
        merged[key] = merged.get(key, Decimal(0)) + frac
    keys, fracs = list(merged), list(merged.values())
    cents = value * 100
    if len(keys) == 1 or cents != cents.to_integral_value():
        return [(k, value * f) for k, f in zip(keys, fracs)]
    sign = -1 if cents < 0 else 1
    exact = [abs(cents) * f for f in fracs]
    floors = [int(x) for x in exact]
    leftover = int(abs(cents)) - sum(floors)
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [(k, Decimal(sign * c) / 100) for k, c in zip(keys, floors)]


def _c14n(el) -> tuple[bytes, bool]:
    # Identity of content: the element as lxml serialises it, less the namespace declarations
    # copied onto its start tag from the file's root; the tie-break only needs both sides to agree.
    raw = etree.tostring(el, with_tail=False)
    end = raw.index(b">")
    return re.sub(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"', b"", raw[:end]) + raw[end:], False


def has_content_error(act) -> bool:
    """Whether the product's contract says this activity is skipped whole.

    (A transaction without type or date, an unparseable date, value or timestamp, or a
    recipient percentage that is not a number between 0 and 100.)
    """
    if act.get("last-updated-datetime") and _parse_timestamp(act.get("last-updated-datetime")) is None:
        return True
    for tx in _children(act, "transaction"):
        tt_el = _child(tx, "transaction-type")
        if tt_el is None or not (tt_el.get("code") or "").strip():
            return True
        d_el = _child(tx, "transaction-date")
        iso = ((d_el.get("iso-date") if d_el is not None else "") or "").strip()
        try:
            date.fromisoformat(iso[:10])
        except ValueError:
            return True
        val_el = _child(tx, "value")
        if val_el is not None and _parse_value(_text(val_el)) == "bad":
            return True
    for holder in [act, *_children(act, "transaction")]:
        for tag in ("recipient-country", "recipient-region"):
            for r in _children(holder, tag):
                raw = r.get("percentage")
                if raw is None or not raw.strip():
                    continue
                try:
                    pct = Decimal(raw.strip())
                except Exception:
                    return True
                if not (0 <= pct <= 100):
                    return True
    return False


@dataclass
class _Copy:
    ts: datetime | None
    digest: str
    n_transactions: int
    # (type, key, fy, amount) for USD transactions of summed types
    cells: list[tuple[str, str, int, Decimal]]
    excluded: list[tuple[str, Decimal]]
    rebased: int
    skipped_missing_value: int
    skipped_bad_value: int
    skipped_no_date: int


def _summarize(act, digest: str) -> _Copy:
    act_recips = _recipients(act)
    default_cur = (act.get("default-currency") or "").strip().upper()
    txs = _children(act, "transaction")
    cells: list[tuple[str, str, int, Decimal]] = []
    excluded: list[tuple[str, Decimal]] = []
    rebased = missing = bad = nodate = 0
    for tx in txs:
        tt_el = _child(tx, "transaction-type")
        code = (tt_el.get("code") if tt_el is not None else "") or ""
        code = code.strip()
        ttype = LETTER_TYPES.get(code.upper(), code)
        if ttype not in SUMMED_TYPES:
            continue
        val_el = _child(tx, "value")
        if val_el is None:
            missing += 1
            continue
        val = _parse_value(_text(val_el))
        if val is None:
            missing += 1
            continue
        if val == "bad":
            bad += 1
            continue
        cur = (val_el.get("currency") or "").strip().upper() or default_cur
        if cur != "USD":
            excluded.append((ttype, val))
            continue
        d_el = _child(tx, "transaction-date")
        iso = ((d_el.get("iso-date") if d_el is not None else "") or "").strip()
        try:
            fy = fiscal_year(date.fromisoformat(iso[:10]))
        except ValueError:
            nodate += 1
            continue
        tx_recips = _recipients(tx)
        shares, was_rebased = _shares(tx_recips if tx_recips else act_recips)
        rebased += was_rebased
        for key, amount in _split(val, shares):
            cells.append((ttype, key, fy, amount))
    return _Copy(
        ts=_parse_timestamp(act.get("last-updated-datetime")),
        digest=digest,
        n_transactions=len(txs),
        cells=cells,
        excluded=excluded,
        rebased=rebased,
        skipped_missing_value=missing,
        skipped_bad_value=bad,
        skipped_no_date=nodate,
    )


def _newer(a: _Copy, b: _Copy) -> bool:
    """True if copy a beats copy b (their contents differ)."""
    if a.ts != b.ts:
        if a.ts is None:
            return False
        if b.ts is None:
            return True
        return a.ts > b.ts
    return a.digest > b.digest


def _activities(root):
    if isinstance(root.tag, str) and root.tag == "iati-activity":
        return [root]
    return _children(root, "iati-activity")


def oracle(paths: list[pathlib.Path]) -> Oracle:
    parser = _parser()
    winners: dict[str, _Copy] = {}
    identical = 0
    conflicts: set[str] = set()
    fallbacks = 0
    with localcontext() as ctx:
        ctx.prec = PREC
        for path in paths:
            root = etree.parse(str(path), parser).getroot()
            for act in _activities(root):
                ident = _text(_child(act, "iati-identifier")).strip()
                if not ident or has_content_error(act):
                    continue
                raw, fb = _c14n(act)
                fallbacks += fb
                digest = hashlib.sha256(raw).hexdigest()
                prev = winners.get(ident)
                if prev is not None and prev.digest == digest:
                    identical += 1
                    continue
                copy = _summarize(act, digest)
                if prev is None:
                    winners[ident] = copy
                    continue
                conflicts.add(ident)
                if _newer(copy, prev):
                    winners[ident] = copy

        raw_sums: dict[str, dict[tuple[str, int], Decimal]] = {t: {} for t in SUMMED_TYPES}
        excluded: dict[str, Decimal] = {t: Decimal(0) for t in SUMMED_TYPES}
        for copy in winners.values():
            for ttype, key, fy, amount in copy.cells:
                cell = raw_sums[ttype]
                cell[(key, fy)] = cell.get((key, fy), Decimal(0)) + amount
            for ttype, amount in copy.excluded:
                excluded[ttype] += amount

        funding = {
            (t, "country"): {
                k: v.quantize(CENT, rounding=ROUND_HALF_UP) for k, v in sorted(raw_sums[t].items())
            }
            for t in SUMMED_TYPES
        }

    return Oracle(
        activities=len(winners),
        transactions=sum(c.n_transactions for c in winners.values()),
        funding=funding,
        excluded_non_usd=excluded,
        identical_duplicates=identical,
        conflicts=sorted(conflicts),
        rebased=sum(c.rebased for c in winners.values()),
        skipped_missing_value=sum(c.skipped_missing_value for c in winners.values()),
        skipped_bad_value=sum(c.skipped_bad_value for c in winners.values()),
        skipped_no_date=sum(c.skipped_no_date for c in winners.values()),
        c14n_fallbacks=fallbacks,
    )


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    roots = [pathlib.Path(a) for a in sys.argv[1:]]
    files = sorted(
        p for r in roots for p in ([r] if r.is_file() else r.rglob("*.xml"))
    )
    o = oracle(files)
    print("files", len(files))
    print("activities", o.activities)
    print("transactions", o.transactions)
    for (t, _), cells in o.funding.items():
        print(f"type {t}: cells {len(cells)} total {sum(cells.values(), Decimal(0))}")
    print("excluded_non_usd", o.excluded_non_usd)
    print("identical_duplicates", o.identical_duplicates, "conflicts", len(o.conflicts))
    print(
        "rebased", o.rebased, "missing", o.skipped_missing_value, "bad", o.skipped_bad_value,
        "nodate", o.skipped_no_date, "c14n_fallbacks", o.c14n_fallbacks,
    )
