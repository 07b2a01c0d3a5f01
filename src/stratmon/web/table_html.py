"""A `DataTable`'s cells as HTML, for the `data_table` macro (templates/_macros.html).

In Python rather than in macros: a page's tables hold hundreds of cells, and calling a macro for
each (and one inside it for a text's language) cost more than everything else the cell needs.
What a cell shows is the macros' former rule: "–" when empty, figures and days the page language's
way, texts as they are, a text in another language than the page's marked with its language.
"""

from __future__ import annotations

import re
from decimal import Decimal

from markupsafe import Markup, escape

from stratmon.i18n import InLanguage, _, format_count, format_day, format_measure, format_moment, format_money, \
    format_percent, language_name
from stratmon.web.tables import Column, DataTable

_YEAR_LABEL = re.compile(r"^(\S+) (\d{4})$")


def unbroken_year(value):
    """A label ending in a year ("AF 2019") with a no-break space, so that a narrow column keeps it on one
    line; anything else (a text the data holds above all) as it is."""
    if isinstance(value, str) and not isinstance(value, InLanguage) and value[-4:].isdigit():
        return _YEAR_LABEL.sub("\\1\u00a0\\2", value)
    return value


def in_language(value) -> Markup:
    """`value` for a page. A text the data holds in a known language (`InLanguage`): in another language
    than the page's, it carries its `lang` and a mark, "(en)" to the eye and "(in English)" to a screen reader."""
    if not getattr(value, "is_foreign", False):
        return escape(value)
    lang = escape(value.lang)
    # As a template writes it: the translation is markup, the language's name is escaped into it.
    heard = Markup(_("(in {language})")).format(language=language_name(value.lang))
    return Markup(f'<span lang="{lang}">{escape(value)}</span> <span class="lang-mark"><span aria-hidden="true">'
                  f'({lang})</span><span class="visually-hidden">{heard}</span></span>')


def table_cell(column: Column, value) -> Markup:
    """What one cell of `column` shows for `value`."""
    if value is None:
        return Markup("–")
    kind = column.kind
    if kind == "usd":
        return escape(format_money(Decimal(value)))
    if kind == "count":
        return escape(format_count(value))
    if kind == "percent":
        return escape(format_percent(value))
    if kind == "number":
        return escape(format_measure(Decimal(value)))
    if kind == "date":
        return escape(format_day(value, width="medium"))
    if kind == "moment":
        return escape(format_moment(value))
    return in_language(unbroken_year(value))


def table_cells(table: DataTable, index: int, row: dict, long_keys: set[str]) -> Markup:
    """The cells of row `index` of `table`: the first a row heading, each with its class (figures, days,
    long texts; the data's own words marked as published) and its link where the table has one."""
    cells = []
    for position, column in enumerate(table.columns):
        value = row.get(column.key)
        css = "num" if column.numeric else "date" if column.kind in ("date", "moment") else \
            "long" if column.key in long_keys else ""
        if value is not None and (column.is_published_text or isinstance(value, InLanguage)):
            css = f"{css} as-published".strip()
        tag, attributes = ("th", ' scope="row"') if position == 0 else ("td", "")
        if css:
            attributes += f' class="{css}"'  # class names, nothing to escape
        shown = table_cell(column, value)
        href = table.links and table.link(index, column.key)
        if href:
            shown = f'<a href="{escape(href)}">{shown}</a>'
        cells.append(f"<{tag}{attributes}>{shown}</{tag}>")
    return Markup("".join(cells))
