"""The head of a transaction read off the activity's serialisation, which the reader has anyway (its content
hash is taken from it): whether the columns hold it (iati_shapes.py), and its values.

A transaction's head — its start tag and the three elements the schema puts first, transaction-type,
transaction-date and value — changes from one transaction to the next, so iati_transactions.py cannot share
its reading as it shares the tail's; it reads it here, with one regular expression over lxml's
serialisation compiled from the shapes: the attributes each element may have, in any order, with values
written as the columns give them back, and the text. The expression is conservative: what it matches the
columns certainly hold (the walker, iati_shapes.is_plain, would say so too); where it does not match (an
attribute or a value written otherwise, a comment), the transaction is read from the tree. Its groups hold
the values lxml would give: the patterns of the values it captures admit no character reference or entity,
so each value is its own text.
"""

from __future__ import annotations

import re
from stratmon.sources import iati_shapes as shapes
from stratmon.sources.iati_shapes import XML_LANG, Shape

# An attribute value that is not blank: besides spaces, lxml writes whitespace in attributes as &#9;
# &#10; &#13;.
_NOT_BLANK = rb'(?:[ ]|&#(?:9|10|13);)*+(?:[^"\s&]|&(?!#(?:9|10|13);))[^"]*+'
_DECLARATION = rb'xmlns(?::[\w.-]++)?="[^"]*+"'


def _attribute_name(name: str) -> bytes:
    return b"xml:lang" if name == XML_LANG else re.escape(name.encode())


class _Groups:
    """The named groups of one expression: which attribute (or, for None, the text) of which element each holds."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, str | None], str] = {}

    def group(self, tag: str, name: str | None, pattern: bytes) -> bytes:
        group = self.names[tag, name] = f"g{len(self.names)}"
        return b"(?P<" + group.encode() + b">" + pattern + b")"


def _start_tag(tag: str, shape: Shape, groups: _Groups, *, declarations: bool = True) -> bytes:
    """The expression of the start tag of an element `tag` of `shape`, its attributes in any order (with
    namespace declarations among them if `declarations`), up to its closing "/>" or ">"."""
    checks = dict(shape.checks)
    attributes = [_attribute_name(name) + b'="' + groups.group(tag, name, checks[name].pattern if name in checks
                                                                else _NOT_BLANK) + b'"'
                  for name in sorted(shape.attributes)]
    # The attributes the columns need, found ahead: lxml escapes '"' and ">" in values, so within the start
    # tag ' name="' is only ever an attribute.
    required = b"".join(rb'(?=[^>]*?\s' + _attribute_name(name) + b'=")' for name in sorted(shape.required))
    return (b"<" + re.escape(tag.encode()) + required + rb'(?:\s++(?:'
            + b"|".join([_DECLARATION, *attributes] if declarations else attributes) + rb'))*+\s*+')


def _childless(tag: str, shape: Shape, groups: _Groups) -> bytes:
    """The expression of an element `tag` of `shape`, which has neither children nor narratives."""
    if shape.children or shape.narratives or shape.extensions:
        raise ValueError(f"{tag}: only an element without children is read off its serialisation")
    name = re.escape(tag.encode())
    content = groups.group(tag, None, shape.text.pattern) if shape.text is not None else rb'\s*+'
    return _start_tag(tag, shape, groups) + rb'(?:/>|>' + content + rb'</' + name + rb'>)'


TRANSACTION_HEAD = ("transaction-type", "transaction-date", "value")
_HEAD_GROUPS = _Groups()
# Run on the serialisation decoded (it is ASCII: lxml writes other characters as references), so that the
# groups are the values' text as they are. The transaction declares no namespace: that would give its tail's
# prefixes a meaning its bytes do not show (iati_transactions.py).
_HEAD = re.compile((
    _start_tag("transaction", shapes.TRANSACTION, _HEAD_GROUPS, declarations=False) + b">" + b"".join(
        rb'\s*+' + _childless(tag, shapes.TRANSACTION.children[tag], _HEAD_GROUPS) for tag in TRANSACTION_HEAD)
).decode("ascii"), re.ASCII)
# The values `plain_transaction_head` gives, in its order.
_HEAD_VALUES = tuple(_HEAD_GROUPS.names[key] for key in (
    ("transaction", "humanitarian"), ("transaction-type", "code"), ("transaction-date", "iso-date"),
    ("value", "currency"), ("value", "value-date"), ("value", None)))


def plain_transaction_head(serialised: str, start: int) -> tuple[int, tuple[str | None, ...]] | None:
    """Where the head of the transaction that starts at `start` in `serialised` (decoded) ends, and its values
    as lxml would give them (None where absent): humanitarian, transaction-type code, transaction-date
    iso-date, value currency, value-date and text; when the columns certainly hold the head and the
    transaction's attributes. None when the expression cannot tell."""
    found = _HEAD.match(serialised, start)
    return (found.end(), found.group(*_HEAD_VALUES)) if found is not None else None
