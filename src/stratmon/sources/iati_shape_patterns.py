"""A fast first answer to "do the columns hold all of this element?" (iati_shapes.py) for transactions,
which activities have by the thousand, read off the activity's serialisation, which the reader has
anyway (its content hash is taken from it).

Each shape compiles to a regular expression over lxml's serialisation of an element: the attributes it
may have with values written as its columns give them back, its children in the schema's order, one
narrative or several, its namespaced extensions. The expression runs in C and answers for a whole
transaction in about half the work of walking it from Python (the U.S. files' 35,000 transactions:
some 0.1 s). It is
conservative: it matches only elements the walker (iati_shapes.is_plain) finds plain, and where it
does not match (a comment inside the element is enough), the walker decides. It is used only where
the serialisation shows as many start tags of the name as the activity has children of it: then no
element deeper down, and no comment or CDATA section, holds one, and each is one of those children.
"""

from __future__ import annotations

import re
from itertools import count

from stratmon.sources import iati_shapes as shapes
from stratmon.sources.iati_shapes import MANY, XML_LANG, Shape

# An attribute value that is not blank: besides spaces, lxml writes whitespace in attributes as &#9;
# &#10; &#13;.
_NOT_BLANK = rb'(?:[ ]|&#(?:9|10|13);)*+(?:[^"\s&]|&(?!#(?:9|10|13);))[^"]*+'
# A narrative's text that is not blank (lxml writes a carriage return in text as &#13;).
_NARRATIVE_TEXT = rb'(?:\s|&#13;)*+(?:[^<\s&]|&(?!#13;))[^<]*+'
_DECLARATION = rb'xmlns(?::[\w.-]++)?="[^"]*+"'


def _attribute_name(name: str) -> bytes:
    return b"xml:lang" if name == XML_LANG else re.escape(name.encode())


def _pattern(tag: str, shape: Shape, names: count) -> bytes:
    """The expression of an element `tag` of `shape` (`names` numbers its named groups)."""
    checks = dict(shape.checks)

    def attribute(name: str) -> bytes:
        return _attribute_name(name) + b'="' + (checks[name].pattern if name in checks else _NOT_BLANK) + b'"'

    # The attributes in any order; one the columns need (at most one: a code, a ref) among them.
    (required,) = shape.required or (None,)
    others = rb'(?:\s++(?:' + b"|".join([_DECLARATION, *(attribute(name) for name in sorted(shape.attributes)
                                                         if name != required)]) + rb'))*+'
    name = re.escape(tag.encode())
    start = b"<" + name + others + (rb'\s++' + attribute(required) + others if required else b"") + rb'\s*+'
    if shape.text is not None and not shape.children and not shape.narratives:
        content = shape.text.pattern
    else:
        content = rb'\s*+'
        if shape.narratives == 1:
            content += rb'(?:<narrative>' + _NARRATIVE_TEXT + rb'</narrative>\s*+)?+'
        elif shape.narratives == MANY:
            content += rb'(?:<narrative(?:\s++xml:lang="[^"]*+")?+>' + _NARRATIVE_TEXT + rb'</narrative>\s*+)*+'
        for child, inner in shape.children.items():
            content += rb'(?:' + _pattern(child, inner, names) + rb'\s*+)' + (
                b"*+" if child in shape.repeatable else b"?+")
        if shape.extensions:
            group = b"x%d" % next(names)
            # Its content runs to its own end tag: text, and any "<" but the one that starts it.
            end = rb'</(?P=' + group + rb')>'
            content += (rb'(?:<(?P<' + group + rb'>[\w.-]++:[\w.-]++)(?:\s++[^\s=]++="[^"]*+")*+\s*+'
                        rb'(?:/>|>(?:[^<]++|<(?!/(?P=' + group + rb')>))*+' + end + rb')\s*+)*+')
    return start + rb'(?:/>|>' + content + rb'</' + name + rb'>)'


# (The activity's other children are few and small: the walker is as quick for them.)
_TRANSACTION = re.compile(_pattern("transaction", shapes.TRANSACTION, count()))
_OPENING = b"<transaction"
_AFTER_NAME = frozenset(b" \t\r\n/>")


def plain_transactions(serialised: bytes | None, transactions: int) -> list[bool] | None:
    """For each of an activity's `transactions` transactions, in order, whether it certainly is plain,
    read off the activity's serialisation; None when the serialisation cannot tell."""
    if serialised is None or not transactions:
        return None
    starts, at = [], serialised.find(_OPENING)
    while at >= 0:  # (bytes.find outruns a regular expression's search)
        if serialised[at + len(_OPENING)] in _AFTER_NAME:  # not <transaction-type>, <transaction-date>
            starts.append(at)
        at = serialised.find(_OPENING, at + 1)
    if len(starts) != transactions:
        return None
    return [_TRANSACTION.match(serialised, start) is not None for start in starts]
