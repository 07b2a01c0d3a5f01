"""Reading `transaction` elements, which activities have by the thousand.

A publisher repeats most of a transaction from one to the next: its head (the type, date and value the
schema puts first) changes, its tail (description, organisations, disbursement channel, sectors,
recipients, extensions) is often the same, element for element — the U.S. files' 34,918 transactions
have some 5,100 different tails. So the head is read off the activity's serialisation, which the reader
has anyway (the content hash is taken from it), by one regular expression that also says whether the
columns hold it (iati_shape_patterns.py); and each different tail is read once per process, with whether
its columns hold all of it, and its reading shared (`_TAILS`). A tail is known by its serialisation and by
the namespace declarations in scope, which give its prefixes their meaning.

The serialisation is used only where it certainly is the transaction's (`SerialisedTransactions`): it shows
as many `<transaction` start tags as the activity has transactions (then no element deeper down holds one,
and each is one of them, in order). Otherwise — where the expression does not match the head, in an
activity upgraded from 1.0x (whose serialisation is no longer the element's), and wherever a value cannot be
read — the transaction is read child by child (`_read_whole`), which says what is wrong and where.
"""

from __future__ import annotations

import re

from lxml import etree

from stratmon.i18n import _
from stratmon.iati import standard
from stratmon.sources import iati_shapes as shapes
from stratmon.sources.errors import ContentError
from stratmon.sources.iati_common import NAMESPACE_DECLARATION, code_of, first_text, shared_json, to_json
from stratmon.sources.iati_elements import (
    is_dac_vocabulary,
    organisation,
    read_value,
    recipient,
    sector,
    value_columns,
)
from stratmon.sources.iati_records import Transaction
from stratmon.sources.iati_shape_patterns import TRANSACTION_HEAD, plain_transaction_head
from stratmon.sources.values import parse_date


# What the quick reading calls a value and its value-date: never said, for on a content error the
# transaction is read again child by child (_read_whole), which says what is wrong and where.
_UNSAID = ("value", "value-date")

# A tail's serialisation (with the namespaces in scope) → (the tail read into a record of its own, whether its columns
# hold all of it). The records in it are shared by every transaction with that tail and must not be
# changed. Bounded: a hostile file's millions of different tails only empty it now and then.
_TAILS: dict[tuple[bytes, str], tuple[Transaction, bool]] = {}
MAX_SHARED_TAILS = 4096


class SerialisedTransactions:
    """Where the transactions of one activity lie in its serialisation, met one after the other."""

    # A transaction's start tag (not <transaction-type>, <transaction-date>).
    _START = re.compile(r'<transaction(?=[ \t\r\n/>])')

    def __init__(self, serialised: bytes | None, transactions: int) -> None:
        # Decoded once (lxml writes ASCII, other characters as references), for values read off it as text.
        self._serialised = text = serialised.decode("ascii") if serialised and transactions else ""
        starts = [found.start() for found in self._START.finditer(text)]
        # No more start tags than transactions: then none lies deeper down, and each is one of them, in order.
        self._starts = iter(starts if len(starts) == transactions else ())
        # lxml writes the declarations in scope on the activity's start tag (">" is escaped in values).
        self._namespaces = b"".join(NAMESPACE_DECLARATION.findall(serialised[:serialised.index(b">")])) if text else b""

    def next_head(self) -> tuple[tuple[str | None, ...], tuple[bytes, str]] | None:
        """The values of the next transaction's head (iati_shape_patterns.plain_transaction_head) and the key
        of its tail, when the columns certainly hold the head; None otherwise (call once per transaction, in
        order)."""
        start = next(self._starts, None)
        found = plain_transaction_head(self._serialised, start) if start is not None else None
        if found is None:
            return None
        head_end, values = found
        return values, (self._namespaces, self._serialised[head_end:self._serialised.index("</transaction>", head_end)])


def transaction(element: etree._Element, default_currency: str | None,
                serialised: SerialisedTransactions | None = None) -> Transaction:
    """One `transaction` element; kept whole too when its columns cannot hold all of it. `serialised`, the
    activity's, lets the head be read off it and a tail met before be shared rather than read again."""
    found = serialised.next_head() if serialised is not None else None
    if found is None:
        return _read_whole(element, default_currency)
    try:
        return _read_quickly(element, *found, default_currency)
    except (ContentError, _Declined):
        return _read_whole(element, default_currency)  # which says where the content error is, as ever


class _Declined(Exception):
    """The tail holds a head element again: the transaction is read child by child, as it says."""


def _read_quickly(element: etree._Element, head: tuple[str | None, ...], tail_key: tuple[bytes, str],
                  default_currency: str | None) -> Transaction:
    """A transaction whose head the columns hold, read off its serialisation, and its tail shared."""
    shared = _TAILS.get(tail_key)
    if shared is None:
        shared = _read_tail(element[len(TRANSACTION_HEAD):])
        if len(_TAILS) >= MAX_SHARED_TAILS:
            _TAILS.clear()
        _TAILS[tail_key] = shared
    tail, tail_is_plain = shared
    humanitarian, type_code, iso_date, currency, value_date, value_text = head
    value, value_text, currency, value_date = value_columns(value_text, currency, value_date, default_currency,
                                                            _UNSAID)
    transaction_date = parse_date(iso_date, what=_UNSAID[1])
    if transaction_date is None:
        raise ContentError(_UNSAID[1])
    return Transaction(
        element.sourceline or 0, element.get("ref"), standard.transaction_type_code(type_code), transaction_date,
        value, value_text, currency, value_date, tail.description, tail.provider, tail.receiver,
        tail.disbursement_channel, tail.flow_type, tail.finance_type, tail.aid_type, tail.tied_status,
        standard.flag(humanitarian), list(tail.recipients), list(tail.sectors), list(tail.extensions),
        None if tail_is_plain else to_json(element))


def _read_tail(children: list[etree._Element]) -> tuple[Transaction, bool]:
    """A tail read into a record of its own, and whether its columns hold all of it."""
    record = Transaction(0, None, "", None, None, None, None, None)  # type: ignore[arg-type]
    for child in children:
        tag = child.tag
        if tag in TRANSACTION_HEAD:
            raise _Declined
        _read_part(record, child, tag)
    return record, shapes.TRANSACTION.children_hold(children, set(TRANSACTION_HEAD))


def _read_whole(element: etree._Element, default_currency: str | None) -> Transaction:
    """A transaction read child by child."""
    type_code = transaction_date = value_element = None
    line = element.sourceline or 0
    record = Transaction(line, element.get("ref"), "", None, None, None, None, None)  # type: ignore[arg-type]
    for child in element:
        tag = child.tag
        try:
            if tag == "transaction-type":
                type_code = child.get("code")
            elif tag == "transaction-date":
                transaction_date = parse_date(child.get("iso-date"), what="transaction-date")
            elif tag == "value":
                value_element = child
            else:
                _read_part(record, child, tag)
        except ContentError as exc:
            raise exc.at(child)
    if not type_code or not type_code.strip():
        raise ContentError(_("transaction at line {line} has no transaction-type").format(line=line)).at(element)
    if transaction_date is None:
        raise ContentError(_("transaction at line {line} has no transaction-date").format(line=line)).at(element)
    record.type_code = standard.transaction_type_code(type_code)
    record.transaction_date = transaction_date
    record.value, record.value_text, record.currency, record.value_date = read_value(
        value_element, default_currency,
        (lambda: _("transaction value at line {line}").format(line=line),
         lambda: _("transaction value at line {line} value-date").format(line=line)))
    record.humanitarian = standard.flag(element.get("humanitarian"))
    if not shapes.is_plain(element, shapes.TRANSACTION):
        record.published = to_json(element)
    return record


def _read_part(record: Transaction, child: etree._Element, tag: object) -> None:
    """Read one child of a transaction other than its head into `record`."""
    if tag == "sector":
        record.sectors.append(sector(child))
    elif tag == "recipient-country":
        record.recipients.append(recipient(child, "country"))
    elif tag == "recipient-region":
        record.recipients.append(recipient(child, "region"))
    elif tag == "description":
        record.description = first_text(child)
    elif tag == "provider-org":
        record.provider = organisation(child, "provider-activity-id")
    elif tag == "receiver-org":
        record.receiver = organisation(child, "receiver-activity-id")
    elif tag == "disbursement-channel":
        record.disbursement_channel = code_of(child)
    elif tag == "flow-type":
        record.flow_type = code_of(child)
    elif tag == "finance-type":
        record.finance_type = code_of(child)
    elif tag == "aid-type":
        if record.aid_type is None and is_dac_vocabulary(child):
            record.aid_type = code_of(child)
    elif tag == "tied-status":
        record.tied_status = code_of(child)
    elif isinstance(tag, str) and tag[0] == "{":
        record.extensions.append(shared_json(child))
