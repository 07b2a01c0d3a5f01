"""HTML the portal and the report share for sentences of the catalogue."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE_SPAN = re.compile(r"`([^`]+)`")


def with_code(text: str | None) -> Markup:
    """A sentence whose `commands` (between backquotes, as the catalogue writes them) show as code: the
    reader sees what to type, and nobody takes a command's English for the page's words."""
    return Markup(_CODE_SPAN.sub(lambda found: f"<code>{found.group(1)}</code>", str(escape(text or ""))))
